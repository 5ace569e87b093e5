// The client side of OCSP as pure functions: build a request for a certificate, and decode and
// verify the response the way a relying party must (RFC 6960 3.2, 4.2.2.2). No sockets, no files,
// no clock: the caller passes the time, so tests can feed fixed bytes at a fixed moment.
//
// Each failure is classified by what a checker can do with it; `emulator/ocsp-client.ts` maps the
// classes onto MQ's AMQ9716 causes:
//   unavailable  no usable answer came back (error status such as tryLater, not DER, not basic)
//   unknown      the responder answered, but not about this certificate (status unknown,
//                unauthorized, no SingleResponse for our CertID)
//   untrusted    an answer came back that may not be believed (signature, signer authority,
//                nonce, times)

import { createHash, createPublicKey, randomBytes, verify as cryptoVerify, constants } from 'node:crypto';
import { children, decodeOid, expectTag, parseTime, readWhole, value, whole, octetString, oid, seq, unsignedInteger, explicit, DerError, type Tlv } from './der.js';
import { hasOcspSigningEku, issuerHashes, parseCertificate, type CertInfo } from './cert.js';
import { HASH_BY_OID, OID, RESPONSE_STATUS, type HashName, type ResponseStatusName } from './oids.js';
import { hashAlgorithmId } from './signer.js';

const AIA = '1.3.6.1.5.5.7.1.1';
const AD_OCSP = '1.3.6.1.5.5.7.48.1';

export interface BuiltRequest {
  der: Buffer;
  /** The CertID as sent, to find our SingleResponse in the answer. */
  certId: { hash: HashName; issuerNameHash: Buffer; issuerKeyHash: Buffer; serial: string };
  nonce?: Buffer;
}

/** An OCSPRequest for one certificate. GSKit keys CertIDs on SHA-1, so that is the default; a
 *  16-octet nonce is added unless `nonce` is false (RFC 8954: an OCTET STRING in extnValue). */
export function buildOcspRequest(cert: CertInfo, issuer: CertInfo, o: { hash?: HashName; nonce?: Buffer | false } = {}): BuiltRequest {
  const hash = o.hash ?? 'sha1';
  const h = issuerHashes(issuer)[hash];
  const mag = Buffer.from(cert.serial.length % 2 ? `0${cert.serial}` : cert.serial, 'hex');
  const certIdDer = seq(hashAlgorithmId(hash), octetString(h.name), octetString(h.key), unsignedInteger(mag));
  const nonce = o.nonce === false ? undefined : (o.nonce ?? randomBytes(16));
  const exts = nonce ? [explicit(2, seq(seq(oid(OID.ocspNonce), octetString(octetString(nonce)))))] : [];
  const der = seq(seq(seq(seq(certIdDer)), ...exts));
  return { der, certId: { hash, issuerNameHash: h.name, issuerKeyHash: h.key, serial: cert.serial }, nonce };
}

/** OCSP URLs in the certificate's Authority Information Access extension (OCSPCheckExtensions). */
export function aiaOcspUrls(cert: CertInfo): string[] {
  const ext = cert.extensions.get(AIA);
  if (!ext) return [];
  const urls: string[] = [];
  for (const ad of children(ext.value, readWhole(ext.value, 0x30))) {
    const [method, location] = children(ext.value, ad);
    if (decodeOid(value(ext.value, method)) === AD_OCSP && location.tag === 0x86) urls.push(value(ext.value, location).toString('latin1'));
  }
  return urls;
}

// ---------------------------------------------------------------------------------------------
// Signatures: one function for responses and certificates.

const SIG_HASH: Record<string, HashName | null> = {
  [OID.sha1WithRSA]: 'sha1',
  [OID.sha256WithRSA]: 'sha256',
  [OID.sha384WithRSA]: 'sha384',
  [OID.sha512WithRSA]: 'sha512',
  [OID.ecdsaWithSHA1]: 'sha1',
  [OID.ecdsaWithSHA256]: 'sha256',
  [OID.ecdsaWithSHA384]: 'sha384',
  [OID.ecdsaWithSHA512]: 'sha512',
  [OID.ed25519]: null,
};

