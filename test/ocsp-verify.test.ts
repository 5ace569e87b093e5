// The OCSP client side: request building, response verification (pure, time as a parameter) and
// the emulator's fetch-and-classify, against our responder in every content fault and against
// openssl's own responder (so the verifier is not tailored to what we sign).

import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { readCertificates, type CertInfo } from '../src/ocsp/cert.js';
import { aiaOcspUrls, buildOcspRequest, decodeOcspResponse, verifyOcspResponse } from '../src/ocsp/verify.js';
import { parseRequest } from '../src/ocsp/request.js';
import { checkOcsp } from '../src/emulator/ocsp-client.js';
import { makeOpensslCa, tempDir, type KeySpec } from './helpers/openssl.js';
import { startResponder } from './helpers/responder.js';
import { opensslResponder } from './helpers/openssl-responder.js';

const cert = (path: string): CertInfo => readCertificates(readFileSync(path))[0];

async function lab(key: KeySpec = 'rsa') {
  const ca = await makeOpensslCa(tempDir(), { key });
  const leaf = await ca.issue('leaf.example', 'leaf', key);
  const gone = await ca.issue('revoked.example', 'leaf', key);
  const signer = await ca.issue('ocsp-signer', 'ocsp_signer', key);
  const rv = await ca.revoke(gone.pem);
  if (rv.code !== 0) throw new Error(rv.stderr);
  return { ca, leaf, gone, signer, issuer: cert(ca.cacert) };
}

function postRaw(url: string, body: Buffer): Promise<Buffer> {
  return new Promise((res, rej) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' } }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => res(Buffer.concat(chunks)));
    });
    req.on('error', rej);
    req.end(body);
  });
}

t.test('the request is one SHA-1 CertID with a nonce, as our own decoder reads it', async (t) => {
  const l = await lab();
  const leaf = cert(l.leaf.pem);
  const r = buildOcspRequest(leaf, l.issuer);
  const back = parseRequest(r.der);
  t.equal(back.certIds.length, 1);
  t.equal(back.certIds[0].hash, 'sha1');
  t.equal(back.certIds[0].serial, leaf.serial);
  t.same(back.nonce?.value, r.nonce);
  t.equal(buildOcspRequest(leaf, l.issuer, { nonce: false }).nonce, undefined);
});

t.test('AIA OCSP URL is read from a certificate', async (t) => {
  const ca = await makeOpensslCa(tempDir());
  const plain = await ca.issue('no-aia.example');
  t.same(aiaOcspUrls(cert(plain.pem)), [], 'no AIA, no URL');
  const { createLab } = await import('../src/ca/index.js');
  const { lab: m } = await createLab({ dir: join(tempDir(), 'lab') });
  t.same(aiaOcspUrls(cert(m.certs.qm.cert)), [m.cas.qm.responder.url]);
});

t.test('our responder: every status and content fault is classified', async (t) => {
  const l = await lab();
  const r = await startResponder({ cas: [{ name: 'ca', index: join(l.ca.dir, 'index.txt'), ca: l.ca.cacert, rsigner: l.signer.pem, rkey: l.signer.key }] });
  t.teardown(r.close);
  const leaf = cert(l.leaf.pem);
  const check = (c: CertInfo = leaf) => checkOcsp(r.url, c, l.issuer, 2000);
  t.equal((await check()).outcome, 'good');
  t.match((await check()).detail, /delegated responder/);
  t.equal((await check(cert(l.gone.pem))).outcome, 'revoked');
  const cases: Array<[string, string]> = [
    ['status unknown', 'undetermined-b'],
    ['wrong-serial', 'undetermined-b'],
    ['unauthorized', 'undetermined-b'],
    ['bad-signature', 'undetermined-c'],
    ['wrong-signer', 'undetermined-c'],
    ['wrong-nonce', 'undetermined-c'],
    ['stale', 'undetermined-c'],
    ['future', 'undetermined-c'],
    ['tryLater', 'undetermined-a'],
    ['internalError', 'undetermined-a'],
    ['garbage', 'undetermined-a'],
    ['empty', 'undetermined-a'],
    ['http-error 503', 'undetermined-a'],
    ['no-nonce', 'good'],
    ['no-certs', 'undetermined-c'],
  ];
  for (const [mode, want] of cases) {
    await r.responder.setMode('ca', mode);
    const got = await check();
    t.equal(got.outcome, want, `${mode}: ${got.detail}`);
  }
  await r.responder.setMode('ca', 'down');
  const down = await check();
  t.equal(down.outcome, 'undetermined-a');
  t.match(down.detail, /ECONNREFUSED/);
  await r.responder.setMode('ca', 'blackhole');
  const hole = await checkOcsp(r.url, leaf, l.issuer, 300);
  t.equal(hole.outcome, 'undetermined-a');
  t.ok(hole.ms >= 290, `waited ${hole.ms} ms`);
  await r.responder.clearMode('ca');
});

