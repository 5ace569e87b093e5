// Building a CRL (RFC 5280 5.1) from revocation entries: pure, no files or clocks (times are
// parameters), signed through the same SignatureScheme as OCSP responses so every key type the
// responder signs with (RSA, RSA-PSS, EC, Ed25519) signs CRLs too. Built from the DER pieces of
// src/ocsp/der.ts; entries in serial order and extensions as `openssl ca -gencrl` writes them.

import { enumerated, explicit, generalizedTime, octetString, oid, seq, tlv, unsignedInteger, x509Time, bitString } from '../ocsp/der.js';
import type { SignatureScheme } from '../ocsp/signer.js';
import { CRL_OID } from './oids.js';

export interface CrlEntrySpec {
  /** Serial as hex (any case, leading zeros allowed). */
  serial: string;
  revocationDate: Date;
  /** CRLReason code; absent writes no reasonCode (openssl: a revocation without a reason). */
  reason?: number;
  /** keyTime / CAkeyTime: the invalidityDate extension. */
  invalidityDate?: Date;
  /** Dotted OID of the hold instruction (certificateHold). */
  holdInstruction?: string;
}

export interface CrlSpec {
  /** The issuer's subject Name, DER as in its certificate (byte for byte, so names match). */
  issuerDer: Buffer;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** cRLNumber; present makes a v2 CRL, as openssl does when a crlnumber file exists. */
  number?: bigint;
  /** The issuer's subjectKeyIdentifier, for authorityKeyIdentifier (RFC 5280 5.2.1 MUST). */
  authorityKeyId?: Buffer;
  entries: readonly CrlEntrySpec[];
}

function serialBytes(hex: string): Buffer {
  const h = hex.replace(/^0+/, '') || '0';
  return Buffer.from(h.length % 2 ? `0${h}` : h, 'hex');
}

function bigintBytes(n: bigint): Buffer {
  return serialBytes(n.toString(16));
}

function extension(id: string, der: Buffer, critical = false): Buffer {
  return seq(oid(id), ...(critical ? [Buffer.from([0x01, 0x01, 0xff])] : []), octetString(der));
}

function compareSerials(a: string, b: string): number {
  const x = BigInt(`0x${a || '0'}`);
  const y = BigInt(`0x${b || '0'}`);
  return x < y ? -1 : x > y ? 1 : 0;
}

function encodeEntry(e: CrlEntrySpec): Buffer {
  const exts: Buffer[] = [];
  // openssl's order (apps/ca.c make_revoked): reason, invalidity date, hold instruction.
  if (e.reason !== undefined) exts.push(extension(CRL_OID.reasonCode, enumerated(e.reason)));
  if (e.invalidityDate) exts.push(extension(CRL_OID.invalidityDate, generalizedTime(e.invalidityDate)));
  if (e.holdInstruction) exts.push(extension(CRL_OID.holdInstructionCode, oid(e.holdInstruction)));
  return seq(unsignedInteger(serialBytes(e.serial)), x509Time(e.revocationDate), ...(exts.length ? [seq(...exts)] : []));
}

/** The TBSCertList for a spec, signed by `scheme`'s algorithm. */
export function encodeTbsCertList(spec: CrlSpec, signatureAlgorithm: Buffer): Buffer {
  const entries = [...spec.entries].sort((a, b) => compareSerials(a.serial.replace(/^0+/, ''), b.serial.replace(/^0+/, '')));
  const crlExts: Buffer[] = [];
  if (spec.authorityKeyId) crlExts.push(extension(CRL_OID.authorityKeyIdentifier, seq(tlv(0x80, spec.authorityKeyId))));
  if (spec.number !== undefined) crlExts.push(extension(CRL_OID.crlNumber, unsignedInteger(bigintBytes(spec.number))));
  const v2 = crlExts.length > 0 || entries.some((e) => e.reason !== undefined || e.invalidityDate || e.holdInstruction);
  return seq(
    ...(v2 ? [tlv(0x02, Uint8Array.of(1))] : []),
    signatureAlgorithm,
    spec.issuerDer,
    x509Time(spec.thisUpdate),
    ...(spec.nextUpdate ? [x509Time(spec.nextUpdate)] : []),
    ...(entries.length ? [seq(...entries.map(encodeEntry))] : []),
    ...(crlExts.length ? [explicit(0, seq(...crlExts))] : []),
  );
}

/** A signed CRL, DER. */
export function buildCrl(spec: CrlSpec, scheme: SignatureScheme): Buffer {
  const tbs = encodeTbsCertList(spec, scheme.algorithmId);
  return seq(tbs, scheme.algorithmId, bitString(scheme.sign(tbs)));
}

/** A CRL with its signature spoiled (one bit flipped), for the crl-bad-signature fault. */
export function spoilSignature(der: Buffer): Buffer {
  const out = Buffer.from(der);
  out[out.length - 1] ^= 0x01;
  return out;
}

export function crlToPem(der: Buffer): string {
  return `-----BEGIN X509 CRL-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END X509 CRL-----\n`;
}
