// Reading a CRL (RFC 5280 5.1) and checking it against its issuer: pure, time is a parameter.
// Used by the emulator on what it fetched (HTTP or LDAP) and by the tests on openssl's CRLs.

import { children, decodeOid, readTlv, readWhole, value, whole, parseTime, DerError, type Tlv } from '../ocsp/der.js';
import { serialHex } from '../ocsp/request.js';
import { verifySignature } from '../ocsp/verify.js';
import type { CertInfo } from '../ocsp/cert.js';
import { CRL_OID } from './oids.js';

export interface CrlEntry {
  serial: string;
  revocationDate: Date;
  reason?: number;
  invalidityDate?: Date;
  holdInstruction?: string;
}

export interface ParsedCrl {
  der: Buffer;
  tbs: Buffer;
  signatureAlgorithm: Buffer;
  signature: Buffer;
  version: 1 | 2;
  issuerDer: Buffer;
  thisUpdate: Date;
  nextUpdate?: Date;
  number?: bigint;
  authorityKeyId?: Buffer;
  /** By serial, upper-case hex without leading zeros (as index lookups key them). */
  entries: Map<string, CrlEntry>;
  /** CRL extensions by OID, for the ones not decoded above. */
  extensions: Map<string, { critical: boolean; value: Buffer }>;
}

export class CrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CrlError';
  }
}

/** PEM ("X509 CRL") or DER to DER; throws CrlError when it is neither. */
export function crlDer(data: Buffer | string): Buffer {
  const text = typeof data === 'string' ? data : data.toString('latin1');
  const m = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/.exec(text);
  if (m) return Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
  if (typeof data !== 'string' && data[0] === 0x30) return data;
  throw new CrlError('not a CRL (neither PEM "X509 CRL" nor DER)');
}

function time(buf: Buffer, t: Tlv): Date {
  return parseTime(t.tag, value(buf, t).toString('latin1'));
}

function readExtensions(buf: Buffer, seqT: Tlv): Map<string, { critical: boolean; value: Buffer }> {
  const out = new Map<string, { critical: boolean; value: Buffer }>();
  for (const extT of children(buf, seqT)) {
    const e = children(buf, extT);
    const critical = e.length === 3 && buf[e[1].valueStart] !== 0;
    out.set(decodeOid(value(buf, e[0])), { critical, value: value(buf, e[e.length - 1]) });
  }
  return out;
}

function unsigned(b: Buffer): bigint {
  return b.length ? BigInt(`0x${b.toString('hex')}`) : 0n;
}

