// The console's security, on the admin port `ocsplab lab up` opens: the bind rule (off loopback
// only with a token), the token (bearer header or the login form's cookie; a wrong one 401),
// state-changing requests from a foreign Origin refused (CSRF), a rebound Host refused, and no
// secret — key PEM, pass phrase, token — in any page, API answer, report or SSE message.

import t from 'tap';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { labUp, type LabUp } from '../src/cli/lab.js';
import { eventStream, listening, startLabUp } from './helpers/console.js';
import { run, tempDir } from './helpers/openssl.js';
import { freePort } from './helpers/ca-tools.js';
import { CLI } from './helpers/cli.js';
import { waitUntil } from './helpers/wait.js';

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** node:http, so Host, Origin and Cookie can be set as a browser (or an attacker's page) would. */
function call(base: string, method: string, path: string, o: { headers?: Record<string, string>; body?: unknown } = {}): Promise<Res> {
  const u = new URL(base);
  const body = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
  const headers: Record<string, string | number> = { ...(body !== undefined ? { 'content-type': typeof o.body === 'string' ? 'application/x-www-form-urlencoded' : 'application/json', 'content-length': Buffer.byteLength(body) } : {}), ...o.headers };
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Every private key file of the lab, as the base64 lines of its PEM body. */
function keyLines(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.size < 100_000 && /\.pem$|\.key$/.test(e)) {
        const text = readFileSync(p, 'utf8');
        if (text.includes('PRIVATE KEY')) out.push(...text.split('\n').filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l)));
      }
    }
  };
  walk(dir);
  return out;
}

const dir = tempDir('ocsplab-console-sec-');
const labDir = join(dir, 'lab');
const scenarioDir = join(process.cwd(), 'scenarios');

t.test('off loopback without a token: refused before anything listens', async (t) => {
  await t.rejects(labUp({ lab: labDir, port: 0, host: '0.0.0.0', scenarioDir }), /needs a token/, 'labUp refuses');
  const port = await freePort();
  const r = await run(process.execPath, [CLI, 'lab', 'up', '--lab', labDir, '--port', String(port), '--host', '0.0.0.0'], { timeoutMs: 20_000 });
  t.equal(r.code, 2, 'ocsplab lab up --host 0.0.0.0: exit 2');
  t.match(r.stderr, /needs a token/);
  t.notOk(await listening(port), 'nothing listening on the console port');
});

