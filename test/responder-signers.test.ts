// Signer variants accepted by openssl's client: delegated responder certificate, ResponderID by
// key, encrypted CA keys with each pass phrase source, RSA-PSS, ECDSA and Ed25519, -rmd.

import t from 'tap';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { makeOpensslCa, opensslQuery, tempDir, type KeySpec } from './helpers/openssl.js';
import { startResponder } from './helpers/responder.js';

t.test('delegated signer with id-kp-OCSPSigning verifies with only -CAfile cacert.pem', async (t) => {
  const ca = await makeOpensslCa(tempDir());
  const leaf = await ca.issue('leaf.example');
  const signer = await ca.issue('ocsp-signer', 'ocsp_signer');
  const r = await startResponder({ cas: [{ index: join(ca.dir, 'index.txt'), ca: ca.cacert, rsigner: signer.pem, rkey: signer.key }] });
  t.teardown(r.close);
  const q = await opensslQuery({ issuer: ca.cacert, target: leaf.pem, url: r.url, cafile: ca.cacert });
  t.ok(q.verified, q.stderr);
  t.equal(q.status, 'good');
  t.same(r.responder.cas[0].warnings, [], 'no load warnings for a proper delegated signer');
});

t.test('a responder certificate without OCSPSigning gets a load warning, and openssl rejects its answers', async (t) => {
  const ca = await makeOpensslCa(tempDir());
  const leaf = await ca.issue('leaf.example');
  const notSigner = await ca.issue('not-a-signer');
  const r = await startResponder({ cas: [{ index: join(ca.dir, 'index.txt'), ca: ca.cacert, rsigner: notSigner.pem, rkey: notSigner.key }] });
  t.teardown(r.close);
  t.match(r.responder.cas[0].warnings.join('\n'), /lacks id-kp-OCSPSigning/);
  const q = await opensslQuery({ issuer: ca.cacert, target: leaf.pem, url: r.url, cafile: ca.cacert });
  t.notOk(q.verified);
});

t.test('-resp_key_id (ResponderID byKey), -resp_no_certs with -VAfile, -rmd sha384/sha1', async (t) => {
  const ca = await makeOpensslCa(tempDir());
  const leaf = await ca.issue('leaf.example');
  const base = { index: join(ca.dir, 'index.txt'), ca: ca.cacert, rkey: ca.cakey };
  const r = await startResponder({ cas: [{ ...base, respKeyId: true, rmd: 'sha384' }] });
  t.teardown(r.close);
  const q = await opensslQuery({ issuer: ca.cacert, target: leaf.pem, url: r.url, cafile: ca.cacert, args: ['-resp_text'] });
  t.ok(q.verified, q.stderr);
  t.match(q.stdout, /Responder Id: [0-9A-F]{40}/, 'byKey responder id');
  t.match(q.stdout, /Signature Algorithm: sha384WithRSAEncryption/);
  const r2 = await startResponder({ cas: [{ ...base, noCerts: true, rmd: 'sha1' }] });
  t.teardown(r2.close);
  const q2 = await opensslQuery({ issuer: ca.cacert, target: leaf.pem, url: r2.url, cafile: ca.cacert, args: ['-resp_text', '-VAfile', ca.cacert] });
  t.ok(q2.verified, q2.stderr);
  t.notMatch(q2.stdout, /Certificate:\n/, 'no certificates in the response');
  t.match(q2.stdout, /sha1WithRSAEncryption/);
});

t.test('encrypted CA keys: PKCS#8 and traditional PEM, with pass:, env:, file:, stdin', async (t) => {
  for (const keyFormat of ['pkcs8', 'traditional'] as const) {
    const ca = await makeOpensslCa(tempDir(), { pass: 'winca', keyFormat });
    const leaf = await ca.issue('leaf.example');
    const passFile = join(ca.dir, 'pass.txt');
    writeFileSync(passFile, 'winca\n');
    process.env.OCSPLAB_TEST_PASS = 'winca';
    for (const passin of ['pass:winca', 'env:OCSPLAB_TEST_PASS', `file:${passFile}`]) {
      const r = await startResponder({ cas: [{ index: join(ca.dir, 'index.txt'), ca: ca.cacert, rsigner: ca.cacert, rkey: ca.cakey, passin }] });
      const q = await opensslQuery({ issuer: ca.cacert, target: leaf.pem, url: r.url, cafile: ca.cacert });
      t.ok(q.verified, `${keyFormat} ${passin.split(':')[0]}: verify OK`);
      t.equal(q.status, 'good');
      t.notMatch(JSON.stringify(r.logs), /winca/, 'pass phrase never logged');
      await r.close();
    }
    await t.rejects(
      startResponder({ cas: [{ index: join(ca.dir, 'index.txt'), ca: ca.cacert, rkey: ca.cakey, passin: 'pass:wrong' }] }),
      /cannot decrypt the key/,
      `${keyFormat}: wrong pass phrase is a clear error`,
    );
  }
});

const keyTypes: Array<[KeySpec, string, Record<string, unknown>]> = [
  ['rsa', 'RSA-PSS via -rsigopt', { pss: true }],
  ['rsa-pss', 'RSA-PSS key', {}],
  ['ec-p256', 'ECDSA P-256', {}],
  ['ec-p384', 'ECDSA P-384', { rmd: 'sha384' }],
  ['ed25519', 'Ed25519', {}],
];
for (const [key, name, extra] of keyTypes) {
  t.test(`${name} signer`, async (t) => {
    const ca = await makeOpensslCa(tempDir(), { key });
    const leaf = await ca.issue('leaf.example');
    const r = await startResponder({ cas: [{ index: join(ca.dir, 'index.txt'), ca: ca.cacert, rkey: ca.cakey, ...extra }] });
    t.teardown(r.close);
    const q = await opensslQuery({ issuer: ca.cacert, target: leaf.pem, url: r.url, cafile: ca.cacert, args: ['-resp_text'] });
    t.ok(q.verified, q.stderr);
    t.equal(q.status, 'good');
    if (extra.pss || key === 'rsa-pss') t.match(q.stdout, /rsassaPss/);
  });
}
