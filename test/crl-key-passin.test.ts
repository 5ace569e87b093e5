// A delegated OCSP signer and an encrypted CA key for CRLs (--crl-key): both pass phrases come
// from one place (resolveKeyPassins) in one process and with workers. Before, -passin stdin gave
// its line to the signer key and the CA key then found stdin empty; with workers, a CA key
// encrypted behind an unencrypted signer key was asked for in every worker, which has no stdin.

import t, { type Test } from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './helpers/ca-tools.js';
import { startCli, type Started } from './helpers/cli.js';
import { opensslQuery, run, tempDir } from './helpers/openssl.js';
import { initCa, issue, responderCert } from '../src/ca/index.js';

const dir = tempDir('ocsplab-crl-passin-');
const ca = await initCa({ dir: join(dir, 'ca'), cn: 'Passin CA', passout: 'pass:ca-secret' });
const leaf = await issue({ dir: ca.dir, cn: 'leaf', passin: 'pass:ca-secret', out: join(dir, 'leaf') });
const signer = await responderCert({ dir: ca.dir, passin: 'pass:ca-secret', out: join(dir, 'signer') });
/** The signer key encrypted with `pass`, as openssl pkcs8 writes it. */
async function encryptedSigner(pass: string): Promise<string> {
  const out = join(dir, `signer-${pass}.key.pem`);
  const r = await run('openssl', ['pkcs8', '-topk8', '-in', signer.keyPath, '-out', out, '-passout', `pass:${pass}`, '-v2', 'aes-256-cbc']);
  if (r.code !== 0) throw new Error(r.stderr);
  return out;
}

const base = (rkey: string) => ['-index', join(ca.dir, 'index.txt'), '-CA', ca.cacert, '-rsigner', signer.certPath, '-rkey', rkey, '--name', 'pc', '--crl-key', ca.cakey];

/** Fetches the CRL `n` times on fresh connections (so both workers answer) and has openssl verify each. */
async function crlsVerify(t: Test, port: number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = await fetch(`http://127.0.0.1:${port}/crl/pc.crl`, { headers: { connection: 'close' } });
    t.equal(r.status, 200, `CRL fetch ${i + 1}: 200`);
    const f = join(dir, `crl-${port}-${i}.der`);
    writeFileSync(f, Buffer.from(await r.arrayBuffer()));
    const v = await run('openssl', ['crl', '-inform', 'DER', '-in', f, '-CAfile', ca.cacert, '-noout']);
    t.match(v.stderr + v.stdout, /verify OK/, `CRL fetch ${i + 1}: signed by the CA (openssl crl)`);
  }
}

async function ocspGood(t: Test, port: number): Promise<void> {
  const q = await opensslQuery({ issuer: ca.cacert, target: leaf.certPath, url: `http://127.0.0.1:${port}`, cafile: ca.cacert });
  t.ok(q.verified, `OCSP answer signed by the delegated signer verifies: ${q.stderr}`);
  t.equal(q.status, 'good');
}

const stop = (s: Started) => s.child.kill('SIGTERM');

t.test('-passin stdin, both keys encrypted with it, one process: one line serves both', async (t) => {
  const port = await freePort();
  const s = await startCli([...base(await encryptedSigner('ca-secret')), '-passin', 'stdin', '-port', String(port), '--workers', '1'], { input: 'ca-secret\n' });
  t.teardown(() => stop(s));
  await ocspGood(t, port);
  await crlsVerify(t, port, 1);
  t.notMatch(s.out(), /ca-secret/, 'the pass phrase is not printed');
});

t.test('-passin stdin, only the CA key encrypted, two workers: the primary reads it, every worker signs CRLs', async (t) => {
  const port = await freePort();
  const s = await startCli([...base(signer.keyPath), '-passin', 'stdin', '-port', String(port), '--workers', '2'], { input: 'ca-secret\n' });
  t.teardown(() => stop(s));
  await ocspGood(t, port);
  await crlsVerify(t, port, 4);
  t.notMatch(s.out(), /ca-secret/);
});

t.test('--crl-passin: a CA key pass phrase of its own, one process and two workers; a wrong one named, not printed', async (t) => {
  const rkey = await encryptedSigner('signer-secret');
  const env = { ...process.env, CRL_PASS: 'ca-secret', WRONG_PASS: 'not-it' };
  for (const workers of ['1', '2']) {
    const port = await freePort();
    const s = await startCli([...base(rkey), '-passin', 'env:SIGNER_PASS', '--crl-passin', 'env:CRL_PASS', '-port', String(port), '--workers', workers], { env: { ...env, SIGNER_PASS: 'signer-secret' } });
    t.teardown(() => stop(s));
    await ocspGood(t, port);
    await crlsVerify(t, port, workers === '1' ? 1 : 4);
  }
  const port = await freePort();
  const bad = await startCli([...base(rkey), '-passin', 'env:SIGNER_PASS', '--crl-passin', 'env:WRONG_PASS', '-port', String(port)], { env: { ...env, SIGNER_PASS: 'signer-secret' } }).catch((e: Error) => e);
  t.ok(bad instanceof Error, 'does not start');
  t.match((bad as Error).message, /--crl-key: .*cakey\.pem: cannot decrypt the key \(wrong pass phrase\?\)/);
  t.notMatch((bad as Error).message, /not-it|ca-secret|signer-secret/, 'no pass phrase in the message');
});
