// The admin bind rule in every mode: off loopback, the admin API needs a token whether one process
// serves or several workers do, whether the address comes from --admin-host or the config file's
// adminHost, and whichever of the token sources gives the token. Before this rule lived in one
// function, `--admin-host 0.0.0.0` with two workers listened with no token at all.

import t from 'tap';
import { spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { adminBindAddress, isLoopback } from '../src/responder/bind.js';
import { Responder } from '../src/responder/responder.js';
import { ClusterPrimary } from '../src/responder/cluster.js';
import { freePort } from './helpers/ca-tools.js';
import { CLI, startCli } from './helpers/cli.js';
import { makeOpensslCa, tempDir } from './helpers/openssl.js';

const TOKEN = 'bind-test-token-7f3a';
const noTokenEnv = () => {
  const env = { ...process.env };
  delete env.OCSPLAB_ADMIN_TOKEN;
  delete env.OCSPLAB_ADMIN_TOKEN_FILE;
  return env;
};

t.test('the rule', async (t) => {
  for (const h of ['127.0.0.1', '127.0.0.2', '::1', 'localhost', '::ffff:127.0.0.1']) t.ok(isLoopback(h), `${h} is loopback`);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.org']) {
    t.notOk(isLoopback(h), `${h} is not loopback`);
    t.throws(() => adminBindAddress(h, undefined), /needs a token/);
    t.throws(() => adminBindAddress(h, ''), /needs a token/, 'an empty token is no token');
    t.equal(adminBindAddress(h, TOKEN), h);
  }
  t.equal(adminBindAddress(undefined, undefined), '127.0.0.1', 'loopback by default');
});

const ca = await makeOpensslCa(tempDir());
const dir = tempDir();
const tokenFile = join(dir, 'token');
writeFileSync(tokenFile, `${TOKEN}\n`);
chmodSync(tokenFile, 0o600);

function closed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });
}

function runToExit(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'ocsp', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => (clearTimeout(timer), resolve({ code, out })));
  });
}

function config(extra: string): string {
  const p = join(dir, `cfg-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(p, `cas:\n  - { index: ${join(ca.dir, 'index.txt')}, ca: ${ca.cacert}, rkey: ${ca.cakey} }\n${extra}`);
  return p;
}

for (const workers of [1, 2]) {
  t.test(`${workers} worker(s): off loopback without a token is refused before anything listens`, async (t) => {
    const cases: Array<[string, (p: number, a: number) => string[]]> = [
      ['--admin-host 0.0.0.0', (p, a) => ['-index', join(ca.dir, 'index.txt'), '-CA', ca.cacert, '-rkey', ca.cakey, '-port', String(p), '--admin-port', String(a), '--admin-host', '0.0.0.0']],
      ['config adminHost: 0.0.0.0', (p, a) => ['--config', config(`port: ${p}\nadminPort: ${a}\nadminHost: 0.0.0.0\n`)]],
    ];
    for (const [what, args] of cases) {
      const [port, admin] = [await freePort(), await freePort()];
      const r = await runToExit([...args(port, admin), '--workers', String(workers)], noTokenEnv());
      t.equal(r.code, 1, `${what}: exits 1`);
      t.match(r.out, /admin API on 0\.0\.0\.0 needs a token/, `${what}: says why`);
      t.notMatch(r.out, /waiting for OCSP client connections/, `${what}: never served`);
      t.ok(await closed(admin), `${what}: admin port not listening`);
      t.ok(await closed(port), `${what}: OCSP port not listening`);
    }
  });

  t.test(`${workers} worker(s): off loopback with a token from each source, every /api call needs it`, async (t) => {
    const base = (p: number) => ['-index', join(ca.dir, 'index.txt'), '-CA', ca.cacert, '-rkey', ca.cakey, '-port', String(p)];
    const sources: Array<[string, (p: number, a: number) => string[], NodeJS.ProcessEnv]> = [
      ['--admin-token', (p, a) => [...base(p), '--admin-port', String(a), '--admin-host', '0.0.0.0', '--admin-token', TOKEN], noTokenEnv()],
      ['--admin-token-file', (p, a) => [...base(p), '--admin-port', String(a), '--admin-host', '0.0.0.0', '--admin-token-file', tokenFile], noTokenEnv()],
      ['OCSPLAB_ADMIN_TOKEN', (p, a) => [...base(p), '--admin-port', String(a), '--admin-host', '0.0.0.0'], { ...noTokenEnv(), OCSPLAB_ADMIN_TOKEN: TOKEN }],
      ['OCSPLAB_ADMIN_TOKEN_FILE', (p, a) => [...base(p), '--admin-port', String(a), '--admin-host', '0.0.0.0'], { ...noTokenEnv(), OCSPLAB_ADMIN_TOKEN_FILE: tokenFile }],
      ['config adminToken', (p, a) => ['--config', config(`port: ${p}\nadminPort: ${a}\nadminHost: 0.0.0.0\nadminToken: ${TOKEN}\n`)], noTokenEnv()],
      ['config adminTokenFile', (p, a) => ['--config', config(`port: ${p}\nadminPort: ${a}\nadminHost: 0.0.0.0\nadminTokenFile: ${tokenFile}\n`)], noTokenEnv()],
    ];
    for (const [what, args, env] of sources) {
      const [port, admin] = [await freePort(), await freePort()];
      const s = await startCli([...args(port, admin), '--workers', String(workers)], { env });
      try {
        const url = `http://127.0.0.1:${admin}/api/modes`;
        t.equal((await fetch(url)).status, 401, `${what}: no token, 401`);
        t.equal((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status, 401, `${what}: wrong token, 401`);
        const put = await fetch(`${url}/all`, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'status good' });
        t.equal(put.status, 401, `${what}: a mode change without the token is refused`);
        t.equal((await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200, `${what}: the token works`);
        t.notMatch(s.out(), TOKEN, `${what}: token never printed`);
      } finally {
        s.child.kill('SIGTERM');
        await s.exited;
      }
    }
  });
}

t.test('library: Responder.create and ClusterPrimary.start apply the same rule', async (t) => {
  const o = { cas: [{ index: join(ca.dir, 'index.txt'), ca: ca.cacert, rkey: ca.cakey }], port: 0, adminPort: 0, adminHost: '0.0.0.0' };
  await t.rejects(Responder.create(o), /needs a token/, 'single process');
  await t.rejects(ClusterPrimary.start(o, 2, CLI), /needs a token/, 'worker primary, before any worker is forked');
});
