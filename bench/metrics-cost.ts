// What the metrics cost the hot path (issue 18): this checkout's responder against a build of the
// commit before metrics landed, on the same CA, requests and load generator as `npm run bench`
// (wrk -t1 -c8 -d6s, one worker per core, --log-level error), rounds alternating the builds.
// A third arm is this checkout with the admin port open and /metrics scraped every second (a
// scrape asks every worker over IPC), to show what a busy Prometheus adds on top of counting.
//
//   git worktree add /tmp/pre-metrics 4b9ada2^ && (cd /tmp/pre-metrics && ln -s $PWD/node_modules && npx tsc -p .)
//   node dist/bench/metrics-cost.js --before /tmp/pre-metrics [--after /tmp/with-metrics] [--rounds 5]
//
// Each run follows one uncounted second of the same load (warm-up). Per run: req/s, p50/p99, and CPU per request (user+system time of the responder's process tree
// from /proc, over the requests wrk completed). The load average is printed before each round:
// on a shared 2-core machine the spread between rounds is the figure to compare a difference with.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { initCa, issue, caPaths } from '../src/ca/index.js';
import { ResponderMetrics } from '../src/responder/metrics.js';
import { RequestFeed } from '../src/responder/feed.js';
import type { Reply } from '../src/responder/source.js';
import { freePort, ms, waitHttp } from './wait.js';

const exec = promisify(execFile);
const DURATION = Number(process.env.BENCH_SECONDS ?? 6);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const ROUNDS = Number(arg('--rounds', process.env.BENCH_ROUNDS ?? '5'));
const BEFORE = resolve(arg('--before', '/tmp/pre-metrics'), 'dist/src/cli/main.js');
// Default: this checkout. A clean worktree of a commit (--after DIR) keeps work in progress out.
const AFTER = process.argv.includes('--after') ? resolve(arg('--after', '.'), 'dist/src/cli/main.js') : new URL('../src/cli/main.js', import.meta.url).pathname;
const TICK_MS = 10; // USER_HZ is 100 on Linux

interface Run {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  /** CPU ms (user+system, the whole process tree) per 1000 requests. */
  cpuPerK: number;
}

/** Pids of a process and its descendants. */
function tree(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'latin1');
      parent.set(Number(d), Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  const out = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [p, pp] of parent) if (out.has(pp) && !out.has(p)) out.add(p), (grew = true);
  }
  return [...out];
}

/** utime+stime of the pids, in ticks. */
function cpuTicks(pids: number[]): number {
  let n = 0;
  for (const p of pids) {
    try {
      const st = readFileSync(`/proc/${p}/stat`, 'latin1');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      n += Number(f[11]) + Number(f[12]);
    } catch {
      /* gone */
    }
  }
  return n;
}

async function stop(c: ChildProcess): Promise<void> {
  try {
    process.kill(-c.pid!, 'SIGTERM');
  } catch {
    /* gone */
  }
  if (c.exitCode === null && c.signalCode === null) await new Promise((r) => c.once('exit', r));
}

/**
 * What metrics add to each request, timed alone: the clock read the histogram needs (it was read
 * only with --log-level info before), ResponderMetrics#ocsp (cell lookup and count, histogram
 * record) and the feed's idle check, as Responder#count does them. Best of 7 runs of 2,000,000
 * calls, in ns per request: a figure machine load cannot inflate much, to set beside the CPU per
 * request the load runs measure.
 */
function perRequestNs(): number {
  const m = new ResponderMetrics({ cas: () => [], listeners: () => [], modes: () => [] });
  const feed = new RequestFeed();
  const reply = { kind: 'ocsp', status: 'successful', ca: 'bench rsa CA', answers: [{ serial: '01', status: 'good' }], der: Buffer.alloc(0), cached: true } as unknown as Reply;
  const N = 2_000_000;
  let best = Infinity;
  let sink = 0;
  for (let run = 0; run < 7; run++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) {
      const t = performance.now();
      m.ocsp(reply, 'POST', 'good', 'up', (performance.now() - t) / 1000);
      if (feed.active) sink++;
    }
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / N);
  }
  return best + sink;
}

/** CPU (ms, the whole process tree) and wall time per GET /metrics of an idle responder with
 *  `workers` workers: what a scrape costs, whatever the request rate. */
