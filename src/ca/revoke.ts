// `ocsplab ca revoke` / `restore`: rewrite one index line as `openssl ca -revoke` would, and undo
// it (the `cp -p index.txt.old index.txt` of seed 003, without losing later changes).
// Every check runs before anything is written, so an error leaves the files byte-for-byte as they were.

import { existsSync, readFileSync } from 'node:fs';
import { replaceFiles, withLock } from '../index/atomic.js';
import {
  OPENSSL_REASONS,
  canonicalReason,
  formatGeneralizedTime,
  formatLine,
  formatRevocation,
  holdInstructionOid,
  normalizeSerial,
  parseIndexTime,
  parseLine,
  type IndexEntry,
} from '../index/line.js';
import { readCertificates } from '../ocsp/cert.js';
import { CaError, caPathsChecked, readCaCert, readDatabase, type CaPaths } from './dir.js';

export interface RevokeOptions {
  dir: string;
  /** A certificate file, or a serial number in hex. */
  target: string;
  /** One of openssl's reason words, any case. */
  reason?: string;
  /** Revocation time (default now). */
  time?: Date | string;
  /** Hold instruction (OID or holdInstructionNone/CallIssuer/Reject): stored as holdInstruction,<arg>. */
  holdInstruction?: string;
  /** Compromise time for keyCompromise / CACompromise: stored as keyTime / CAkeyTime. */
  invalidity?: Date | string;
}

export interface Changed {
  serial: string;
  line: string;
  previous: string;
}

/** Accepts index forms (YYMMDDHHMMSSZ, YYYYMMDDHHMMSSZ) and ISO 8601. */
export function parseTimeArg(t: Date | string, what: string): Date {
  if (t instanceof Date) return t;
  if (/^\d{12}Z$|^\d{14}Z$/.test(t)) return parseIndexTime(t);
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) throw new CaError(`${what}: cannot read time ${JSON.stringify(t)} (use YYYYMMDDHHMMSSZ or ISO 8601)`);
  return new Date(ms);
}

/** Serial (normalised) of a target: the certificate's when it is a file of this CA, else the hex given. */
export function targetSerial(p: CaPaths, target: string): string {
  if (existsSync(target)) {
    const cert = readCertificates(readFileSync(target))[0];
    if (!cert.issuerDer.equals(readCaCert(p).subjectDer)) throw new CaError(`${target} was not issued by the CA in ${p.dir}`);
    return normalizeSerial(cert.serial);
  }
  if (!/^(0x)?[0-9A-Fa-f]+$/.test(target)) throw new CaError(`${target}: neither a certificate file nor a hex serial number`);
  return normalizeSerial(target.replace(/^0x/, ''));
}

/** The reason word and argument openssl would store (apps/ca.c make_revocation_str). */
function revocationParts(o: RevokeOptions): { reason?: string; arg?: string } {
  let reason: string | undefined;
  if (o.reason !== undefined) {
    reason = canonicalReason(o.reason);
    if (!reason) throw new CaError(`unknown revocation reason ${JSON.stringify(o.reason)} (use one of: ${OPENSSL_REASONS.join(', ')})`);
  }
  if (o.holdInstruction !== undefined) {
    if (reason && reason !== 'certificateHold' && reason !== 'holdInstruction') throw new CaError(`--hold-instruction goes with reason certificateHold, not ${reason}`);
    try {
      holdInstructionOid(o.holdInstruction);
    } catch (e) {
      throw new CaError((e as Error).message);
    }
    return { reason: 'holdInstruction', arg: o.holdInstruction };
  }
  if (reason === 'holdInstruction') throw new CaError('reason holdInstruction needs --hold-instruction OID');
  if (o.invalidity !== undefined) {
    const compromise = reason === 'keyCompromise' || reason === 'keyTime' ? 'keyTime' : reason === 'CACompromise' || reason === 'CAkeyTime' ? 'CAkeyTime' : undefined;
    if (!compromise) throw new CaError(`--invalidity goes with reason keyCompromise or CACompromise${reason ? `, not ${reason}` : ''}`);
    return { reason: compromise, arg: formatGeneralizedTime(parseTimeArg(o.invalidity, '--invalidity')) };
  }
  if (reason === 'keyTime' || reason === 'CAkeyTime') throw new CaError(`reason ${reason} needs --invalidity TIME`);
  return { reason };
}

/** Finds, changes and rewrites one line under the lock; `change` throws to refuse. */
async function changeLine(dir: string, target: string, change: (e: IndexEntry, raw: string) => string): Promise<Changed> {
  const p = caPathsChecked(dir);
  const serial = targetSerial(p, target);
  return withLock(p.lock, () => {
    const { text, db, attr } = readDatabase(p);
    const previous = db.line(serial);
    if (previous === undefined) throw new CaError(`serial ${target} is not in ${p.index}`);
    const line = change(parseLine(previous), previous);
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.replace(/\r$/, '') === previous);
    lines[at] = line;
    replaceFiles([
      { path: p.index, content: lines.join('\n') },
      { path: p.attr, content: `unique_subject = ${attr.uniqueSubject ? 'yes' : 'no'}\n` },
    ]);
    return { serial: parseLine(previous).serialText, line, previous };
  });
}

function rewrite(e: IndexEntry, raw: string, status: 'V' | 'R', revocationText?: string): string {
  const f = raw.split('\t');
  return formatLine({ status, expiryText: f[1], revocationText, serialText: e.serialText, filename: e.filename, subject: e.subject });
}

export async function revoke(o: RevokeOptions): Promise<Changed> {
  const parts = revocationParts(o);
  const time = o.time !== undefined ? parseTimeArg(o.time, '--time') : new Date();
  return changeLine(o.dir, o.target, (e, raw) => {
    if (e.status === 'R') throw new CaError(`serial ${e.serialText} is already revoked (${raw.split('\t')[2]}); restore it first to change the revocation`);
    return rewrite(e, raw, 'R', formatRevocation(time, parts.reason, parts.arg));
  });
}

/** Puts a revoked certificate back to V with an empty revocation field. */
export async function restore(o: { dir: string; target: string }): Promise<Changed> {
  return changeLine(o.dir, o.target, (e, raw) => {
    if (e.status !== 'R') throw new CaError(`serial ${e.serialText} is not revoked (status ${e.status}); nothing to restore`);
    return rewrite(e, raw, 'V');
  });
}