t.test('without a token (loopback): foreign Origin and rebound Host refused; no secret anywhere', async (t) => {
  const up: LabUp = await labUp({ lab: labDir, port: 0, scenarioDir });
  t.teardown(() => up.close());
  const base = up.url;
  const own = `http://127.0.0.1:${up.admin.port}`;
  const lab = up.env.lab;
  const index = lab.cas.qm.index;
  const before = readFileSync(index, 'utf8');
  const revoke = { serial: lab.certs.qm.serial };

  // The event stream, read for the whole test: every message checked for secrets at the end.
  const events = await eventStream(`${base}api/events`);

  const evil = await call(base, 'POST', '/api/lab/cas/qm-ca/revoke', { headers: { origin: 'http://evil.example' }, body: revoke });
  t.equal(evil.status, 403, 'POST with a foreign Origin: 403');
  t.match(evil.body, /cross-origin/);
  t.equal(readFileSync(index, 'utf8'), before, 'index.txt untouched');
  t.equal((await call(base, 'PUT', '/api/modes/qm-ca', { headers: { origin: 'http://evil.example' }, body: { mode: 'down' } })).status, 403, 'PUT mode with a foreign Origin: 403');
  t.equal((await call(base, 'PUT', '/api/modes/qm-ca', { headers: { origin: 'null' }, body: { mode: 'down' } })).status, 403, "Origin 'null' (a sandboxed frame): 403");
  t.equal((await call(base, 'POST', '/api/lab/connect', { headers: { 'sec-fetch-site': 'cross-site' } })).status, 403, 'marked cross-site by the browser: 403');
  t.equal(up.env.responder.mode('qm-ca').kind, 'up', 'mode unchanged');
  const rebound = await call(base, 'GET', '/api/lab', { headers: { host: `evil.example:${up.admin.port}` } });
  t.equal(rebound.status, 403, 'a rebound DNS name (Host not loopback): 403');
  t.equal((await call(base, 'POST', '/api/lab/cas/qm-ca/revoke', { headers: { host: `evil.example:${up.admin.port}`, origin: `http://evil.example:${up.admin.port}` }, body: revoke })).status, 403, 'rebound name, same-origin by its own Origin: still 403');

  // The same requests from the console's own origin, and from a client that sends no Origin.
  const bodies: string[] = [];
  const keep = (r: Res) => (bodies.push(r.body), r);
  t.equal(keep(await call(base, 'POST', '/api/lab/cas/qm-ca/revoke', { headers: { origin: own, 'sec-fetch-site': 'same-origin' }, body: { ...revoke, reason: 'superseded' } })).status, 200, 'own Origin: 200');
  t.match(readFileSync(index, 'utf8'), /^R\t/m, 'revoked');
  t.equal(keep(await call(base, 'POST', '/api/lab/cas/qm-ca/restore', { body: revoke })).status, 200, 'no Origin (curl, ctl): 200');
  t.equal(keep(await call(base, 'PUT', '/api/modes/client-ca', { headers: { origin: own }, body: { mode: 'status revoked' } })).status, 200);
  t.equal(keep(await call(base, 'POST', '/api/lab/connect', { headers: { origin: own } })).status, 200, 'connect');
  t.equal(keep(await call(base, 'DELETE', '/api/modes/client-ca', { headers: { origin: own } })).status, 200);
  t.equal(keep(await call(base, 'PUT', '/api/lab/settings', { headers: { origin: own }, body: { client: { clientType: 'Java' } } })).status, 200, 'settings');
  t.equal(keep(await call(base, 'POST', '/api/lab/connect', { headers: { origin: own } })).status, 200, 'connect as Java');
  t.equal(keep(await call(base, 'POST', '/api/lab/drill', { headers: { origin: own }, body: { file: 'mq-ocsp-matrix.yaml', filter: 'seed003' } })).status, 202, 'drill started');
  // While it runs (it resets the lab before every scenario), the lab is the drill's: a mode or a
  // revocation from the page, ctl or curl would change what the drill measures.
  const running = JSON.parse((await call(base, 'GET', '/api/lab/drill')).body).state === 'running';
  t.ok(running, 'the drill (7 scenarios) is still running');
  if (running) {
    const busyMode = await call(base, 'PUT', '/api/modes/qm-ca', { headers: { origin: own }, body: { mode: 'down' } });
    t.equal(busyMode.status, 409, 'PUT mode during a drill: 409');
    t.match(busyMode.body, /a drill is running/);
    t.equal((await call(base, 'DELETE', '/api/modes/qm-ca', { headers: { origin: own } })).status, 409, 'DELETE mode during a drill: 409');
    t.equal((await call(base, 'POST', '/api/lab/cas/qm-ca/revoke', { headers: { origin: own }, body: revoke })).status, 409, 'revoke during a drill: 409');
  }
  await waitUntil(async () => !up.env || JSON.parse((await call(base, 'GET', '/api/lab/drill')).body).state !== 'running', { every: 100 });
  t.equal(JSON.parse((await call(base, 'GET', '/api/lab/drill')).body).passed, true, 'drill passed');
  t.equal((await call(base, 'POST', '/api/lab/drill', { headers: { origin: own }, body: { file: '../../etc/passwd' } })).status, 400, 'only listed scenario files');
  for (const path of ['/', '/login', '/assets/console.js', '/assets/console.css', '/assets/favicon.svg', '/api/lab', '/api/lab/cas', '/api/cas', '/api/mode-kinds', '/api/lab/settings', '/api/lab/drill', '/api/lab/drill/report.html', '/api/lab/drill/report.json', '/api/lab/drill/report.junit.xml', '/metrics', '/api/counters']) {
    const r = await call(base, 'GET', path);
    t.ok(r.status === 200 || (path === '/login' && r.status === 303), `GET ${path}: ${r.status}`);
    bodies.push(r.body);
  }
  const page = await call(base, 'GET', '/');
  t.match(String(page.headers['content-security-policy']), /script-src 'self'/, 'the page: a CSP without inline script');
  t.notMatch(page.body, /https?:\/\/(?!127\.0\.0\.1)[a-z]/i, 'the page loads nothing from elsewhere (no CDN)');
  await waitUntil(() => ['state', 'lab-cas', 'lab-connect', 'drill'].every((e) => events.text().includes(`event: ${e}\n`)), { ms: 15_000 });
  const stream = await events.stop();
  t.match(stream, /event: state\n/, 'SSE: state');
  t.match(stream, /event: lab-cas\n/, 'SSE: certificates');
  t.match(stream, /event: lab-connect\n/, 'SSE: connect results');
  t.match(stream, /event: drill\n/, 'SSE: drill progress');
  t.match(stream, /event: feed\n/, 'SSE: live feed');

  const all = [...bodies, stream].join('\n');
  const lines = keyLines(lab.dir);
  t.ok(lines.length > 20, `${lines.length} key lines to look for`);
  t.same(lines.filter((l) => all.includes(l)), [], 'no line of any private key');
  t.notMatch(all, /PRIVATE KEY/, 'no PEM key');
  t.notMatch(all, /p12Password|cakey|signerKey|passin/, 'no key path or pass phrase field');
  t.notOk(all.includes(lab.p12Password === 'ocsplab' ? 'pass:ocsplab' : lab.p12Password), 'no PKCS#12 pass phrase');
});