/** PSS parameters: the hash is in [0]; salt length in [2] (default 20). */
function pssOptions(buf: Buffer, params: Tlv | undefined): { hash: HashName; saltLength: number } {
  let hash: HashName = 'sha1';
  let saltLength = 20;
  if (params) {
    for (const p of children(buf, params)) {
      if (p.tag === 0xa0) hash = HASH_BY_OID[decodeOid(value(buf, children(buf, children(buf, p)[0])[0]))] ?? hash;
      if (p.tag === 0xa2) saltLength = value(buf, children(buf, p)[0]).readUIntBE(0, value(buf, children(buf, p)[0]).length);
    }
  }
  return { hash, saltLength };
}

/** Verifies `signature` over `data` with the key in `spkiDer`, under the encoded AlgorithmIdentifier. */
export function verifySignature(algorithmId: Buffer, data: Buffer, signature: Buffer, spkiDer: Buffer): boolean {
  const alg = children(algorithmId, readWhole(algorithmId, 0x30));
  const algOid = decodeOid(value(algorithmId, alg[0]));
  const key = createPublicKey({ key: spkiDer, format: 'der', type: 'spki' });
  try {
    if (algOid === OID.rsassaPss) {
      const p = pssOptions(algorithmId, alg[1]?.tag === 0x30 ? alg[1] : undefined);
      return cryptoVerify(p.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: p.saltLength }, signature);
    }
    if (!(algOid in SIG_HASH)) return false;
    return cryptoVerify(SIG_HASH[algOid], data, key, signature);
  } catch {
    return false; // a key that does not fit the algorithm
  }
}

/** True when `issuer`'s key signed `cert` (names are compared by the caller). */
export function certSignedBy(cert: CertInfo, issuer: CertInfo): boolean {
  const [tbs, alg, sig] = children(cert.der, readWhole(cert.der, 0x30));
  return verifySignature(whole(cert.der, alg), whole(cert.der, tbs), value(cert.der, sig).subarray(1), issuer.spkiDer);
}

// ---------------------------------------------------------------------------------------------
// Decoding

export interface SingleAnswer {
  hash: HashName | undefined;
  issuerNameHash: Buffer;
  issuerKeyHash: Buffer;
  serial: string;
  status: 'good' | 'revoked' | 'unknown';
  revokedAt?: Date;
  reason?: number;
  thisUpdate: Date;
  nextUpdate?: Date;
}

export interface BasicResponse {
  tbs: Buffer;
  responderId: { byName?: Buffer; byKey?: Buffer };
  producedAt: Date;
  singles: SingleAnswer[];
  nonce?: Buffer;
  signatureAlgorithm: Buffer;
  signature: Buffer;
  certs: CertInfo[];
}

export type DecodedResponse = { status: ResponseStatusName | `status-${number}`; basic?: BasicResponse };

const STATUS_NAME = Object.fromEntries(Object.entries(RESPONSE_STATUS).map(([k, v]) => [v, k])) as Record<number, ResponseStatusName>;

function gtime(buf: Buffer, t: Tlv): Date {
  return parseTime(t.tag, value(buf, t).toString('latin1'));
}

function decodeSingle(buf: Buffer, t: Tlv): SingleAnswer {
  const f = children(buf, expectTag(t, 0x30, 'SingleResponse'));
  const cid = children(buf, expectTag(f[0], 0x30, 'CertID'));
  const alg = children(buf, cid[0]);
  const st = f[1];
  const out: SingleAnswer = {
    hash: HASH_BY_OID[decodeOid(value(buf, alg[0]))],
    issuerNameHash: value(buf, cid[1]),
    issuerKeyHash: value(buf, cid[2]),
    serial: value(buf, expectTag(cid[3], 0x02, 'serialNumber')).toString('hex').toUpperCase().replace(/^0+(?=.)/, ''),
    status: st.tag === 0x80 ? 'good' : st.tag === 0xa1 ? 'revoked' : st.tag === 0x82 ? 'unknown' : (() => { throw new DerError('bad certStatus'); })(),
    thisUpdate: gtime(buf, f[2]),
  };
  if (st.tag === 0xa1) {
    const r = children(buf, st);
    out.revokedAt = gtime(buf, r[0]);
    if (r[1]?.tag === 0xa0) out.reason = value(buf, children(buf, r[1])[0])[0];
  }
  for (const x of f.slice(3)) if (x.tag === 0xa0) out.nextUpdate = gtime(buf, children(buf, x)[0]);
  return out;
}

