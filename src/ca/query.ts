// `ocsplab ca list` and `status`: read-only views of index.txt (whoever wrote it).

import { decodeSubject, indexSerial, normalizeSerial, type IndexEntry } from '../index/line.js';
import { CaError, caPathsChecked, readDatabase } from './dir.js';

export interface ListedEntry {
  /** In the index's form (indexSerial), as the console's live feed shows it too. */
  serial: string;
  status: 'Valid' | 'Revoked' | 'Expired';
  expires: string;
  revoked?: string;
  reason?: string;
  /** Hold instruction OID or compromise time, when the line has one. */
  detail?: string;
  subject: string;
  /** The subject field as written (escapes kept). */
  subjectRaw: string;
}

const STATUS = { V: 'Valid', R: 'Revoked', E: 'Expired' } as const;

function view(e: IndexEntry): ListedEntry {
  const r = e.revocation;
  return {
    serial: indexSerial(e.serial),
    status: STATUS[e.status],
    expires: e.expiry.toISOString(),
    ...(r ? { revoked: r.time.toISOString() } : {}),
    ...(r?.reasonName ? { reason: r.reasonName } : {}),
    ...(r?.holdInstruction ? { detail: r.holdInstruction } : r?.invalidityDate ? { detail: r.invalidityDate.toISOString() } : {}),
    subject: decodeSubject(e.subject),
    subjectRaw: e.subject,
  };
}

export function list(dir: string): ListedEntry[] {
  const { db } = readDatabase(caPathsChecked(dir));
  return [...db.entries()].map(view);
}

export function status(dir: string, serial: string): ListedEntry {
  const p = caPathsChecked(dir);
  const e = readDatabase(p).db.lookup(normalizeSerial(serial.replace(/^0x/, '')));
  if (!e) throw new CaError(`serial ${serial} is not in ${p.index}`);
  return view(e);
}

/** A fixed-width table for the terminal. */
export function formatTable(rows: ListedEntry[]): string {
  const head = ['SERIAL', 'STATUS', 'EXPIRES', 'REVOKED', 'REASON', 'SUBJECT'];
  const cells = rows.map((r) => [r.serial, r.status, r.expires.slice(0, 19) + 'Z', r.revoked ? r.revoked.slice(0, 19) + 'Z' : '-', r.reason ? (r.detail ? `${r.reason} (${r.detail})` : r.reason) : '-', r.subject]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const fmt = (c: string[]) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]))).join('  ');
  return [fmt(head), ...cells.map(fmt)].join('\n') + '\n';
}
