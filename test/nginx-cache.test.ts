// Replicas behind a real HTTP cache: Debian's nginx on loopback (test/helpers/nginx.ts) with
// proxy_cache in front of two `ocsplab ocsp` processes reading the same CA directory. Checks the
// RFC 5019 deployment end to end: GET answers come from the cache after the first (X-Cache-Status),
// POST passes through, a cached answer is never older than its max-age (--max-age 2), a revocation
// shows through the cache within max-age, openssl's client verifies what comes out of the cache,
// killing one replica loses no request (proxy_next_upstream), and nginx leaves nothing listening.
// Skipped with what to install where nginx is missing; fails instead under OCSPLAB_INTEROP_REQUIRE=1.

import t from 'tap';
import { request, Agent } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './helpers/ca-tools.js';
import { startCli, type Started } from './helpers/cli.js';
import { makeOpensslCa, opensslQuery, run, tempDir } from './helpers/openssl.js';
import { findNginx, NGINX_INSTALL, portOpen, startNginx } from './helpers/nginx.js';
import { getUrlOf } from '../src/presign/layout.js';
import { decodeOcspResponse } from '../src/ocsp/verify.js';

const MAX_AGE = 2;
const bin = await findNginx();

interface Got {
  status: number;
  cache: string | undefined;
  date: number;
  /** When the request was sent, and when its answer was in. */
  sent: number;
  at: number;
  body: Buffer;
  cacheControl?: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

function http(url: string, o: { method?: string; body?: Buffer } = {}): Promise<Got> {
  const sent = Date.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? 'GET', agent, headers: o.body ? { 'content-type': 'application/ocsp-request', 'content-length': o.body.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          cache: res.headers['x-cache-status'] as string | undefined,
          date: Date.parse(res.headers.date ?? ''),
          sent,
          at: Date.now(),
          body: Buffer.concat(chunks),
          cacheControl: res.headers['cache-control'],
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

const certStatus = (der: Buffer) => decodeOcspResponse(der).basic?.singles[0]?.status;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (!bin) {
  if (process.env.OCSPLAB_INTEROP_REQUIRE === '1') t.fail(`nginx not installed: ${NGINX_INSTALL}`);
  else t.plan(0, `nginx not installed: ${NGINX_INSTALL}`);
} else {
  const ca = await makeOpensslCa(tempDir(), { cn: 'nginx cache CA' });
  const leaves = { a: await ca.issue('a.example'), b: await ca.issue('b.example'), c: await ca.issue('c.example') };
  const reqFor = async (pem: string) => {
    const f = `${pem}.req`;
    await run('openssl', ['ocsp', '-issuer', ca.cacert, '-cert', pem, '-no_nonce', '-reqout', f]);
    return readFileSync(f);
  };
  const req = { a: await reqFor(leaves.a.pem), b: await reqFor(leaves.b.pem), c: await reqFor(leaves.c.pem) };
  const ports = [await freePort(), await freePort()];
  const replicas: Started[] = [];
  for (const p of ports) {
    replicas.push(await startCli(['-index', join(ca.dir, 'index.txt'), '-CA', ca.cacert, '-rkey', ca.cakey, '-nmin', '10', '--max-age', String(MAX_AGE), '--workers', '1', '-port', String(p)]));
  }
  const cachePort = await freePort();
  const nginx = await startNginx(bin, { cache: { port: cachePort, upstreams: ports } });
  const base = `http://127.0.0.1:${cachePort}`;
  t.teardown(async () => {
    agent.destroy();
    await nginx.stop();
    for (const r of replicas) r.child.kill('SIGKILL');
  });
  /** Requests each replica logged, by method (their JSON lines reach us a little after the answer). */
  const upstream = async (method: string) => {
    await sleep(150);
    return replicas.reduce((n, r) => n + r.out().split('\n').filter((l) => l.includes('"msg":"ocsp"') && l.includes(`"method":"${method}"`)).length, 0);
  };

  t.test('GET answers come from the cache after the first; openssl verifies them', async (t) => {
    const url = `${base}/${getUrlOf(req.a)}`;
    const before = await upstream('GET');
    const first = await http(url);
    t.equal(first.status, 200);
    t.equal(first.cache, 'MISS');
    t.match(first.cacheControl ?? '', new RegExp(`max-age=[0-${MAX_AGE}],`), `--max-age ${MAX_AGE} caps max-age (nextUpdate is 10 minutes away)`);
    const hits = [await http(url), await http(url), await http(url)];
    t.same(hits.map((h) => h.cache), ['HIT', 'HIT', 'HIT']);
    t.ok(hits.every((h) => h.body.equals(first.body)), 'the same bytes');
    t.equal((await upstream('GET')) - before, 1, 'one GET reached a replica');
    const file = join(ca.dir, 'from-cache.der');
    writeFileSync(file, hits[2].body);
    const v = await run('openssl', ['ocsp', '-respin', file, '-issuer', ca.cacert, '-cert', leaves.a.pem, '-CAfile', ca.cacert, '-no_nonce']);
    t.match(v.stdout + v.stderr, /Response verify OK/, 'openssl verifies the cached answer');
    t.match(v.stdout, /: good$/m);
  });

  t.test('POST passes through the cache', async (t) => {
    const before = await upstream('POST');
    const posts = [await http(`${base}/`, { method: 'POST', body: req.a }), await http(`${base}/`, { method: 'POST', body: req.a })];
    t.same(posts.map((p) => p.status), [200, 200]);
    t.ok(posts.every((p) => p.cache === undefined), 'no cache status on a POST');
    // openssl's client posts with a nonce and checks it comes back.
    const q = await opensslQuery({ issuer: ca.cacert, target: leaves.a.pem, url: base, cafile: ca.cacert });
    t.ok(q.verified, q.stdout + q.stderr);
    t.equal(q.status, 'good');
    t.equal((await upstream('POST')) - before, 3, 'every POST reached a replica');
  });

  t.test(`an answer from the cache is never older than its max-age (${MAX_AGE} s)`, async (t) => {
    const url = `${base}/${getUrlOf(req.c)}`;
    const got: Got[] = [];
    const end = Date.now() + 3 * (MAX_AGE + 1) * 1000;
    while (Date.now() < end) {
      got.push(await http(url));
      await sleep(100);
    }
    const hits = got.filter((g) => g.cache === 'HIT');
    // nginx counts whole seconds: an entry fetched at 10.9 s with max-age 2 is fresh until 13.0
    // (valid_sec 12, stale only once the clock reads 13), so up to max-age + 1 s. The replica's Date
    // has whole seconds too (10 s here), so sent - Date stays under max-age + 1 s; 0.5 s more for
    // nginx's clock, which is read once per event-loop turn.
    const ages = hits.map((h) => (h.sent - h.date) / 1000);
    const oldest = Math.max(...ages);
    t.ok(hits.length > got.length / 2, `${hits.length} of ${got.length} from the cache`);
    t.ok(oldest <= MAX_AGE + 1.5, `the oldest cached answer was ${oldest.toFixed(1)} s old by its Date (max-age ${MAX_AGE}; nginx keeps whole seconds)`);
    const fetched = got.filter((g) => g.cache !== 'HIT');
    t.ok(fetched.length >= 2, `the cache went back to a replica ${fetched.length} times (${fetched.map((f) => f.cache).join(', ')})`);
    t.ok(got.every((g) => g.status === 200 && certStatus(g.body) === 'good'));
  });

  t.test('a revocation shows through the cache within max-age', async (t) => {
    const url = `${base}/${getUrlOf(req.b)}`;
    await http(url);
    const primed = await http(url);
    t.equal(primed.cache, 'HIT');
    t.equal(certStatus(primed.body), 'good');
    t.equal((await ca.revoke(leaves.b.pem, ['-crl_reason', 'keyCompromise'])).code, 0);
    const revokedAt = Date.now();
    const direct = await http(`${base}/`, { method: 'POST', body: req.b });
    t.equal(certStatus(direct.body), 'revoked', 'a POST through nginx sees it at once (no cache)');
    let seen: Got | undefined;
    const trail: string[] = [];
    while (!seen && Date.now() - revokedAt < (MAX_AGE + 5) * 1000) {
      const g = await http(url);
      trail.push(`${g.cache}:${certStatus(g.body)}`);
      if (certStatus(g.body) === 'revoked') seen = g;
      else await sleep(100);
    }
    t.ok(seen, `revoked through the cache (${trail.join(' ')})`);
    const late = (seen!.at - revokedAt) / 1000;
    // The cached entry is at most max-age + 1 s old when it goes (whole seconds, see above); one more
    // second for the polling and a busy machine.
    t.ok(late <= MAX_AGE + 2, `seen ${late.toFixed(1)} s after the revocation (max-age ${MAX_AGE})`);
    const fromCache = await http(url);
    t.equal(fromCache.cache, 'HIT');
    const file = join(ca.dir, 'revoked-from-cache.der');
    writeFileSync(file, fromCache.body);
    const v = await run('openssl', ['ocsp', '-respin', file, '-issuer', ca.cacert, '-cert', leaves.b.pem, '-CAfile', ca.cacert, '-no_nonce']);
    t.match(v.stdout + v.stderr, /Response verify OK/);
    t.match(v.stdout, /: revoked$/m, 'openssl reads the revocation from the cached answer');
  });

  t.test('killing one replica loses no request nginx can retry', async (t) => {
    let ok = 0;
    const failures: string[] = [];
    const end = Date.now() + 4000;
    const killAt = Date.now() + 1500;
    let killed = false;
    const byUpstreamBefore = new Set([...nginx.accessLog().matchAll(/upstream=([\d.:]+)\//g)].map((m) => m[1]));
    const loop = async (i: number) => {
      while (Date.now() < end) {
        if (!killed && Date.now() >= killAt) {
          killed = true;
          replicas[0].child.kill('SIGKILL');
        }
        try {
          // POSTs all go to a replica; a GET of c every few requests comes from the cache or refills it.
          const g = i === 0 && ok % 5 === 0 ? await http(`${base}/${getUrlOf(req.c)}`) : await http(`${base}/`, { method: 'POST', body: req.a });
          if (g.status !== 200 || decodeOcspResponse(g.body).status !== 'successful') failures.push(`HTTP ${g.status}`);
          else ok++;
        } catch (e) {
          failures.push((e as Error).message);
        }
      }
    };
    await Promise.all([0, 1, 2, 3].map(loop));
    t.ok(killed);
    t.same(failures, [], `${ok} answered, none lost`);
    t.ok(ok > 20, `${ok} requests during the run`);
    t.ok(byUpstreamBefore.size === 2, 'both replicas served before the kill');
    t.match(nginx.errorLog(), /connect\(\) failed|prematurely closed|reset by peer|broken pipe/i, 'nginx met the dead replica and went to the other');
    const q = await opensslQuery({ issuer: ca.cacert, target: leaves.a.pem, url: base, cafile: ca.cacert });
    t.ok(q.verified, 'openssl is answered after the kill');
  });

  t.test('nginx stops with nothing left listening', async (t) => {
    await nginx.stop();
    t.equal(await portOpen(cachePort), false);
    t.equal(nginx.child.exitCode !== null || nginx.child.signalCode !== null, true);
  });
}
