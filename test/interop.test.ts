// Interop (issue 7): our responses checked by OCSP clients nobody here wrote — GnuTLS ocsptool,
// the JDK's PKIX revocation checker, pyca/cryptography and openssl — over the matrix in
// test/interop/matrix.ts. A client that is not installed is skipped with its install line;
// OCSPLAB_INTEROP_REQUIRE=1 turns that into a failure (CI installs them all).

import t from 'tap';
import { CLIENTS } from './interop/clients/index.js';
import { cases, expected, labCas, SIGNERS } from './interop/matrix.js';
import { parseJava } from './interop/clients/java.js';
import { parsePython } from './interop/clients/python.js';
import { runMatrix } from './interop/runner.js';
import { formatTable } from './interop/table.js';

t.test('the matrix covers every dimension, and every case is run by at least two clients', async (t) => {
  const all = cases();
  t.same(new Set(all.map((c) => c.leaf)), new Set(['good', 'revoked', 'unknown']));
  t.same(new Set(all.map((c) => c.certIdHash)), new Set(['sha1', 'sha256']));
  t.same(new Set(all.map((c) => c.method).filter(Boolean)), new Set(['POST', 'GET']));
  t.same(new Set(all.map((c) => c.nonce)), new Set([true, false]));
  t.same(new Set(all.map((c) => c.fault).filter(Boolean)), new Set(['bad-signature', 'wrong-signer', 'stale', 'wrong-nonce']));
  // RSA/EC × CA/delegated × byName/byKey in four CAs: each value twice, no two CAs alike.
  t.equal(new Set(SIGNERS.map((s) => `${s.key} ${s.signer} ${s.responderId}`)).size, SIGNERS.length);
  for (const v of ['rsa', 'ec', 'ca', 'delegated', 'byName', 'byKey']) t.equal(SIGNERS.filter((s) => [s.key, s.signer, s.responderId].includes(v as never)).length, 2, v);
  t.equal(new Set(all.map((c) => c.id)).size, all.length, 'case ids unique');
  for (const c of all) t.ok(labCas().some((l) => l.id === c.ca), `${c.id}: its CA is in the lab`);
  for (const c of all) {
    const runners = CLIENTS.filter((k) => !k.notApplicable(c)).map((k) => k.name);
    t.ok(runners.length >= 2, `${c.id}: run by ${runners.join(', ')}`);
  }
  t.equal(expected(all.find((c) => c.fault === 'stale')!).outcome, 'rejected');
});

t.test('client output parsing', async (t) => {
  t.same(parseJava('RESULT REVOKED reason=KEY_COMPROMISE Certificate has been revoked\n', ''), {
    outcome: 'revoked',
    reason: 'KEY_COMPROMISE',
    detail: 'REVOKED reason=KEY_COMPROMISE Certificate has been revoked',
  });
  t.equal(parseJava("RESULT UNDETERMINED Certificate's revocation status is unknown", '').outcome, 'unknown');
  // The JDK reports "no response" with the same reason code as "unknown": that is an error here.
  t.equal(parseJava('RESULT UNDETERMINED Unable to determine revocation status due to network error', '').outcome, 'error');
  t.equal(parseJava("RESULT FAILED CertPathValidatorException reason=UNSPECIFIED: Error verifying OCSP Response's signature", '').outcome, 'rejected');
  t.equal(parseJava('', 'Error: Could not find or load main class OcspCheck').outcome, 'error');
  t.same(parsePython('{"outcome": "revoked", "reason": "superseded"}\n', '').reason, 'superseded');
  t.equal(parsePython('Traceback ...', 'ImportError').outcome, 'error');
  t.equal(parsePython('{"outcome": "fine"}', '').outcome, 'error', 'an outcome outside the vocabulary is an error');
});

t.test('interop matrix', async (t) => {
  const run = await runMatrix();
  t.comment(formatTable(run));
  for (const client of run.clients) {
    const skip = client.unavailable ? `${client.name} skipped: ${client.unavailable}` : false;
    t.test(client.name, { skip }, async (t) => {
      for (const cell of run.cells.filter((c) => c.client === client.name)) {
        // n/a: the client cannot express this request shape (reason in the table's notes).
        if (cell.status === 'n/a') continue;
        const gap = cell.note ? ` [gap: ${cell.note}]` : '';
        for (const k of cell.checks) t.same(k.actual, k.expected, `${cell.case.id}: ${k.what}${gap}`, { detail: cell.observed?.detail });
      }
    });
    if (client.unavailable && process.env.OCSPLAB_INTEROP_REQUIRE === '1') t.fail(`${client.name} required (OCSPLAB_INTEROP_REQUIRE=1): ${client.unavailable}`);
  }
});
