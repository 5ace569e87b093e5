// `ocsplab ca issue` and `responder-cert`: a key and a certificate signed by the CA, recorded the
// way `openssl ca` records it (index line, newcerts/<SERIAL>.pem, serial advanced).

import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { resolvePassSource } from '../crypto/keys.js';
import { replaceFiles, withLock, writeNewFile } from '../index/atomic.js';
import { decodeSubject, formatIndexTime, formatLine } from '../index/line.js';
import { toPem } from '../ocsp/cert.js';
import { CaError, openCa, readDatabase, readSerial, serialText, type OpenCa, BACKDATE_MS } from './dir.js';
import { EKU, encodeExtensions, keyIdentifier, roleKeyUsage } from './extensions.js';
import { checkKeyType, generateKey, publicKeyBits, spkiOf, writePrivateKey, type KeyType } from './keys.js';
import { commonName, encodeName, indexSubject, nameCommonName, parseSubject, type NameSpec } from './name.js';
import { signCertificate } from './x509.js';

/** 'ca': an intermediate (issuing) CA certificate, made by `ocsplab ca init --issuer`. */
export type CertRole = 'server' | 'client' | 'ocsp' | 'ca';

const ROLE_EKU: Record<CertRole, string[]> = {
  // MQ channels are symmetric: a queue manager's certificate also acts as a TLS client (sender channels).
  server: [EKU.serverAuth, EKU.clientAuth],
  client: [EKU.clientAuth],
  ocsp: [EKU.ocspSigning],
  ca: [],
};

export interface IssueOptions {
  dir: string;
  cn?: string;
  subject?: string;
  san?: string[];
  /** AIA OCSP URL; default the CA's configured one; `null` for none. */
  ocspUrl?: string | null;
  /** CRL Distribution Point URLs; default the CA's configured ones; `null` for none. */
  crlUrl?: string | string[] | null;
  role?: CertRole;
  key?: KeyType;
  days?: number;
  /** Output prefix: PREFIX.pem and PREFIX.key.pem. Default DIR/certs/<CN>. */
  out?: string;
  /** Pass phrase source for an encrypted CA key. */
  passin?: string;
  /** Pass phrase source to encrypt the new key. */
  passout?: string;
}

export interface Issued {
  /** Serial as in index.txt (upper-case even-length hex). */
  serial: string;
  certPath: string;
  keyPath: string;
  newcertPath: string;
  certDer: Buffer;
  subject: string;
  line: string;
}

const DAY = 86_400_000;

function outPrefix(o: IssueOptions, dir: string, name: NameSpec): string {
  if (o.out) return o.out;
  const cn = nameCommonName(name) ?? 'cert';
  return `${dir}/certs/${cn.replace(/[^A-Za-z0-9._-]+/g, '_')}`;
}

/**
 * Signs a certificate for `key` and records it. Everything that can fail slowly (key generation,
 * CA key decryption) happens before the lock is taken; under the lock only the serial is read,
 * the certificate signed and the files rotated.
 */
