// GET /metrics on the admin port: scraped after a known mix of requests, every counter checked
// against what was sent — one process, and two workers (summed by the admin port). Also the live
// feed's sampling, and the feed reaching the admin port's event stream from the workers.

import t from 'tap';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Responder } from '../src/responder/responder.js';
import { RequestFeed, type FeedBatch } from '../src/responder/feed.js';
import { freePort } from './helpers/ca-tools.js';
import { startCli } from './helpers/cli.js';
import { eventStream } from './helpers/console.js';
import { makeOpensslCa, opensslQuery, run, tempDir } from './helpers/openssl.js';
import { waitUntil } from './helpers/wait.js';

type Sample = { name: string; labels: Record<string, string>; value: number };

function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of a metric's samples whose labels include `match`. */
function sum(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);
}

function post(url: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, method: 'POST', path: '/', agent: false, headers: { 'content-type': 'application/ocsp-request', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(body);
  });
}

t.test('one process: counters match the requests sent', async (t) => {
  const ca = await makeOpensslCa(tempDir());
  const leaf = await ca.issue('leaf.example');
  const r = await Responder.create({ cas: [{ name: 'm-ca', index: join(ca.dir, 'index.txt'), ca: ca.cacert, rkey: ca.cakey }], port: 0, adminPort: 0, logger: false });
  await r.start();
  t.teardown(() => r.close());
  const url = r.url();
  const admin = r.admin!.url;
  const q = (args: string[] = []) => opensslQuery({ issuer: ca.cacert, target: leaf.pem, url, cafile: ca.cacert, args });
  for (let i = 0; i < 3; i++) t.equal((await q()).status, 'good', 'nonce: signed');
  t.equal((await q(['-no_nonce'])).status, 'good', 'no nonce: cache miss, signed');
  t.equal((await q(['-no_nonce'])).status, 'good', 'no nonce: cache hit');
  t.equal((await ca.revoke(leaf.pem)).code, 0);
  t.equal((await q()).status, 'revoked', 'revoked: index reloaded, signed');
  t.equal((await fetch(`${admin}/api/modes/m-ca`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"mode":"tryLater"}' })).status, 200);
  t.match((await q()).stdout + (await q()).stderr, /tryLater|try later/i, 'tryLater x2');
  await fetch(`${admin}/api/modes/m-ca`, { method: 'DELETE' });
  t.equal(await post(url, Buffer.from('not DER')), 200, 'malformed request answered');
  for (let i = 0; i < 2; i++) t.equal((await fetch(`${url}/crl/m-ca.crl`)).status, 200, 'CRL served');
  t.equal((await fetch(`${url}/crl/nope.crl`)).status, 404, 'CRL of no CA');
  // A broken index line: the reload fails and the last good index keeps answering.
  const index = join(ca.dir, 'index.txt');
  const good = readFileSync(index);
  appendFileSync(index, 'this is not an index line\n');
  t.equal((await fetch(`${admin}/api/reload/m-ca`, { method: 'POST' })).status, 409, 'bad index refused');
  writeFileSync(index, good);
  t.equal((await fetch(`${admin}/api/reload/m-ca`, { method: 'POST' })).status, 200, 'good index back');

  const res = await fetch(`${admin}/metrics`);
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/, 'Prometheus text format');
  const text = await res.text();
  const m = parse(text);
  const req = 'ocsplab_ocsp_requests_total';
  t.equal(sum(m, req, { ca: 'm-ca', method: 'POST', response_status: 'successful', cert_status: 'good', mode: 'up' }), 5, '5 good');
  t.equal(sum(m, req, { ca: 'm-ca', response_status: 'successful', cert_status: 'revoked', mode: 'up' }), 1, '1 revoked');
  t.equal(sum(m, req, { ca: 'm-ca', response_status: 'tryLater', cert_status: 'none', mode: 'm-ca:tryLater' }), 2, '2 tryLater, labelled with the mode that applied');
  t.equal(sum(m, req, { ca: 'none', response_status: 'malformedRequest' }), 1, '1 malformed, no CA');
  t.equal(sum(m, req), 9, '9 OCSP requests in all');
  t.equal(sum(m, 'ocsplab_ocsp_request_duration_seconds_count'), 9, 'latency histogram: one observation each');
  t.equal(sum(m, 'ocsplab_ocsp_request_duration_seconds_bucket', { le: '+Inf' }), 9);
  t.ok(sum(m, 'ocsplab_ocsp_request_duration_seconds_sum') > 0);
  t.equal(sum(m, 'ocsplab_signatures_total', { ca: 'm-ca' }), 5, '5 signatures: 3 nonce, 1 cache miss, 1 revoked');
  t.equal(sum(m, 'ocsplab_cache_hits_total', { ca: 'm-ca' }), 1, '1 cache hit');
  t.equal(sum(m, 'ocsplab_cache_misses_total', { ca: 'm-ca' }), 1, '1 cache miss');
  t.equal(sum(m, 'ocsplab_crl_requests_total', { ca: 'm-ca', result: 'served', mode: 'up' }), 2, '2 CRLs served');
  t.equal(sum(m, 'ocsplab_crl_requests_total', { ca: 'nope', result: 'http-404' }), 1, '1 CRL 404');
  t.equal(sum(m, 'ocsplab_crl_request_duration_seconds_count'), 3);
  t.ok(sum(m, 'ocsplab_index_reloads_total', { ca: 'm-ca' }) >= 2, 'reloads: after the revocation and after the repair');
  // The bad file was read twice at most: by the directory watch, and by the reload asked for.
  const errors = sum(m, 'ocsplab_index_reload_errors_total', { ca: 'm-ca' });
  t.ok(errors >= 1 && errors <= 2, `reload errors counted (${errors})`);
  const loaded = sum(m, 'ocsplab_index_last_good_load_timestamp_seconds', { ca: 'm-ca' });
  t.ok(Math.abs(Date.now() / 1000 - loaded) < 60, 'last good load: just now');
  t.equal(sum(m, 'ocsplab_index_entries', { ca: 'm-ca' }), 1);
  t.ok(m.some((s) => s.name === 'ocsplab_open_connections' && s.labels.listener === 'main'), 'open connections by listener');
  t.equal(sum(m, 'ocsplab_mode_info', { target: '*', kind: 'ocsp', mode: 'up' }), 1, 'mode in force');
  t.ok(sum(m, 'process_resident_memory_bytes') > 0, 'process metrics');
  t.ok(m.some((s) => s.name.startsWith('nodejs_heap')), 'node heap metrics');
  for (const s of m) t.ok(!s.name.startsWith('ocsplab_') || /_total$|_seconds(_bucket|_sum|_count)?$|_info$|_entries$|_connections$/.test(s.name), `${s.name}: Prometheus naming`);
  const counters = (await (await fetch(`${admin}/api/counters`)).json()) as { requests: number };
  t.equal(counters.requests, 9, 'the admin counters agree');
});

t.test('two workers: /metrics sums every worker', async (t) => {
  const dir = tempDir();
  const ca = await makeOpensslCa(dir);
  const leaf = await ca.issue('leaf.example');
  const [port, admin] = [await freePort(), await freePort()];
  const s = await startCli(['-index', join(ca.dir, 'index.txt'), '-CA', ca.cacert, '-rkey', ca.cakey, '-port', String(port), '--workers', '2', '--admin-port', String(admin), '--name', 'w-ca']);
  t.teardown(() => s.child.kill('SIGTERM'));
  const url = `http://127.0.0.1:${port}`;
  const adminUrl = `http://127.0.0.1:${admin}`;
  const der = join(dir, 'req.der');
  t.equal((await run('openssl', ['ocsp', '-issuer', ca.cacert, '-cert', leaf.pem, '-reqout', der])).code, 0);
  const body = readFileSync(der);
  const plainDer = join(dir, 'plain.der');
  t.equal((await run('openssl', ['ocsp', '-issuer', ca.cacert, '-cert', leaf.pem, '-no_nonce', '-reqout', plainDer])).code, 0);
  const plain = readFileSync(plainDer);

  // The live feed over the event stream, fed by the workers through the primary.
  const events = await eventStream(`${adminUrl}/api/events`);
  t.match(events.res.headers.get('content-type'), /^text\/event-stream/);
  await new Promise((r) => setTimeout(r, 300));

  // 40 requests on fresh connections, four at a time: both workers accept some.
  const N = 40;
  for (let i = 0; i < N; i += 4) t.same(await Promise.all([0, 1, 2, 3].map(() => post(url, body))), [200, 200, 200, 200]);
  // 20 without a nonce, one at a time (concurrent misses would each sign): each worker has its
  // own cache, so one miss (and signature) per worker that took any, hits for the rest; and 3 CRLs.
  const P = 20;
  for (let i = 0; i < P; i++) t.equal(await post(url, plain), 200);
  for (let i = 0; i < 3; i++) t.equal((await fetch(`${url}/crl/w-ca.crl`, { headers: { connection: 'close' } })).status, 200, 'CRL served');
  await waitUntil(() => /event: feed/.test(events.text()), { ms: 15_000, every: 100 });
  const seen = await events.stop();
  const feed = [...seen.matchAll(/event: feed\ndata: (.*)\n/g)].map((x) => JSON.parse(x[1]!) as FeedBatch);
  t.ok(feed.length > 0, 'feed batches from the workers');
  t.ok(feed.flatMap((b) => b.events).some((e) => e.ca === 'w-ca' && e.status === 'good' && e.answer === 'signed'), 'a feed event: CA, status, signed');

  const m = parse(await (await fetch(`${adminUrl}/metrics`)).text());
  t.equal(sum(m, 'ocsplab_ocsp_requests_total', { ca: 'w-ca', method: 'POST', response_status: 'successful', cert_status: 'good', mode: 'up' }), N + P, `${N + P} requests summed over both workers`);
  t.equal(sum(m, 'ocsplab_ocsp_requests_total'), N + P, 'and no others');
  t.equal(sum(m, 'ocsplab_ocsp_request_duration_seconds_count'), N + P);
  const misses = sum(m, 'ocsplab_cache_misses_total', { ca: 'w-ca' });
  t.ok(misses >= 1 && misses <= 2, `cache misses: one per worker that took a nonce-less request (${misses})`);
  t.equal(sum(m, 'ocsplab_cache_hits_total', { ca: 'w-ca' }) + misses, P, `hits + misses = the ${P} nonce-less requests`);
  t.equal(sum(m, 'ocsplab_signatures_total', { ca: 'w-ca' }), N + misses, 'a signature for each nonce and each cache miss');
  t.equal(sum(m, 'ocsplab_crl_requests_total', { ca: 'w-ca', result: 'served', mode: 'up' }), 3, '3 CRLs summed over both workers');
  t.equal(sum(m, 'ocsplab_crl_request_duration_seconds_count'), 3);
  t.equal(sum(m, 'ocsplab_index_entries', { ca: 'w-ca' }), 1, 'a gauge every worker reports alike is not summed (max)');
  t.equal(m.filter((x) => x.name === 'ocsplab_mode_info' && x.labels.target === '*').length, 1, 'one mode line per target');
  const counters = (await (await fetch(`${adminUrl}/api/counters`)).json()) as { requests: number };
  t.equal(counters.requests, N + P, 'the admin counters agree');
  // Which worker answered is the kernel's choice; the per-worker split is visible in the process
  // metrics only as a sum, so both workers' heaps are in it.
  t.ok(sum(m, 'nodejs_heap_size_used_bytes') > 0);
});

t.test('the feed samples under load and says how many it saw', async (t) => {
  const feed = new RequestFeed(40, 50);
  const batches: FeedBatch[] = [];
  const stop = feed.subscribe((b) => batches.push(b));
  for (let i = 0; i < 10_000; i++) if (feed.take()) feed.add({ at: i, kind: 'ocsp', ca: 'x', method: 'POST', status: 'good', mode: 'up', ms: 0.1, answer: 'cached' });
  await waitUntil(() => batches.length > 0, { ms: 15_000, every: 20 });
  stop();
  t.equal(batches.length, 1, 'one batch for the window');
  t.equal(batches[0]!.seen, 10_000, 'every request counted');
  t.equal(batches[0]!.events.length, 40, 'at most 40 shown');
  const ats = batches[0]!.events.map((e) => e.at);
  t.same(ats, [...ats].sort((a, b) => a - b), 'in time order');
  t.ok(ats[ats.length - 1]! > 5_000, 'sampled across the window, not just its start');
  t.notOk(feed.active, 'nothing built once nobody listens');
});

t.test('CountedHistogram gives the series prom-client would', async (t) => {
  const { CountedHistogram } = await import('../src/responder/metrics.js');
  const { Histogram, Registry } = await import('prom-client');
  const buckets = [0.001, 0.01, 0.1, 1];
  const [a, b] = [new Registry(), new Registry()];
  const ours = new CountedHistogram('x_seconds', 'help', buckets, a);
  const theirs = new Histogram({ name: 'x_seconds', help: 'help', buckets, registers: [b] });
  for (const v of [0, 0.0005, 0.001, 0.002, 0.01, 0.5, 1, 3, 1e9]) {
    ours.record(v);
    theirs.observe(v);
  }
  t.equal(await a.metrics(), await b.metrics(), 'same text, le edges included (a value equal to a bound falls in that bucket)');
  t.same(await a.getMetricsAsJSON(), await b.getMetricsAsJSON(), 'same JSON for the aggregation');
});
