// Runs the matrix: every client on every case (or says why not), judged against matrix.ts.
// Shared by the tap test and the table runner so both report the same cells.

import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Client, Observed } from './client.js';
import { CLIENTS } from './clients/index.js';
import { createLab, type Lab } from './lab.js';
import { cases as allCases, expected, reasonKey, type Case, type Expected } from './matrix.js';

export type CellStatus = 'pass' | 'fail' | 'skip' | 'n/a' | 'gap';

export interface Check {
  what: string;
  expected: unknown;
  actual: unknown;
}

export interface Cell {
  case: Case;
  client: string;
  status: CellStatus;
  /** Why skipped / n/a, or what the gap is. */
  note?: string;
  observed?: Observed;
  /** HTTP methods the responder saw for this cell. */
  methods: string[];
  /** What was compared; every one holds exactly when status is pass or gap. */
  checks: Check[];
  /** Wall time of the client run. */
  ms?: number;
}

export interface MatrixRun {
  cases: Case[];
  clients: Array<{ name: string; unavailable?: string }>;
  cells: Cell[];
  ms: number;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The comparisons for one run cell; pure, so the judging itself is testable. */
export function judge(c: Case, client: Client, exp: Expected, observed: Observed, methods: string[]): Check[] {
  const checks: Check[] = [{ what: 'outcome', expected: exp.outcome, actual: observed.outcome }];
  if (exp.reason && client.reportsReason && observed.outcome === 'revoked') {
    checks.push({ what: 'reason', expected: reasonKey(exp.reason), actual: observed.reason === undefined ? undefined : reasonKey(observed.reason) });
  }
  // One request per cell, by the method the case asks for: proves the cell reached the
  // responder on its own path, and that GET/POST cells really used GET/POST.
  checks.push({ what: 'requests', expected: c.method ? [c.method] : 1, actual: c.method ? methods : methods.length });
  return checks;
}

async function pool<T>(items: T[], limit: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function runCell(lab: Lab, client: Client, c: Case, tag: string): Promise<Cell> {
  const base = { case: c, client: client.name, methods: [] as string[], checks: [] as Check[] };
  const na = client.notApplicable(c);
  if (na) return { ...base, status: 'n/a', note: na };
  const ca = lab.cas.get(c.ca)!;
  const dir = join(lab.dir, 'cells', tag);
  mkdirSync(dir, { recursive: true });
  let observed: Observed;
  const t0 = performance.now();
  try {
    observed = await client.check(c, { leaf: ca.leaves[c.leaf], cacert: ca.cacert, url: `${lab.url}/${tag}`, dir });
  } catch (e) {
    observed = { outcome: 'error', detail: `harness: ${(e as Error).message}` };
  }
  const methods = lab.seen.get(tag) ?? [];
  const gap = client.gap?.(c);
  const checks = judge(c, client, gap?.expected ?? expected(c), observed, methods);
  const ok = checks.every((k) => same(k.expected, k.actual));
  return { ...base, methods, checks, observed, ms: Math.round(performance.now() - t0), status: ok ? (gap ? 'gap' : 'pass') : 'fail', note: gap?.note };
}

export interface RunOptions {
  clients?: readonly Client[];
  cases?: Case[];
  /** Client processes at once; the JVMs dominate, so a little over the core count. */
  concurrency?: number;
}

export async function runMatrix(o: RunOptions = {}): Promise<MatrixRun> {
  const t0 = Date.now();
  const clients = o.clients ?? CLIENTS;
  const cases = o.cases ?? allCases();
  const [lab, missing] = await Promise.all([createLab(), Promise.all(clients.map((c) => c.unavailable()))]);
  try {
    for (const [i, client] of clients.entries()) {
      if (!missing[i] && client.prepare) {
        const dir = join(lab.dir, `prepare-${i}`);
        mkdirSync(dir, { recursive: true });
        await client.prepare(dir);
      }
    }
    const cells: Cell[] = [];
    const work: Array<() => Promise<void>> = [];
    for (const [ci, client] of clients.entries()) {
      for (const [ki, c] of cases.entries()) {
        const slot = cells.push({ case: c, client: client.name, status: 'skip', note: missing[ci], methods: [], checks: [] }) - 1;
        // Path tags start with "i" so no tag can be mistaken for a base64 request ("M…").
        if (!missing[ci]) work.push(async () => void (cells[slot] = await runCell(lab, client, c, `ix${ci}c${ki}`)));
      }
    }
    await pool(work, o.concurrency ?? availableParallelism() + 2, (w) => w());
    return { cases, clients: clients.map((c, i) => ({ name: c.name, unavailable: missing[i] })), cells, ms: Date.now() - t0 };
  } finally {
    await lab.close();
  }
}
