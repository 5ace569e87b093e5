// What every interop client harness provides, and the small helpers they share.

import { run } from '../helpers/openssl.js';
import type { Case, Expected, Outcome } from './matrix.js';

/** One cell's inputs: the certificate to ask about, its CA, and the URL this cell alone uses. */
export interface Target {
  leaf: string;
  cacert: string;
  url: string;
  /** Scratch directory of this cell (requests, responses). */
  dir: string;
}

export interface Observed {
  outcome: Outcome;
  /** Revocation reason as the client printed it (compared with reasonKey). */
  reason?: string;
  /** The client's own words, for failure messages and the table's notes. */
  detail: string;
}

export interface Client {
  name: string;
  /** Whether the client prints a revocation reason that can be checked. */
  reportsReason: boolean;
  /** Undefined when the client can run; otherwise why not and the install line. */
  unavailable(): Promise<string | undefined>;
  /** One-time set-up (compiling the Java program) in a directory of its own. */
  prepare?(dir: string): Promise<void>;
  /** Why this client cannot express the case (n/a), or undefined. */
  notApplicable(c: Case): string | undefined;
  /** A documented gap: the client does not check what the case tests, and the cell asserts what
   *  it does instead, so that a change of behaviour shows up. */
  gap?(c: Case): { expected: Expected; note: string } | undefined;
  check(c: Case, t: Target): Promise<Observed>;
}

/** Undefined when `cmd args` runs, else `message`. */
export async function needs(cmd: string, args: string[], message: string): Promise<string | undefined> {
  const r = await run(cmd, args, { timeoutMs: 20_000 });
  return r.code === 0 ? undefined : message;
}

/** Output squeezed onto one line, for details. */
export function oneLine(s: string, max = 300): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

/** The lines of a tool's output that carry its verdict (falling back to all of it), on one line. */
export function verdictLines(out: string, pattern: RegExp): string {
  const hits = out.split('\n').filter((l) => pattern.test(l));
  return oneLine(hits.length ? hits.join(' | ') : out);
}
