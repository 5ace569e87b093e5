// The openssl-style CA directory: where each file lives, and loading what a command needs.

import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { KeyObject } from 'node:crypto';
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
  return readCertificates(readFileSync(p.cacert))[0];
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
  const text = readFileSync(p.index, 'latin1');
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
  const paths = requireCa(dir);
  return { paths, meta: readMeta(paths), cert: readCaCert(paths), key: await loadPrivateKey(paths.cakey, passin) };
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
