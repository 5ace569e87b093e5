// OCSPResponse encoding (RFC 6960 4.2) by byte assembly around pre-encoded pieces.
//
// Everything that does not change per request (responder ID, signature algorithm, certs) is encoded
// once by the Signer; a response is then a few small TLVs, one signature and a final wrap.

import { bitString, enumerated, explicit, generalizedTime, octetString, oid, seq, tlv } from './der.js';
import { OID, RESPONSE_STATUS, type ResponseStatusName } from './oids.js';

export type CertStatus =
  | { kind: 'good' }
  | { kind: 'unknown' }
  | {
      kind: 'revoked';
      time: Date;
      /** CRLReason code; absent means no reason field (openssl's index without a reason). */
      reason?: number;
      invalidityDate?: Date;
      holdInstruction?: string;
    };

export interface SingleResponseSpec {
  /** CertID DER, echoed from the request. */
  certId: Buffer;
  status: CertStatus;
  thisUpdate: Date;
  nextUpdate?: Date;
}

/** What signs responses: its encoded pieces and a signing function (node:crypto, see signer.ts). */
export interface ResponseSigner {
  /** Encoded ResponderID choice ([1] byName or [2] byKey). */
  responderId: Buffer;
  /** Encoded AlgorithmIdentifier of the signature. */
  signatureAlgorithm: Buffer;
  /** Encoded `[0] EXPLICIT SEQUENCE OF Certificate`, or an empty buffer for none. */
  certsField: Buffer;
  /** A promise when the signature is made off the event loop (RSA: slow enough to be worth it). */
  sign(tbs: Buffer): Buffer | Promise<Buffer>;
}

const GOOD = Buffer.from([0x80, 0x00]);
const UNKNOWN = Buffer.from([0x82, 0x00]);
const BASIC_OID = oid(OID.ocspBasic);
const INVALIDITY_OID = oid(OID.invalidityDate);
const HOLD_OID = oid(OID.holdInstructionCode);

function extension(id: Buffer, inner: Buffer): Buffer {
  return seq(id, octetString(inner));
}

export function encodeCertStatus(s: CertStatus): Buffer {
  if (s.kind === 'good') return GOOD;
  if (s.kind === 'unknown') return UNKNOWN;
  const reason = s.reason === undefined ? [] : [explicit(0, enumerated(s.reason))];
  return tlv(0xa1, generalizedTime(s.time), ...reason);
}

export function encodeSingleResponse(r: SingleResponseSpec): Buffer {
  const parts = [r.certId, encodeCertStatus(r.status), generalizedTime(r.thisUpdate)];
  if (r.nextUpdate) parts.push(explicit(0, generalizedTime(r.nextUpdate)));
  // As openssl's responder: an invalidity date (keyTime/CAkeyTime) wins over a hold instruction.
  if (r.status.kind === 'revoked') {
    if (r.status.invalidityDate) parts.push(tlv(0xa1, seq(extension(INVALIDITY_OID, generalizedTime(r.status.invalidityDate)))));
    else if (r.status.holdInstruction) parts.push(tlv(0xa1, seq(extension(HOLD_OID, oid(r.status.holdInstruction)))));
  }
  return seq(...parts);
}

/** ResponseData; singles are encoded SingleResponses, extensions whole Extension SEQUENCEs. */
export function encodeResponseData(responderId: Buffer, producedAt: Date, singles: Buffer[], extensions: Buffer[]): Buffer {
  const parts = [responderId, generalizedTime(producedAt), seq(...singles)];
  if (extensions.length) parts.push(explicit(1, seq(...extensions)));
  return seq(...parts);
}

/** Wraps signed ResponseData into a successful OCSPResponse. */
export function encodeBasicResponse(tbs: Buffer, signatureAlgorithm: Buffer, signature: Buffer, certsField: Buffer): Buffer {
  const basic = seq(tbs, signatureAlgorithm, bitString(signature), certsField);
  return seq(enumerated(RESPONSE_STATUS.successful), explicit(0, seq(BASIC_OID, octetString(basic))));
}

export interface BuildOptions {
  producedAt: Date;
  singles: SingleResponseSpec[];
  /** Extensions to put in responseExtensions, e.g. the request's nonce extension. */
  extensions?: Buffer[];
}

/** Synchronous when the signer is: a fast signature (EC, Ed25519) costs no promise. */
export function buildResponse(signer: ResponseSigner, o: BuildOptions): Buffer | Promise<Buffer> {
  const tbs = encodeResponseData(signer.responderId, o.producedAt, o.singles.map(encodeSingleResponse), o.extensions ?? []);
  const sig = signer.sign(tbs);
  const wrap = (s: Buffer) => encodeBasicResponse(tbs, signer.signatureAlgorithm, s, signer.certsField);
  return sig instanceof Promise ? sig.then(wrap) : wrap(sig);
}

/** Unsigned responses for every error status, encoded once (as cfssl keeps them as constants). */
export const ERROR_RESPONSES: Readonly<Record<Exclude<ResponseStatusName, 'successful'>, Buffer>> = {
  malformedRequest: seq(enumerated(RESPONSE_STATUS.malformedRequest)),
  internalError: seq(enumerated(RESPONSE_STATUS.internalError)),
  tryLater: seq(enumerated(RESPONSE_STATUS.tryLater)),
  sigRequired: seq(enumerated(RESPONSE_STATUS.sigRequired)),
  unauthorized: seq(enumerated(RESPONSE_STATUS.unauthorized)),
};
