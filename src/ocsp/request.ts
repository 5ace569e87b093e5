// OCSPRequest decoding (RFC 6960 4.1) straight from DER offsets.
//
// Anything that is not a well-formed request throws MalformedRequest, which the responder answers
// with the malformedRequest status. The CertID bytes are kept as received so that the response can
// echo them exactly (clients compare CertIDs byte for byte).

import { DerError, children, decodeOid, expectTag, readTlv, readWhole, value, whole, type Tlv } from './der.js';
import { HASH_BY_OID, OID, type HashName } from './oids.js';

export class MalformedRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedRequest';
  }
}

export interface CertId {
  hash: HashName;
  issuerNameHash: Buffer;
  issuerKeyHash: Buffer;
  /** Serial as upper-case hex without leading zeros ("0" for zero), the index's key form. */
  serial: string;
  /** The CertID SEQUENCE exactly as the client sent it. */
  der: Buffer;
}

export interface OcspRequest {
  certIds: CertId[];
  /** The whole nonce Extension (RFC 8954), to copy into the response, and its nonce octets. */
  nonce?: { extension: Buffer; value: Buffer };
  signed: boolean;
}

export interface RequestLimits {
  /** Most CertIDs accepted in one request. */
  maxCertIds: number;
  /** Longest nonce accepted (RFC 8954 2.1: 32). */
  maxNonce: number;
}

export const DEFAULT_REQUEST_LIMITS: RequestLimits = { maxCertIds: 64, maxNonce: 32 };

export function serialHex(mag: Uint8Array): string {
  const hex = Buffer.from(mag).toString('hex').toUpperCase().replace(/^0+/, '');
  return hex === '' ? '0' : hex;
}

export function parseRequest(buf: Uint8Array, limits: RequestLimits = DEFAULT_REQUEST_LIMITS): OcspRequest {
  try {
    return parse(buf, limits);
  } catch (e) {
    if (e instanceof DerError) throw new MalformedRequest(e.message);
    throw e;
  }
}

function parse(buf: Uint8Array, limits: RequestLimits): OcspRequest {
  const top = readWhole(buf, 0x30);
  const parts = children(buf, top);
  if (parts.length < 1 || parts.length > 2) throw new MalformedRequest('OCSPRequest must have 1 or 2 elements');
  const tbs = children(buf, expectTag(parts[0], 0x30, 'tbsRequest'));
  const signed = parts.length === 2 && expectTag(parts[1], 0xa0, 'optionalSignature') !== undefined;

  let i = 0;
  if (tbs[i]?.tag === 0xa0) {
    const v = children(buf, tbs[i++]);
    if (v.length !== 1 || v[0].tag !== 0x02 || value(buf, v[0]).length !== 1 || buf[v[0].valueStart] !== 0) {
      throw new MalformedRequest('unsupported request version');
    }
  }
  if (tbs[i]?.tag === 0xa1) i++; // requestorName: informative only
  const listTlv = tbs[i++];
  if (!listTlv) throw new MalformedRequest('missing requestList');
  const list = children(buf, expectTag(listTlv, 0x30, 'requestList'));
  if (list.length === 0) throw new MalformedRequest('empty requestList');
  if (list.length > limits.maxCertIds) throw new MalformedRequest(`${list.length} CertIDs, limit is ${limits.maxCertIds}`);
  const certIds = list.map((r) => parseSingle(buf, r));

  let nonce: OcspRequest['nonce'];
  if (tbs[i]?.tag === 0xa2) {
    nonce = findNonce(buf, tbs[i++], limits);
  }
  if (i !== tbs.length) throw new MalformedRequest('unexpected element in tbsRequest');
  return { certIds, nonce, signed };
}

function parseSingle(buf: Uint8Array, req: Tlv): CertId {
  const r = children(buf, expectTag(req, 0x30, 'Request'));
  if (r.length < 1 || r.length > 2) throw new MalformedRequest('Request must have 1 or 2 elements');
  if (r.length === 2) expectTag(r[1], 0xa0, 'singleRequestExtensions');
  const cid = expectTag(r[0], 0x30, 'CertID');
  const f = children(buf, cid);
  if (f.length !== 4) throw new MalformedRequest('CertID must have 4 elements');
  const alg = children(buf, expectTag(f[0], 0x30, 'hashAlgorithm'));
  if (alg.length < 1 || alg.length > 2) throw new MalformedRequest('bad hashAlgorithm');
  if (alg.length === 2 && !(alg[1].tag === 0x05 && alg[1].end === alg[1].valueStart)) throw new MalformedRequest('bad hashAlgorithm parameters');
  const algOid = decodeOid(value(buf, expectTag(alg[0], 0x06, 'hashAlgorithm OID')));
  const hash = HASH_BY_OID[algOid];
  if (!hash) throw new MalformedRequest(`unsupported CertID hash ${algOid}`);
  const issuerNameHash = value(buf, expectTag(f[1], 0x04, 'issuerNameHash'));
  const issuerKeyHash = value(buf, expectTag(f[2], 0x04, 'issuerKeyHash'));
  const serial = value(buf, expectTag(f[3], 0x02, 'serialNumber'));
  if (serial.length === 0 || serial.length > 40) throw new MalformedRequest('bad serialNumber length');
  if (serial[0] & 0x80) throw new MalformedRequest('negative serialNumber');
  return { hash, issuerNameHash, issuerKeyHash, serial: serialHex(serial), der: whole(buf, cid) };
}

function findNonce(buf: Uint8Array, extsWrapper: Tlv, limits: RequestLimits): OcspRequest['nonce'] {
  const w = children(buf, extsWrapper);
  if (w.length !== 1) throw new MalformedRequest('bad requestExtensions');
  let nonce: OcspRequest['nonce'];
  for (const ext of children(buf, expectTag(w[0], 0x30, 'Extensions'))) {
    const e = children(buf, expectTag(ext, 0x30, 'Extension'));
    if (e.length < 2 || e.length > 3) throw new MalformedRequest('bad Extension');
    const id = decodeOid(value(buf, expectTag(e[0], 0x06, 'extnID')));
    const extnValue = expectTag(e[e.length - 1], 0x04, 'extnValue');
    if (id !== OID.ocspNonce) continue;
    if (nonce) throw new MalformedRequest('two nonce extensions');
    // RFC 8954: the nonce is an OCTET STRING inside extnValue; older clients put raw octets there.
    let octets = value(buf, extnValue);
    if (octets.length >= 2 && octets[0] === 0x04) {
      try {
        const inner = readTlv(buf, extnValue.valueStart, extnValue.end);
        if (inner.end === extnValue.end) octets = value(buf, inner);
      } catch {
        /* raw octets */
      }
    }
    if (octets.length < 1) throw new MalformedRequest('empty nonce');
    if (octets.length > limits.maxNonce) throw new MalformedRequest(`nonce of ${octets.length} octets, RFC 8954 allows at most ${limits.maxNonce}`);
    nonce = { extension: Buffer.from(whole(buf, ext)), value: Buffer.from(octets) };
  }
  return nonce;
}