t.test('with a token: wrong token 401, login form, HttpOnly SameSite=Strict cookie, no token anywhere', async (t) => {
  const token = `tok-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  const up: LabUp = await labUp({ lab: labDir, port: 0, token, scenarioDir });
  t.teardown(() => up.close());
  const base = up.url;
  const own = `http://127.0.0.1:${up.admin.port}`;
  const bodies: string[] = [];
  t.equal((await call(base, 'GET', '/api/lab')).status, 401, 'no token: 401');
  t.equal((await call(base, 'GET', '/api/lab', { headers: { authorization: 'Bearer wrong-token' } })).status, 401, 'wrong token: 401');
  t.equal((await call(base, 'GET', '/metrics', { headers: { authorization: 'Bearer wrong-token' } })).status, 401, '/metrics, wrong token: 401');
  t.equal((await call(base, 'PUT', '/api/modes/qm-ca', { headers: { authorization: 'Bearer wrong-token', origin: own }, body: { mode: 'down' } })).status, 401, 'mode change, wrong token: 401');
  t.equal((await call(base, 'GET', '/api/events', { headers: { authorization: 'Bearer wrong' } })).status, 401, 'event stream, wrong token: 401');
  t.equal((await call(base, 'GET', '/healthz')).status, 200, '/healthz stays open');
  const page = await call(base, 'GET', '/', { headers: { accept: 'text/html' } });
  t.equal(page.status, 303, 'the page without a session: to the login form');
  t.equal(page.headers.location, '/login');
  const form = await call(base, 'GET', '/login');
  t.equal(form.status, 200);
  t.match(form.body, /<form method="post" action="\/login">/);
  bodies.push(form.body);
  const wrong = await call(base, 'POST', '/login', { headers: { origin: own }, body: 'token=wrong' });
  t.equal(wrong.status, 401, 'login with a wrong token: 401');
  t.notOk(wrong.headers['set-cookie'], 'no cookie');
  bodies.push(wrong.body);
  t.equal((await call(base, 'POST', '/login', { headers: { origin: 'http://evil.example' }, body: `token=${token}` })).status, 403, 'login from a foreign Origin: 403');
  const ok = await call(base, 'POST', '/login', { headers: { origin: own }, body: `token=${encodeURIComponent(token)}` });
  t.equal(ok.status, 303, 'login: 303 to the console');
  const setCookie = String(ok.headers['set-cookie']);
  t.match(setCookie, /^ocsplab_session=[\w-]{40,};/, 'a session cookie');
  t.match(setCookie, /; HttpOnly/, 'HttpOnly');
  t.match(setCookie, /; SameSite=Strict/, 'SameSite=Strict');
  t.notOk(setCookie.includes(token), 'the cookie is a session id, not the token');
  const cookie = setCookie.split(';')[0]!;
  const withCookie = (h: Record<string, string> = {}) => ({ cookie, ...h });
  for (const path of ['/', '/api/lab', '/api/cas', '/metrics', '/assets/console.js']) {
    const r = await call(base, 'GET', path, { headers: withCookie() });
    t.equal(r.status, 200, `GET ${path} with the cookie`);
    bodies.push(r.body);
  }
  t.equal((await call(base, 'GET', '/api/lab', { headers: { authorization: `Bearer ${token}` } })).status, 200, 'bearer token: 200');
  t.equal((await call(base, 'PUT', '/api/modes/qm-ca', { headers: withCookie({ origin: 'http://evil.example' }), body: { mode: 'down' } })).status, 403, 'cookie + foreign Origin: 403');
  const set = await call(base, 'PUT', '/api/modes/qm-ca', { headers: withCookie({ origin: own }), body: { mode: 'down' } });
  t.equal(set.status, 200, 'cookie + own Origin: 200');
  bodies.push(set.body);
  t.equal(up.env.responder.mode('qm-ca').kind, 'down');
  t.equal((await call(base, 'DELETE', '/api/modes/qm-ca', { headers: withCookie({ origin: own }) })).status, 200);
  const events = await eventStream(`${base}api/events`, { cookie });
  t.equal(events.res.status, 200, 'event stream with the cookie');
  bodies.push((await call(base, 'POST', '/api/lab/connect', { headers: withCookie({ origin: own }) })).body);
  await waitUntil(() => events.text().includes('event: lab-connect'), { ms: 15_000 });
  const stream = await events.stop();
  t.match(stream, /event: lab-connect/);
  t.notOk([...bodies, stream].some((b) => b.includes(token)), 'the token is in no page, answer or SSE message');
  // A stream of the session and one of the bearer token, open across the logout.
  const ofSession = await eventStream(`${base}api/events`, { cookie });
  const ofBearer = await eventStream(`${base}api/events`, { authorization: `Bearer ${token}` });
  t.equal((await call(base, 'POST', '/logout', { headers: withCookie({ origin: own }) })).status, 303, 'logout');
  t.equal((await call(base, 'GET', '/api/lab', { headers: withCookie() })).status, 401, 'the session is gone');
  const endedIn = await Promise.race([ofSession.ended.then(() => 'ended'), new Promise((r) => setTimeout(() => r('still open'), 3000))]);
  t.equal(endedIn, 'ended', "the session's event stream ends at logout (it no longer streams the lab)");
  t.equal((await call(base, 'GET', '/api/events', { headers: withCookie() })).status, 401, 'and cannot be reopened');
  const bearerState = await Promise.race([ofBearer.ended.then(() => 'ended'), new Promise((r) => setTimeout(() => r('open'), 300))]);
  t.equal(bearerState, 'open', 'a stream of the bearer token stays');
  await ofBearer.stop();
});

t.test('lab up --token-file: a missing file is created (mode 600), and the token is not printed', async (t) => {
  const file = join(dir, 'admin-token');
  const up = await startLabUp(['--lab', labDir, '--port', '0', '--token-file', file, '--scenarios', scenarioDir]);
  t.teardown(() => {
    if (up.child.exitCode === null) up.child.kill('SIGKILL');
  });
  const token = readFileSync(file, 'utf8').trim();
  t.ok(token.length >= 24, 'a random token');
  t.equal(statSync(file).mode & 0o777, 0o600, 'mode 600');
  t.match(up.out(), new RegExp(`admin token\\s+${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(new, mode 600\\)`), 'the file is printed');
  t.notOk(up.out().includes(token), 'the token is not');
  t.equal((await call(up.console, 'GET', '/api/lab')).status, 401, 'the token is required');
  t.equal((await call(up.console, 'GET', '/api/lab', { headers: { authorization: `Bearer ${token}` } })).status, 200);
  up.child.kill('SIGINT');
  t.equal(await up.exited, 0);
  writeFileSync(file, token); // left for the temp dir's removal
});
