// `npm run bench:crypto`: the figures behind ocsplab's crypto choices (README "Crypto choices"):
// one signed OCSP response built the naive pkijs way with Node's WebCrypto and with
// @peculiar/webcrypto, against ocsplab's per-request path (DER assembly + node:crypto), plus the
// raw RSA-2048 signature each way.

import { webcrypto } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { Crypto as PeculiarCrypto } from '@peculiar/webcrypto';
import { readCertificates } from '../src/ocsp/cert.js';
import { createSigner } from '../src/ocsp/signer.js';
import { buildResponse } from '../src/ocsp/response.js';
import { initCa } from '../src/ca/index.js';
import { loadPrivateKey } from '../src/crypto/keys.js';
import { octetString, seq, oid, NULL, tlv } from '../src/ocsp/der.js';

async function timeIt(name: string, f: () => unknown | Promise<unknown>, ms = 1500): Promise<{ name: string; us: number }> {
  for (let i = 0; i < 20; i++) await f();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < ms) {
    await f();
    n++;
  }
  return { name, us: ((performance.now() - t0) / n) * 1000 };
}

async function pkijsResponse(engine: pkijs.ICryptoEngine, cryptoKey: CryptoKey, caDer: Buffer, requestDer: Buffer): Promise<ArrayBuffer> {
  const req = pkijs.OCSPRequest.fromBER(new Uint8Array(requestDer));
  const ca = pkijs.Certificate.fromBER(new Uint8Array(caDer));
  const basic = new pkijs.BasicOCSPResponse();
  basic.tbsResponseData.responderID = ca.subject;
  basic.tbsResponseData.producedAt = new Date();
  for (const r of req.tbsRequest.requestList) {
    basic.tbsResponseData.responses.push(
      new pkijs.SingleResponse({ certID: r.reqCert, certStatus: new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, lenBlock: { length: 0 } }), thisUpdate: new Date() }),
    );
  }
  basic.certs = [ca];
  await basic.sign(cryptoKey, 'SHA-256', engine);
  return basic.toSchema().toBER(false);
}

async function main(): Promise<void> {
  // The CA tool makes the RSA-2048 CA, as in every lab.
  const paths = await initCa({ dir: join(mkdtempSync(join(tmpdir(), 'ocsplab-crypto-')), 'ca'), cn: 'bench CA', key: 'rsa2048' });
  const privateKey = await loadPrivateKey(paths.cakey);
  const [ca] = readCertificates(readFileSync(paths.cacert));
  const caDer = ca.der;
  const certId = seq(seq(oid('1.3.14.3.2.26'), NULL), octetString(Buffer.alloc(20, 1)), octetString(Buffer.alloc(20, 2)), tlv(0x02, Buffer.from([0x10, 0x01])));
  const requestDer = seq(seq(seq(seq(certId))));
  const pkcs8 = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const nativeEngine = new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as Crypto });
  const peculiar = new PeculiarCrypto();
  const peculiarEngine = new pkijs.CryptoEngine({ name: 'peculiar', crypto: peculiar as unknown as Crypto });
  const nativeKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, alg, false, ['sign']);
  const peculiarKey = await peculiar.subtle.importKey('pkcs8', pkcs8, alg, false, ['sign']);
  const signer = createSigner(ca, privateKey, { certs: [ca] });
  const tbs = Buffer.alloc(300, 7);
  const tbsView = new Uint8Array(tbs);
  const rows = [
    await timeIt('pkijs response, Node WebCrypto', () => pkijsResponse(nativeEngine, nativeKey as CryptoKey, caDer, requestDer)),
    await timeIt('pkijs response, @peculiar/webcrypto', () => pkijsResponse(peculiarEngine, peculiarKey as unknown as CryptoKey, caDer, requestDer)),
    await timeIt('ocsplab response (DER assembly + node:crypto)', () => buildResponse(signer, { producedAt: new Date(), singles: [{ certId, status: { kind: 'good' }, thisUpdate: new Date() }] })),
    await timeIt('pkijs OCSPRequest.fromBER', () => pkijs.OCSPRequest.fromBER(new Uint8Array(requestDer))),
    await timeIt('RSA-2048 sign, Node WebCrypto', () => webcrypto.subtle.sign(alg, nativeKey, tbsView)),
    await timeIt('RSA-2048 sign, @peculiar/webcrypto', () => peculiar.subtle.sign(alg, peculiarKey, tbsView)),
    await timeIt('RSA-2048 sign, node:crypto', () => signer.sign(tbs)),
  ];
  process.stdout.write(`| operation | µs per op |\n|---|---:|\n${rows.map((r) => `| ${r.name} | ${r.us.toFixed(0)} |`).join('\n')}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
