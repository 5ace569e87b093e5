// Fault modes as a real client sees them (openssl's OCSP client), switched at run time through the
// library API, the admin HTTP API and `ocsplab ctl`.

import t from 'tap';
import { join } from 'node:path';
import { request } from 'node:http';
import { makeOpensslCa, opensslQuery, run, tempDir, type OpensslCa } from './helpers/openssl.js';
import { startResponder, type TestResponder } from './helpers/responder.js';

let ca: OpensslCa;
let leaf: { pem: string };
let revoked: { pem: string };
let r: TestResponder;

t.before(async () => {
  ca = await makeOpensslCa(tempDir());
  leaf = await ca.issue('leaf.example');
  revoked = await ca.issue('revoked.example');
  await ca.revoke(revoked.pem, ['-crl_reason', 'keyCompromise']);
  r = await startResponder({ cas: [{ name: 'lab-ca', index: join(ca.dir, 'index.txt'), ca: ca.cacert, rkey: ca.cakey, nmin: 10 }], adminPort: 0 });
});
t.teardown(() => r.close());

const query = (args: string[] = [], target = leaf.pem, timeoutSec?: number) => opensslQuery({ issuer: ca.cacert, target, url: r.url, cafile: ca.cacert, args, timeoutSec });

const cases: Array<[string, RegExp, { verified?: boolean; status?: string; args?: string[]; target?: () => string }]> = [
  ['http-error 503', /503|error querying|server response error|Error getting response/i, {}],
  ['garbage', /error|parse|decode/i, {}],
  ['empty', /error|parse|decode|read/i, {}],
  ['tryLater', /Responder Error: trylater \(3\)/, {}],
  ['internalError', /Responder Error: internalerror \(2\)/, {}],
  ['unauthorized', /Responder Error: unauthorized \(6\)/, {}],
  ['sigRequired', /Responder Error: sigrequired \(5\)/, {}],
  ['malformedRequest', /Responder Error: malformedrequest \(1\)/, {}],
  ['status revoked', /: revoked/, { verified: true, status: 'revoked' }],
  ['status unknown', /: unknown/, { verified: true, status: 'unknown' }],
  ['status good', /: good/, { verified: true, status: 'good', target: () => revoked.pem }],
  ['bad-signature', /Response Verify Failure/i, { verified: false }],
  ['wrong-signer', /Response Verify Failure/i, { verified: false }],
  ['stale', /Status times invalid|status expired/i, {}],
  ['future', /Status times invalid|status not yet valid/i, {}],
  ['no-nonce', /WARNING: no nonce in response/, {}],
  ['wrong-nonce', /Nonce Verify error/, {}],
  // The CA signs here, and the client already holds the CA certificate: no certs still verifies.
  ['no-certs', /Response verify OK/, { verified: true }],
  ['wrong-serial', /No Status found/i, {}],
];

t.test('each mode, as openssl ocsp reports it; clearing it restores normal answers', async (t) => {
  for (const [mode, expect, o] of cases) {
    await r.responder.setMode('lab-ca', mode);
    const q = await query(o.args ?? [], o.target?.() ?? leaf.pem);
    t.match(q.stdout + q.stderr, expect, `${mode}: ${expect}`);
    if (o.verified !== undefined) t.equal(q.verified, o.verified, `${mode}: verified=${o.verified}`);
    if (o.status) t.equal(q.status, o.status, `${mode}: status`);
    await r.responder.clearMode('lab-ca');
    const back = await query();
    t.ok(back.verified && back.status === 'good', `${mode} cleared: good again`);
  }
  t.ok(r.responder.counters.byMode['lab-ca:bad-signature'] >= 1, 'counted by mode');
});

t.test('down refuses connections (the port is really closed) and up reopens the same port', async (t) => {
  const port = r.responder.port;
  await r.responder.setMode('lab-ca', 'down');
  const q = await query([], leaf.pem, 1);
  t.match(q.stdout + q.stderr, /Connection refused|Error connecting|connect/i);
  t.notOk(q.verified);
  await r.responder.setMode('lab-ca', 'up');
  t.equal(r.responder.port, port, 'same port');
  t.equal((await query()).status, 'good');
});

