// Turns a CA's configuration (paths as given to `openssl ocsp`) into a ready CaSource: reads and
// checks certificates and key once, pre-encodes the signer, opens the watched index.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { X509Certificate, createPublicKey } from 'node:crypto';
import { hasOcspSigningEku, issuerHashes, readCertificates, type CertInfo } from '../ocsp/cert.js';
import { HASHES, type HashName } from '../ocsp/oids.js';
import { createSigner } from '../ocsp/signer.js';
import { isEncryptedPem, loadPrivateKey, passphraseFor } from '../crypto/keys.js';
import { derCommonName } from '../ca/name.js';
import { IndexStore, type StoreLogger } from '../index/store.js';
import { CaSource, type ExpiredPolicy } from './ca-source.js';
import { FileCrl, IndexCrl, type CrlOrigin } from './crl-source.js';
import { caSection, crlPeriodMs } from '../ca/crl.js';
import { digestFor } from '../ca/keys.js';

export interface CaConfig {
  /** Name used in logs, the admin API and drills; defaults to the CA certificate's CN. */
  name?: string;
  /** index.txt path (-index). */
  index: string;
  /** CA certificate(s) (-CA); a bundle may hold several issuers sharing one index. */
  ca: string;
  /** Responder certificate (-rsigner); defaults to the CA certificate. */
  rsigner?: string;
  /** Responder key (-rkey); defaults to the -rsigner file, as openssl. */
  rkey?: string;
  /** Pass phrase source for the key (-passin). */
  passin?: string;
  /** Extra certificates for the response (-rother). */
  rother?: string[];
  /** Signature digest (-rmd). */
  rmd?: HashName;
  /** RSASSA-PSS signatures (-rsigopt rsa_padding_mode:pss). */
  pss?: boolean;
  /** ResponderID byKey (-resp_key_id). */
  respKeyId?: boolean;
  /** No certificates in responses (-resp_no_certs). */
  noCerts?: boolean;
  /** nextUpdate in minutes (-nmin) or days (-ndays). */
  nmin?: number;
  ndays?: number;
  /** CertID hash in responses (-rcid). */
  rcid?: HashName;
  /** Answer for index lines marked E. */
  expired?: ExpiredPolicy;
  /** A port of its own, so this CA can be taken down alone. */
  port?: number;
  /** A CRL file to serve as it is at /crl/<name>.crl (when the responder cannot sign CRLs). */
  crl?: string;
  /** The CA's key, to sign CRLs when -rsigner is a delegated OCSP signer. */
  crlKey?: string;
  /** Pass phrase source for --crl-key (--crl-passin); default the -passin source. */
  crlPassin?: string;
  /** nextUpdate of signed CRLs; default the openssl.cnf beside index.txt, else 24 hours. */
  crlDays?: number;
  crlHours?: number;
}

export interface LoadedCa {
  config: CaConfig;
  name: string;
  source: CaSource;
  store: IndexStore;
  issuers: CertInfo[];
  signerCert: CertInfo;
  warnings: string[];
  /** Where its CRL comes from; undefined with `crlWhy` when it serves none. */
  crl?: CrlOrigin;
  crlWhy?: string;
}

function readCerts(path: string, what: string): CertInfo[] {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    throw new Error(`${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? 'cannot read'}`);
  }
  try {
    return readCertificates(data);
  } catch (e) {
    throw new Error(`${what} ${path}: ${(e as Error).message}`);
  }
}

/** Checks that `cert` carries a signature made by `issuer`'s key. */
function signedBy(cert: CertInfo, issuer: CertInfo): boolean {
  if (!cert.issuerDer.equals(issuer.subjectDer)) return false;
  try {
    // X509Certificate.verify dispatches on the algorithm (RSA, PSS, ECDSA, EdDSA).
    return new X509Certificate(cert.der).verify(createPublicKey({ key: issuer.spkiDer, format: 'der', type: 'spki' }));
  } catch {
    return false;
  }
}

/** A warning when a secret (a private key, the admin token) can be read by group or others. */
export function warnSecretPermissions(path: string): string | undefined {
  try {
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o044) return `${path} is readable by group or others (mode ${mode.toString(8)}); chmod 600 it`;
  } catch {
    /* unreadable files fail later with a clear error */
  }
  return undefined;
}

/** Where a CA's responder key is: -rkey, else the -rsigner file, else the CA file (as openssl). */
export function keyPathOf(config: CaConfig): string {
  return config.rkey ?? config.rsigner ?? config.ca;
}

/** The key --crl-key names, when it is used (a --crl file is served as it is, unsigned by us). */
function crlKeyOf(config: CaConfig): string | undefined {
  return config.crl === undefined ? config.crlKey : undefined;
}

function pemOf(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return ''; // the loader reports the unreadable file
  }
}

/**
 * The pass phrases a CA's keys need, each asked for or read once, as pass:TEXT. The one place
 * both key loads and every process get them from: a stdin or fd: source can be read only once
 * (the responder key took it and the --crl-key then found stdin empty), and workers have no
 * terminal to ask on. --crl-key uses --crl-passin, else the -passin source (so the same stdin line
 * serves both). Keys that are not encrypted leave their source as it is.
 */
