// `ocsplab ca gencrl`: a CRL from the CA's index.txt with the choices `openssl ca -gencrl` makes
// (apps/ca.c): the R lines, sorted by serial; cRLNumber from the crlnumber file, which is then
// incremented and rotated (crlnumber.old) like openssl's; nextUpdate from --days/--hours, else
// default_crl_days / default_crl_hours of the directory's openssl.cnf; the digest of default_md.

import { existsSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { recoverInterrupted, replaceFile, withLock, writeNewFile } from '../index/atomic.js';
import { crlToPem } from '../crl/encode.js';
import { crlEntriesOf, crlFromIndex } from '../crl/from-index.js';
import type { HashName } from '../ocsp/oids.js';
import { CaError, caPaths, cnfNamesDir, openCaAt, readDatabase, type CaPaths } from './dir.js';
import { digestFor } from './keys.js';

export interface GenCrlOptions {
  /** The CA directory; with `config` only, the directory the config's `dir` names. */
  dir?: string;
  /** An openssl.cnf elsewhere (openssl ca -config): its CA section decides the files and defaults. */
  config?: string;
  /** Its CA section (openssl ca -name); default: default_ca. */
  name?: string;
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
  /** What the command should tell the user (a config value it could not follow). */
  notes: string[];
}

/** Values of the CA section of an openssl.cnf (the one `name`, else default_ca, names), with
 *  openssl's variable expansion (apps NCONF): $var and ${var} from the same section or the
 *  default one, $section::var, $ENV::VAR. Enough for -gencrl. */
export function caSection(cnfText: string, name?: string): Record<string, string> {
  const sections = new Map<string, Record<string, string>>();
  let curName = '';
  let cur = sections.set('', {}).get('')!;
  const lookup = (ref: string, here: string): string => {
    const m = /^(?:([\w.]+)::)?([\w.]+)$/.exec(ref);
    if (!m) return '';
    if (m[1] === 'ENV') return process.env[m[2]] ?? '';
    const sec = m[1] ?? here;
    return sections.get(sec)?.[m[2]] ?? sections.get('')?.[m[2]] ?? '';
  };
  const expand = (v: string, here: string) =>
    v.replace(/\$(?:\{([^}]+)\}|\(([^)]+)\)|((?:[\w.]+::)?[\w.]+))/g, (_all, a?: string, b?: string, c?: string) => lookup((a ?? b ?? c)!, here));
  for (const raw of cnfText.split(/\r?\n/)) {
    // openssl (NCONF) starts a comment at any # that is not escaped: "private_key = $dir/k.pem# the key".
    const line = raw.replace(/(^|[^\\])#.*$/, "$1").trim();
    if (!line) continue;
    const sec = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (sec) {
      curName = sec[1];
      cur = sections.get(curName) ?? {};
      sections.set(curName, cur);
      continue;
    }
    const kv = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (kv) cur[kv[1]] = expand(kv[2].replace(/^"(.*)"$/, '$1'), curName);
  }
  const ca = name ?? sections.get('ca')?.default_ca ?? 'CA_default';
  return sections.get(ca) ?? {};
}

/** The CA's files as an openssl.cnf names them (database, certificate, private_key, crlnumber),
 *  relative to the working directory as openssl takes them; unnamed ones stay where `base` has them. */
export function pathsFromConfig(base: CaPaths, section: Record<string, string>): CaPaths {
  const at = (v: string | undefined, fallback: string) => (v ? resolve(v) : fallback);
  const index = at(section.database, base.index);
  return {
    ...base,
    dir: section.dir ? resolve(section.dir) : base.dir,
    index,
    attr: `${index}.attr`,
    lock: `${index}.lock`,
    cacert: at(section.certificate, base.cacert),
    cakey: at(section.private_key, base.cakey),
    serial: at(section.serial, base.serial),
    crlnumber: at(section.crlnumber, base.crlnumber),
  };
}

/** How long until the next CRL, in ms, as openssl reads it: flags first, then the config. */
export function crlPeriodMs(o: { days?: number; hours?: number }, section: Record<string, string>): number {
  const days = o.days ?? (o.hours === undefined ? num(section.default_crl_days) : undefined) ?? 0;
  const hours = o.hours ?? (o.days === undefined ? num(section.default_crl_hours) : undefined) ?? 0;
  if (days === 0 && hours === 0) throw new CaError('cannot tell how long until the next CRL: give --days or --hours, or set default_crl_days in openssl.cnf');
  const ms = (days * 24 + hours) * 3_600_000;
  // RFC 5280 times end with 9999 (GeneralizedTime YYYY); later, the CRL would carry a nextUpdate no
  // client reads ("Bad time value") and a CRL number spent on it.
  if (Date.now() + ms > LAST_TIME) throw new CaError(`a CRL valid for ${days ? `${days} days` : ''}${days && hours ? ' and ' : ''}${hours ? `${hours} hours` : ''} would end after 9999-12-31, the last time a CRL can carry`);
  return ms;
}

const LAST_TIME = Date.UTC(9999, 11, 31, 23, 59, 59);

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

/** Refuses an --out that cannot be written, or is one of the CA's own files (a slip of the
 *  tongue away from losing cacert.pem or index.txt), before anything is signed or counted. */
