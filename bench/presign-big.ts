// `npm run bench:presign`: `ocsplab presign` on a 100,000-certificate index (bench/index-big.ts
// writes it), RSA-2048 and EC P-256: time, files, bytes and peak RSS of the first full write; then
// in --watch mode, one revocation written as `openssl ca` writes it (new file, rename) and the time
// until its answer is rewritten, and how many files that pass wrote. Prints a table and writes it
// to bench/results/presign.md (PRESIGN_LINES=N for another size; only the default size is recorded).

import { execFile, spawn } from 'node:child_process';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, lstatSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { initCa, caPaths, type KeyType } from '../src/ca/index.js';
import { serialOf, writeIndex } from './index-big.js';

const exec = promisify(execFile);
const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
const LINES = Number(process.env.PRESIGN_LINES ?? 100_000);

interface Row {
  key: string;
  answers: number;
  files: number;
  /** Bytes of distinct files (each answer once: the per-serial file is a hard link) incl. index.json. */
  bytes: number;
  indexJson: number;
  /** Space on disk, as du counts it (4 KiB blocks, hard links once). */
  diskMb: number;
  ms: number;
  rssMb: number;
  perSecond: number;
  /** From the revocation's rename to the presign log line of the pass that rewrote its files. */
  revokeMs: number;
  revokeFiles: number;
  revokeSigned: number;
}

/** Peak RSS of a process, sampled from /proc every 100 ms while it runs. */
function sampleRss(pid: number): { stop(): number } {
  let peak = 0;
  const t = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
    } catch {
      /* exited */
    }
  }, 100);
  return { stop: () => (clearInterval(t), peak) };
}

function walk(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const inodes = new Set<number>();
  const go = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) go(p);
      else {
        files++;
        const st = lstatSync(p);
        if (!inodes.has(st.ino)) inodes.add(st.ino), (bytes += st.size);
      }
    }
  };
  go(dir);
  return { files, bytes };
}

async function one(root: string, key: KeyType): Promise<Row> {
  const dir = join(root, key);
  await initCa({ dir, cn: `presign bench ${key}`, key });
  const p = caPaths(dir);
  writeIndex(p.index, LINES);
  const out = join(dir, 'out');
  const args = [CLI, 'presign', '--out', out, '-index', p.index, '-CA', p.cacert, '-rkey', p.cakey, '-ndays', '1'];
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const rss = sampleRss(child.pid!);
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  const ms = performance.now() - t0;
  const rssMb = rss.stop();
  if (code !== 0) throw new Error(`presign failed: ${err}`);
  const answers = Number(/wrote (\d+) answers/.exec(err)?.[1]);
  const { files, bytes } = walk(out);
  const indexJson = lstatSync(join(out, 'index.json')).size;
  const du = await exec('du', ['-s', '--block-size=1', out]);
  const diskMb = Number(du.stdout.split('\t')[0]) / 2 ** 20;

  // --watch: one revocation in the middle, as openssl ca writes it (a new file renamed over).
  const w = spawn(process.execPath, [...args, '--watch'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  w.stderr!.on('data', (d) => (log += d));
  for (let i = 0; i < 1200 && !/watching/.test(log); i++) await new Promise((r) => setTimeout(r, 100));
  if (!/watching/.test(log)) throw new Error(`presign --watch did not start: ${log}`);
  const seen = log.length;
  const serial = serialOf(Math.floor(LINES / 2));
  const buf = readFileSync(p.index);
  const at = buf.indexOf(`V\t301231235959Z\t\t${serial}\t`);
  const next = Buffer.concat([buf.subarray(0, at), Buffer.from('R\t301231235959Z\t261124000000Z,keyCompromise'), buf.subarray(at + 'V\t301231235959Z\t'.length)]);
  writeFileSync(`${p.index}.new`, next);
  const t1 = performance.now();
  renameSync(`${p.index}.new`, p.index);
  let line = '';
  for (let i = 0; i < 3000 && !line; i++) {
    await new Promise((r) => setTimeout(r, 5));
    line = /^presign: 1 changed.*$/m.exec(log.slice(seen))?.[0] ?? '';
  }
  const revokeMs = performance.now() - t1;
  w.kill('SIGTERM');
  await new Promise((r) => w.once('exit', r));
  if (!line) throw new Error(`the revocation was not rewritten: ${log.slice(seen)}`);
  const revokeFiles = Number(/(\d+) files written/.exec(line)?.[1]);
  const revokeSigned = Number(/(\d+) signed/.exec(line)?.[1]);
  rmSync(out, { recursive: true, force: true });
  return { key, answers, files, bytes, indexJson, diskMb, ms, rssMb, perSecond: answers / (ms / 1000), revokeMs, revokeFiles, revokeSigned };
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'ocsplab-presign-bench-'));
  try {
    const rows: Row[] = [];
    for (const key of ['rsa2048', 'ec-p256'] as KeyType[]) {
      rows.push(await one(root, key));
      process.stderr.write(`${key}: ${JSON.stringify(rows[rows.length - 1])}\n`);
    }
    const header = `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; node ${process.version}; index.txt of ${LINES.toLocaleString('en')} certificates, -ndays 1`;
    const lines = [
      '| CA key | answers | files | bytes (distinct files) | of which index.json | on disk (du) | time | answers/s | peak RSS | one revocation in --watch: rewritten after | files written by that pass |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows.map(
        (r) =>
          `| ${r.key} | ${r.answers.toLocaleString('en')} | ${r.files.toLocaleString('en')} | ${(r.bytes / 2 ** 20).toFixed(1)} MB | ${(r.indexJson / 2 ** 20).toFixed(1)} MB | ${r.diskMb.toFixed(0)} MB | ${(r.ms / 1000).toFixed(1)} s | ${r.perSecond.toFixed(0)} | ${r.rssMb.toFixed(0)} MB | ${r.revokeMs.toFixed(0)} ms | ${r.revokeFiles} (${r.revokeSigned} signed) + index.json |`,
      ),
    ];
    const text = `${header}\n\n${lines.join('\n')}\n`;
    process.stdout.write(`\n${text}`);
    if (LINES === 100_000) {
      mkdirSync(join(process.cwd(), 'bench', 'results'), { recursive: true });
      writeFileSync(join(process.cwd(), 'bench', 'results', 'presign.md'), text);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
