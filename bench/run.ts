// `npm run bench`: ocsplab against `openssl ocsp -multi 2` on the same CA, the same machine, the
// same load generator (wrk) and the same requests, in one run; prints req/s, p50/p99 latency, RSS
// and the ratio ours/openssl for each case, plus the large-index figures. Each case also measures
// the node:http ceiling (bench/ceiling.ts): fixed bytes, plus the signature when the case signs.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpus, availableParallelism } from 'node:os';
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { initCa, issue, caPaths, type KeyType } from '../src/ca/index.js';
import { runIndexBench } from './index-big.js';
import { findNginx, NGINX_INSTALL, startNginx, type Nginx } from '../test/helpers/nginx.js';
import { getUrlOf } from '../src/presign/layout.js';
import { freePort, ms, waitHttp } from './wait.js';

const exec = promisify(execFile);
const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
const CEILING = new URL('./ceiling.js', import.meta.url).pathname;
const DURATION = Number(process.env.BENCH_SECONDS ?? 6);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
// One generator thread, like ab in the issue's anchors: it leaves the servers the same CPU.
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
// A VM's speed drifts minute to minute: each case alternates the two servers ROUNDS times and
// reports medians, so the ratio compares like with like.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

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

/** The run with the median req/s (its latency and RSS figures come with it). */
function median(runs: Load[]): Load {
  const sorted = [...runs].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor(sorted.length / 2)];
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

/** POSTs the request file `body`, or GETs `url` as it is when `body` is undefined. `pid`: the
 *  process trees whose RSS is sampled. */
