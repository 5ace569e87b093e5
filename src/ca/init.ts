// `ocsplab ca init`: a self-signed CA in an openssl-style directory.

import { existsSync, mkdirSync, chmodSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { resolvePassSource } from '../crypto/keys.js';
import { writeNewFile } from '../index/atomic.js';
import { toPem } from '../ocsp/cert.js';
import { opensslCnf } from './cnf.js';
import { BACKDATE_MS, CaError, caPaths, type CaMeta, type CaPaths } from './dir.js';
import { encodeExtensions, keyIdentifier, roleKeyUsage } from './extensions.js';
import { generateKey, publicKeyBits, spkiOf, writePrivateKey, type KeyType } from './keys.js';
import { commonName, encodeName, parseSubject } from './name.js';
import { signCertificate } from './x509.js';
import { issueForKey } from './issue.js';
import { openCa } from './dir.js';
import { basename } from 'node:path';

export interface InitOptions {
  dir: string;
  /** CN of the CA; or `subject` in openssl -subj form. */
  cn?: string;
  subject?: string;
  key?: KeyType;
  /** CA certificate validity (default 3650). */
  days?: number;
  /** Default validity of certificates it issues (default 365). */
  issueDays?: number;
  /** openssl pass phrase source (pass:, env:, file:, fd:, stdin) to encrypt the CA key. */
  passout?: string;
  /** Default AIA OCSP URL of issued certificates. */
  ocspUrl?: string;
  /** Default CRL Distribution Point URL(s) of issued certificates. */
  crlUrl?: string | string[];
  /** An intermediate (issuing) CA: its certificate is issued by the CA in this directory (and
   *  recorded in that CA's index.txt, with that CA's AIA and CDP URLs), not self-signed. */
  issuer?: { dir: string; passin?: string };
}

const DAY = 86_400_000;

export async function initCa(o: InitOptions): Promise<CaPaths> {
  const p = caPaths(o.dir);
  if (existsSync(p.cacert) || existsSync(p.index)) throw new CaError(`${p.dir} already holds a CA (cacert.pem or index.txt exists); choose another directory`);
  if (!o.cn && !o.subject) throw new CaError('init needs --cn NAME or --subject /.../CN=NAME');
  const keyType = o.key ?? 'rsa2048';
  const passphrase = o.passout !== undefined ? await resolvePassSource(o.passout) : undefined;
  const key = await generateKey(keyType);
  const parsedName = o.subject ? parseSubject(o.subject) : commonName(o.cn!);
  const name = encodeName(parsedName);
  const spki = spkiOf(key);
  const keyId = keyIdentifier(publicKeyBits(spki));
  const now = Date.now();
  const serial = BigInt(`0x${randomBytes(16).toString('hex')}`) >> 1n; // positive, 127 bits, as openssl req -x509 uses random serials
  const der = o.issuer
    ? (await issueForKey(await openCa(o.issuer.dir, o.issuer.passin), key, { dir: o.issuer.dir, role: 'ca', name: parsedName, days: o.days ?? 3650, out: `${o.issuer.dir}/certs/${basename(p.dir)}` })).certDer
    : signCertificate(
    {
      serial,
      issuer: name,
      subject: name,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + (o.days ?? 3650) * DAY),
      spki,
      extensions: encodeExtensions({ ca: true, keyUsage: roleKeyUsage('ca', key), subjectKeyId: keyId, authorityKeyId: keyId }),
    },
    key,
  );
  mkdirSync(p.dir, { recursive: true });
  mkdirSync(`${p.dir}/private`, { recursive: true, mode: 0o700 });
  chmodSync(`${p.dir}/private`, 0o700);
  mkdirSync(p.newcerts, { recursive: true });
  writePrivateKey(p.cakey, key, passphrase);
  writeNewFile(p.cacert, toPem(der));
  writeNewFile(p.serial, '01\n');
  writeNewFile(p.crlnumber, '01\n');
  writeNewFile(p.attr, 'unique_subject = no\n');
  const meta: CaMeta = { version: 1, keyType, days: o.issueDays ?? 365, ...(o.ocspUrl ? { ocspUrl: o.ocspUrl } : {}), ...(o.crlUrl ? { crlUrls: [o.crlUrl].flat() } : {}) };
  writeNewFile(p.meta, JSON.stringify(meta, null, 2) + '\n');
  writeNewFile(p.cnf, opensslCnf({ dir: p.dir, keyType, days: meta.days, ocspUrl: o.ocspUrl, crlUrls: meta.crlUrls }));
  writeNewFile(p.index, ''); // last: its presence marks the directory complete
  return p;
}