t.test('blackhole: the client waits for its own timeout; slow answers late', async (t) => {
  await r.responder.setMode('lab-ca', 'blackhole');
  const t0 = Date.now();
  const q = await run('openssl', ['ocsp', '-issuer', ca.cacert, '-cert', leaf.pem, '-url', r.url, '-CAfile', ca.cacert, '-timeout', '2']);
  const waited = Date.now() - t0;
  t.match(q.stdout + q.stderr, /timeout|timed out|Error querying/i, 'openssl reports a timeout');
  t.ok(waited >= 1900, `client waited its 2 s timeout (${waited} ms)`);
  await r.responder.setMode('lab-ca', 'slow 1200');
  const t1 = Date.now();
  const s = await query();
  t.equal(s.status, 'good');
  t.ok(Date.now() - t1 >= 1200, 'answer came after the delay');
  await r.responder.clearMode('lab-ca');
});

t.test('switching modes under load loses no request that arrived while up, and leaks no socket', async (t) => {
  const { readFileSync } = await import('node:fs');
  await run('openssl', ['ocsp', '-issuer', ca.cacert, '-cert', leaf.pem, '-no_nonce', '-reqout', join(ca.dir, 'load.der')]);
  const body = readFileSync(join(ca.dir, 'load.der'));
  const port = r.responder.port;
  let ok = 0;
  let refused = 0;
  let reset = 0;
  let lost = 0;
  const stats = r.responder.listeners[0].stats;
  const before = { ...stats };
  const one = () =>
    new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent: false, headers: { 'content-type': 'application/ocsp-request', 'content-length': body.length } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode === 200 && Buffer.concat(chunks)[0] === 0x30) ok++;
          else lost++;
          resolve();
        });
        res.on('error', () => (lost++, resolve()));
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        // Refused: the port was closed, which is what down means. Reset: the connection sat in the
        // kernel's accept queue when the port closed and never reached the responder (as when a
        // process stops); the server-side count below proves those were not requests it dropped.
        if (e.code === 'ECONNREFUSED') refused++;
        else if (e.code === 'ECONNRESET') reset++;
        else lost++;
        resolve();
      });
      req.end(body);
    });
  const load = (async () => {
    const end = Date.now() + 2500;
    while (Date.now() < end) await Promise.all(Array.from({ length: 8 }, one));
  })();
  for (let i = 0; i < 6; i++) {
    await new Promise((res) => setTimeout(res, 150));
    await r.responder.setMode('lab-ca', 'down');
    await new Promise((res) => setTimeout(res, 100));
    await r.responder.setMode('lab-ca', 'up');
  }
  await load;
  t.ok(ok > 50, `answered ${ok}`);
  t.ok(refused > 0, `refused while down: ${refused}`);
  t.equal(lost, 0, 'no other client error');
  const received = stats.received - before.received;
  t.equal(stats.answered - before.answered, received, `every request the responder received was answered (${received})`);
  t.equal(ok, received, `and every one of those answers reached its client (${reset} reset in the accept queue)`);
  await new Promise((res) => setTimeout(res, 100));
  const l = r.responder.listeners[0] as unknown as { sockets: Set<unknown> };
  t.equal(l.sockets.size, 0, 'no socket left open');
});

