// `ocsplab ca gencrl`: a CRL from the CA's index.txt with the choices `openssl ca -gencrl` makes
// (apps/ca.c): the R lines, sorted by serial; cRLNumber from the crlnumber file, which is then
// incremented and rotated (crlnumber.old) like openssl's; nextUpdate from --days/--hours, else
// default_crl_days / default_crl_hours of the directory's openssl.cnf; the digest of default_md.

import { existsSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { recoverInterrupted, replaceFile, withLock, writeNewFile } from '../index/atomic.js';
import { crlToPem } from '../crl/encode.js';
import { crlEntriesOf, crlFromIndex } from '../crl/from-index.js';
import type { HashName } from '../ocsp/oids.js';
import { CaError, caPathsChecked, openCa, readDatabase, type CaPaths } from './dir.js';
import { digestFor } from './keys.js';

export interface GenCrlOptions {
  dir: string;
  /** Where to write; none: only returned. */
  out?: string;
  days?: number;
  hours?: number;
  der?: boolean;
  passin?: string;
  /** For tests: the clock. */
  now?: Date;
}

export interface GenCrlResult {
  der: Buffer;
  number?: bigint;
  entries: number;
  thisUpdate: Date;
  nextUpdate: Date;
}

/** Values of the CA section of an openssl.cnf (the one default_ca names); enough for -gencrl. */
export function caSection(cnfText: string): Record<string, string> {
  const sections = new Map<string, Record<string, string>>();
  let cur = sections.set('', {}).get('')!;
  for (const raw of cnfText.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) continue;
    const sec = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (sec) {
      cur = sections.get(sec[1]) ?? {};
      sections.set(sec[1], cur);
      continue;
    }
    const kv = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (kv) cur[kv[1]] = kv[2];
  }
  const name = sections.get('ca')?.default_ca ?? 'CA_default';
  return sections.get(name) ?? {};
}

/** How long until the next CRL, in ms, as openssl reads it: flags first, then the config. */
export function crlPeriodMs(o: { days?: number; hours?: number }, section: Record<string, string>): number {
  const days = o.days ?? (o.hours === undefined ? num(section.default_crl_days) : undefined) ?? 0;
  const hours = o.hours ?? (o.days === undefined ? num(section.default_crl_hours) : undefined) ?? 0;
  if (days === 0 && hours === 0) throw new CaError('cannot tell how long until the next CRL: give --days or --hours, or set default_crl_days in openssl.cnf');
  return (days * 24 + hours) * 3_600_000;
}

function num(s: string | undefined): number | undefined {
  return s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined;
}

const MD: Record<string, HashName> = { sha1: 'sha1', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512' };

function readCrlNumber(p: CaPaths): bigint | undefined {
  if (!existsSync(p.crlnumber)) return undefined;
  const text = readFileSync(p.crlnumber, 'latin1').trim();
  if (!/^[0-9A-Fa-f]+$/.test(text)) throw new CaError(`${p.crlnumber}: not a hex number (${JSON.stringify(text.slice(0, 40))})`);
  return BigInt(`0x${text}`);
}

function hexText(n: bigint): string {
  const h = n.toString(16).toUpperCase();
  return h.length % 2 ? `0${h}` : h;
}

/** Refuses an --out that cannot be written, before anything is signed or counted. */
function checkOut(out: string): void {
  const st = statSync(out, { throwIfNoEntry: false });
  if (st?.isDirectory()) throw new CaError(`--out ${out} is a directory; give a file name (for example ${out.replace(/\/+$/, '')}/crl.pem)`);
  const parent = statSync(dirname(out), { throwIfNoEntry: false });
  if (!parent) throw new CaError(`--out ${out}: the directory ${dirname(out)} does not exist`);
  if (!parent.isDirectory()) throw new CaError(`--out ${out}: ${dirname(out)} is not a directory`);
}

/** Writes the CRL whole or not at all; a failed write leaves no temporary file beside it. */
function writeOut(out: string, content: string | Buffer): void {
  try {
    writeNewFile(out, content);
  } catch (e) {
    try {
      unlinkSync(`${out}.tmp-${process.pid}`);
    } catch {
      /* not created */
    }
    throw new CaError(`--out ${out}: cannot write it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the CRL number was not used`);
  }
}

export async function genCrl(o: GenCrlOptions): Promise<GenCrlResult> {
  const p = caPathsChecked(o.dir);
  if (o.out) checkOut(o.out);
  if (!existsSync(p.cakey)) throw new CaError(`${p.dir} has no CA key (${p.cakey}); a CRL must be signed by the CA, so it cannot be generated here`);
  const section = existsSync(p.cnf) ? caSection(readFileSync(p.cnf, 'utf8')) : {};
  const period = crlPeriodMs(o, section);
  const ca = await openCa(o.dir, o.passin);
  const md = MD[section.default_md?.toLowerCase() ?? ''];
  return withLock(p.lock, () => {
    const { db } = readDatabase(p);
    // openssl renames crlnumber to crlnumber.old before crlnumber.new in: killed between the two,
    // crlnumber is missing, and a CRL without its number (or numbered from 1 again) would follow.
    recoverInterrupted(p.crlnumber);
    const number = readCrlNumber(p);
    const thisUpdate = new Date(Math.floor((o.now ?? new Date()).getTime() / 1000) * 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + period);
    const der = crlFromIndex({ db, cert: ca.cert, key: ca.key, md: md ?? digestFor(ca.key), thisUpdate, nextUpdate, number });
    if (o.out) writeOut(o.out, o.der ? der : crlToPem(der));
    // After the CRL is out, as openssl: the number it used is not handed out twice.
    if (number !== undefined) replaceFile(p.crlnumber, `${hexText(number + 1n)}\n`);
    return { der, number, entries: crlEntriesOf(db).length, thisUpdate, nextUpdate };
  });
}
