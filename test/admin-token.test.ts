// The admin token rule shared by `ocsplab ocsp`, `ocsplab ctl` and the live drill target: flag, then
// file, then OCSPLAB_ADMIN_TOKEN, then OCSPLAB_ADMIN_TOKEN_FILE; an empty or unreadable file is an
// error that never quotes the file's content; a group- or world-readable file warns.

import t from 'tap';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAdminToken } from '../src/responder/admin-token.js';
import { parseOcspArgs } from '../src/cli/ocsp-args.js';
import { CLI, run, tempDir } from './helpers/ca-tools.js';

const dir = tempDir(t);
const file = (name: string, text: string, mode = 0o600) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  chmodSync(p, mode);
  return p;
};

t.test('which source wins', async (t) => {
  const f = file('a', 'from-file\n');
  const g = file('b', 'from-env-file');
  const env = { OCSPLAB_ADMIN_TOKEN: 'from-env', OCSPLAB_ADMIN_TOKEN_FILE: g };
  t.same(readAdminToken({ token: 'from-flag', file: f }, env), { token: 'from-flag' }, 'the flag');
  t.same(readAdminToken({ file: f }, env), { token: 'from-file' }, 'then the file (one trailing newline dropped)');
  t.same(readAdminToken({}, env), { token: 'from-env' }, 'then OCSPLAB_ADMIN_TOKEN');
  t.same(readAdminToken({}, { OCSPLAB_ADMIN_TOKEN_FILE: g }), { token: 'from-env-file' }, 'then OCSPLAB_ADMIN_TOKEN_FILE');
  t.same(readAdminToken({}, {}), {}, 'none: no token');
  t.same(readAdminToken({ file: file('c', ' spaced token \n\n') }, {}), { token: ' spaced token \n' }, 'only one newline is taken off');
});

t.test('an empty or missing file is refused, without quoting anything', async (t) => {
  t.throws(() => readAdminToken({ file: file('empty', '') }, {}), /admin token file .*empty is empty; an empty token would leave the admin API without authentication/);
  t.throws(() => readAdminToken({ file: file('newline', '\n') }, {}), /is empty/, 'a lone newline is empty too');
  t.throws(() => readAdminToken({ file: join(dir, 'absent') }, {}), /cannot read the admin token file .*absent: ENOENT/);
});

t.test('a file others can read is used, with a warning', async (t) => {
  const r = readAdminToken({ file: file('open', 'tok', 0o644) }, {});
  t.equal(r.token, 'tok');
  t.match(r.warning, /readable by group or others \(mode 644\); chmod 600 it/);
  t.notMatch(r.warning!, 'tok');
});

t.test('ocsplab ocsp: --admin-token-file, and not both forms at once', async (t) => {
  const f = file('cli', 'cli-token');
  const base = ['-index', 'index.txt', '-CA', 'ca.pem'];
  t.equal(parseOcspArgs([...base, '--admin-token-file', f]).adminToken, 'cli-token');
  t.throws(() => parseOcspArgs([...base, '--admin-token', 'x', '--admin-token-file', f]), /not both/);
  const cfg = join(dir, 'cfg.yaml');
  writeFileSync(cfg, 'cas: [{ index: index.txt, ca: ca.pem }]\nadminTokenFile: cli\n');
  t.equal(parseOcspArgs(['--config', cfg]).adminToken, 'cli-token', "config file's adminTokenFile, relative to the config");
  const r = await run(process.execPath, [CLI, 'ocsp', ...base, '--admin-token-file', join(dir, 'absent')]);
  t.equal(r.code, 2, 'a missing token file stops the responder before it serves');
  t.match(r.stderr, /cannot read the admin token file/);
});

t.test('ocsplab ctl: --token-file is read; a missing one exits 2 before any request', async (t) => {
  const r = await run(process.execPath, [CLI, 'ctl', '--admin', 'http://127.0.0.1:9', '--token-file', join(dir, 'absent'), 'status']);
  t.equal(r.code, 2);
  t.match(r.stderr, /cannot read the admin token file/);
  t.notMatch(r.stderr, /cannot reach/, 'no request was made');
});
