// X.509 v3 extensions a lab CA puts in certificates (RFC 5280 4.2, RFC 6960 4.2.2.2.1).

import { createHash, type KeyObject } from 'node:crypto';
import { NULL, octetString, oid, seq, tlv } from '../ocsp/der.js';
import { OID } from '../ocsp/oids.js';

const EXT = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  idAdOcsp: '1.3.6.1.5.5.7.48.1',
  crlDistributionPoints: '2.5.29.31',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

export const EKU = { serverAuth: EXT.serverAuth, clientAuth: EXT.clientAuth, ocspSigning: OID.ocspSigning } as const;

function extension(id: string, critical: boolean, body: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [tlv(0x01, Uint8Array.of(0xff))] : []), octetString(body));
}

/** Key usage bits, numbered as in RFC 5280 (digitalSignature = 0). */
export const KU = { digitalSignature: 0, keyEncipherment: 2, keyAgreement: 4, keyCertSign: 5, cRLSign: 6 } as const;

function keyUsage(bits: number[]): Buffer {
  const max = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(max / 8) + 1);
  for (const b of bits) bytes[b >> 3] |= 0x80 >> (b & 7);
  // DER: no trailing unused bits set; the unused-bits count is those after the highest set bit.
  const unused = 7 - (max & 7);
  return tlv(0x03, Uint8Array.of(unused), bytes);
}

/** SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2 method 1), as openssl computes it. */
export function keyIdentifier(publicKeyBits: Buffer): Buffer {
  return createHash('sha1').update(publicKeyBits).digest();
}

/** A SAN entry: `DNS:host`, `IP:1.2.3.4`, `email:a@b`, `URI:...`, or a bare host name / IPv4. */
function generalName(entry: string): Buffer {
  const m = /^(DNS|IP|email|URI):(.*)$/i.exec(entry);
  const kind = m ? m[1].toUpperCase() : /^\d+\.\d+\.\d+\.\d+$/.test(entry) ? 'IP' : 'DNS';
  const v = m ? m[2] : entry;
  switch (kind) {
    case 'DNS':
      return tlv(0x82, Buffer.from(v, 'latin1'));
    case 'EMAIL':
      return tlv(0x81, Buffer.from(v, 'latin1'));
    case 'URI':
      return tlv(0x86, Buffer.from(v, 'latin1'));
    default: {
      const parts = v.split('.').map(Number);
      if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) throw new Error(`bad IP address in SAN: ${v}`);
      return tlv(0x87, Uint8Array.from(parts));
    }
  }
}

export interface ExtensionSpec {
  ca: boolean;
  keyUsage: number[];
  extKeyUsage?: string[];
  subjectKeyId: Buffer;
  authorityKeyId?: Buffer;
  san?: string[];
  ocspUrl?: string;
  /** CRL Distribution Points: one DistributionPoint per URL, each a fullName URI (as openssl's crlDistributionPoints = URI:...). */
  crlUrls?: string[];
  ocspNoCheck?: boolean;
}

/** The extensions field contents (a SEQUENCE OF Extension), in openssl's usual order. */
export function encodeExtensions(s: ExtensionSpec): Buffer {
  const exts: Buffer[] = [
    extension(EXT.basicConstraints, true, s.ca ? seq(tlv(0x01, Uint8Array.of(0xff))) : seq()),
    extension(EXT.keyUsage, true, keyUsage(s.keyUsage)),
  ];
  if (s.extKeyUsage?.length) exts.push(extension(EXT.extKeyUsage, false, seq(...s.extKeyUsage.map((e) => oid(e)))));
  exts.push(extension(EXT.subjectKeyIdentifier, false, octetString(s.subjectKeyId)));
  if (s.authorityKeyId) exts.push(extension(EXT.authorityKeyIdentifier, false, seq(tlv(0x80, s.authorityKeyId))));
  if (s.san?.length) exts.push(extension(EXT.subjectAltName, false, seq(...s.san.map(generalName))));
  if (s.ocspUrl) exts.push(extension(EXT.authorityInfoAccess, false, seq(seq(oid(EXT.idAdOcsp), tlv(0x86, Buffer.from(s.ocspUrl, 'latin1'))))));
  if (s.crlUrls?.length) exts.push(extension(EXT.crlDistributionPoints, false, seq(...s.crlUrls.map((u) => seq(tlv(0xa0, tlv(0xa0, tlv(0x86, Buffer.from(u, 'latin1')))))))));
  if (s.ocspNoCheck) exts.push(extension(OID.ocspNoCheck, false, NULL));
  return seq(...exts);
}

/** The key usage a certificate role gets; RSA keys also encipher (TLS 1.2 RSA key exchange). */
export function roleKeyUsage(role: 'ca' | 'server' | 'client' | 'ocsp', key: KeyObject): number[] {
  if (role === 'ca') return [KU.digitalSignature, KU.keyCertSign, KU.cRLSign];
  if (role === 'ocsp') return [KU.digitalSignature];
  return key.asymmetricKeyType === 'rsa' ? [KU.digitalSignature, KU.keyEncipherment] : [KU.digitalSignature];
}