/** Parses a CRL; throws CrlError on anything that is not one. */
export function parseCrl(data: Buffer | string): ParsedCrl {
  const der = crlDer(data);
  try {
    const top = readWhole(der, 0x30);
    const [tbsT, algT, sigT] = children(der, top);
    if (!tbsT || !algT || !sigT || tbsT.tag !== 0x30 || algT.tag !== 0x30 || sigT.tag !== 0x03) throw new CrlError('not a CertificateList');
    const tbs = children(der, tbsT);
    let i = 0;
    let version: 1 | 2 = 1;
    if (tbs[i]?.tag === 0x02) {
      version = value(der, tbs[i])[0] === 1 ? 2 : 1;
      i++;
    }
    i++; // inner signature algorithm
    const issuerT = tbs[i++];
    if (issuerT?.tag !== 0x30) throw new CrlError('no issuer name');
    const thisT = tbs[i++];
    if (thisT?.tag !== 0x17 && thisT?.tag !== 0x18) throw new CrlError('no thisUpdate');
    const crl: ParsedCrl = {
      der,
      tbs: whole(der, tbsT),
      signatureAlgorithm: whole(der, algT),
      signature: value(der, sigT).subarray(1),
      version,
      issuerDer: whole(der, issuerT),
      thisUpdate: time(der, thisT),
      entries: new Map(),
      extensions: new Map(),
    };
    if (tbs[i] && (tbs[i].tag === 0x17 || tbs[i].tag === 0x18)) crl.nextUpdate = time(der, tbs[i++]);
    if (tbs[i]?.tag === 0x30) {
      for (const entT of children(der, tbs[i++])) {
        const f = children(der, entT);
        const e: CrlEntry = { serial: serialHex(value(der, f[0])), revocationDate: time(der, f[1]) };
        if (f[2]?.tag === 0x30) {
          const exts = readExtensions(der, f[2]);
          const r = exts.get(CRL_OID.reasonCode);
          if (r) e.reason = r.value[r.value.length - 1];
          const inv = exts.get(CRL_OID.invalidityDate);
          if (inv) e.invalidityDate = parseTime(inv.value[0], inv.value.subarray(2).toString('latin1'));
          const hold = exts.get(CRL_OID.holdInstructionCode);
          if (hold) e.holdInstruction = decodeOid(value(hold.value, readTlv(hold.value, 0)));
        }
        crl.entries.set(e.serial, e);
      }
    }
    if (tbs[i]?.tag === 0xa0) {
      const [extsT] = children(der, tbs[i]);
      crl.extensions = readExtensions(der, extsT);
      const num = crl.extensions.get(CRL_OID.crlNumber);
      if (num) crl.number = unsigned(value(num.value, readWhole(num.value, 0x02)));
      const aki = crl.extensions.get(CRL_OID.authorityKeyIdentifier);
      if (aki) {
        const keyId = children(aki.value, readWhole(aki.value, 0x30)).find((c) => c.tag === 0x80);
        if (keyId) crl.authorityKeyId = value(aki.value, keyId);
      }
    }
    return crl;
  } catch (e) {
    if (e instanceof CrlError) throw e;
    if (e instanceof DerError) throw new CrlError(`not a CRL: ${e.message}`);
    throw new CrlError(`not a CRL: ${(e as Error).message}`);
  }
}

/** What a relying party concludes about a CRL before looking a serial up in it. */
export type CrlCheck = 'ok' | 'wrong-issuer' | 'bad-signature' | 'expired' | 'not-yet-valid';

/**
 * RFC 5280 6.3.3 in the order a checker meets the problems: the issuer name must be the
 * certificate's issuer, the signature must verify with the issuer's key, and `now` must fall in
 * thisUpdate..nextUpdate (a CRL without nextUpdate never expires here).
 */
export function checkCrl(crl: ParsedCrl, issuer: CertInfo, now: Date): CrlCheck {
  if (!crl.issuerDer.equals(issuer.subjectDer)) return 'wrong-issuer';
  if (!verifySignature(crl.signatureAlgorithm, crl.tbs, crl.signature, issuer.spkiDer)) return 'bad-signature';
  if (crl.thisUpdate.getTime() > now.getTime()) return 'not-yet-valid';
  if (crl.nextUpdate && crl.nextUpdate.getTime() < now.getTime()) return 'expired';
  return 'ok';
}

/** The HTTP (and LDAP) URIs of a certificate's CRL Distribution Points, in order. */
export function crlDistributionPoints(cert: CertInfo): string[] {
  const ext = cert.extensions.get(CRL_OID.crlDistributionPoints);
  if (!ext) return [];
  const urls: string[] = [];
  const buf = ext.value;
  // DistributionPoint ::= SEQUENCE { distributionPoint [0] { fullName [0] GeneralNames } ... }
  for (const dp of children(buf, readWhole(buf, 0x30))) {
    const dpName = children(buf, dp).find((c) => c.tag === 0xa0);
    if (!dpName) continue;
    const full = children(buf, dpName).find((c) => c.tag === 0xa0);
    if (!full) continue;
    for (const gn of children(buf, full)) if (gn.tag === 0x86) urls.push(value(buf, gn).toString('latin1'));
  }
  return urls;
}