function findNonce(buf: Buffer, exts: Tlv): Buffer | undefined {
  for (const e of children(buf, children(buf, exts)[0])) {
    const parts = children(buf, e);
    if (decodeOid(value(buf, parts[0])) !== OID.ocspNonce) continue;
    const v = value(buf, parts[parts.length - 1]);
    // RFC 8954 wraps the nonce in an OCTET STRING; older responders put the raw octets there.
    if (v[0] === 0x04) {
      try {
        return value(v, readWhole(v, 0x04));
      } catch {
        /* raw */
      }
    }
    return v;
  }
  return undefined;
}

/** Decodes an OCSPResponse; throws DerError when the bytes are not one. */
export function decodeOcspResponse(der: Buffer): DecodedResponse {
  const top = children(der, readWhole(der, 0x30));
  const code = value(der, expectTag(top[0], 0x0a, 'responseStatus'))[0];
  const status = STATUS_NAME[code] ?? (`status-${code}` as const);
  if (status !== 'successful') return { status };
  const rb = children(der, children(der, expectTag(top[1], 0xa0, 'responseBytes'))[0]);
  if (decodeOid(value(der, rb[0])) !== OID.ocspBasic) throw new DerError('not a basic OCSP response');
  const b = value(der, expectTag(rb[1], 0x04, 'response'));
  const [tbsT, algT, sigT, certsT] = children(b, readWhole(b, 0x30));
  const rd = children(b, expectTag(tbsT, 0x30, 'ResponseData'));
  let i = rd[0].tag === 0xa0 ? 1 : 0;
  const rid = rd[i++];
  const responderId = rid.tag === 0xa1 ? { byName: whole(b, children(b, rid)[0]) } : { byKey: value(b, children(b, expectTag(rid, 0xa2, 'responderID'))[0]) };
  const producedAt = gtime(b, rd[i++]);
  const singles = children(b, rd[i++]).map((s) => decodeSingle(b, s));
  const nonce = rd[i]?.tag === 0xa1 ? findNonce(b, rd[i]) : undefined;
  const certs = certsT?.tag === 0xa0 ? children(b, children(b, certsT)[0]).map((c) => parseCertificate(Buffer.from(whole(b, c)))) : [];
  return {
    status,
    basic: {
      tbs: whole(b, tbsT),
      responderId,
      producedAt,
      singles,
      nonce,
      signatureAlgorithm: whole(b, algT),
      signature: value(b, expectTag(sigT, 0x03, 'signature')).subarray(1),
      certs,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Verification

export type VerifyClass = 'good' | 'revoked' | 'unknown' | 'unavailable' | 'untrusted';

export interface Verified {
  class: VerifyClass;
  /** One line saying why, for reports and the drill's explain. */
  detail: string;
  /** Who signed: the CA's own key or a delegated responder certificate. */
  signer?: 'ca' | 'delegated';
  answer?: SingleAnswer;
}

export interface VerifyOptions {
  /** The certificate asked about and its issuer (a CA the checker trusts). */
  cert: CertInfo;
  issuer: CertInfo;
  /** The nonce sent, if any. */
  nonce?: Buffer;
  now: Date;
  /** Clock skew allowed on thisUpdate and nextUpdate; default 5 minutes (openssl's -validity_period default is 5 min too). */
  leewayMs?: number;
}

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest();

function signerMatches(id: BasicResponse['responderId'], c: CertInfo): boolean {
  return id.byName ? id.byName.equals(c.subjectDer) : !!id.byKey && id.byKey.equals(sha1(c.publicKeyBits));
}

/** The certificate whose key must have signed: the CA itself, or a delegated responder certificate
 *  carried in the response that the CA issued for OCSP signing (RFC 6960 4.2.2.2). */
function findSigner(r: BasicResponse, o: VerifyOptions, now: Date): { cert: CertInfo; kind: 'ca' | 'delegated' } | string {
  if (signerMatches(r.responderId, o.issuer)) return { cert: o.issuer, kind: 'ca' };
  const c = r.certs.find((x) => signerMatches(r.responderId, x));
  if (!c) return 'the responder ID names neither the CA nor a certificate in the response';
  if (!c.issuerDer.equals(o.issuer.subjectDer) || !certSignedBy(c, o.issuer)) return 'the responder certificate was not issued by the CA';
  if (!hasOcspSigningEku(c)) return 'the responder certificate lacks id-kp-OCSPSigning';
  if (now < c.notBefore || now > c.notAfter) return 'the responder certificate is outside its validity period';
  return { cert: c, kind: 'delegated' };
}

function sameCertId(a: SingleAnswer, o: VerifyOptions): boolean {
  if (!a.hash) return false;
  const h = issuerHashes(o.issuer)[a.hash];
  return a.serial === o.cert.serial && a.issuerNameHash.equals(h.name) && a.issuerKeyHash.equals(h.key);
}

export function verifyOcspResponse(der: Buffer, o: VerifyOptions): Verified {
  let d: DecodedResponse;
  try {
    d = decodeOcspResponse(der);
  } catch (e) {
    return { class: 'unavailable', detail: `response is not a valid OCSPResponse (${(e as Error).message})` };
  }
  // unauthorized means "I do not answer for this certificate" (RFC 6960 2.3): the responder
  // does not know the status, which is closer to an unknown answer than to an unreachable one.
  if (d.status === 'unauthorized') return { class: 'unknown', detail: 'responder answered unauthorized' };
  if (!d.basic) return { class: 'unavailable', detail: `responder answered ${d.status}` };
  const r = d.basic;
  const signer = findSigner(r, o, o.now);
  if (typeof signer === 'string') return { class: 'untrusted', detail: signer };
  if (!verifySignature(r.signatureAlgorithm, r.tbs, r.signature, signer.cert.spkiDer)) {
    return { class: 'untrusted', detail: `the response signature does not verify with the ${signer.kind === 'ca' ? 'CA' : 'delegated responder'} key`, signer: signer.kind };
  }
  // A missing nonce is accepted (openssl warns, GSKit's default does not insist): responders that
  // pre-sign answers never echo one. A different nonce is a replayed or misrouted answer.
  if (o.nonce && r.nonce && !r.nonce.equals(o.nonce)) return { class: 'untrusted', detail: 'the response nonce differs from the request nonce', signer: signer.kind };
  const answer = r.singles.find((a) => sameCertId(a, o));
  if (!answer) return { class: 'unknown', detail: `no answer for serial ${o.cert.serial} in the response`, signer: signer.kind };
  const leeway = o.leewayMs ?? 5 * 60_000;
  if (answer.thisUpdate.getTime() > o.now.getTime() + leeway) return { class: 'untrusted', detail: `thisUpdate ${answer.thisUpdate.toISOString()} is in the future`, signer: signer.kind, answer };
  if (answer.nextUpdate && answer.nextUpdate.getTime() < o.now.getTime() - leeway) return { class: 'untrusted', detail: `nextUpdate ${answer.nextUpdate.toISOString()} has passed`, signer: signer.kind, answer };
  const nonceNote = o.nonce && !r.nonce ? ' (no nonce echoed)' : '';
  return { class: answer.status, detail: `${answer.status}, signed by the ${signer.kind === 'ca' ? 'CA' : 'delegated responder'}${nonceNote}`, signer: signer.kind, answer };
}