t.test('admin API: list, set, clear, reload, counters; and `ocsplab ctl`', async (t) => {
  const admin = r.responder.admin!.url;
  const list = (await (await fetch(`${admin}/api/cas`)).json()) as { cas: Array<{ name: string; entries: number }> };
  t.equal(list.cas[0].name, 'lab-ca');
  t.equal(list.cas[0].entries, 2);
  const put = await fetch(`${admin}/api/modes/lab-ca`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'status revoked' }) });
  t.equal(put.status, 200);
  t.equal((await query()).status, 'revoked');
  const bad = await fetch(`${admin}/api/modes/lab-ca`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'explode' }) });
  t.equal(bad.status, 400);
  t.match(((await bad.json()) as { error: string }).error, /unknown mode "explode"/);
  t.equal((await fetch(`${admin}/api/modes/lab-ca`, { method: 'DELETE' })).status, 200);
  t.equal((await query()).status, 'good');
  t.equal((await fetch(`${admin}/api/reload/lab-ca`, { method: 'POST' })).status, 200);
  const counters = (await (await fetch(`${admin}/api/counters`)).json()) as { requests: number; byMode: Record<string, number> };
  t.ok(counters.requests > 0);
  t.ok(counters.byMode['lab-ca:status revoked'] >= 1);

  const cli = join(process.cwd(), 'dist/src/cli/main.js');
  const down = await run('node', [cli, 'ctl', '--admin', admin, 'mode', 'down']);
  t.equal(down.code, 0, down.stderr);
  const refused = await query([], leaf.pem, 1);
  t.match(refused.stdout + refused.stderr, /Connection refused|Error connecting|connect/i, 'ctl mode down (CA left out): refused');
  const st = await run('node', [cli, 'ctl', '--admin', admin, 'status']);
  t.match(st.stdout, /lab-ca: down/);
  t.equal((await run('node', [cli, 'ctl', '--admin', admin, 'mode', 'lab-ca', 'up'])).code, 0);
  t.equal((await query()).status, 'good');
  t.equal((await run('node', [cli, 'ctl', '--admin', admin, 'mode', 'lab-ca', 'status', 'unknown'])).code, 0);
  t.equal((await query()).status, 'unknown');
  t.equal((await run('node', [cli, 'ctl', '--admin', admin, 'clear'])).code, 0);
  const wrong = await run('node', [cli, 'ctl', '--admin', admin, 'mode', 'nosuch-ca', 'down']);
  t.equal(wrong.code, 1);
  t.match(wrong.stderr, /no CA named "nosuch-ca"/);
});

t.test('admin API: non-loopback bind needs a token; with a token, requests without it are refused', async (t) => {
  const base = { cas: [{ index: join(ca.dir, 'index.txt'), ca: ca.cacert, rkey: ca.cakey }] };
  await t.rejects(startResponder({ ...base, adminPort: 0, adminHost: '0.0.0.0' }), /needs a token/);
  const secret = 's3cret-admin-token';
  const s = await startResponder({ ...base, adminPort: 0, adminToken: secret });
  t.teardown(s.close);
  const url = s.responder.admin!.url;
  t.equal((await fetch(`${url}/api/cas`)).status, 401);
  t.equal((await fetch(`${url}/api/cas`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
  t.equal((await fetch(`${url}/api/cas`, { headers: { authorization: `Bearer ${secret}` } })).status, 200);
  const cli = join(process.cwd(), 'dist/src/cli/main.js');
  const noTok = await run('node', [cli, 'ctl', '--admin', url, 'status']);
  t.equal(noTok.code, 1);
  t.match(noTok.stderr, /admin token required/);
  t.equal((await run('node', [cli, 'ctl', '--admin', url, '--token', secret, 'status'])).code, 0);
  t.notMatch(JSON.stringify(s.logs), new RegExp(secret), 'token never logged');
});

t.test('no-certs with a delegated signer: a client without the signer certificate rejects the answer', async (t) => {
  const signer = await ca.issue('delegated-signer', 'ocsp_signer');
  const d = await startResponder({ cas: [{ name: 'd', index: join(ca.dir, 'index.txt'), ca: ca.cacert, rsigner: signer.pem, rkey: signer.key }] });
  t.teardown(d.close);
  const q = () => opensslQuery({ issuer: ca.cacert, target: leaf.pem, url: d.url, cafile: ca.cacert });
  t.ok((await q()).verified);
  await d.responder.setMode('d', 'no-certs');
  const n = await q();
  t.notOk(n.verified);
  t.match(n.stdout + n.stderr, /signer certificate not found|Response Verify Failure/i);
});