export async function resolveKeyPassins(config: CaConfig): Promise<CaConfig> {
  const keyPath = keyPathOf(config);
  const pass = await passphraseFor(keyPath, pemOf(keyPath), config.passin);
  const out: CaConfig = pass === undefined ? { ...config } : { ...config, passin: `pass:${pass}` };
  const crlKey = crlKeyOf(config);
  if (crlKey !== undefined) {
    const pem = pemOf(crlKey);
    // The shared -passin source was read already for the responder key: use what it gave.
    const shared = config.crlPassin === undefined && config.passin !== undefined && pass !== undefined;
    const crlPass = shared ? (isEncryptedPem(pem) ? pass : undefined) : await passphraseFor(crlKey, pem, config.crlPassin ?? config.passin);
    if (crlPass !== undefined) out.crlPassin = `pass:${crlPass}`;
  }
  return out;
}

export async function loadCa(given: CaConfig, log: StoreLogger): Promise<LoadedCa> {
  const config = await resolveKeyPassins(given);
  const issuers = readCerts(config.ca, 'CA certificate');
  const signerPath = config.rsigner ?? config.ca;
  const [signerCert] = readCerts(signerPath, 'responder certificate');
  const keyPath = keyPathOf(config);
  const warnings: string[] = [];
  const perm = warnSecretPermissions(keyPath);
  if (perm) warnings.push(perm);
  const key = await loadPrivateKey(keyPath, config.passin);
  // The key must match the certificate, or every response fails verification at the client.
  if (!createPublicKey(key).export({ format: 'der', type: 'spki' }).equals(signerCert.spkiDer)) {
    throw new Error(`responder key ${keyPath} does not match certificate ${signerPath}`);
  }
  const isCa = issuers.some((i) => i.der.equals(signerCert.der));
  if (!isCa) {
    if (!issuers.some((i) => signedBy(signerCert, i))) warnings.push(`responder certificate ${signerPath} is not issued by the CA; clients will reject its responses`);
    else if (!hasOcspSigningEku(signerCert)) warnings.push(`responder certificate ${signerPath} lacks id-kp-OCSPSigning; clients will reject its responses`);
  }
  const others = (config.rother ?? []).flatMap((p) => readCerts(p, 'other certificate'));
  const common = { md: config.rmd, pss: config.pss, byKey: config.respKeyId };
  const signer = createSigner(signerCert, key, { ...common, certs: config.noCerts ? [] : [signerCert, ...others] });
  const signerNoCerts = createSigner(signerCert, key, { ...common, certs: [] });
  const hashes = new Map<HashName, { name: Buffer; key: Buffer }[]>();
  for (const h of HASHES) hashes.set(h, issuers.map((i) => issuerHashes(i)[h]));
  const store = new IndexStore(config.index, log);
  const name = config.name ?? derCommonName(issuers[0].subjectDer) ?? config.index;
  const nextUpdateMs = config.nmin !== undefined ? config.nmin * 60_000 : config.ndays !== undefined ? config.ndays * 86_400_000 : undefined;
  const source = new CaSource({
    name,
    store,
    issuers,
    signer,
    signerNoCerts,
    nextUpdateMs,
    expired: config.expired ?? 'good',
    rcid: config.rcid,
    issuerHashes: hashes,
  });
  const crl = await crlOrigin(config, { store, issuers, key: isCa ? key : undefined, warn: (m) => log.error(m) });
  if (config.crl !== undefined && config.crlKey !== undefined) warnings.push(`--crl-key ${config.crlKey} is not used: --crl ${config.crl} is served as it is (give one of the two)`);
  return { config, name, source, store, issuers, signerCert, warnings, ...crl };
}

/** How long a signed CRL is valid: the flags, else default_crl_days/hours of the CA's openssl.cnf. */
function crlPeriodFor(config: CaConfig): number {
  if (config.crlDays !== undefined || config.crlHours !== undefined) return crlPeriodMs({ days: config.crlDays, hours: config.crlHours }, {});
  const cnf = join(dirname(config.index), 'openssl.cnf');
  try {
    if (existsSync(cnf)) return crlPeriodMs({}, caSection(readFileSync(cnf, 'utf8')));
  } catch {
    /* a config without CRL settings: the default below */
  }
  return 24 * 3_600_000;
}

async function crlOrigin(
  config: CaConfig,
  o: { store: IndexStore; issuers: CertInfo[]; key?: import('node:crypto').KeyObject; warn: (line: string) => void },
): Promise<{ crl?: CrlOrigin; crlWhy?: string }> {
  if (config.crl !== undefined) {
    return { crl: new FileCrl(config.crl, { issuers: o.issuers, warn: o.warn }) };
  }
  let key = o.key;
  if (!key && config.crlKey !== undefined) {
    try {
      key = await loadPrivateKey(config.crlKey, config.crlPassin ?? config.passin);
    } catch (e) {
      // Say which option the file came from; the loader's hint is about -rkey.
      throw new Error(`--crl-key: ${(e as Error).message.replace(/ \(give the key file with -rkey\)$/, ' (--crl-key is the CA private key, PEM)')}`);
    }
    if (!createPublicKey(key).export({ format: 'der', type: 'spki' }).equals(o.issuers[0].spkiDer)) {
      throw new Error(`CRL key ${config.crlKey} is not the key of the CA certificate ${config.ca}; a CRL must be signed by its issuer`);
    }
  }
  if (!key) return { crlWhy: 'the responder signs OCSP with a delegated certificate and holds no CA key; give --crl-key with the CA key, or --crl FILE' };
  return { crl: new IndexCrl(o.store, o.issuers[0], key, config.rmd ?? digestFor(key), crlPeriodFor(config)) };
}
