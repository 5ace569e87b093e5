// One line of an openssl CA database (index.txt): six tab-separated fields
//   status  expiry  revocation  serial  filename  subject
// as written by `openssl ca` (apps/ca.c) and read by `openssl ocsp` (apps/lib/apps.c unpack_revinfo).

import { generalizedTime, parseTime, x509Time } from '../ocsp/der.js';
import { HOLD_INSTRUCTIONS } from '../ocsp/oids.js';

export type EntryStatus = 'V' | 'R' | 'E';

export interface Revocation {
  time: Date;
  /** The reason word as written in the file (openssl's spelling once canonicalised). */
  reasonName?: string;
  /** CRLReason code the responder puts in revocationReason; absent when the file has no reason. */
  reason?: number;
  /** Dotted OID of the hold instruction (holdInstruction,<oid or name>). */
  holdInstruction?: string;
  /** keyTime / CAkeyTime compromise time, sent as invalidityDate. */
  invalidityDate?: Date;
}

export interface IndexEntry {
  status: EntryStatus;
  expiry: Date;
  revocation?: Revocation;
  /** Serial as written (upper-case even-length hex from openssl). */
  serialText: string;
  /** Lookup key: upper-case hex without leading zeros. */
  serial: string;
  filename: string;
  /** Subject as written, escapes kept. */
  subject: string;
}

export class IndexLineError extends Error {
  constructor(
    message: string,
    public readonly line?: number,
    public readonly file?: string,
  ) {
    super(message);
    this.name = 'IndexLineError';
  }
}

/** openssl's reason words: the eight CRL reasons it accepts for -crl_reason, then its pseudo reasons. */
export const OPENSSL_REASONS = [
  'unspecified',
  'keyCompromise',
  'CACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'removeFromCRL',
  'holdInstruction',
  'keyTime',
  'CAkeyTime',
] as const;

/** Finds openssl's spelling of a reason word, ignoring case as openssl does. */
export function canonicalReason(word: string): (typeof OPENSSL_REASONS)[number] | undefined {
  const w = word.toLowerCase();
  return OPENSSL_REASONS.find((r) => r.toLowerCase() === w);
}

export function normalizeSerial(hex: string): string {
  const s = hex.toUpperCase().replace(/^0+/, '');
  return s === '' ? '0' : s;
}

/** A serial as openssl writes it in index.txt, the serial file and newcerts/: upper-case hex of
 *  even length (1 -> 01). The one form shown to people (console, CA tool), whatever form a
 *  request or a hand-edited line carried. */
export function indexSerial(hex: string): string {
  const s = normalizeSerial(hex);
  return s.length % 2 ? `0${s}` : s;
}

/** Parses an index time field: UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ. */
export function parseIndexTime(text: string): Date {
  if (/^\d{12}Z$/.test(text)) return parseTime(0x17, text);
  if (/^\d{14}Z$/.test(text)) return parseTime(0x18, text);
  throw new IndexLineError(`bad time ${JSON.stringify(text)} (want YYMMDDHHMMSSZ or YYYYMMDDHHMMSSZ)`);
}

/** Resolves a hold instruction given as a dotted OID or one of the names openssl knows. */
export function holdInstructionOid(text: string): string {
  if (/^\d+(\.\d+)+$/.test(text)) return text;
  const hit = Object.entries(HOLD_INSTRUCTIONS).find(([name]) => name.toLowerCase() === text.toLowerCase());
  if (!hit) throw new IndexLineError(`unknown hold instruction ${JSON.stringify(text)}`);
  return hit[1];
}

export function parseRevocation(field: string): Revocation {
  const parts = field.split(',');
  if (parts.length > 3) throw new IndexLineError(`revocation field ${JSON.stringify(field)} has too many parts`);
  const rev: Revocation = { time: parseIndexTime(parts[0]) };
  if (parts.length === 1) return rev;
  const name = canonicalReason(parts[1]);
  if (!name) throw new IndexLineError(`unknown revocation reason ${JSON.stringify(parts[1])}`);
  rev.reasonName = name;
  const arg = parts[2];
  switch (name) {
    case 'holdInstruction':
      if (!arg) throw new IndexLineError('holdInstruction needs an instruction');
      rev.reason = 6;
      rev.holdInstruction = holdInstructionOid(arg);
      return rev;
    case 'keyTime':
    case 'CAkeyTime':
      if (!arg) throw new IndexLineError(`${name} needs a compromise time`);
      if (!/^\d{14}Z$/.test(arg)) throw new IndexLineError(`${name} time ${JSON.stringify(arg)} must be YYYYMMDDHHMMSSZ`);
      rev.reason = name === 'keyTime' ? 1 : 2;
      rev.invalidityDate = parseIndexTime(arg);
      return rev;
    default:
      if (arg !== undefined) throw new IndexLineError(`reason ${name} takes no argument`);
      // removeFromCRL is CRLReason 8 (7 is unused); the others are their position.
      rev.reason = name === 'removeFromCRL' ? 8 : OPENSSL_REASONS.indexOf(name);
      return rev;
  }
}

