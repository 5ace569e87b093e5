// Hostile clients (issue 9): 500 idle or half-sent connections plus a slowloris must not hold up a
// good client, and the slowloris is cut off by the headers time-out even though it keeps sending.
// 1,000 descriptors are needed (both ends live in this process); the soft limit here is far above
// that, so the test checks it rather than raising it.
//
// Wall-clock bounds here are the ones that tell the property from its failure, with room for a
// busy machine: a server held up by the hostile connections makes the good client wait for their
// 30 s time-out (or refuses it), so "every answer in under 5 s, the median under 100 ms" is asked,
// not "the slowest of 100 under 100 ms" (one lost time slice on a loaded 2-core machine is tens
// of ms). The latencies are printed.

import t from 'tap';
import { ecCaWithLeaf } from './helpers/ec-ca.js';
import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import { rmSync } from 'node:fs';
import { buildOcspRequest, decodeOcspResponse } from '../src/ocsp/verify.js';
import { Responder } from '../src/responder/responder.js';
import { run, tempDir } from './helpers/openssl.js';

const IDLE = 500;

const dir = tempDir('ocsplab-clients-');
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const { ca, issuer, cert } = await ecCaWithLeaf(dir, 'Clients CA');

async function startResponder(headersTimeoutMs: number, requestTimeoutMs: number): Promise<Responder> {
  const r = await Responder.create({ cas: [{ index: ca.index, ca: ca.cacert, rkey: ca.cakey }], port: 0, logger: false, serverLimits: { headersTimeoutMs, requestTimeoutMs } });
  await r.start();
  return r;
}

/** One good request on a fresh connection (no keep-alive to lean on); resolves with its latency. */
function goodRequest(port: number): Promise<{ ms: number; status: string | undefined }> {
  const body = buildOcspRequest(cert, issuer).der;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent: false, headers: { 'content-type': 'application/ocsp-request', 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ ms: performance.now() - t0, status: decodeOcspResponse(Buffer.concat(chunks)).basic?.singles[0].status }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A client that sends a request's headers one byte every `everyMs`, forever. */
function slowloris(port: number, everyMs: number): { socket: Socket; closed: Promise<{ ms: number; reply: string; sent: number }> } {
  const text = `GET / HTTP/1.1\r\nHost: x\r\n${'X-Slow: loris\r\n'.repeat(1000)}`;
  const socket = connect(port, '127.0.0.1');
  let sent = 0;
  let reply = '';
  const t0 = performance.now();
  const timer = setInterval(() => {
    if (socket.writable) socket.write(text[sent++ % text.length]);
  }, everyMs);
  socket.on('data', (b) => (reply += b));
  socket.on('error', () => undefined);
  const closed = new Promise<{ ms: number; reply: string; sent: number }>((res) =>
    socket.on('close', () => {
      clearInterval(timer);
      res({ ms: performance.now() - t0, reply, sent });
    }),
  );
  return { socket, closed };
}

t.test(`${IDLE} idle and half-sent connections plus a slowloris: a good client is served as usual`, async (t) => {
  const limit = await run('sh', ['-c', 'ulimit -n']);
  t.ok(Number(limit.stdout) >= 2 * IDLE + 100 || limit.stdout.trim() === 'unlimited', `fd soft limit ${limit.stdout.trim()} covers ${2 * IDLE} descriptors`);
  // Long time-outs so every hostile connection stays for the whole measurement.
  const r = await startResponder(30_000, 60_000);
  t.teardown(() => r.close());
  const port = r.port;
  const idle: Socket[] = [];
  let closedEarly = 0;
  await Promise.all(
    Array.from({ length: IDLE }, (_, i) => new Promise<void>((res, rej) => {
      const s = connect(port, '127.0.0.1', () => {
        // A third send nothing, a third stop mid-headers, a third stop mid-body.
        if (i % 3 === 1) s.write('POST / HTTP/1.1\r\nHost: x\r\nContent-');
        if (i % 3 === 2) s.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n0\x82');
        res();
      });
      s.on('error', rej);
      s.on('close', () => closedEarly++);
      idle.push(s);
    })),
  );
  t.teardown(() => idle.forEach((s) => s.destroy()));
  const loris = slowloris(port, 100);
  t.teardown(() => loris.socket.destroy());

  const times: number[] = [];
  const statuses = new Set<string | undefined>();
  await goodRequest(port); // warm-up: JIT and the signer's first use are not what is measured
  for (let i = 0; i < 100; i++) {
    const g = await goodRequest(port);
    times.push(g.ms);
    statuses.add(g.status);
    await new Promise((res) => setTimeout(res, 20)); // spread over ~3 s so the slowloris keeps trickling
  }
  times.sort((a, b) => a - b);
  const p50 = times[49];
  const p100 = times[99];
  t.same([...statuses], ['good'], 'every good request answered good');
  t.comment(`good client latency p50 ${p50.toFixed(1)} ms, p100 ${p100.toFixed(1)} ms over 100 requests`);
  t.ok(p100 < 5000, `no good request waited for the hostile connections' 30 s time-out (slowest ${p100.toFixed(1)} ms, bound 5 s)`);
  t.ok(p50 < 100, `the median good request is not slowed (p50 ${p50.toFixed(1)} ms, bound 100 ms)`);
  t.equal(closedEarly, 0, `all ${IDLE} hostile connections were still open throughout`);
  t.equal(loris.socket.destroyed, false, 'the slowloris was still connected throughout');
});

t.test('a slowloris that keeps sending is still cut off at the headers time-out', async (t) => {
  // Headers 1 s, request 10 s: closing before 5 s can only be the headers time-out, with room for
  // node's 200 ms sweep and a busy machine (measured up to 1.2 s; the old 1.5 s bound was tight).
  const r = await startResponder(1000, 10_000);
  t.teardown(() => r.close());
  const loris = slowloris(r.port, 100);
  t.teardown(() => loris.socket.destroy());
  const end = await loris.closed;
  t.match(end.reply, /^HTTP\/1\.1 408 /, '408');
  t.ok(end.ms >= 980 && end.ms < 5000, `closed after ${end.ms.toFixed(0)} ms having sent ${end.sent} bytes (headers time-out 1000 ms, request time-out 10,000 ms)`);
  t.equal((await goodRequest(r.port)).status, 'good', 'served normally afterwards');
});