async function wrk(url: string, body: string | undefined, keepAlive: boolean, pid: number | number[]): Promise<Load> {
  const script = join(tmpdir(), `ocsplab-wrk-${process.pid}.lua`);
  writeFileSync(
    script,
    `${body === undefined ? 'wrk.method = "GET"' : `local f = io.open("${body}", "rb"); wrk.body = f:read("*a"); f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/ocsp-request"`}
${keepAlive ? '' : 'wrk.headers["Connection"] = "close"'}
`,
  );
  let rssMb = 0;
  const pids = Array.isArray(pid) ? pid : [pid];
  const sampler = setInterval(() => void Promise.all(pids.map(treeRss)).then((r) => (rssMb = Math.max(rssMb, r.reduce((a, b) => a + b, 0)))), 500);
  const { stdout } = await exec('wrk', [`-t${THREADS}`, `-c${CONNECTIONS}`, `-d${DURATION}s`, '--latency', '-s', script, url], { maxBuffer: 1 << 20 });
  clearInterval(sampler);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0);
  const errors = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0) + Number(/Socket errors:.*?timeout (\d+)/.exec(stdout)?.[1] ?? 0);
  return { rps, p50: ms(/^\s+50%\s+(\S+)/m.exec(stdout)?.[1] ?? ''), p99: ms(/^\s+99%\s+(\S+)/m.exec(stdout)?.[1] ?? ''), errors, rssMb };
}

interface Lab {
  dir: string;
  index: string;
  cacert: string;
  cakey: string;
  req: { nonce: string; plain: string };
  /** openssl's response to each request, the bytes the ceiling server sends. */
  resp: { nonce: string; plain: string };
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
  const resp = { nonce: join(dir, 'nonce.resp.der'), plain: join(dir, 'plain.resp.der') };
  for (const k of ['nonce', 'plain'] as const) {
    await exec('openssl', ['ocsp', '-index', p.index, '-CA', p.cacert, '-rsigner', p.cacert, '-rkey', p.cakey, '-reqin', req[k], '-respout', resp[k]]);
  }
  return { dir, index: p.index, cacert: p.cacert, cakey: p.cakey, req, resp };
}

/**
 * Starts a server in its own process group, so stopping it also stops its workers. `openssl ocsp
 * -multi` makes its own group (and fails if started as a session leader), so it is not detached.
 */
function start(cmd: string, args: string[]): ChildProcess {
  return spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'], detached: cmd !== 'openssl' });
}

async function stop(c: ChildProcess): Promise<void> {
  const group = (sig: NodeJS.Signals) => {
    try {
      process.kill(-c.pid!, sig);
    } catch {
      /* already gone */
    }
  };
  group('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  group('SIGKILL'); // openssl's -multi children may be spinning and ignore the parent's exit
  if (c.exitCode === null && c.signalCode === null) await new Promise((r) => c.once('exit', r));
}

interface GetServer {
  name: string;
  /** Starts it on `port`, serving the GET path; the pids whose RSS counts, and how to stop it. */
  start(port: number): Promise<{ pids: number[]; stop(): Promise<void> }>;
}

/** Waits until a GET of `url` answers 200 (a static server takes no POST). */
async function waitGet(url: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await fetch(url).then((r) => r.arrayBuffer().then(() => r.status === 200), () => false);
    if (ok) return;
    if (Date.now() > end) throw new Error(`${url} did not answer`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/**
 * The RFC 5019 deployment on one machine: GET of a nonce-less request (the one path an HTTP cache
 * can serve), answered by openssl ocsp -multi 2, ocsplab direct, nginx's proxy_cache in front of two
 * ocsplab replicas (one worker each), and nginx serving \`ocsplab presign\`'s files. Every server
 * has the same -ndays 1 (nginx caches only what carries a max-age). Rounds alternate the servers.
 */
async function getCases(lab: Lab): Promise<string[]> {
  const cases = [
    { name: 'GET, no nonce, RSA-2048, keep-alive', keepAlive: true },
    { name: 'GET, no nonce, RSA-2048, no keep-alive', keepAlive: false },
  ].filter((x) => x.name.includes(process.env.BENCH_CASES ?? ''));
  if (cases.length === 0) return [];
  const bin = await findNginx();
  if (!bin) {
    process.stderr.write(`bench: GET rows skipped: nginx not installed (${NGINX_INSTALL})\n`);
    return [`GET rows skipped: nginx not installed (${NGINX_INSTALL})`];
  }
  const base = ['-index', lab.index, '-CA', lab.cacert, '-rsigner', lab.cacert, '-rkey', lab.cakey, '-ndays', '1'];
  const out = join(lab.dir, 'presigned');
  const t0 = performance.now();
  await exec(process.execPath, [CLI, 'presign', '--out', out, ...base]);
  process.stdout.write(`presign of the bench CA: ${(performance.now() - t0).toFixed(0)} ms\n`);
  const path = `/${getUrlOf(readFileSync(lab.req.plain))}`;
  const workers = String(availableParallelism());
  const ocsplab = (port: number, w: string) => start(process.execPath, [CLI, 'ocsp', ...base, '-port', String(port), '--workers', w, '--log-level', 'error']);
  const servers: GetServer[] = [
    {
      name: 'openssl ocsp -multi 2',
      async start(port) {
        const c = start('openssl', ['ocsp', ...base, '-port', String(port), '-multi', '2', '-ignore_err']);
        await waitHttp(port, lab.req.plain);
        return { pids: [c.pid!], stop: () => stop(c) };
      },
    },
    {
      name: `ocsplab direct (${workers} workers)`,
      async start(port) {
        const c = ocsplab(port, workers);
        await waitHttp(port, lab.req.plain);
        return { pids: [c.pid!], stop: () => stop(c) };
      },
    },
    {
      name: 'nginx proxy_cache, 2 ocsplab replicas (1 worker each)',
      async start(port) {
        const ps = [await freePort(), await freePort()];
        const rs = ps.map((p) => ocsplab(p, '1'));
        for (const p of ps) await waitHttp(p, lab.req.plain);
        let nginx: Nginx;
        try {
          nginx = await startNginx(bin, { cache: { port, upstreams: ps }, workers: availableParallelism(), accessLog: false });
        } catch (e) {
          for (const r of rs) await stop(r);
          throw e;
        }
        await waitGet(`http://127.0.0.1:${port}${path}`);
        return { pids: [nginx.child.pid!, ...rs.map((r) => r.pid!)], stop: async () => (await nginx.stop(), await Promise.all(rs.map(stop)), undefined) };
      },
    },
    {
      name: 'nginx static, ocsplab presign files',
      async start(port) {
        const nginx = await startNginx(bin, { static: { port, root: join(out, 'get') }, workers: availableParallelism(), accessLog: false });
        await waitGet(`http://127.0.0.1:${port}${path}`);
        return { pids: [nginx.child.pid!], stop: () => nginx.stop() };
      },
    },
  ];
  const lines = [
    `| GET case | ${servers.map((s) => `${s.name} req/s`).join(' | ')} | p50/p99 ms, same order | RSS MB, same order |`,
    `|---|${servers.map(() => '---:').join('|')}|---:|---:|`,
  ];
  for (const c of cases) {
    const runs: Load[][] = servers.map(() => []);
    for (let r = 0; r < ROUNDS; r++) {
      for (const [i, s] of servers.entries()) {
        const port = await freePort();
        const h = await s.start(port);
        try {
          runs[i].push(await wrk(`http://127.0.0.1:${port}${path}`, undefined, c.keepAlive, h.pids));
        } finally {
          await h.stop();
        }
      }
    }
    const m = runs.map(median);
    const o = m[0].rps;
    const errs = m.some((x) => x.errors) ? ` (errors: ${m.map((x) => x.errors).join('/')})` : '';
    lines.push(`| ${c.name}${errs} | ${m.map((x) => `${x.rps.toFixed(0)} (${(x.rps / o).toFixed(2)}x)`).join(' | ')} | ${m.map((x) => `${x.p50.toFixed(2)}/${x.p99.toFixed(2)}`).join(', ')} | ${m.map((x) => x.rssMb.toFixed(0)).join(', ')} |`);
    process.stdout.write(`${c.name}: ${servers.map((s, i) => `${s.name} ${m[i].rps.toFixed(0)}`).join(', ')} req/s\n`);
  }
  return lines;
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
  const header = `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores; node ${process.version}; ${osslVersion.trim()}; wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION}s, median of ${ROUNDS} alternating rounds`;
  process.stdout.write(`${header}\n\n`);
  const rows: Array<{ c: Case; ossl: Load; ours: Load; ceiling: Load }> = [];
  // BENCH_CASES=text runs only the cases whose name contains it.
  for (const c of CASES.filter((x) => x.name.includes(process.env.BENCH_CASES ?? ''))) {
    const lab = labs[c.key];
    const base = ['-index', lab.index, '-CA', lab.cacert, '-rsigner', lab.cacert, '-rkey', lab.cakey];
    const body = c.nonce ? lab.req.nonce : lab.req.plain;
    // Fresh processes for every case: a wrk run that ends with unsent connections leaves
    // openssl's responder spinning (its known bug), which would spoil the next case.
    const measure = async (name: string, cmd: string, args: string[], port: number): Promise<Load> => {
      const child = start(cmd, args);
      try {
        await waitHttp(port, c.nonce ? lab.req.nonce : lab.req.plain);
        return await wrk(`http://127.0.0.1:${port}/`, body, c.keepAlive, child.pid!);
      } finally {
        await stop(child);
      }
    };
    const os: Load[] = [];
    const us: Load[] = [];
    const cs: Load[] = [];
    const workers = String(availableParallelism());
    // The same response bytes; the CA key only when the case signs per request.
    const ceilingTail = [workers, c.nonce ? lab.resp.nonce : lab.resp.plain, ...(c.nonce ? [lab.cakey] : [])];
    for (let r = 0; r < ROUNDS; r++) {
      const [po, pu, pc] = [await freePort(), await freePort(), await freePort()];
      os.push(await measure('openssl', 'openssl', ['ocsp', ...base, '-port', String(po), '-multi', '2', '-ignore_err'], po));
      us.push(await measure('ocsplab', process.execPath, [CLI, 'ocsp', ...base, '-port', String(pu), '--workers', workers, '--log-level', 'error'], pu));
      cs.push(await measure('ceiling', process.execPath, [CEILING, String(pc), ...ceilingTail], pc));
    }
    const o = median(os);
    const u = median(us);
    const ceiling = median(cs);
    rows.push({ c, ossl: o, ours: u, ceiling });
    process.stdout.write(`${c.name}: openssl ${o.rps.toFixed(0)} req/s, ocsplab ${u.rps.toFixed(0)} req/s (${(u.rps / o.rps).toFixed(2)}x); node:http ceiling ${ceiling.rps.toFixed(0)} req/s (${(ceiling.rps / o.rps).toFixed(2)}x)\n`);
  }
  const getLines = await getCases(labs.rsa);
  // The GET rows on their own too (README's "Running it for real" quotes them): any run with both GET cases.
  if (getLines.length === 4) {
    mkdirSync(join(process.cwd(), 'bench', 'results'), { recursive: true });
    writeFileSync(join(process.cwd(), 'bench', 'results', 'nginx.md'), `${header}\n\n${getLines.join('\n')}\n`);
  }
  const idx = runIndexBench(1_000_000);
  const lines = [
    `| case | openssl req/s | ocsplab req/s | ratio | target | node:http ceiling req/s (ratio) | openssl p50/p99 ms | ocsplab p50/p99 ms | openssl RSS MB | ocsplab RSS MB |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|`,
    ...rows.map(({ c, ossl, ours, ceiling }) => {
      const ratio = ours.rps / ossl.rps;
      const verdict = c.target === undefined ? '—' : `${c.target}x ${ratio >= c.target ? 'met' : 'MISSED'}`;
      const errs = ossl.errors + ours.errors ? ` (errors: openssl ${ossl.errors}, ocsplab ${ours.errors})` : '';
      return `| ${c.name}${errs} | ${ossl.rps.toFixed(0)} | ${ours.rps.toFixed(0)} | ${ratio.toFixed(2)}x | ${verdict} | ${ceiling.rps.toFixed(0)} (${(ceiling.rps / ossl.rps).toFixed(2)}x) | ${ossl.p50.toFixed(2)}/${ossl.p99.toFixed(2)} | ${ours.p50.toFixed(2)}/${ours.p99.toFixed(2)} | ${ossl.rssMb.toFixed(0)} | ${ours.rssMb.toFixed(0)} |`;
    }),
    '',
    ...(getLines.length ? [...getLines, ''] : []),
    `index.txt of ${idx.lines.toLocaleString('en')} lines (${(idx.bytes / 2 ** 20).toFixed(0)} MB): loaded in ${idx.loadMs.toFixed(0)} ms (target ≤ 1500), RSS ${idx.rssMb.toFixed(0)} MB (target ≤ 300); one revocation visible ${idx.revokeVisibleMs.toFixed(0)} ms after its write`,
  ];
  process.stdout.write(`\n${header}\n\n${lines.join('\n')}\n`);
  // Only a full run replaces the recorded table the README quotes.
  if (!process.env.BENCH_CASES) {
    mkdirSync(join(process.cwd(), 'bench', 'results'), { recursive: true });
    writeFileSync(join(process.cwd(), 'bench', 'results', 'latest.md'), `${header}\n\n${lines.join('\n')}\n`);
  }
}

main().catch((e) => {
  process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
