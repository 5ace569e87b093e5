// The codec on its own: request decoding from openssl-made requests, limits, GET paths, and
// fixed error responses. No sockets.

import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MalformedRequest, parseRequest } from '../src/ocsp/request.js';
import { ERROR_RESPONSES } from '../src/ocsp/response.js';
import { octetString, oid, seq, explicit, tlv, NULL } from '../src/ocsp/der.js';
import { decodeGetPath } from '../src/responder/ocsp-routes.js';
import { makeOpensslCa, run, tempDir } from './helpers/openssl.js';

t.test('requests made by openssl: several CertIDs, each hash, nonce', async (t) => {
  const ca = await makeOpensslCa(tempDir());
  const a = await ca.issue('a.example');
  const b = await ca.issue('b.example');
  for (const h of ['sha1', 'sha256', 'sha384', 'sha512']) {
    const out = join(ca.dir, `${h}.der`);
    const r = await run('openssl', ['ocsp', '-issuer', ca.cacert, `-${h}`, '-cert', a.pem, '-cert', b.pem, '-reqout', out]);
    t.equal(r.code, 0);
    const req = parseRequest(readFileSync(out));
    t.equal(req.certIds.length, 2);
    t.equal(req.certIds[0].hash, h);
    t.equal(req.certIds[0].serial, a.serial.replace(/^0+/, ''));
    t.equal(req.certIds[1].serial, b.serial.replace(/^0+/, ''));
    t.equal(req.nonce?.value.length, 16, 'openssl sends a 16-octet nonce');
    t.equal(req.signed, false);
  }
});

function requestWithNonce(n: number): Buffer {
  const certId = seq(seq(oid('1.3.14.3.2.26'), NULL), octetString(Buffer.alloc(20)), octetString(Buffer.alloc(20)), tlv(0x02, Buffer.from([1])));
  const ext = seq(oid('1.3.6.1.5.5.7.48.1.2'), octetString(octetString(Buffer.alloc(n, 7))));
  return seq(seq(seq(seq(certId)), explicit(2, seq(ext))));
}

t.test('nonce length per RFC 8954, CertID limit, garbage', async (t) => {
  t.equal(parseRequest(requestWithNonce(32)).nonce?.value.length, 32);
  t.throws(() => parseRequest(requestWithNonce(33)), MalformedRequest);
  t.throws(() => parseRequest(requestWithNonce(0)), /empty nonce/);
  const many = seq(seq(seq(...Array.from({ length: 3 }, () => seq(seq(seq(oid('1.3.14.3.2.26'), NULL), octetString(Buffer.alloc(20)), octetString(Buffer.alloc(20)), tlv(0x02, Buffer.from([1]))))))));
  t.equal(parseRequest(many).certIds.length, 3);
  t.throws(() => parseRequest(many, { maxCertIds: 2, maxNonce: 32 }), /3 CertIDs, limit is 2/);
  for (const junk of [Buffer.alloc(0), Buffer.from('hello'), Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), Buffer.from([0x30, 0x80, 0, 0]), requestWithNonce(16).subarray(0, 20)]) {
    t.throws(() => parseRequest(junk), MalformedRequest);
  }
});

t.test('GET path decoding', async (t) => {
  const der = requestWithNonce(16);
  const b64 = der.toString('base64');
  t.same(decodeGetPath(`/${encodeURIComponent(b64)}`), der);
  t.same(decodeGetPath(`//${b64}`), der, 'doubled leading slash');
  t.same(decodeGetPath(`/ocsp/${encodeURIComponent(b64)}`), der, 'path prefix');
  t.same(decodeGetPath(`/${b64.replace(/\+/g, '%2B').replace(/=/g, '%3D')}`), der);
  t.equal(decodeGetPath('/%zz'), undefined);
  t.equal(decodeGetPath('/favicon.ico'), undefined);
});

t.test('error responses are the fixed encodings of RFC 6960', async (t) => {
  t.same([...ERROR_RESPONSES.malformedRequest], [0x30, 0x03, 0x0a, 0x01, 0x01]);
  t.same([...ERROR_RESPONSES.unauthorized], [0x30, 0x03, 0x0a, 0x01, 0x06]);
  t.same([...ERROR_RESPONSES.sigRequired], [0x30, 0x03, 0x0a, 0x01, 0x05]);
});
