// `npm run bench`: ocsplab against `openssl ocsp -multi 2` on the same CA, the same machine, the
// same load generator (wrk) and the same requests, in one run; prints req/s, p50/p99 latency, RSS
// and the ratio ours/openssl for each case, plus the large-index figures.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpus, availableParallelism } from 'node:os';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { initCa, issue, caPaths, type KeyType } from '../src/ca/index.js';
import { runIndexBench } from './index-big.js';

const exec = promisify(execFile);
const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
const DURATION = Number(process.env.BENCH_SECONDS ?? 6);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  rssMb: number;
}

interface Case {
  name: string;
  key: 'rsa' | 'ec';
  nonce: boolean;
  keepAlive: boolean;
  /** ours/openssl ratio the case must reach, or undefined for a figure shown for information. */
  target?: number;
}

const CASES: Case[] = [
  { name: 'no nonce, RSA-2048, no keep-alive', key: 'rsa', nonce: false, keepAlive: false, target: 2.0 },
  { name: 'no nonce, RSA-2048, keep-alive', key: 'rsa', nonce: false, keepAlive: true, target: 6.0 },
  { name: 'nonce, RSA-2048, no keep-alive', key: 'rsa', nonce: true, keepAlive: false, target: 1.2 },
  { name: 'nonce, RSA-2048, keep-alive', key: 'rsa', nonce: true, keepAlive: true },
  { name: 'nonce, EC P-256, no keep-alive', key: 'ec', nonce: true, keepAlive: false },
  { name: 'nonce, EC P-256, keep-alive', key: 'ec', nonce: true, keepAlive: true, target: 5.0 },
];

/**
 * Waits until a responder answers an HTTP health check. Not a bare TCP connect: a connection
 * closed without a request sends `openssl ocsp` into a busy loop (one of the bugs ocsplab avoids).
 */
async function waitHttp(port: number, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return;
    } catch {
      if (Date.now() > end) throw new Error(`port ${port} did not answer`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

/** RSS of a process and all its descendants, in MB. */
async function treeRss(pid: number): Promise<number> {
  const { stdout } = await exec('ps', ['-e', '-o', 'pid=,ppid=,rss=']);
  const rows = stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
  const tree = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [p, pp] of rows) if (tree.has(pp) && !tree.has(p)) tree.add(p), (grew = true);
  }
  return rows.filter(([p]) => tree.has(p)).reduce((a, [, , rss]) => a + rss, 0) / 1024;
}

function ms(text: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(text);
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
}

async function wrk(url: string, body: string, keepAlive: boolean, pid: number): Promise<Load> {
  const script = join(tmpdir(), `ocsplab-wrk-${process.pid}.lua`);
  writeFileSync(
    script,
    `local f = io.open("${body}", "rb"); wrk.body = f:read("*a"); f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/ocsp-request"
${keepAlive ? '' : 'wrk.headers["Connection"] = "close"'}
`,
  );
  let rssMb = 0;
  const sampler = setInterval(() => void treeRss(pid).then((r) => (rssMb = Math.max(rssMb, r))), 500);
  const { stdout } = await exec('wrk', ['-t2', `-c${CONNECTIONS}`, `-d${DURATION}s`, '--latency', '-s', script, url], { maxBuffer: 1 << 20 });
  clearInterval(sampler);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0);
  const errors = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0) + Number(/Socket errors:.*?timeout (\d+)/.exec(stdout)?.[1] ?? 0);
  return { rps, p50: ms(/50%\s+(\S+)/.exec(stdout)?.[1] ?? ''), p99: ms(/99%\s+(\S+)/.exec(stdout)?.[1] ?? ''), errors, rssMb };
}

interface Lab {
  dir: string;
  index: string;
  cacert: string;
  cakey: string;
  req: { nonce: string; plain: string };
}

async function makeLab(root: string, key: 'rsa' | 'ec'): Promise<Lab> {
  const dir = join(root, key);
  const keyType: KeyType = key === 'rsa' ? 'rsa2048' : 'ec-p256';
  await initCa({ dir, cn: `bench ${key} CA`, key: keyType });
  const leaf = await issue({ dir, cn: 'leaf.bench', role: 'client', key: keyType, out: join(dir, 'leaf') });
  const p = caPaths(dir);
  const req = { nonce: join(dir, 'nonce.der'), plain: join(dir, 'plain.der') };
  await exec('openssl', ['ocsp', '-issuer', p.cacert, '-cert', leaf.certPath, '-reqout', req.nonce]);
  await exec('openssl', ['ocsp', '-issuer', p.cacert, '-cert', leaf.certPath, '-no_nonce', '-reqout', req.plain]);
  return { dir, index: p.index, cacert: p.cacert, cakey: p.cakey, req };
}