async function scrapeCost(cli: string, base: string[], der: Buffer, workers: string): Promise<{ cpuMs: number; wallMs: number }> {
  const [port, admin] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [cli, 'ocsp', ...base, '-port', String(port), '--workers', workers, '--log-level', 'error', '--admin-port', String(admin)], { stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  try {
    await waitHttp(port, der);
    const scrape = async () => {
      const r = await fetch(`http://127.0.0.1:${admin}/metrics`).catch(() => undefined);
      return r?.status === 200 && (await r.text()).includes('ocsplab_ocsp_requests_total');
    };
    for (let i = 0; !(await scrape()); i++) {
      if (i > 100) throw new Error(`/metrics on ${admin} did not answer`);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let i = 0; i < 20; i++) await scrape(); // warm
    const N = 200;
    const pids = tree(child.pid!);
    const t0 = cpuTicks(pids);
    const w0 = performance.now();
    for (let i = 0; i < N; i++) await scrape();
    return { cpuMs: ((cpuTicks(pids) - t0) * TICK_MS) / N, wallMs: (performance.now() - w0) / N };
  } finally {
    await stop(child);
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'ocsplab-metrics-cost-'));
  const dir = join(root, 'rsa');
  await initCa({ dir, cn: 'bench rsa CA', key: 'rsa2048' });
  const leaf = await issue({ dir, cn: 'leaf.bench', role: 'client', key: 'rsa2048', out: join(dir, 'leaf') });
  const p = caPaths(dir);
  const plain = join(dir, 'plain.der');
  await exec('openssl', ['ocsp', '-issuer', p.cacert, '-cert', leaf.certPath, '-no_nonce', '-reqout', plain]);
  const der = readFileSync(plain);
  const base = ['-index', p.index, '-CA', p.cacert, '-rsigner', p.cacert, '-rkey', p.cakey];
  const workers = String(availableParallelism());

  const arms = [
    { name: 'before metrics (4b9ada2^)', cli: BEFORE, admin: false, scrape: false },
    { name: 'with metrics', cli: AFTER, admin: false, scrape: false },
    { name: 'with metrics, /metrics scraped every 1 s', cli: AFTER, admin: true, scrape: true },
  ];
  const cases = [
    { name: 'no nonce, RSA-2048, keep-alive (cached)', keepAlive: true },
    { name: 'no nonce, RSA-2048, no keep-alive', keepAlive: false },
  ].filter((c) => c.name.includes(process.env.BENCH_CASES ?? ''));

  const lines: string[] = [];
  const say = (s: string) => (process.stdout.write(`${s}\n`), lines.push(s));
  say(`metrics' own work per request, timed alone (two clock reads, count, histogram, feed check): ${perRequestNs().toFixed(0)} ns (best of 7 x 2,000,000)`);
  const sc = await scrapeCost(AFTER, base, der, workers);
  say(`one GET /metrics of an idle responder with ${workers} workers: ${sc.cpuMs.toFixed(1)} ms CPU (all processes), ${sc.wallMs.toFixed(1)} ms wall (mean of 200)`);
  say(`before: ${BEFORE}; with metrics: ${AFTER}`);
  say(`wrk -t${THREADS} -c${CONNECTIONS} -d${DURATION}s, POST of one nonce-less request, --workers ${workers} --log-level error; ${ROUNDS} rounds, arms alternating in each round`);
  const results: Record<string, Record<string, Run[]>> = {};
  for (const c of cases) {
    results[c.name] = Object.fromEntries(arms.map((a) => [a.name, [] as Run[]]));
    const script = join(root, `wrk-${c.keepAlive ? 'ka' : 'close'}.lua`);
    writeFileSync(script, `local f = io.open("${plain}", "rb"); wrk.body = f:read("*a"); f:close()\nwrk.method = "POST"\nwrk.headers["Content-Type"] = "application/ocsp-request"\n${c.keepAlive ? '' : 'wrk.headers["Connection"] = "close"\n'}`);
    for (let r = 0; r < ROUNDS; r++) {
      // Rotate the order each round, so no arm always runs first (or right after the slowest).
      const order = arms.map((_, i) => arms[(i + r) % arms.length]!);
      const { stdout: up } = await exec('uptime');
      say(`${c.name}, round ${r + 1}: load ${loadavg().map((x) => x.toFixed(2)).join(' ')} (${up.trim().replace(/^.*load average: /, '')})`);
      for (const a of order) {
        const port = await freePort();
        const admin = a.admin ? await freePort() : 0;
        const child = spawn(process.execPath, [a.cli, 'ocsp', ...base, '-port', String(port), '--workers', workers, '--log-level', 'error', ...(a.admin ? ['--admin-port', String(admin)] : [])], { stdio: ['ignore', 'ignore', 'inherit'], detached: true });
        let scraper: NodeJS.Timeout | undefined;
        try {
          await waitHttp(port, der);
          if (a.scrape) {
            // The admin port may open a moment after the OCSP port.
            for (let i = 0; ; i++) {
              const m = await fetch(`http://127.0.0.1:${admin}/metrics`).catch(() => undefined);
              if (m?.status === 200 && (await m.text()).includes('ocsplab_ocsp_requests_total')) break;
              if (i > 100) throw new Error(`/metrics on ${admin} did not answer`);
              await new Promise((r) => setTimeout(r, 100));
            }
            scraper = setInterval(() => void fetch(`http://127.0.0.1:${admin}/metrics`).then((x) => x.text(), () => ''), 1000);
          }
          // One second of the same load first, not counted: JIT and caches warm in every arm alike.
          await exec('wrk', [`-t${THREADS}`, `-c${CONNECTIONS}`, '-d1s', '-s', script, `http://127.0.0.1:${port}/`]);
          const pids = tree(child.pid!);
          const t0 = cpuTicks(pids);
          const { stdout } = await exec('wrk', [`-t${THREADS}`, `-c${CONNECTIONS}`, `-d${DURATION}s`, '--latency', '-s', script, `http://127.0.0.1:${port}/`], { maxBuffer: 1 << 20 });
          const ticks = cpuTicks(pids) - t0;
          const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0);
          const run: Run = {
            rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0),
            p50: ms(/^\s+50%\s+(\S+)/m.exec(stdout)?.[1] ?? ''),
            p99: ms(/^\s+99%\s+(\S+)/m.exec(stdout)?.[1] ?? ''),
            requests,
            errors: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0) + Number(/Socket errors:.*?timeout (\d+)/.exec(stdout)?.[1] ?? 0),
            cpuPerK: requests ? (ticks * TICK_MS * 1000) / requests : NaN,
          };
          results[c.name]![a.name]!.push(run);
          say(`  ${a.name}: ${run.rps.toFixed(0)} req/s, p50/p99 ${run.p50.toFixed(2)}/${run.p99.toFixed(2)} ms, ${run.cpuPerK.toFixed(1)} CPU ms per 1000 requests${run.errors ? `, ${run.errors} errors` : ''}`);
        } finally {
          clearInterval(scraper);
          await stop(child);
        }
      }
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  say('');
  say('| case | build | req/s median (min–max) | medians vs before | same-round ratio to before, median (min–max) | p50/p99 ms (median run) | CPU ms per 1000 req, median (min–max) |');
  say('|---|---|---:|---:|---:|---:|---:|');
  for (const c of cases) {
    const before = med(results[c.name]![arms[0]!.name]!.map((x) => x.rps));
    for (const a of arms) {
      const runs = results[c.name]![a.name]!;
      const rps = runs.map((x) => x.rps);
      const cpu = runs.map((x) => x.cpuPerK);
      const mid = [...runs].sort((x, y) => x.rps - y.rps)[Math.floor(runs.length / 2)]!;
      // Each round's runs are minutes apart at most: their ratio cancels the slower drift.
      const paired = runs.map((x, i) => x.rps / results[c.name]![arms[0]!.name]![i]!.rps);
      say(`| ${c.name} | ${a.name} | ${med(rps).toFixed(0)} (${Math.min(...rps).toFixed(0)}–${Math.max(...rps).toFixed(0)}) | ${((med(rps) / before - 1) * 100).toFixed(1)}% | ${med(paired).toFixed(2)} (${Math.min(...paired).toFixed(2)}–${Math.max(...paired).toFixed(2)}) | ${mid.p50.toFixed(2)}/${mid.p99.toFixed(2)} | ${med(cpu).toFixed(1)} (${Math.min(...cpu).toFixed(1)}–${Math.max(...cpu).toFixed(1)}) |`);
    }
  }
  writeFileSync(join(root, 'metrics-cost.txt'), `${lines.join('\n')}\n`);
  process.stdout.write(`\n(also in ${join(root, 'metrics-cost.txt')})\n`);
}

main().catch((e) => {
  process.stderr.write(`metrics-cost: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
