// The compose services' entrypoint scripts, rehearsed as host processes (no Docker engine here):
// lab-init.sh makes the lab and its admin token (twice: idempotent), responder.sh serves each CA
// from those files (on loopback through OCSP_HOST/ADMIN_HOST), healthcheck.mjs answers as compose
// will ask it, openssl's OCSP client verifies the lab's certificates, and the admin API with the
// lab's token takes a responder down while its health (on the admin port) stays green.

import t, { type Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabManifest } from '../src/ca/lab.js';
import { CLI, expectOk, freePort, openssl, opensslQuery, run, tempDir } from './helpers/ca-tools.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const script = (f: string) => join(root, 'docker', f);

// docker/ocsplab runs /app/dist/src/cli/main.js; on the host the same shim points at this checkout.
const work = tempDir(t);
const bin = join(work, 'bin');
mkdirSync(bin);
writeFileSync(join(bin, 'ocsplab'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
chmodSync(join(bin, 'ocsplab'), 0o755);
const lab = join(work, 'lab');
const [qmPort, clientPort, qmAdmin, clientAdmin] = [await freePort(), await freePort(), await freePort(), await freePort()];
const qmUrl = `http://127.0.0.1:${qmPort}`;
const clientUrl = `http://127.0.0.1:${clientPort}`;
// What compose gives every service, the lab volume's path in place of /lab.
const env = { PATH: `${bin}:${process.env.PATH}`, LAB: lab };

/** COMMAND with the container's variables; a token in the caller's environment must not leak in. */
const withEnv = (vars: Record<string, string>, command: string[]) => run('env', ['-u', 'OCSPLAB_ADMIN_TOKEN', '-u', 'OCSPLAB_ADMIN_TOKEN_FILE', ...Object.entries(vars).map(([k, v]) => `${k}=${v}`), ...command], { cwd: root });
const labInit = () => withEnv({ ...env, QM_OCSP_URL: qmUrl, CLIENT_OCSP_URL: clientUrl }, ['sh', script('lab-init.sh')]);
const health = (url: string) => withEnv({ OCSPLAB_HEALTH_URL: url }, [process.execPath, script('healthcheck.mjs')]);
const token = () => readFileSync(join(lab, 'admin-token'), 'utf8');

t.test('lab-init.sh: the lab, its admin token (0600), every file responder.sh reads; again: same token', async (t) => {
  const first = await labInit();
  expectOk(t, first, 'lab-init.sh exits 0');
  t.match(first.stdout, `lab ready in ${lab}`);
  const tokenFile = join(lab, 'admin-token');
  t.ok(existsSync(tokenFile), 'admin-token written');
  t.equal(statSync(tokenFile).mode & 0o077, 0, `admin-token mode ${(statSync(tokenFile).mode & 0o777).toString(8)}: no group or world access`);
  t.match(token(), /^[0-9a-f]{48}$/, 'a 24-byte hex token, no newline');
  for (const ca of ['qm-ca', 'client-ca']) {
    for (const f of ['index.txt', 'cacert.pem', 'ocsp/responder.pem', 'ocsp/responder.key.pem']) t.ok(existsSync(join(lab, ca, f)), `${ca}/${f}`);
  }
  const manifest = JSON.parse(readFileSync(join(lab, 'lab.json'), 'utf8')) as LabManifest;
  t.equal(manifest.cas.qm.responder.url, qmUrl, 'QM_OCSP_URL reached the lab');
  t.equal(manifest.cas.client.responder.url, clientUrl, 'CLIENT_OCSP_URL reached the lab');
  // The folder lab-init copies to the mq-etc volume, naming client-ca's responder for the QM.
  t.match(readFileSync(join(lab, 'mq/etc-mqm/20-ocsplab.mqsc'), 'utf8'), clientUrl);

  const before = { token: token(), manifest: readFileSync(join(lab, 'lab.json'), 'utf8') };
  const second = await labInit();
  expectOk(t, second, 'a second run exits 0 too');
  t.match(second.stdout, /lab already present/);
  t.equal(token(), before.token, 'token kept');
  t.equal(readFileSync(join(lab, 'lab.json'), 'utf8'), before.manifest, 'lab kept');
});

interface Service {
  child: ChildProcess;
  out: () => string;
  exited: Promise<unknown>;
}

/** `sh docker/responder.sh` for one CA, in its own process group, once both of its ports serve. */
async function responder(t: Test, ca: string, ocspPort: number, adminPort: number): Promise<Service> {
  const child = spawn('sh', [script('responder.sh')], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env, CA: ca, OCSP_PORT: String(ocspPort), ADMIN_PORT: String(adminPort), OCSP_HOST: '127.0.0.1', ADMIN_HOST: '127.0.0.1' },
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise((r) => child.once('exit', r));
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const group = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    };
    group('SIGTERM');
    const timer = setTimeout(() => group('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  });
  const ok = async (url: string) => (await fetch(url, { signal: AbortSignal.timeout(1000) }).catch(() => undefined))?.ok === true;
  for (let i = 0; i < 200 && child.exitCode === null; i++) {
    const ready = /waiting for OCSP client connections/.test(out) && (await ok(`http://127.0.0.1:${adminPort}/healthz`)) && (await ok(`http://127.0.0.1:${ocspPort}/healthz`));
    if (ready) return { child, out: () => out, exited };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`responder.sh for ${ca} did not serve: ${out}`);
}

const suite = t;
let qm: Service;
let client: Service;

t.test('responder.sh serves each CA on loopback, with the admin API behind the token', async (t) => {
  // Stopped when the file ends: the next tests use them.
  [qm, client] = await Promise.all([responder(suite, 'qm-ca', qmPort, qmAdmin), responder(suite, 'client-ca', clientPort, clientAdmin)]);
  for (const [s, ca, port, admin] of [[qm, 'qm-ca', qmPort, qmAdmin], [client, 'client-ca', clientPort, clientAdmin]] as const) {
    t.match(s.out(), `serving ${ca} (${join(lab, ca, 'index.txt')}`, `${ca}: the lab's index`);
    t.match(s.out(), `listening on http://127.0.0.1:${port}`, `${ca}: OCSP_HOST honoured`);
    t.match(s.out(), `admin API on http://127.0.0.1:${admin}`, `${ca}: ADMIN_HOST and ADMIN_PORT honoured`);
    t.notMatch(s.out(), token(), `${ca}: token not printed`);
    // sh execs the ocsplab shim, which execs node: the same pid, whose argv `ps` would show.
    const argv = readFileSync(`/proc/${s.child.pid}/cmdline`, 'utf8').split('\0');
    t.ok(argv.includes('--admin-token-file'), `${ca}: the token is passed as a file`);
    t.notOk(argv.some((a) => a.includes(token())), `${ca}: the token is not in the process's arguments`);
  }
});

t.test('healthcheck.mjs: 0 against each admin and OCSP port, 1 against a closed port', async (t) => {
  for (const port of [qmAdmin, clientAdmin, qmPort, clientPort]) t.equal((await health(`http://127.0.0.1:${port}/healthz`)).code, 0, `port ${port}`);
  t.equal((await health(`http://127.0.0.1:${await freePort()}/healthz`)).code, 1, 'closed port');
});

t.test("openssl ocsp verifies each lab certificate's status through its CA's responder", async (t) => {
  const manifest = JSON.parse(readFileSync(join(lab, 'lab.json'), 'utf8')) as LabManifest;
  for (const cert of [manifest.certs.qm, manifest.certs.client]) {
    const ca = cert.ca === 'qm-ca' ? manifest.cas.qm : manifest.cas.client;
    const aia = await openssl(['x509', '-in', cert.cert, '-noout', '-ocsp_uri']);
    t.equal(aia.stdout.trim(), ca.responder.url, `${cert.name}: its AIA names the responder that serves ${cert.ca}`);
    const q = await opensslQuery({ issuer: ca.cacert, target: cert.cert, url: ca.responder.url, cafile: ca.cacert });
    t.equal(q.status, 'good', `${cert.name}: good`);
    t.ok(q.verified, `${cert.name}: Response verify OK`);
  }
});

t.test("admin API with the lab's token: qm-ca down closes its OCSP port, its health stays green", async (t) => {
  const admin = `http://127.0.0.1:${qmAdmin}`;
  const put = (headers: Record<string, string>) => fetch(`${admin}/api/modes/qm-ca`, { method: 'PUT', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ mode: 'down' }) });
  t.equal((await put({})).status, 401, 'no token: 401');
  t.equal((await put({ authorization: 'Bearer not-the-token' })).status, 401, 'wrong token: 401');
  t.equal((await fetch(`${admin}/api/cas`)).status, 401, 'reads need the token too');

  const down = await run(process.execPath, [CLI, 'ctl', '--admin', admin, '--token', token(), 'mode', 'down']);
  expectOk(t, down, 'ocsplab ctl mode down');
  const status = await run(process.execPath, [CLI, 'ctl', '--admin', admin, '--token-file', join(lab, 'admin-token'), 'status']);
  t.match(status.stdout, /qm-ca: down/);

  const manifest = JSON.parse(readFileSync(join(lab, 'lab.json'), 'utf8')) as LabManifest;
  const refused = await new Promise<string>((r) => connect(qmPort, '127.0.0.1').once('connect', function (this: Socket) { this.destroy(); r('connected'); }).once('error', (e: NodeJS.ErrnoException) => r(e.code ?? e.message)));
  t.equal(refused, 'ECONNREFUSED', 'qm-ca OCSP port refuses connections');
  t.equal((await health(`${qmUrl}/healthz`)).code, 1, 'health on the OCSP port would fail');
  t.equal((await health(`${admin}/healthz`)).code, 0, 'health on the admin port (as compose asks) stays 0');
  const other = await opensslQuery({ issuer: manifest.cas.client.cacert, target: manifest.certs.client.cert, url: clientUrl, cafile: manifest.cas.client.cacert });
  t.equal(other.status, 'good', 'client-ca still answers');
  t.equal(qm.child.exitCode, null, 'qm-ca responder still running');
  t.equal(client.child.exitCode, null);
});

t.test('responder.sh refuses to start with an empty admin-token (no admin API without authentication)', async (t) => {
  const emptyLab = join(work, 'empty-token-lab');
  mkdirSync(emptyLab);
  writeFileSync(join(emptyLab, 'admin-token'), '');
  const r = await withEnv({ ...env, LAB: emptyLab, CA: 'qm-ca', OCSP_HOST: '127.0.0.1', ADMIN_HOST: '127.0.0.1', OCSP_PORT: String(await freePort()), ADMIN_PORT: String(await freePort()) }, ['sh', script('responder.sh')]);
  t.equal(r.code, 2, 'exit 2');
  t.match(r.stderr, /admin-token is empty/);
  t.notMatch(r.stderr, /listening|admin API on/, 'nothing was served');
});

t.test('lab-init.sh: LAB_FORCE=1 regenerates for new URLs; the mq-etc copy drops stale files; a given token is made 0600', async (t) => {
  const lab2 = join(work, 'lab2');
  const mqEtc = join(work, 'mq-etc');
  mkdirSync(mqEtc);
  writeFileSync(join(mqEtc, 'stale.mqsc'), 'DEFINE QLOCAL(OLD)\n');
  const init = (vars: Record<string, string>) => withEnv({ ...env, LAB: lab2, MQ_ETC: mqEtc, QM_OCSP_URL: qmUrl, CLIENT_OCSP_URL: clientUrl, ...vars }, ['sh', script('lab-init.sh')]);
  expectOk(t, await init({}), 'first run');
  t.notOk(existsSync(join(mqEtc, 'stale.mqsc')), 'a file the lab does not have is gone from the mq-etc copy');
  t.match(readFileSync(join(mqEtc, '20-ocsplab.mqsc'), 'utf8'), clientUrl, "the lab's mqsc is there");
  t.ok(existsSync(join(mqEtc, 'pki')), 'and its key repository');

  const moved = 'http://127.0.0.1:1';
  const refused = await init({ CLIENT_OCSP_URL: moved });
  t.not(refused.code, 0, 'new URLs without LAB_FORCE: refused');
  t.match(refused.stderr, /--force/, 'saying how to regenerate');
  const certBefore = readFileSync(join(lab2, 'client-ca', 'cacert.pem'), 'utf8');
  expectOk(t, await init({ CLIENT_OCSP_URL: moved, LAB_FORCE: '1' }), 'LAB_FORCE=1');
  const manifest = JSON.parse(readFileSync(join(lab2, 'lab.json'), 'utf8')) as LabManifest;
  t.equal(manifest.cas.client.responder.url, moved, 'the lab names the new URL');
  t.not(readFileSync(join(lab2, 'client-ca', 'cacert.pem'), 'utf8'), certBefore, 'with a new CA');
  t.match(readFileSync(join(mqEtc, '20-ocsplab.mqsc'), 'utf8'), moved, 'and the mq-etc copy follows');

  const tokenFile = join(lab2, 'admin-token');
  chmodSync(tokenFile, 0o644);
  expectOk(t, await init({ CLIENT_OCSP_URL: moved, OCSPLAB_ADMIN_TOKEN: 'given-token' }), 'OCSPLAB_ADMIN_TOKEN over an existing 0644 file');
  t.equal(readFileSync(tokenFile, 'utf8'), 'given-token');
  t.equal(statSync(tokenFile).mode & 0o777, 0o600, 'mode 600');
});