function start(cmd: string, args: string[]): ChildProcess {
  return spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
}

async function stop(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null) return;
  const done = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  const t = setTimeout(() => c.kill('SIGKILL'), 3000);
  await done;
  clearTimeout(t);
}

async function main(): Promise<void> {
  try {
    await exec('wrk', ['--version']).catch((e: { stdout?: string }) => {
      if (!/wrk/.test(e.stdout ?? '')) throw e;
    });
  } catch {
    process.stderr.write('bench: wrk is not installed (apt-get install wrk)\n');
    process.exit(2);
  }
  const root = mkdtempSync(join(tmpdir(), 'ocsplab-bench-'));
  const labs = { rsa: await makeLab(root, 'rsa'), ec: await makeLab(root, 'ec') };
  const { stdout: osslVersion } = await exec('openssl', ['version']);
  const header = `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; node ${process.version}; ${osslVersion.trim()}; wrk -t2 -c${CONNECTIONS} -d${DURATION}s`;
  process.stdout.write(`${header}\n\n`);
  const rows: Array<{ c: Case; ossl: Load; ours: Load }> = [];
  for (const key of ['rsa', 'ec'] as const) {
    const lab = labs[key];
    const base = ['-index', lab.index, '-CA', lab.cacert, '-rsigner', lab.cacert, '-rkey', lab.cakey];
    const ossl = start('openssl', ['ocsp', ...base, '-port', '27560', '-multi', '2', '-ignore_err']);
    const ours = start(process.execPath, [CLI, 'ocsp', ...base, '-port', '27561', '--workers', String(availableParallelism()), '--log-level', 'error']);
    try {
      await waitHttp(27560);
      await waitHttp(27561);
      for (const c of CASES.filter((x) => x.key === key)) {
        const body = c.nonce ? lab.req.nonce : lab.req.plain;
        const o = await wrk('http://127.0.0.1:27560/', body, c.keepAlive, ossl.pid!);
        const u = await wrk('http://127.0.0.1:27561/', body, c.keepAlive, ours.pid!);
        rows.push({ c, ossl: o, ours: u });
        const ratio = u.rps / o.rps;
        process.stdout.write(`${c.name}: openssl ${o.rps.toFixed(0)} req/s, ocsplab ${u.rps.toFixed(0)} req/s (${ratio.toFixed(2)}x)\n`);
      }
    } finally {
      await stop(ossl);
      await stop(ours);
    }
  }
  const idx = runIndexBench(1_000_000);
  const lines = [
    `| case | openssl req/s | ocsplab req/s | ratio | target | openssl p50/p99 ms | ocsplab p50/p99 ms | openssl RSS MB | ocsplab RSS MB |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|---:|`,
    ...rows.map(({ c, ossl, ours }) => {
      const ratio = ours.rps / ossl.rps;
      const verdict = c.target === undefined ? '—' : `${c.target}x ${ratio >= c.target ? 'met' : 'MISSED'}`;
      const errs = ossl.errors + ours.errors ? ` (errors: openssl ${ossl.errors}, ocsplab ${ours.errors})` : '';
      return `| ${c.name}${errs} | ${ossl.rps.toFixed(0)} | ${ours.rps.toFixed(0)} | ${ratio.toFixed(2)}x | ${verdict} | ${ossl.p50.toFixed(2)}/${ossl.p99.toFixed(2)} | ${ours.p50.toFixed(2)}/${ours.p99.toFixed(2)} | ${ossl.rssMb.toFixed(0)} | ${ours.rssMb.toFixed(0)} |`;
    }),
    '',
    `index.txt of ${idx.lines.toLocaleString('en')} lines (${(idx.bytes / 2 ** 20).toFixed(0)} MB): loaded in ${idx.loadMs.toFixed(0)} ms (target ≤ 1500), RSS ${idx.rssMb.toFixed(0)} MB (target ≤ 300); one revocation visible ${idx.revokeVisibleMs.toFixed(0)} ms after its write`,
  ];
  process.stdout.write(`\n${header}\n\n${lines.join('\n')}\n`);
  mkdirSync(join(process.cwd(), 'bench', 'results'), { recursive: true });
  writeFileSync(join(process.cwd(), 'bench', 'results', 'latest.md'), `${header}\n\n${lines.join('\n')}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
