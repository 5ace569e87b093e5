// The few fields of an X.509 certificate the responder needs, sliced from the original DER so
// that hashes over the issuer name and key match what clients compute (re-encoding could differ).

import { createHash } from 'node:crypto';
import { children, decodeOid, expectTag, readWhole, value, whole, parseTime, DerError } from './der.js';
import { serialHex } from './request.js';
import { HASHES, OID, type HashName } from './oids.js';

export interface CertInfo {
  der: Buffer;
  serial: string;
  issuerDer: Buffer;
  subjectDer: Buffer;
  spkiDer: Buffer;
  /** subjectPublicKey BIT STRING contents without the unused-bits octet. */
  publicKeyBits: Buffer;
  keyAlgorithm: string;
  notBefore: Date;
  notAfter: Date;
  /** Extensions by OID: critical flag and extnValue contents. */
  extensions: Map<string, { critical: boolean; value: Buffer }>;
}

export function parseCertificate(der: Buffer): CertInfo {
  const top = readWhole(der, 0x30);
  const [tbsT] = children(der, top);
  const tbs = children(der, expectTag(tbsT, 0x30, 'tbsCertificate'));
  let i = tbs[0].tag === 0xa0 ? 1 : 0;
  const serialT = expectTag(tbs[i++], 0x02, 'serialNumber');
  i++; // signature algorithm
  const issuerT = expectTag(tbs[i++], 0x30, 'issuer');
  const validity = children(der, expectTag(tbs[i++], 0x30, 'validity'));
  const subjectT = expectTag(tbs[i++], 0x30, 'subject');
  const spkiT = expectTag(tbs[i++], 0x30, 'subjectPublicKeyInfo');
  const spki = children(der, spkiT);
  const keyAlg = children(der, expectTag(spki[0], 0x30, 'algorithm'));
  const bits = value(der, expectTag(spki[1], 0x03, 'subjectPublicKey'));
  const extensions = new Map<string, { critical: boolean; value: Buffer }>();
  for (; i < tbs.length; i++) {
    if (tbs[i].tag !== 0xa3) continue;
    const [extsT] = children(der, tbs[i]);
    for (const extT of children(der, extsT)) {
      const e = children(der, extT);
      const id = decodeOid(value(der, e[0]));
      const critical = e.length === 3 && der[e[1].valueStart] !== 0;
      extensions.set(id, { critical, value: value(der, e[e.length - 1]) });
    }
  }
  const time = (t: (typeof validity)[number]) => parseTime(t.tag, value(der, t).toString('latin1'));
  return {
    der,
    serial: serialHex(value(der, serialT)),
    issuerDer: whole(der, issuerT),
    subjectDer: whole(der, subjectT),
    spkiDer: whole(der, spkiT),
    publicKeyBits: bits.subarray(1),
    keyAlgorithm: decodeOid(value(der, keyAlg[0])),
    notBefore: time(validity[0]),
    notAfter: time(validity[1]),
    extensions,
  };
}

/** Reads every certificate in a PEM bundle (or a single DER certificate). */
export function readCertificates(data: Buffer | string): CertInfo[] {
  const text = typeof data === 'string' ? data : data.toString('latin1');
  const blocks = [...text.matchAll(/-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----([\s\S]*?)-----END (?:X509 |TRUSTED )?CERTIFICATE-----/g)];
  if (blocks.length === 0) {
    if (typeof data !== 'string' && data[0] === 0x30) return [parseCertificate(data)];
    throw new DerError('no certificate found');
  }
  return blocks.map((m) => parseCertificate(Buffer.from(m[1].replace(/\s+/g, ''), 'base64')));
}

export function toPem(der: Buffer, label = 'CERTIFICATE'): string {
  const b64 = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}-----END ${label}-----\n`;
}

const hashesOf = new WeakMap<CertInfo, Record<HashName, { name: Buffer; key: Buffer }>>();

/**
 * Hashes a CertID is keyed on for an issuer: H(subject DER) and H(public key bits). Computed once
 * per certificate object: clients (the emulator, the soak) ask for them on every request.
 */
export function issuerHashes(issuer: CertInfo): Record<HashName, { name: Buffer; key: Buffer }> {
  const known = hashesOf.get(issuer);
  if (known) return known;
  const out = {} as Record<HashName, { name: Buffer; key: Buffer }>;
  for (const h of HASHES) {
    out[h] = {
      name: createHash(h).update(issuer.subjectDer).digest(),
      key: createHash(h).update(issuer.publicKeyBits).digest(),
    };
  }
  hashesOf.set(issuer, out);
  return out;
}

/** True when the certificate's extended key usage includes id-kp-OCSPSigning. */
export function hasOcspSigningEku(cert: CertInfo): boolean {
  const eku = cert.extensions.get('2.5.29.37');
  if (!eku) return false;
  const t = readWhole(eku.value, 0x30);
  return children(eku.value, t).some((p) => p.tag === 0x06 && decodeOid(value(eku.value, p)) === OID.ocspSigning);
}
