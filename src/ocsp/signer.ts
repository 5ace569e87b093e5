// Builds a ResponseSigner from a certificate and a node:crypto KeyObject.
//
// node:crypto signs an RSA-2048 response in about 0.25 ms; going through WebCrypto (native or
// @peculiar) costs several times that per request, so the hot path signs here, and everything
// that can be encoded ahead of time is encoded once in this constructor.

import { createHash, sign as cryptoSign, constants, type KeyObject } from 'node:crypto';
import { NULL, explicit, octetString, oid, seq, tlv } from './der.js';
import { OID, type HashName } from './oids.js';
import type { CertInfo } from './cert.js';
import type { ResponseSigner } from './response.js';

export interface SignerOptions {
  /** Digest for the signature (openssl -rmd); ignored for Ed25519. Default sha256. */
  md?: HashName;
  /** RSASSA-PSS instead of PKCS#1 v1.5 (openssl -rsigopt rsa_padding_mode:pss). */
  pss?: boolean;
  /** ResponderID byKey instead of byName (openssl -resp_key_id). */
  byKey?: boolean;
  /** Certificates to put in the response: usually the signer, plus -rother. Empty for -resp_no_certs. */
  certs: CertInfo[];
}

const DIGEST_LEN: Record<HashName, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

const RSA_PKCS1: Record<HashName, string> = {
  sha1: OID.sha1WithRSA,
  sha256: OID.sha256WithRSA,
  sha384: OID.sha384WithRSA,
  sha512: OID.sha512WithRSA,
};
const ECDSA: Record<HashName, string> = {
  sha1: OID.ecdsaWithSHA1,
  sha256: OID.ecdsaWithSHA256,
  sha384: OID.ecdsaWithSHA384,
  sha512: OID.ecdsaWithSHA512,
};

export function hashAlgorithmId(h: HashName): Buffer {
  return seq(oid(OID[h]), NULL);
}

function pssParams(h: HashName): Buffer {
  const hashId = seq(oid(OID[h]));
  return seq(explicit(0, hashId), explicit(1, seq(oid(OID.mgf1), hashId)), explicit(2, tlv(0x02, Uint8Array.of(DIGEST_LEN[h]))));
}

export function responderIdFor(cert: CertInfo, byKey: boolean): Buffer {
  return byKey ? tlv(0xa2, octetString(createHash('sha1').update(cert.publicKeyBits).digest())) : tlv(0xa1, cert.subjectDer);
}

export interface SignatureScheme {
  /** Encoded AlgorithmIdentifier for the signature. */
  algorithmId: Buffer;
  sign(data: Buffer): Buffer;
  /** The same signature computed on libuv's thread pool, leaving the event loop free meanwhile. */
  signAsync(data: Buffer): Promise<Buffer>;
}

type KeyArg = KeyObject | { key: KeyObject; padding: number; saltLength: number };

function scheme(algorithmId: Buffer, md: HashName | null, key: KeyArg): SignatureScheme {
  return {
    algorithmId,
    sign: (d) => cryptoSign(md, d, key),
    signAsync: (d) => new Promise((resolve, reject) => cryptoSign(md, d, key, (e, sig) => (e ? reject(e) : resolve(sig)))),
  };
}

/** The signature algorithm a key uses with a digest: shared by OCSP responses and the CA tool. */
export function signatureScheme(key: KeyObject, md: HashName = 'sha256', pss = false): SignatureScheme {
  const type = key.asymmetricKeyType;
  if (type === 'rsa' && !pss) return scheme(seq(oid(RSA_PKCS1[md]), NULL), md, key);
  if (type === 'rsa' || type === 'rsa-pss') {
    return scheme(seq(oid(OID.rsassaPss), pssParams(md)), md, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: DIGEST_LEN[md] });
  }
  if (type === 'ec') return scheme(seq(oid(ECDSA[md])), md, key);
  if (type === 'ed25519') return scheme(seq(oid(OID.ed25519)), null, key);
  throw new Error(`unsupported signing key type ${type}`);
}

export function createSigner(cert: CertInfo, key: KeyObject, o: SignerOptions): ResponseSigner {
  const s = signatureScheme(key, o.md, o.pss);
  return {
    responderId: responderIdFor(cert, o.byKey ?? false),
    signatureAlgorithm: s.algorithmId,
    certsField: o.certs.length ? explicit(0, seq(...o.certs.map((c) => c.der))) : Buffer.alloc(0),
    // RSA (hundreds of µs) signs on the thread pool so other requests go on meanwhile; for EC
    // and Ed25519 (tens of µs) the hop to the pool costs more than it frees.
    sign: key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss' ? s.signAsync : s.sign,
  };
}
