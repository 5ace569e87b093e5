// Secrets (issue 9): a run with an encrypted key, a pass phrase (-passin pass:...) and an admin
// token, through a wrong pass phrase, malformed requests, admin calls with wrong tokens and mode
// changes, must not show the pass phrase, the token or the key's PEM body in any log line, any
// error message or any admin answer. `ocsplab ocsp` runs as a child so its stderr is included.

import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readCertificates } from '../src/ocsp/cert.js';
import { buildOcspRequest, decodeOcspResponse } from '../src/ocsp/verify.js';
import { Responder } from '../src/responder/responder.js';
import { CLI } from './helpers/ca-tools.js';
import { makeOpensslCa, tempDir } from './helpers/openssl.js';

const PASS = `pp-${randomBytes(12).toString('hex')}`;
const WRONG_PASS = `wp-${randomBytes(12).toString('hex')}`;
const TOKEN = `tk-${randomBytes(16).toString('hex')}`;
const WRONG_TOKEN = `tk-${randomBytes(16).toString('hex')}`;

const dir = tempDir('ocsplab-secrets-');
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const ca = await makeOpensslCa(dir, { cn: 'Secrets CA', key: 'ec-p256', pass: PASS });
const leaf = await ca.issue('leaf.example', 'leaf', 'ec-p256');
const issuer = readCertificates(readFileSync(ca.cacert))[0];
const cert = readCertificates(readFileSync(leaf.pem))[0];

/** Strings that must never appear: secrets, and every line of both PEM bodies (encrypted and plain). */
function forbidden(): Array<[string, string]> {
  const out: Array<[string, string]> = [
    ['pass phrase', PASS],
    ['wrong pass phrase', WRONG_PASS],
    ['admin token', TOKEN],
    ['wrong admin token', WRONG_TOKEN],
  ];
  for (const [what, file] of [['encrypted key', ca.cakey], ['plain key', join(dir, 'private/plain.pem')]] as const) {
    const body = readFileSync(file, 'latin1').split('\n').filter((l) => l && !l.startsWith('-----') && !l.includes(':'));
    body.forEach((l, i) => out.push([`${what} PEM line ${i + 1}`, l]));
    out.push([`${what} PEM body`, body.join('')]);
  }
  return out;
}

function assertClean(t: Test, text: string, where: string): void {
  const found = forbidden().filter(([, s]) => text.includes(s)).map(([w]) => w);
  t.same(found, [], `${where}: no secret in ${text.length} characters`);
}

interface Child {
  out: () => string;
  exited: Promise<number | null>;
  kill: () => void;
  line: (re: RegExp) => Promise<RegExpExecArray>;
}

function ocsplab(args: string[], env: NodeJS.ProcessEnv = {}): Child {
  const p = spawn(process.execPath, [CLI, 'ocsp', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  const waiters: Array<() => void> = [];
  const onData = (b: Buffer) => {
    out += b;
    waiters.splice(0).forEach((w) => w());
  };
  p.stdout.on('data', onData);
  p.stderr.on('data', onData);
  const exited = new Promise<number | null>((r) => p.on('close', (c) => r(c)));
  return {
    out: () => out,
    exited,
    kill: () => p.kill('SIGTERM'),
    line: (re) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(out);
          if (m) return resolve(m);
          waiters.push(check);
        };
        void exited.then(() => reject(new Error(`ocsplab exited before ${re}: ${out}`)));
        check();
      }),
  };
}

const caArgs = ['-index', join(dir, 'index.txt'), '-CA', ca.cacert, '-rkey', ca.cakey];

t.test('wrong pass phrases and a mistyped -passin: the CLI fails without echoing them', async (t) => {
  const attempts: Array<[string, string[], NodeJS.ProcessEnv?]> = [
    ['pass:WRONG', ['-passin', `pass:${WRONG_PASS}`]],
    ['env:VAR wrong', ['-passin', 'env:OCSPLAB_TEST_PASS'], { OCSPLAB_TEST_PASS: WRONG_PASS }],
    ['usage error next to -passin', ['-passin', `pass:${PASS}`, '--no-such-flag']],
  ];
  for (const [what, args, env] of attempts) {
    const c = ocsplab([...caArgs, ...args, '-port', '0', '--workers', '1'], env);
    const code = await c.exited;
    t.not(code, 0, `${what}: refused (exit ${code})`);
    assertClean(t, c.out(), what);
  }
  // `-passin SECRET` without a source prefix is refused without quoting what was given.
  const c = ocsplab([...caArgs, '-passin', PASS, '-port', '0', '--workers', '1']);
  t.not(await c.exited, 0, 'prefix-less -passin refused');
  t.notOk(c.out().includes(PASS), 'prefix-less -passin: the text is not echoed');
  t.match(c.out(), /unknown pass phrase source: use pass:TEXT/);
});