export async function issueForKey(ca: OpenCa, key: KeyObject, o: IssueOptions & { name: NameSpec }): Promise<Omit<Issued, 'keyPath'>> {
  const role = o.role ?? 'server';
  const p = ca.paths;
  const subjectDer = encodeName(o.name);
  const spki = spkiOf(key);
  const ocspUrl = o.ocspUrl === null ? undefined : (o.ocspUrl ?? (role === 'ocsp' ? undefined : ca.meta.ocspUrl));
  const crlUrls = o.crlUrl === null ? undefined : o.crlUrl !== undefined ? [o.crlUrl].flat() : role === 'ocsp' ? undefined : ca.meta.crlUrls;
  const prefix = outPrefix(o, p.dir, o.name);
  const certPath = `${prefix}.pem`;
  return withLock(p.lock, () => {
    const { text, db, attr } = readDatabase(p);
    const subject = indexSubject(subjectDer);
    if (attr.uniqueSubject) {
      for (const e of db.entries()) {
        if (e.status === 'V' && e.subject === subject)
          throw new CaError(`a valid certificate with subject ${subject} already exists (serial ${e.serialText}) and ${p.attr} says unique_subject = yes`);
      }
    }
    const serial = readSerial(p);
    const st = serialText(serial);
    if (db.line(st) !== undefined) throw new CaError(`serial ${st} from ${p.serial} is already in ${p.index}; the serial file is behind the database`);
    const now = Date.now();
    const notAfter = new Date(now + (o.days ?? ca.meta.days) * DAY);
    const der = signCertificate(
      {
        serial,
        issuer: ca.cert.subjectDer,
        subject: subjectDer,
        notBefore: new Date(now - BACKDATE_MS),
        notAfter,
        spki,
        extensions: encodeExtensions({
          ca: role === 'ca',
          keyUsage: roleKeyUsage(role, key),
          extKeyUsage: ROLE_EKU[role],
          subjectKeyId: keyIdentifier(publicKeyBits(spki)),
          authorityKeyId: keyIdentifier(ca.cert.publicKeyBits),
          san: o.san,
          ocspUrl,
          crlUrls,
          ocspNoCheck: role === 'ocsp', // the responder's own certificate is not checked by OCSP
        }),
      },
      ca.key,
    );
    const line = formatLine({ status: 'V', expiryText: formatIndexTime(notAfter), serialText: st, filename: 'unknown', subject });
    const pem = toPem(der);
    const newcertPath = `${p.newcerts}/${st}.pem`;
    writeNewFile(newcertPath, pem);
    mkdirSync(dirname(certPath), { recursive: true });
    writeNewFile(certPath, pem);
    // Serial first: a crash after it leaves a skipped serial, never a reused one.
    replaceFiles([
      { path: p.serial, content: `${serialText(serial + 1n)}\n` },
      { path: p.index, content: `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${line}\n` },
      { path: p.attr, content: `unique_subject = ${attr.uniqueSubject ? 'yes' : 'no'}\n` },
    ]);
    return { serial: st, certPath, newcertPath, certDer: der, subject, line };
  });
}

function subjectOf(o: IssueOptions): NameSpec {
  if (o.subject) return parseSubject(o.subject);
  if (o.cn) return commonName(o.cn);
  throw new CaError('issue needs --cn NAME or --subject /.../CN=NAME');
}

/** Generates a key, issues its certificate, writes PREFIX.pem and PREFIX.key.pem. */
export async function issue(o: IssueOptions): Promise<Issued> {
  return issueWith(await openCa(o.dir, o.passin), o);
}

async function issueWith(ca: OpenCa, o: IssueOptions): Promise<Issued> {
  const name = subjectOf(o);
  const keyType = checkKeyType(o.key, ca.meta.keyType);
  const passphrase = o.passout !== undefined ? await resolvePassSource(o.passout) : undefined;
  const prefix = outPrefix(o, ca.paths.dir, name);
  const keyPath = `${prefix}.key.pem`;
  if (existsSync(`${prefix}.pem`) || existsSync(keyPath)) throw new CaError(`${prefix}.pem or ${keyPath} already exists; choose another --out prefix`);
  const key = await generateKey(keyType);
  const r = await issueForKey(ca, key, { ...o, out: prefix, name });
  writePrivateKey(keyPath, key, passphrase);
  return { ...r, keyPath };
}

/** A delegated OCSP signing certificate (id-kp-OCSPSigning, id-pkix-ocsp-nocheck). */
export async function responderCert(o: Omit<IssueOptions, 'role' | 'ocspUrl' | 'san'>): Promise<Issued> {
  const ca = await openCa(o.dir, o.passin);
  const caCn = /\/CN=((?:\\.|[^/])*)/.exec(indexSubject(ca.cert.subjectDer))?.[1];
  const cn = o.cn ?? `${caCn ? decodeSubject(caCn) : 'CA'} OCSP Responder`;
  return issueWith(ca, { ...o, cn, role: 'ocsp', ocspUrl: null, crlUrl: null, out: o.out ?? `${ca.paths.dir}/ocsp/responder` });
}
