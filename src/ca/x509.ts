// Builds and signs an X.509 v3 certificate with the project's one signing path (signatureScheme).

import type { KeyObject } from 'node:crypto';
import { bitString, explicit, seq, tlv, unsignedInteger, x509Time } from '../ocsp/der.js';
import { signatureScheme } from '../ocsp/signer.js';
import { digestFor } from './keys.js';

export interface TbsSpec {
  serial: bigint;
  issuer: Buffer;
  subject: Buffer;
  notBefore: Date;
  notAfter: Date;
  spki: Buffer;
  /** SEQUENCE OF Extension (see extensions.ts). */
  extensions: Buffer;
}

export function serialBytes(serial: bigint): Buffer {
  const hex = serial.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
}

/** Signs the certificate with the issuer's key; returns the certificate DER. */
export function signCertificate(spec: TbsSpec, issuerKey: KeyObject): Buffer {
  const scheme = signatureScheme(issuerKey, digestFor(issuerKey));
  const tbs = seq(
    explicit(0, tlv(0x02, Uint8Array.of(2))),
    unsignedInteger(serialBytes(spec.serial)),
    scheme.algorithmId,
    spec.issuer,
    seq(x509Time(spec.notBefore), x509Time(spec.notAfter)),
    spec.subject,
    spec.spki,
    explicit(3, spec.extensions),
  );
  return seq(tbs, scheme.algorithmId, bitString(scheme.sign(tbs)));
}