t.test('a whole run: encrypted key, pass phrase, admin token, hostile requests, wrong tokens, mode changes', async (t) => {
  const c = ocsplab([...caArgs, '-passin', `pass:${PASS}`, '-port', '0', '--workers', '1', '--admin-port', '0', '--admin-token', TOKEN, '--log-level', 'debug']);
  t.teardown(c.kill);
  const url = (await c.line(/listening on (http:\/\/\S+)/))[1];
  const admin = (await c.line(/admin API on (http:\/\/\S+)/))[1];
  const answers: string[] = [];

  // OCSP: one good request, then malformed ones over POST and GET.
  const good = await fetch(`${url}/`, { method: 'POST', body: new Uint8Array(buildOcspRequest(cert, issuer).der) });
  t.equal(decodeOcspResponse(Buffer.from(await good.arrayBuffer())).basic?.singles[0].status, 'good', 'the encrypted key signs');
  for (const body of [Buffer.from(PASS), Buffer.from(TOKEN), randomBytes(50), Buffer.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff)]) {
    const r = await fetch(`${url}/`, { method: 'POST', body: new Uint8Array(body) });
    answers.push(Buffer.from(await r.arrayBuffer()).toString('latin1'));
  }
  for (const path of [`/${PASS}`, `/${TOKEN}`, '/%ZZ', `/${'A'.repeat(9000)}`]) answers.push(await (await fetch(`${url}${path}`)).text());

  // Admin: no token, wrong tokens (as Bearer, bare, and in the query), then real mode changes.
  const call = async (method: string, path: string, auth?: string, body?: string) => {
    const r = await fetch(`${admin}${path}`, { method, headers: { ...(auth ? { authorization: auth } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }, body });
    const text = await r.text();
    answers.push(text);
    return { status: r.status, text };
  };
  t.equal((await call('GET', '/api/cas')).status, 401, 'no token: 401');
  t.equal((await call('GET', '/api/cas', `Bearer ${WRONG_TOKEN}`)).status, 401, 'wrong token: 401');
  t.equal((await call('GET', '/api/cas', WRONG_TOKEN)).status, 401, 'bare wrong token: 401');
  t.equal((await call('PUT', '/api/modes/*', `Bearer ${WRONG_TOKEN}`, '{"mode":"down"}')).status, 401, 'wrong token cannot change modes');
  t.equal((await call('GET', `/api/cas?token=${WRONG_TOKEN}`)).status, 401, 'token in the query is not accepted');
  const ok = `Bearer ${TOKEN}`;
  t.equal((await call('PUT', '/api/modes/*', ok, '{"mode":"slow 5"}')).status, 200, 'mode change with the token');
  t.equal((await call('PUT', '/api/modes/*', ok, '{"mode":"sideways 7"}')).status, 400, 'a bad mode is refused');
  t.equal((await call('PUT', '/api/modes/*', ok, '{"mode": tru')).status, 400, 'broken JSON is refused');
  t.equal((await call('PUT', '/api/modes/*', ok, '{"mode":"bad-signature"}')).status, 200);
  t.equal((await call('DELETE', '/api/modes/*', ok)).status, 200, 'mode cleared');
  t.equal((await call('POST', '/api/reload/*', ok)).status, 200, 'reload');
  t.equal((await call('GET', '/api/counters', ok)).status, 200, 'counters');

  c.kill();
  await c.exited;
  const out = c.out();
  t.ok(out.split('\n').length > 10, `${out.split('\n').length} lines of stdout+stderr captured`);
  t.match(out, /"status":"malformedRequest"/, 'malformed requests were logged');
  assertClean(t, out, 'CLI stdout and stderr (logs at debug)');
  // The pass phrase and token were also sent as request bodies and paths: no answer reflects them.
  assertClean(t, answers.join('\n'), `${answers.length} answers to OCSP and admin calls`);
});

t.test('in-process: a wrong pass phrase error names the key file, not the phrase', async (t) => {
  const e = await Responder.create({ cas: [{ index: join(dir, 'index.txt'), ca: ca.cacert, rkey: ca.cakey, passin: `pass:${WRONG_PASS}` }], port: 0, logger: false }).catch((x: Error) => x);
  t.ok(e instanceof Error);
  t.match((e as Error).message, ca.cakey);
  assertClean(t, `${(e as Error).message}\n${(e as Error).stack}`, 'error message and stack');
});
