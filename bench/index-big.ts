// A large index.txt: load time and memory, and how long one revocation takes to become visible.
// The file is written by the parent; a fresh child process loads it, so the RSS is the load's own.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IndexStore } from '../src/index/store.js';

export interface IndexBenchResult {
  lines: number;
  bytes: number;
  loadMs: number;
  rssMb: number;
  /** From a completed rename-write of one revocation to a lookup that shows it. */
  revokeVisibleMs: number;
}

export function serialOf(i: number): string {
  const hex = i.toString(16).toUpperCase();
  return hex.length % 2 ? `0${hex}` : hex;
}

export function writeIndex(path: string, lines: number): number {
  const parts: string[] = [];
  for (let i = 1; i <= lines; i++) parts.push(`V\t301231235959Z\t\t${serialOf(i)}\tunknown\t/C=GB/O=ocsplab bench/CN=client-${i}.example.com\n`);
  const text = parts.join('');
  writeFileSync(path, text);
  return text.length;
}

/** In the child: load, measure, revoke the middle line as openssl ca would, time the next lookup. */
function measure(path: string, lines: number): Omit<IndexBenchResult, 'lines' | 'bytes'> {
  const quiet = { info: () => undefined, error: (m: string) => process.stderr.write(`${m}\n`) };
  const t0 = performance.now();
  const store = new IndexStore(path, quiet);
  const loadMs = performance.now() - t0;
  global.gc?.();
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  const serial = serialOf(Math.floor(lines / 2));
  const buf = readFileSync(path);
  const at = buf.indexOf(`V\t301231235959Z\t\t${serial}\t`);
  const next = Buffer.concat([buf.subarray(0, at), Buffer.from('R\t301231235959Z\t261124000000Z,keyCompromise'), buf.subarray(at + 'V\t301231235959Z\t'.length)]);
  writeFileSync(`${path}.new`, next);
  renameSync(`${path}.new`, path);
  const t1 = performance.now();
  const seen = store.current().db.lookup(serial);
  const revokeVisibleMs = performance.now() - t1;
  if (seen?.status !== 'R') throw new Error('revocation not visible');
  store.close();
  return { loadMs, rssMb, revokeVisibleMs };
}

export function runIndexBench(lines: number): IndexBenchResult {
  const path = join(mkdtempSync(join(tmpdir(), 'ocsplab-bigindex-')), 'index.txt');
  const bytes = writeIndex(path, lines);
  const out = execFileSync(process.execPath, ['--expose-gc', new URL(import.meta.url).pathname, '--measure', path, String(lines)], { encoding: 'utf8' });
  return { lines, bytes, ...JSON.parse(out) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] === '--measure') process.stdout.write(JSON.stringify(measure(process.argv[3], Number(process.argv[4]))));
  else process.stdout.write(`${JSON.stringify(runIndexBench(Number(process.argv[2] ?? 1_000_000)))}\n`);
}
