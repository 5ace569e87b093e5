// The openssl-style CA directory: where each file lives, and loading what a command needs.

import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readCertificates, type CertInfo } from '../ocsp/cert.js';
import { loadPrivateKey } from '../crypto/keys.js';
import { IndexDatabase, parseAttr, type IndexAttr } from '../index/database.js';
import { recoverInterrupted } from '../index/atomic.js';
import { indexSerial } from '../index/line.js';
import type { KeyType } from './keys.js';

export interface CaPaths {
  dir: string;
  index: string;
  attr: string;
  serial: string;
  crlnumber: string;
  cacert: string;
  cakey: string;
  newcerts: string;
  cnf: string;
  /** ocsplab's own settings for the CA (key type, default days, OCSP URL). */
  meta: string;
  lock: string;
}

export function caPaths(dir: string): CaPaths {
  const d = resolve(dir);
  return {
    dir: d,
    index: `${d}/index.txt`,
    attr: `${d}/index.txt.attr`,
    serial: `${d}/serial`,
    crlnumber: `${d}/crlnumber`,
    cacert: `${d}/cacert.pem`,
    cakey: `${d}/private/cakey.pem`,
    newcerts: `${d}/newcerts`,
    cnf: `${d}/openssl.cnf`,
    meta: `${d}/ocsplab-ca.json`,
    lock: `${d}/index.txt.lock`,
  };
}

export interface CaMeta {
  version: 1;
  keyType: KeyType;
  /** Default validity of issued certificates. */
  days: number;
  /** AIA OCSP URL put in issued certificates unless the command gives another. */
  ocspUrl?: string;
  /** CRL Distribution Point URLs put in issued certificates unless the command gives others. */
  crlUrls?: string[];
}

/** Backdating absorbs clock skew between the lab host and containers that check the certificates. */
export const BACKDATE_MS = 5 * 60_000;

export class CaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaError';
  }
}

/** Whether an openssl.cnf's `dir` value names the CA directory `dir` (symbolic links followed). A
 *  copied or moved CA keeps a config whose absolute dir is the original's. */
export function cnfNamesDir(cnfDir: string, dir: string): boolean {
  const real = (p: string): string => (existsSync(p) ? realpathSync(p) : resolve(p));
  return real(cnfDir) === real(dir);
}

export function isCa(dir: string): boolean {
  const p = caPaths(dir);
  return existsSync(p.cacert) && (existsSync(p.index) || existsSync(`${p.index}.new`) || existsSync(`${p.index}.old`));
}

function requireCa(dir: string): CaPaths {
  const p = caPaths(dir);
  if (!existsSync(p.cacert)) throw new CaError(`${p.dir} is not a CA directory (no cacert.pem); create one with 'ocsplab ca init ${dir} --cn NAME'`);
  return p;
}

export function readMeta(p: CaPaths): CaMeta {
  try {
    return JSON.parse(readFileSync(p.meta, 'utf8')) as CaMeta;
  } catch {
    // A directory made by openssl alone: sensible defaults.
    return { version: 1, keyType: 'rsa2048', days: 365 };
  }
}

export function readCaCert(p: CaPaths): CertInfo {
  try {
    return readCertificates(readFileSync(p.cacert))[0];
  } catch (e) {
    throw new CaError(`${p.cacert}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (the CA certificate, PEM or DER)`);
  }
}

export interface CaDatabase {
  text: string;
  db: IndexDatabase;
  attr: IndexAttr;
}

/** Reads index.txt (and .attr), first finishing a rotation a killed writer left half done. */
export function readDatabase(p: CaPaths): CaDatabase & { recovered?: string } {
  const recovered = recoverInterrupted(p.index);
  recoverInterrupted(p.serial);
  let text: string;
  try {
    text = readFileSync(p.index, 'latin1');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CaError(
      code === 'ENOENT'
        ? `${p.index} is missing, and there is no index.txt.new or index.txt.old to recover it from; nothing was changed (an empty CA database is an empty index.txt)`
        : `${p.index}: cannot read it (${code ?? (e as Error).message}); nothing was changed`,
    );
  }
  const attrText = existsSync(p.attr) ? readFileSync(p.attr, 'utf8') : undefined;
  return { text, db: IndexDatabase.parse(text, p.index), attr: parseAttr(attrText), recovered };
}

export interface OpenCa {
  paths: CaPaths;
  meta: CaMeta;
  cert: CertInfo;
  key: KeyObject;
}

/** Everything signing needs; `passin` is an openssl pass phrase source for an encrypted CA key. */
export async function openCa(dir: string, passin?: string): Promise<OpenCa> {
  return openCaAt(requireCa(dir), passin);
}

/** openCa for files an openssl.cnf names (`ocsplab ca gencrl --config`). */
export async function openCaAt(paths: CaPaths, passin?: string): Promise<OpenCa> {
  const cert = readCaCert(paths);
  let key: KeyObject;
  try {
    key = await loadPrivateKey(paths.cakey, passin);
  } catch (e) {
    // The loader's hint names the responder's -rkey; here the key is the CA's, at a fixed place.
    throw new CaError((e as Error).message.replace(/ \(give the key file with -rkey\)$/, ' (the CA key, PEM)'));
  }
  // As `openssl ca` ("CA certificate and CA private key do not match"): a key that is not the
  // certificate's would sign certificates and CRLs nothing verifies.
  if (!createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(cert.spkiDer)) {
    throw new CaError(`${paths.cakey} is not the key of ${paths.cacert} (CA certificate and CA private key do not match); nothing was signed`);
  }
  return { paths, meta: readMeta(paths), cert, key };
}

export function caPathsChecked(dir: string): CaPaths {
  return requireCa(dir);
}

/** Serial as openssl writes it in index.txt, the serial file and newcerts/: upper-case, even length. */
export function serialText(n: bigint): string {
  return indexSerial(n.toString(16));
}

export function readSerial(p: CaPaths): bigint {
  const text = readFileSync(p.serial, 'latin1').trim();
  if (!/^[0-9A-Fa-f]+$/.test(text)) throw new CaError(`${p.serial}: not a hex serial number (${JSON.stringify(text.slice(0, 40))})`);
  return BigInt(`0x${text}`);
}