const LINE = /^([VRE])\t(\d{12}Z|\d{14}Z)\t([^\t]*)\t([0-9A-Fa-f]+)\t([^\t]*)\t([^\t]*)$/;

export function parseLine(text: string): IndexEntry {
  const m = LINE.exec(text);
  if (!m) {
    const fields = text.split('\t').length;
    if (fields !== 6) throw new IndexLineError(`expected 6 tab-separated fields, found ${fields}`);
    if (!/^[VRE]$/.test(text.split('\t')[0])) throw new IndexLineError(`status must be V, R or E, found ${JSON.stringify(text.split('\t')[0])}`);
    if (!/^(\d{12}|\d{14})Z$/.test(text.split('\t')[1])) throw new IndexLineError(`bad expiry ${JSON.stringify(text.split('\t')[1])}`);
    throw new IndexLineError(`bad serial ${JSON.stringify(text.split('\t')[3])} (want hex)`);
  }
  const [, status, expiry, rev, serial, filename, subject] = m;
  const entry: IndexEntry = {
    status: status as EntryStatus,
    expiry: parseIndexTime(expiry),
    serialText: serial,
    serial: normalizeSerial(serial),
    filename,
    subject,
  };
  if (status === 'R') {
    if (!rev) throw new IndexLineError('status R without a revocation time');
    entry.revocation = parseRevocation(rev);
  } else if (rev) {
    throw new IndexLineError(`status ${status} with a revocation field ${JSON.stringify(rev)}`);
  }
  return entry;
}

/** Formats an entry as openssl writes it. */
export function formatLine(e: Pick<IndexEntry, 'status' | 'serialText' | 'filename' | 'subject'> & { expiryText: string; revocationText?: string }): string {
  return [e.status, e.expiryText, e.revocationText ?? '', e.serialText, e.filename, e.subject].join('\t');
}

/** Undoes openssl's subject escapes: `\/`, `\+`, `\\` and `\xHH` (UTF-8 bytes). */
export function decodeSubject(raw: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '\\' && raw[i + 1] === 'x' && /^[0-9A-Fa-f]{2}$/.test(raw.slice(i + 2, i + 4))) {
      bytes.push(parseInt(raw.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (c === '\\' && i + 1 < raw.length) {
      bytes.push(...Buffer.from(raw[++i], 'utf8'));
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

// ---- encoders (the CA tool writes lines openssl ca would write) ----

/** An index time field: UTCTime text for 1950-2049, GeneralizedTime text otherwise, as openssl writes. */
export function formatIndexTime(d: Date): string {
  return x509Time(d).subarray(2).toString('latin1');
}

/** The GeneralizedTime text openssl stores after keyTime / CAkeyTime. */
export function formatGeneralizedTime(d: Date): string {
  return generalizedTime(d).subarray(2).toString('latin1');
}

/** The revocation field: `time[,reason[,arg]]` (apps/ca.c make_revocation_str). */
export function formatRevocation(time: Date, reasonName?: string, arg?: string): string {
  return [formatIndexTime(time), reasonName, reasonName ? arg : undefined].filter((p) => p !== undefined && p !== '').join(',');
}

/**
 * Formats a subject as openssl 3 writes it in index.txt (X509_NAME_oneline): `/TYPE=value` per
 * attribute, `+` between the attributes of one multi-valued RDN, `/` and `+` inside values escaped
 * with a backslash, and every byte outside 0x20-0x7E as `\xHH` (upper case). Backslash itself is
 * not escaped by openssl, so it is not escaped here either.
 */
export function encodeSubject(rdns: ReadonlyArray<ReadonlyArray<{ type: string; value: Uint8Array }>>): string {
  let out = '';
  for (const rdn of rdns) {
    rdn.forEach((atv, i) => {
      out += (i === 0 ? '/' : '+') + atv.type + '=';
      for (const b of atv.value) {
        if (b < 0x20 || b > 0x7e) out += '\\x' + b.toString(16).toUpperCase().padStart(2, '0');
        else if (b === 0x2f || b === 0x2b) out += '\\' + String.fromCharCode(b);
        else out += String.fromCharCode(b);
      }
    });
  }
  return out;
}
