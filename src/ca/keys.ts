// Key pairs for lab certificates (node:crypto), and the digest each key signs with.

import { generateKeyPair, createPublicKey, type KeyObject } from 'node:crypto';
import { children, readWhole, value } from '../ocsp/der.js';
import type { HashName } from '../ocsp/oids.js';
import { writeNewFile } from '../index/atomic.js';

export const KEY_TYPES = ['rsa2048', 'rsa3072', 'ec-p256', 'ec-p384', 'ed25519'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export function isKeyType(s: string): s is KeyType {
  return (KEY_TYPES as readonly string[]).includes(s);
}

export function checkKeyType(s: string | undefined, fallback: KeyType): KeyType {
  if (s === undefined) return fallback;
  if (!isKeyType(s)) throw new Error(`unknown key type ${JSON.stringify(s)} (use ${KEY_TYPES.join(', ')})`);
  return s;
}

/** Generates a private key; async so a lab's keys are made in parallel on the thread pool. */
export function generateKey(type: KeyType): Promise<KeyObject> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, _pub: KeyObject, priv: KeyObject) => (err ? reject(err) : resolve(priv));
    switch (type) {
      case 'rsa2048':
      case 'rsa3072':
        return generateKeyPair('rsa', { modulusLength: type === 'rsa2048' ? 2048 : 3072 }, done);
      case 'ec-p256':
      case 'ec-p384':
        return generateKeyPair('ec', { namedCurve: type === 'ec-p256' ? 'P-256' : 'P-384' }, done);
      case 'ed25519':
        return generateKeyPair('ed25519', {}, done);
    }
  });
}

/** SubjectPublicKeyInfo DER of a private or public key. */
export function spkiOf(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'der' });
}

/** The subjectPublicKey bits (what key identifiers and OCSP key hashes are computed over). */
export function publicKeyBits(spki: Buffer): Buffer {
  const [, bits] = children(spki, readWhole(spki, 0x30));
  return value(spki, bits).subarray(1);
}

/** Digest a key signs certificates with: SHA-384 for P-384 (matching strength), SHA-256 otherwise. */
export function digestFor(key: KeyObject): HashName {
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'sha384' : 'sha256';
}

/** PKCS#8 PEM, encrypted with AES-256-CBC when a pass phrase is given. */
export function privateKeyPem(key: KeyObject, passphrase?: string): string {
  return passphrase === undefined
    ? (key.export({ type: 'pkcs8', format: 'pem' }) as string)
    : (key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string);
}

/** Writes a private key readable by its owner only (mode 0600, as openssl's private/ convention). */
export function writePrivateKey(path: string, key: KeyObject, passphrase?: string): void {
  writeNewFile(path, privateKeyPem(key, passphrase), 0o600);
}
