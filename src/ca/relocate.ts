// A CA directory that was copied or moved keeps an openssl.cnf whose `dir` is the old place
// (openssl 3.0 has no "directory of this config file" variable, so ocsplab writes it absolute).
// ocsplab's own commands use the directory they are given, but `openssl ca -config COPY/openssl.cnf
// -revoke` would revoke in the ORIGINAL's index.txt: the lab trap of copying a CA to rehearse on.
// Every `ocsplab ca` command on DIR says so (movedFrom), and `ocsplab ca relocate DIR` fixes it.

import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { replaceFile } from '../index/atomic.js';
import { caSection } from './crl.js';
import { caPaths, CaError, cnfNamesDir } from './dir.js';

/** The `dir` DIR/openssl.cnf names when it is an absolute path other than DIR; else undefined
 *  (no openssl.cnf, no dir, a relative dir openssl takes from the working directory, or DIR). */
export function movedFrom(dir: string): string | undefined {
  const p = caPaths(dir);
  let text: string;
  try {
    text = readFileSync(p.cnf, 'utf8');
  } catch {
    return undefined; // none, or unreadable: the command itself does not need it
  }
  const named = caSection(text).dir;
  if (!named || !isAbsolute(named)) return undefined;
  return cnfNamesDir(named, p.dir) ? undefined : named;
}

/** The warning an `ocsplab ca` command prints for a moved CA, or undefined. */
export function movedWarning(dir: string): string | undefined {
  const from = movedFrom(dir);
  if (from === undefined) return undefined;
  const p = caPaths(dir);
  return `warning: ${p.cnf} says dir = ${from}, not ${p.dir} (a copied or moved CA?): 'openssl ca -config ${p.cnf}' would work on ${from}'s files, not these. 'ocsplab ca relocate ${dir}' points it here.`;
}

export interface Relocated {
  cnf: string;
  from: string;
  to: string;
}

/** Points DIR/openssl.cnf at DIR: its `dir = ` line and the usage comments that name the old
 *  path. Written atomically, the previous file kept as openssl.cnf.old. Undefined when nothing
 *  needed changing. */
export function relocateCa(dir: string): Relocated | undefined {
  const p = caPaths(dir);
  if (!existsSync(p.cnf)) throw new CaError(`${p.cnf} does not exist; nothing to relocate`);
  const from = movedFrom(dir);
  if (from === undefined) return undefined;
  const text = readFileSync(p.cnf, 'utf8');
  const esc = from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // Only a literal `dir = FROM` (as ocsplab writes it); a dir built from variables is the user's.
  const dirLine = new RegExp(`^(\\s*dir\\s*=\\s*)"?${esc}/?"?(\\s*(?:#.*)?)$`, 'm');
  if (!dirLine.test(text)) throw new CaError(`${p.cnf}: its dir is ${from} but not written as a plain "dir = ${from}" line; edit it by hand`);
  const next = text.replace(dirLine, (_all, head: string, tail: string) => `${head}${p.dir}${tail}`).replace(new RegExp(`${esc}/openssl\\.cnf`, 'g'), () => p.cnf);
  replaceFile(p.cnf, next);
  return { cnf: p.cnf, from, to: p.dir };
}
