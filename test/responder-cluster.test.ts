// `ocsplab ocsp --workers 2` (and openssl's -multi): one port, modes applied in every worker,
// a dead worker replaced, counters summed.

import t from 'tap';
import { join } from 'node:path';
import { freePort } from './helpers/ca-tools.js';
import { CLI, startCli } from './helpers/cli.js';
import { makeOpensslCa, opensslQuery, run, tempDir } from './helpers/openssl.js';

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
  for (let i = 0; i < 50 && !/starting another/.test(s.out()); i++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 1000));
  for (let i = 0; i < 4; i++) t.equal((await q()).status, 'unknown', 'replacement worker has the mode');
  const counters = JSON.parse((await run('node', [CLI, 'ctl', '--admin', adminUrl, 'counters'])).stdout);
  t.ok(counters.requests >= 4, 'counters summed over workers');
  t.notMatch(s.out(), /multi-secret/, 'pass phrase never printed');
});
