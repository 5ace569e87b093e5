// The compose services' entrypoint scripts, rehearsed as host processes (no Docker engine here):
// lab-init.sh makes the lab and its admin token (twice: idempotent), responder.sh serves each CA
// from those files (on loopback through OCSP_HOST/ADMIN_HOST), healthcheck.mjs answers as compose
// will ask it, openssl's OCSP client verifies the lab's certificates, and the admin API with the
// lab's token takes a responder down while its health (on the admin port) stays green. Each
// responder serves its CA's CRL at the lab certificates' CRL Distribution Point; ldap.sh runs
// slapd on a loopback port, ldap-publish.mjs copies both CRLs into it, ldapsearch reads them back,
// and a revoke (then a restore) reaches LDAP within seconds. Without slapd that part is skipped.

import t, { type Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { LabManifest } from '../src/ca/lab.js';
import { Slapd } from '../src/ldap/slapd.js';
import { CLI, expectOk, freePort, openssl, opensslQuery, run, tempDir } from './helpers/ca-tools.js';
import { WAIT_MS, waitUntil } from './helpers/wait.js';

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
const ldapPassword = () => readFileSync(join(lab, 'ldap-password'), 'utf8');

t.test('lab-init.sh: the lab, its admin token (0600), every file responder.sh reads; again: same token', async (t) => {
  const first = await labInit();
  expectOk(t, first, 'lab-init.sh exits 0');
  t.match(first.stdout, `lab ready in ${lab}`);
  const tokenFile = join(lab, 'admin-token');
  t.ok(existsSync(tokenFile), 'admin-token written');
  t.equal(statSync(tokenFile).mode & 0o077, 0, `admin-token mode ${(statSync(tokenFile).mode & 0o777).toString(8)}: no group or world access`);
  t.match(token(), /^[0-9a-f]{48}$/, 'a 24-byte hex token, no newline');
  const passwordFile = join(lab, 'ldap-password');
  t.equal(statSync(passwordFile).mode & 0o077, 0, `ldap-password mode ${(statSync(passwordFile).mode & 0o777).toString(8)}: no group or world access`);
  t.match(ldapPassword(), /^[0-9a-f]{48}$/, 'a random LDAP root password, no newline');
  t.not(ldapPassword(), token(), 'not the admin token');
  for (const ca of ['qm-ca', 'client-ca']) {
    for (const f of ['index.txt', 'cacert.pem', 'ocsp/responder.pem', 'ocsp/responder.key.pem']) t.ok(existsSync(join(lab, ca, f)), `${ca}/${f}`);
  }
  const manifest = JSON.parse(readFileSync(join(lab, 'lab.json'), 'utf8')) as LabManifest;
  t.equal(manifest.cas.qm.responder.url, qmUrl, 'QM_OCSP_URL reached the lab');
  t.equal(manifest.cas.client.responder.url, clientUrl, 'CLIENT_OCSP_URL reached the lab');
  // The folder lab-init copies to the mq-etc volume, naming client-ca's responder for the QM.
  t.match(readFileSync(join(lab, 'mq/etc-mqm/20-ocsplab.mqsc'), 'utf8'), clientUrl);

  const before = { token: token(), ldapPassword: ldapPassword(), manifest: readFileSync(join(lab, 'lab.json'), 'utf8') };
  const second = await labInit();
  expectOk(t, second, 'a second run exits 0 too');
  t.match(second.stdout, /lab already present/);
  t.equal(token(), before.token, 'token kept');
  t.equal(ldapPassword(), before.ldapPassword, 'LDAP password kept');
  t.equal(readFileSync(join(lab, 'lab.json'), 'utf8'), before.manifest, 'lab kept');
});

interface Service {
  child: ChildProcess;
  out: () => string;
  exited: Promise<unknown>;
}

/** COMMAND in its own process group, stopped (TERM, then KILL) when `owner` ends; resolves once
 *  `ready` holds, rejects when it exits first or does not get there in 30 s (a busy machine). */
async function background(owner: Test, what: string, command: string[], vars: Record<string, string>, ready: (out: string) => Promise<boolean>): Promise<Service> {
  const child = spawn(command[0]!, command.slice(1), { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env, ...vars } });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise((r) => child.once('exit', r));
  owner.teardown(async () => {
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
  const deadline = Date.now() + WAIT_MS;
  while (child.exitCode === null && Date.now() < deadline) {
    if (await ready(out)) return { child, out: () => out, exited };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not get ready: ${out}`);
}

const ok = async (url: string) => (await fetch(url, { signal: AbortSignal.timeout(1000) }).catch(() => undefined))?.ok === true;

/** `sh docker/responder.sh` for one CA, once both of its ports serve. */
function responder(t: Test, ca: string, ocspPort: number, adminPort: number): Promise<Service> {
  const vars = { CA: ca, OCSP_PORT: String(ocspPort), ADMIN_PORT: String(adminPort), OCSP_HOST: '127.0.0.1', ADMIN_HOST: '127.0.0.1' };
  return background(t, `responder.sh for ${ca}`, ['sh', script('responder.sh')], vars, async (out) => /waiting for OCSP client connections/.test(out) && (await ok(`http://127.0.0.1:${adminPort}/healthz`)) && (await ok(`http://127.0.0.1:${ocspPort}/healthz`)));
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
    t.equal(argv[argv.indexOf('--crl-key') + 1], join(lab, ca, 'private/cakey.pem'), `${ca}: CRLs signed with the CA key (--crl-key)`);
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

/** `curl -sf URL` into a file; its bytes. */
async function curl(t: Test, url: string, file: string): Promise<Buffer> {
  const r = await run('curl', ['-sSf', '-o', file, url]);
  expectOk(t, r, `curl ${url}`);
  return readFileSync(file);
}

t.test("each responder serves its CA's CRL at the certificates' CRL Distribution Point, signed by the CA", async (t) => {
  const manifest = JSON.parse(readFileSync(join(lab, 'lab.json'), 'utf8')) as LabManifest;
  for (const cert of [manifest.certs.qm, manifest.certs.client]) {
    const ca = cert.ca === 'qm-ca' ? manifest.cas.qm : manifest.cas.client;
    const cdp = await openssl(['x509', '-in', cert.cert, '-noout', '-ext', 'crlDistributionPoints']);
    const url = `${ca.responder.url}/crl/${ca.name}.crl`;
    t.match(cdp.stdout, `URI:${url}`, `${cert.name}: its CDP is ${ca.name}'s responder`);
    const file = join(work, `${ca.name}.crl`);
    await curl(t, url, file);
    const v = await openssl(['crl', '-inform', 'DER', '-in', file, '-CAfile', ca.cacert, '-noout', '-issuer']);
    t.match(`${v.stdout}${v.stderr}`, /verify OK/, `${ca.name}: the CRL verifies against the CA certificate`);
    t.match(v.stdout, /O ?= ?ocsplab lab/, `${ca.name}: issued by the lab CA`);
    const pem = await run('curl', ['-sSf', `${url.slice(0, -4)}.pem`]);
    t.match(pem.stdout, /^-----BEGIN X509 CRL-----/, `${ca.name}: .pem too`);
  }
});

const noLdap = !Slapd.installed() ? 'slapd is not installed (apt-get install slapd)' : (await run('sh', ['-c', 'command -v ldapsearch'])).code !== 0 ? 'ldapsearch is not installed (apt-get install ldap-utils)' : undefined;
if (noLdap) console.log(`# skipping the LDAP rehearsal (ldap.sh, ldap-publish.mjs): ${noLdap}`);

type ComposeService = { environment?: Record<string, string>; healthcheck?: { test?: string[] } };
const composeFile = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
const QM_DN = 'CN=ocsplab QM CA,O=ocsplab lab';
const CLIENT_DN = 'CN=ocsplab client CA,O=ocsplab lab';

/** What an anonymous `ldapsearch -x` (as MQ reads) finds in the CA entry's CRL attribute, as DER. */
async function ldapCrl(url: string, dn: string): Promise<Buffer | undefined> {
  const r = await run('ldapsearch', ['-x', '-LLL', '-o', 'ldif-wrap=no', '-H', url, '-b', dn, '-s', 'base', 'certificateRevocationList;binary']);
  if (r.code !== 0) return undefined;
  const line = r.stdout.split('\n').find((l) => l.toLowerCase().startsWith('certificaterevocationlist;binary::'));
  return line ? Buffer.from(line.slice(line.indexOf('::') + 2).trim(), 'base64') : undefined;
}

/** The serials a DER CRL lists, as openssl prints them. */
async function crlSerials(der: Buffer): Promise<string[]> {
  const file = join(work, `crl-${process.hrtime.bigint()}.der`);
  writeFileSync(file, der);
  const r = await openssl(['crl', '-inform', 'DER', '-in', file, '-noout', '-text']);
  return [...r.stdout.matchAll(/Serial Number: ([0-9A-F]+)/gi)].map((m) => m[1]!.toUpperCase());
}

/** waitUntil, with how long it took (ms) when the condition came true. */
async function until(cond: () => Promise<boolean>, ms: number): Promise<number | undefined> {
  const t0 = Date.now();
  return (await waitUntil(cond, { ms, every: 250 })) ? Date.now() - t0 : undefined;
}

t.test('ldap.sh and ldap-publish.mjs: slapd gets both CRLs, ldapsearch reads the bytes curl gets, revoke and restore follow', { skip: noLdap ?? false }, async (t) => {
  const ldapPort = await freePort();
  const ldapUrl = `ldap://127.0.0.1:${ldapPort}`;
  const ldapDir = join(work, 'ldap');
  const passwordFile = join(lab, 'ldap-password');
  // compose's own health check, pointed at this port.
  const hc = composeFile.services['ldap']!.healthcheck!.test!.slice(1).map((a) => a.replace('ldap://127.0.0.1:389', ldapUrl));
  const healthy = async () => (await run(hc[0]!, hc.slice(1))).code === 0;
  const slapd = await background(t, 'ldap.sh', ['sh', script('ldap.sh')], { LDAP_HOST: '127.0.0.1', LDAP_PORT: String(ldapPort), LDAP_DIR: ldapDir, OCSPLAB_APP: root }, async (out) => /slapd starting/.test(out) && (await healthy()));
  t.match(slapd.out(), `slapd for o=ocsplab lab on ${ldapUrl}/`, 'LDAP_HOST and LDAP_PORT honoured');
  // sh execs slapd: the same pid, whose argv and environment `ps` and /proc would show.
  const argv = readFileSync(`/proc/${slapd.child.pid}/cmdline`, 'utf8').split('\0');
  t.equal(argv[argv.indexOf('-f') + 1], join(ldapDir, 'slapd.conf'), 'slapd runs the generated slapd.conf');
  const conf = join(ldapDir, 'slapd.conf');
  t.equal(statSync(conf).mode & 0o077, 0, 'slapd.conf: no group or world access');
  t.match(readFileSync(conf, 'utf8'), /rootpw "\{SSHA\}/, 'slapd.conf holds a salted hash');
  t.notMatch(readFileSync(conf, 'utf8'), ldapPassword(), 'not the password');
  t.equal((await run('ldapwhoami', ['-x', '-H', ldapUrl, '-D', 'cn=admin,o=ocsplab lab', '-y', passwordFile])).code, 0, "cn=admin binds with the lab's password file");
  t.equal((await run('ldapwhoami', ['-x', '-H', ldapUrl, '-D', 'cn=admin,o=ocsplab lab', '-w', 'not-the-password'])).code, 49, 'a wrong password: invalid credentials (49)');

  // compose's ldap-publish environment with the service names turned into these loopback ports.
  const composeEnv = composeFile.services['ldap-publish']!.environment!;
  const local = (v: string) => v.replaceAll('http://ocsp-qm-ca:2560', qmUrl).replaceAll('http://ocsp-client-ca:2561', clientUrl).replaceAll('ldap://ldap:389', ldapUrl).replaceAll('/lab/', `${lab}/`);
  const pubEnv: Record<string, string> = { ...Object.fromEntries(Object.entries(composeEnv).map(([k, v]) => [k, local(String(v))])), LDAP_PUBLISH_STATUS: join(work, 'ldap-publish.json'), OCSPLAB_APP: root };
  t.equal(pubEnv.LDAP_PASSWORD_FILE, passwordFile);
  // compose publishes every 5 s; here every second, so the test spends its time on checks, not
  // sleeps. The limits end a hung publisher; how late a revocation reaches LDAP is the interval's
  // business (reported in the messages), not an assertion a busy CI machine could miss.
  t.equal(pubEnv.PUBLISH_INTERVAL, '5', "compose's publish interval");
  pubEnv.PUBLISH_INTERVAL = '1';
  const interval = Number(pubEnv.PUBLISH_INTERVAL);
  const published = (out: string) => (out.match(/^ldap-publish: published /gm) ?? []).length;
  const pub = await background(t, 'ldap-publish.mjs', [process.execPath, script('ldap-publish.mjs')], pubEnv, async (out) => published(out) >= 2);
  const pubHealth = (vars: Record<string, string> = {}) => withEnv({ ...pubEnv, ...vars }, [process.execPath, script('ldap-publish.mjs'), '--health']);
  t.ok((await until(async () => (await pubHealth()).code === 0, 30_000)) !== undefined, 'ldap-publish.mjs --health: 0 once both CRLs are in LDAP');
  t.equal((await pubHealth({ LDAP_PUBLISH_STATUS: join(work, 'no-such-status.json') })).code, 1, '--health without a status: 1');

  for (const [ca, url, dn] of [['qm-ca', qmUrl, QM_DN], ['client-ca', clientUrl, CLIENT_DN]] as const) {
    const http = await curl(t, `${url}/crl/${ca}.crl`, join(work, `${ca}-http.crl`));
    const fromLdap = await ldapCrl(ldapUrl, dn);
    t.ok(fromLdap?.equals(http), `${dn}: ldapsearch finds the CRL curl gets from ${ca}'s responder`);
    t.match(pub.out(), `published ${url}/crl/${ca}.crl at ${dn}: CRL number `, `${ca}: one log line`);
  }

  const manifest = JSON.parse(readFileSync(join(lab, 'lab.json'), 'utf8')) as LabManifest;
  const serial = manifest.certs.client.serial.toUpperCase();
  t.notOk((await crlSerials((await ldapCrl(ldapUrl, CLIENT_DN))!)).includes(serial), `client certificate ${serial}: not on the CRL yet`);
  const limit = 30_000;
  expectOk(t, await run(process.execPath, [CLI, 'ca', 'revoke', join(lab, 'client-ca'), serial, '--reason', 'keyCompromise']), 'ocsplab ca revoke');
  const revokedIn = await until(async () => (await crlSerials((await ldapCrl(ldapUrl, CLIENT_DN)) ?? Buffer.alloc(0))).includes(serial), limit);
  t.ok(revokedIn !== undefined, `revoked: LDAP's CRL lists ${serial} after ${revokedIn} ms (publish interval ${interval} s, limit ${limit} ms)`);
  const http = await curl(t, `${clientUrl}/crl/client-ca.crl`, join(work, 'client-ca-revoked.crl'));
  t.ok((await ldapCrl(ldapUrl, CLIENT_DN))?.equals(http), 'the same bytes as the responder serves');
  t.match(pub.out(), `published ${clientUrl}/crl/client-ca.crl at ${CLIENT_DN}: CRL number`, 'logged');
  t.match(pub.out(), /1 revoked/);

  expectOk(t, await run(process.execPath, [CLI, 'ca', 'restore', join(lab, 'client-ca'), serial]), 'ocsplab ca restore');
  const restoredIn = await until(async () => !(await crlSerials((await ldapCrl(ldapUrl, CLIENT_DN)) ?? Buffer.alloc(0))).includes(serial), limit);
  t.ok(restoredIn !== undefined, `restored: off LDAP's CRL after ${restoredIn} ms`);

  // LDAP is compared, not the last CRL sent: an entry gone from the server (a recreated ldap
  // container) is published again.
  expectOk(t, await run('ldapdelete', ['-x', '-H', ldapUrl, '-D', 'cn=admin,o=ocsplab lab', '-y', passwordFile, QM_DN]), 'ldapdelete the QM CA entry');
  t.ok((await until(async () => (await ldapCrl(ldapUrl, QM_DN)) !== undefined, limit)) !== undefined, 'published again');

  // The LDAP fault modes through the responder's admin API, as `ocsplab ctl mode` and the live
  // drill set them: the responder names them in a header, the publisher acts on the entry.
  const mode = (m: string) => fetch(`http://127.0.0.1:${clientAdmin}/api/modes/client-ca`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${token()}` }, body: JSON.stringify({ mode: m }) });
  t.equal((await mode('ldap-no-entry')).status, 200, 'client-ca: ldap-no-entry');
  const goneIn = await until(async () => (await run('ldapsearch', ['-x', '-LLL', '-H', ldapUrl, '-b', CLIENT_DN, '-s', 'base', 'certificateRevocationList;binary'])).stdout.includes('dn:') && (await ldapCrl(ldapUrl, CLIENT_DN)) === undefined, limit);
  t.ok(goneIn !== undefined, `ldap-no-entry: the entry is there without a CRL after ${goneIn} ms`);
  t.match(pub.out(), `removed the CRL at ${CLIENT_DN}: ${clientUrl}/crl/client-ca.crl is in ldap-no-entry`);
  t.ok(await ldapCrl(ldapUrl, QM_DN), "qm-ca's entry keeps its CRL");
  t.equal((await mode('ldap-down')).status, 200, 'client-ca: ldap-down');
  t.ok((await until(async () => (await ldapCrl(ldapUrl, CLIENT_DN)) !== undefined, limit)) !== undefined, 'ldap-down (an LDAP mode, not no-entry): the CRL is published again');
  t.ok((await until(async () => /ldap-down is the embedded lab's; here stop the server itself: docker compose stop ldap/.test(pub.out()), limit)) !== undefined, 'ldap-down: the publisher says how to take this LDAP server down');
  t.equal((await mode('crl-up')).status, 200, 'crl-up');

  const secret = ldapPassword();
  for (const [what, s] of [['ldap.sh', slapd], ['ldap-publish.mjs', pub]] as const) {
    t.notMatch(s.out(), secret, `${what}: password not printed`);
    t.notOk(readFileSync(`/proc/${s.child.pid}/cmdline`, 'utf8').includes(secret), `${what}: not in argv`);
    t.notOk(readFileSync(`/proc/${s.child.pid}/environ`, 'utf8').includes(secret), `${what}: not in the environment`);
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