function checkOut(out: string, p: CaPaths): void {
  const own = [p.index, p.attr, p.serial, p.crlnumber, p.cacert, p.cakey, p.cnf, p.meta].map((f) => resolve(f));
  for (const f of own) {
    for (const v of ['', '.old', '.new']) {
      if (resolve(out) === `${f}${v}`) throw new CaError(`--out ${out} is the CA's own ${f}${v}; a CRL goes in a file of its own (for example ${p.dir}/crl.pem)`);
    }
  }
  const st = statSync(out, { throwIfNoEntry: false });
  if (st?.isDirectory()) throw new CaError(`--out ${out} is a directory; give a file name (for example ${out.replace(/\/+$/, '')}/crl.pem)`);
  const parent = statSync(dirname(out), { throwIfNoEntry: false });
  if (!parent) throw new CaError(`--out ${out}: the directory ${dirname(out)} does not exist`);
  if (!parent.isDirectory()) throw new CaError(`--out ${out}: ${dirname(out)} is not a directory`);
}

/** Writes the CRL whole or not at all; the CRL it replaces is kept as FILE.old (as the CA's own
 *  files are); a failed write leaves no temporary file beside it. */
function writeOut(out: string, content: string | Buffer): void {
  try {
    if (existsSync(out)) replaceFile(out, content);
    else writeNewFile(out, content);
  } catch (e) {
    for (const t of [`${out}.tmp-${process.pid}`, `${out}.new`]) {
      try {
        unlinkSync(t);
      } catch {
        /* not created */
      }
    }
    throw new CaError(`--out ${out}: cannot write it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the CRL number was not used`);
  }
}

/** The CA's files and CA section: DIR's openssl.cnf, or the one --config names. */
function locate(o: GenCrlOptions): { p: CaPaths; section: Record<string, string> } {
  if (o.config !== undefined) {
    let text: string;
    try {
      text = readFileSync(o.config, 'utf8');
    } catch (e) {
      throw new CaError(`--config ${o.config}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const section = caSection(text, o.name);
    if (!Object.keys(section).length) throw new CaError(`--config ${o.config}: no CA section ${o.name ? `[ ${o.name} ]` : '(the one [ ca ] default_ca names)'}`);
    const dir = o.dir ?? section.dir;
    if (!dir) throw new CaError(`--config ${o.config}: its CA section has no dir; give DIR`);
    return { p: pathsFromConfig(caPaths(dir), section), section };
  }
  if (o.dir === undefined) throw new CaError('give the CA directory DIR, or --config FILE');
  const p = caPaths(o.dir);
  const section = existsSync(p.cnf) ? caSection(readFileSync(p.cnf, 'utf8'), o.name) : {};
  // DIR/openssl.cnf names the files only when it describes DIR itself: for a copied CA directory
  // (ocsplab ca relocate), DIR means this directory.
  const here = section.dir !== undefined && cnfNamesDir(section.dir, p.dir);
  return { p: here ? pathsFromConfig(p, section) : p, section };
}

export async function genCrl(o: GenCrlOptions): Promise<GenCrlResult> {
  const { p, section } = locate(o);
  if (!existsSync(p.cacert)) throw new CaError(`${p.dir} is not a CA directory (no CA certificate ${p.cacert})${o.config ? '' : `; for a CA whose openssl.cnf is elsewhere give --config FILE`}`);
  if (o.out) checkOut(o.out, p);
  if (!existsSync(p.cakey)) throw new CaError(`${p.dir} has no CA key (${p.cakey}); a CRL must be signed by the CA, so it cannot be generated here`);
  const period = crlPeriodMs(o, section);
  const ca = await openCaAt(p, o.passin);
  const mdName = section.default_md?.toLowerCase();
  const md = MD[mdName ?? ''];
  const notes: string[] = [];
  // openssl ca would sign with it; saying nothing would leave a CRL signed otherwise than configured.
  if (mdName && !md && mdName !== 'default') notes.push(`default_md = ${section.default_md} is not a digest ocsplab signs with (sha1, sha256, sha384, sha512); signed with ${digestFor(ca.key)}`);
  return withLock(p.lock, () => {
    const { db } = readDatabase(p);
    // openssl renames crlnumber to crlnumber.old before crlnumber.new in: killed between the two,
    // crlnumber is missing, and a CRL without its number (or numbered from 1 again) would follow.
    // Only from crlnumber.new: crlnumber.old holds the number the last CRL already carries, and a
    // second CRL under one number breaks RFC 5280 5.2.3 (monotonically increasing).
    if (!existsSync(p.crlnumber) && existsSync(`${p.crlnumber}.new`)) recoverInterrupted(p.crlnumber);
    // The config names a crlnumber file that is not there: openssl ca stops ("error while loading
    // CRL number") rather than issue a CRL without its number.
    if ((section.crlnumber || existsSync(`${p.crlnumber}.old`)) && !existsSync(p.crlnumber)) {
      throw new CaError(`${p.crlnumber} is missing (${section.crlnumber ? 'openssl.cnf names it: crlnumber' : `${p.crlnumber}.old is there`}); nothing was written. Put the next CRL number in it (hex, e.g. 'echo 01 > ${p.crlnumber}'), or remove the crlnumber line for a CRL without a number`);
    }
    const number = readCrlNumber(p);
    const thisUpdate = new Date(Math.floor((o.now ?? new Date()).getTime() / 1000) * 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + period);
    const der = crlFromIndex({ db, cert: ca.cert, key: ca.key, md: md ?? digestFor(ca.key), thisUpdate, nextUpdate, number });
    if (o.out) writeOut(o.out, o.der ? der : crlToPem(der));
    // After the CRL is out, as openssl: the number it used is not handed out twice.
    if (number !== undefined) replaceFile(p.crlnumber, `${hexText(number + 1n)}\n`);
    return { der, number, entries: crlEntriesOf(db).length, thisUpdate, nextUpdate, notes };
  });
}
