// `ocsplab ocsp --workers 2` (and openssl's -multi): one port, modes applied in every worker,
// a dead worker replaced, counters summed.

import t from 'tap';
import { join } from 'node:path';
import { freePort, tempDir as tempDirFor } from './helpers/ca-tools.js';
import { CLI, startCli } from './helpers/cli.js';
import { makeOpensslCa, opensslQuery, run, tempDir } from './helpers/openssl.js';
import { waitUntil } from './helpers/wait.js';

t.test('cluster of two workers behind one port, driven by ctl', async (t) => {
  const ca = await makeOpensslCa(tempDir(), { pass: 'multi-secret' });
  const leaf = await ca.issue('leaf.example');
  const [port, admin] = [await freePort(), await freePort()];
  const s = await startCli(['-index', join(ca.dir, 'index.txt'), '-CA', ca.cacert, '-rkey', ca.cakey, '-passin', 'pass:multi-secret', '-port', String(port), '-multi', '2', '--admin-port', String(admin)]);
  const child = s.child;
  t.teardown(() => {
    child.kill('SIGTERM');
  });
  t.match(s.out(), /2 workers listening/);
  const url = `http://127.0.0.1:${port}`;
  const adminUrl = `http://127.0.0.1:${admin}`;
  const q = (timeoutSec?: number) => opensslQuery({ issuer: ca.cacert, target: leaf.pem, url, cafile: ca.cacert, timeoutSec });
  for (let i = 0; i < 4; i++) t.equal((await q()).status, 'good');
  t.equal((await run('node', [CLI, 'ctl', '--admin', adminUrl, 'mode', 'status', 'revoked'])).code, 0);
  for (let i = 0; i < 4; i++) t.equal((await q()).status, 'revoked', 'every worker switched');
  t.equal((await run('node', [CLI, 'ctl', '--admin', adminUrl, 'mode', 'down'])).code, 0);
  t.match((await q(1)).stderr, /Connection refused|connect timeout/, 'port closed in every worker');
  t.equal((await run('node', [CLI, 'ctl', '--admin', adminUrl, 'clear'])).code, 0);
  t.equal((await q()).status, 'good');
  // Kill one worker: it is replaced, with the modes in force.
  t.equal((await run('node', [CLI, 'ctl', '--admin', adminUrl, 'mode', 'status', 'unknown'])).code, 0);
  const pids = (await run('pgrep', ['-P', String(child.pid)])).stdout.trim().split('\n').map(Number);
  t.equal(pids.length, 2, 'two worker processes');
  process.kill(pids[0], 'SIGKILL');
  await waitUntil(() => /starting another/.test(s.out()), { every: 100 });
  await new Promise((r) => setTimeout(r, 1000));
  for (let i = 0; i < 4; i++) t.equal((await q()).status, 'unknown', 'replacement worker has the mode');
  const counters = JSON.parse((await run('node', [CLI, 'ctl', '--admin', adminUrl, 'counters'])).stdout);
  t.ok(counters.requests >= 4, 'counters summed over workers');
  t.notMatch(s.out(), /multi-secret/, 'pass phrase never printed');
});

t.test('a worker that cannot start stops the cluster: exit 1 with the reason, no fork loop, nothing left', async (t) => {
  const dir = join(tempDirFor(t), 'enc');
  await run(process.execPath, [CLI, 'ca', 'init', dir, '--cn', 'Locked CA', '--passout', 'pass:s3cretPW']);
  const port = await freePort();
  const started = Date.now();
  // Before: the primary replaced each failing worker forever, printing "starting another".
  const r = await run(process.execPath, [CLI, 'ocsp', '-index', `${dir}/index.txt`, '-CA', `${dir}/cacert.pem`, '-rkey', `${dir}/private/cakey.pem`, '-passin', 'pass:wrongPW9', '-port', String(port), '--workers', '2'], { timeoutMs: 20_000 });
  t.equal(r.code, 1, `exit 1 (${Date.now() - started} ms)`);
  t.match(r.stderr, /cakey\.pem: cannot decrypt the key \(wrong pass phrase\?\)/);
  t.notMatch(r.stderr, /starting another/, 'no replacement loop');
  t.notMatch(r.stdout + r.stderr, /wrongPW9|s3cretPW/, 'no pass phrase in the output');
  const left = await run('pgrep', ['-f', `${dir}/index.txt`]);
  t.equal(left.stdout.trim(), '', 'no worker left running');
});