t.test('verification is pure: the same bytes judged at other times', async (t) => {
  const l = await lab();
  const r = await startResponder({ cas: [{ index: join(l.ca.dir, 'index.txt'), ca: l.ca.cacert, rkey: l.ca.cakey, nmin: 10 }] });
  t.teardown(r.close);
  const leaf = cert(l.leaf.pem);
  const req = buildOcspRequest(leaf, l.issuer);
  const der = await postRaw(r.url, req.der);
  const d = decodeOcspResponse(der);
  t.equal(d.status, 'successful');
  t.ok(d.basic?.singles[0].nextUpdate);
  const at = (ms: number) => verifyOcspResponse(der, { cert: leaf, issuer: l.issuer, nonce: req.nonce, now: new Date(Date.now() + ms) });
  t.equal(at(0).class, 'good');
  t.equal(at(0).signer, 'ca', 'signed with the CA key itself');
  t.equal(at(14 * 60_000).class, 'good', 'within the 5 minute leeway after nextUpdate');
  t.equal(at(20 * 60_000).class, 'untrusted', 'after nextUpdate');
  t.equal(at(-20 * 60_000).class, 'untrusted', 'thisUpdate in the future');
  const other = cert((await l.ca.issue('other.example')).pem);
  t.equal(verifyOcspResponse(der, { cert: other, issuer: l.issuer, now: new Date() }).class, 'unknown', 'an answer about another serial');
  const stranger = cert((await makeOpensslCa(tempDir(), { cn: 'stranger' })).cacert);
  t.equal(verifyOcspResponse(der, { cert: leaf, issuer: stranger, now: new Date() }).class, 'untrusted', 'signed by a CA other than the issuer');
  t.equal(verifyOcspResponse(Buffer.from('not der'), { cert: leaf, issuer: l.issuer, now: new Date() }).class, 'unavailable');
});

for (const key of ['ec-p256', 'ed25519'] as const) {
  t.test(`signatures with ${key} keys verify`, async (t) => {
    const l = await lab(key);
    const r = await startResponder({ cas: [{ index: join(l.ca.dir, 'index.txt'), ca: l.ca.cacert, rsigner: l.signer.pem, rkey: l.signer.key }] });
    t.teardown(r.close);
    t.equal((await checkOcsp(r.url, cert(l.leaf.pem), l.issuer, 2000)).outcome, 'good');
    t.equal((await checkOcsp(r.url, cert(l.gone.pem), l.issuer, 2000)).outcome, 'revoked');
  });
}

t.test('RSA-PSS and ResponderID byKey verify', async (t) => {
  const l = await lab();
  const r = await startResponder({ cas: [{ index: join(l.ca.dir, 'index.txt'), ca: l.ca.cacert, rkey: l.ca.cakey, pss: true, respKeyId: true, rmd: 'sha384' }] });
  t.teardown(r.close);
  t.equal((await checkOcsp(r.url, cert(l.leaf.pem), l.issuer, 2000)).outcome, 'good');
});

t.test("openssl ocsp as the responder: delegated signer, CA key, byKey, nextUpdate", async (t) => {
  const l = await lab();
  const idx = join(l.ca.dir, 'index.txt');
  const leaf = cert(l.leaf.pem);
  const gone = cert(l.gone.pem);
  const delegated = await opensslResponder(t, ['-index', idx, '-CA', l.ca.cacert, '-rsigner', l.signer.pem, '-rkey', l.signer.key], 2);
  t.equal((await checkOcsp(delegated, leaf, l.issuer, 3000)).outcome, 'good');
  t.equal((await checkOcsp(delegated, gone, l.issuer, 3000)).outcome, 'revoked');
  const byCa = await opensslResponder(t, ['-index', idx, '-CA', l.ca.cacert, '-rsigner', l.ca.cacert, '-rkey', l.ca.cakey, '-resp_key_id', '-nmin', '5'], 1);
  const got = await checkOcsp(byCa, leaf, l.issuer, 3000);
  t.equal(got.outcome, 'good', got.detail);
  t.match(got.detail, /CA/);
  // A responder certificate the CA never issued for OCSP: openssl signs, we must refuse.
  const plain = await l.ca.issue('plain-leaf');
  const wrong = await opensslResponder(t, ['-index', idx, '-CA', l.ca.cacert, '-rsigner', plain.pem, '-rkey', plain.key], 1);
  const bad = await checkOcsp(wrong, leaf, l.issuer, 3000);
  t.equal(bad.outcome, 'undetermined-c');
  t.match(bad.detail, /OCSPSigning/);
});
