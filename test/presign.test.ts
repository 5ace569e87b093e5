// `ocsplab presign`: the files are what RFC 5019 clients ask for and what openssl accepts. Each GET
// file is named by the base64 of the very request `openssl ocsp -no_nonce` sends (checked byte for
// byte, with '/', '+', '=' and a trailing '/' among them), the responder's decodeGetPath reads the
// same path back, openssl verifies every answer; several CAs; --watch rewrites exactly the files an
// index change affects (by inode), atomically, and re-signs before half the validity has passed.

import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makeOpensslCa, run, tempDir, type OpensslCa } from './helpers/openssl.js';
import { CLI } from './helpers/cli.js';
import { getFileOf, getUrlOf } from '../src/presign/layout.js';
import { indexLine as line, opensslVerifyFile, readPresignIndex as readIndex, runPresign as presign, specialSerials } from './helpers/presign.js';
import { Presigner } from '../src/presign/presign.js';
import { loadCa } from '../src/responder/ca-loader.js';
import { decodeGetPath } from '../src/responder/ocsp-routes.js';
import { decodeOcspResponse } from '../src/ocsp/verify.js';
import { waitUntil } from './helpers/wait.js';

async function opensslRequest(ca: OpensslCa, serial: string): Promise<Buffer> {
  const f = join(ca.dir, `req-${serial}.der`);
  const r = await run('openssl', ['ocsp', '-issuer', ca.cacert, '-serial', `0x${serial}`, '-no_nonce', '-reqout', f]);
  if (r.code !== 0) throw new Error(r.stderr);
  return readFileSync(f);
}

/** `ocsplab presign --watch ...` as a child, its stderr kept; waitLog waits for a line after `from`. */
function watchPresign(t: Test, args: string[]) {
  const c = spawn(process.execPath, [CLI, 'presign', '--watch', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const w = { c, log: '', waitLog: async (_re: RegExp, _from: number): Promise<boolean> => false };
  c.stderr!.on('data', (d) => (w.log += d));
  t.teardown(() => void c.kill('SIGKILL'));
  // Up to a minute: a pass of thousands of signatures on a busy 2-core machine takes a while.
  // Stops early when the process has exited: its log will not grow any more.
  w.waitLog = async (re, from) => (await waitUntil(() => re.test(w.log.slice(from)) || c.exitCode !== null)) && re.test(w.log.slice(from));
  return w;
}

t.test("the files are what openssl's client asks for and accepts; several CAs", async (t) => {
  const a = await makeOpensslCa(tempDir(), { cn: 'Presign RSA CA' });
  const b = await makeOpensslCa(tempDir(), { cn: 'Presign EC CA', key: 'ec-p256' });
  const leaf = await a.issue('leaf.example');
  const gone = await a.issue('gone.example');
  await a.revoke(gone.pem, ['-crl_reason', 'keyCompromise']);
  const sp = specialSerials(a.cacert);
  appendFileSync(join(a.dir, 'index.txt'), line(sp.slash) + line(sp.plus) + line(sp.trailing, 'R', '260101000000Z,superseded'));
  const bLeaf = await b.issue('b.example');
  const out = join(tempDir(), 'out');
  const r = await presign(['--out', out, '-index', join(a.dir, 'index.txt'), '-CA', a.cacert, '-rkey', a.cakey, '-nmin', '30', '--name', 'rsa-ca', '-index', join(b.dir, 'index.txt'), '-CA', b.cacert, '-rkey', b.cakey, '-ndays', '2', '--name', 'ec-ca']);
  t.equal(r.code, 0, r.out);
  t.match(r.out, /wrote 6 answers for 2 CAs/);
  t.notMatch(r.out, /note:/, 'no note with -nmin/-ndays given');

  const idx = readIndex(out);
  t.same(idx.fields, ['ca', 'serial', 'status', 'thisUpdate', 'nextUpdate', 'bytes', 'get', 'file', 'url']);
  t.same(idx.cas.map((c) => [c.name, c.answers, c.serialDir]), [['rsa-ca', 5, 'serial/rsa-ca'], ['ec-ca', 1, 'serial/ec-ca']]);
  const want: Array<[OpensslCa, string, string]> = [
    [a, leaf.serial, 'good'],
    [a, gone.serial, 'revoked'],
    [a, sp.slash, 'good'],
    [a, sp.plus, 'good'],
    [a, sp.trailing, 'revoked'],
    [b, bLeaf.serial, 'good'],
  ];
  for (const [ca, serial, status] of want) {
    const row = idx.files.find((f) => f[0] === (ca === a ? 'rsa-ca' : 'ec-ca') && f[1] === serial)!;
    t.ok(row, `index.json lists ${serial}`);
    const [, , st, thisUpdate, nextUpdate, bytes, get, file, url] = row;
    t.equal(st, status, `${serial}: status in index.json`);
    const validity = Date.parse(nextUpdate) - Date.parse(thisUpdate);
    t.equal(validity, ca === a ? 30 * 60_000 : 2 * 86_400_000, `${serial}: nextUpdate from -nmin / -ndays`);
    const req = await opensslRequest(ca, serial);
    t.equal(get, `get/${getFileOf(req)}`, `${serial}: the GET file is named by openssl's own request`);
    t.equal(url, getUrlOf(req), `${serial}: url is the percent-encoded base64`);
    t.same(decodeGetPath(`/${url}`), req, `${serial}: the responder reads the encoded path as the same request`);
    t.same(decodeGetPath(`/${req.toString('base64')}`), req, `${serial}: and the raw one`);
    const der = readFileSync(join(out, get));
    t.equal(der.length, bytes);
    t.equal(statSync(join(out, get)).ino, statSync(join(out, file)).ino, `${serial}: the per-serial file is the same file`);
    t.equal(decodeOcspResponse(der).basic?.nonce, undefined, 'no nonce');
    const v = await opensslVerifyFile(ca.cacert, join(out, get), serial);
    t.ok(v.ok, `${serial}: openssl verifies the answer`);
    t.equal(v.status, status, `${serial}: openssl reads ${status}`);
  }
  const trailing = idx.files.find((f) => f[1] === sp.trailing)!;
  t.match(trailing[6], /\/index\.html$/, 'a request ending in "/" is the index file of its directory');
  t.ok(idx.files.find((f) => f[1] === sp.slash)![6].slice(4).includes('/'), 'a "/" in the base64 is a directory');
  t.ok(idx.files.find((f) => f[1] === sp.plus)![6].includes('+'), 'a "+" stays a "+"');
  t.same(readdirSync(out).filter((n) => n.startsWith('.')), [], 'no temporary directory left');

  // A second run on a smaller index removes what the first wrote for the serials that left.
  writeFileSync(join(b.dir, 'index.txt'), '');
  const again = await presign(['--out', out, '-index', join(b.dir, 'index.txt'), '-CA', b.cacert, '-rkey', b.cakey, '--name', 'ec-ca']);
  t.equal(again.code, 0, again.out);
  t.match(again.out, /no -nmin\/-ndays; a pre-signed answer needs a nextUpdate: -ndays 1/, 'defaults to -ndays 1 and says so');
  t.same(readIndex(out).files, []);
  t.same(readdirSync(join(out, 'serial', 'rsa-ca')), [], "the earlier run's files are gone");
  t.ok(idx.files.every((f) => !existsSync(join(out, f[6])) && !existsSync(join(out, f[7]))), 'no answer of the first run is left');
});

t.test('usage errors', async (t) => {
  const r = await presign(['-index', 'x']);
  t.equal(r.code, 2);
  t.match(r.out, /--out DIR is required/);
  t.match((await presign(['--help'])).out, /usage: ocsplab presign --out DIR/);
  const ca = await makeOpensslCa(tempDir());
  const n = await presign(['--out', join(tempDir(), 'o'), '-index', join(ca.dir, 'index.txt'), '-CA', ca.cacert, '-rkey', ca.cakey, '-port', '2560', '-nmin', '5']);
  t.equal(n.code, 0, n.out);
  t.match(n.out, /note: -port: serving option, nothing to do for presign/);
});

t.test('--watch rewrites exactly the files an index change affects, by rename', async (t) => {
  const ca = await makeOpensslCa(tempDir(), { key: 'ec-p256' });
  const leaves = [];
  for (let i = 0; i < 3; i++) leaves.push(await ca.issue(`w${i}.example`, 'leaf', 'ec-p256'));
  const index = join(ca.dir, 'index.txt');
  appendFileSync(index, Array.from({ length: 40 }, (_, i) => line((0x3000 + i).toString(16).toUpperCase())).join(''));
  const out = join(tempDir(), 'out');
  const w = watchPresign(t, ['--out', out, '-index', index, '-CA', ca.cacert, '-rkey', ca.cakey, '-nmin', '30']);
  const { c, waitLog } = w;
  t.ok(await waitLog(/watching/, 0), w.log);
  const inodes = () => {
    const m = new Map<string, number>();
    for (const f of readIndex(out).files) for (const p of [f[6], f[7]]) m.set(p, statSync(join(out, p)).ino);
    return m;
  };
  const before = inodes();
  t.equal(before.size, 86, '43 answers, two paths each');

  // openssl ca -revoke: writes index.txt.new and renames it over index.txt.
  let mark = w.log.length;
  const victim = leaves[1];
  t.equal((await ca.revoke(victim.pem, ['-crl_reason', 'keyCompromise'])).code, 0);
  t.ok(await waitLog(/1 changed, 0 added, 0 removed.*2 files written/, mark), w.log.slice(mark));
  const after = inodes();
  const row = readIndex(out).files.find((f) => f[1] === victim.serial)!;
  t.equal(row[2], 'revoked', 'index.json shows the revocation');
  const changed = [...after].filter(([p, ino]) => before.get(p) !== ino).map(([p]) => p).sort();
  t.same(changed, [row[6], row[7]].sort(), 'only the revoked certificate\'s two files were replaced');
  const v = await opensslVerifyFile(ca.cacert, join(out, row[6]), victim.serial);
  t.ok(v.ok);
  t.equal(v.status, 'revoked');

  // A line added, then one removed, as an atomic rewrite.
  mark = w.log.length;
  const text = readFileSync(index, 'latin1');
  writeFileSync(`${index}.tmp`, text + line('4000'));
  renameSync(`${index}.tmp`, index);
  t.ok(await waitLog(/0 changed, 1 added, 0 removed/, mark), w.log.slice(mark));
  const added = readIndex(out).files.find((f) => f[1] === '4000')!;
  t.ok(existsSync(join(out, added[6])) && existsSync(join(out, added[7])));
  mark = w.log.length;
  writeFileSync(`${index}.tmp`, text.split('\n').filter((l) => !l.includes('\t3005\t')).join('\n') + line('4000'));
  renameSync(`${index}.tmp`, index);
  t.ok(await waitLog(/0 changed, 0 added, 1 removed.*2 removed/, mark), w.log.slice(mark));
  const removed = [...after.keys()].filter((p) => p.endsWith('/3005.der'));
  t.equal(removed.length, 1);
  t.equal(existsSync(join(out, removed[0])), false, 'its files are gone');
  t.equal(readIndex(out).files.some((f) => f[1] === '3005'), false);

  c.kill('SIGTERM');
  t.equal(await new Promise((r) => c.once('exit', r)), 0, 'stops cleanly on SIGTERM');
  t.same(readdirSync(out).filter((n) => n.startsWith('.')), []);
});

t.test('every answer is re-signed before half its validity has passed', async (t) => {
  const ca = await makeOpensslCa(tempDir(), { key: 'ec-p256' });
  writeFileSync(join(ca.dir, 'index.txt'), Array.from({ length: 5 }, (_, i) => line((0x10 + i).toString(16).toUpperCase())).join(''));
  const loaded = await loadCa({ index: join(ca.dir, 'index.txt'), ca: ca.cacert, rkey: ca.cakey, nmin: 10 }, { info: () => undefined, error: () => undefined });
  t.teardown(() => loaded.store.close());
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const out = join(tempDir(), 'out');
  const p = new Presigner({ out, cas: [loaded], now: () => clock });
  t.teardown(() => p.close());
  t.equal((await p.sync()).signed, 5);
  const first = readIndex(out).files.map((f) => f[3]);
  t.same(new Set(first), new Set(['2030-01-01T00:00:00Z']));
  const served: Array<{ at: number; thisUpdate: number; nextUpdate: number }> = [];
  // Ten minutes of validity; a pass every 30 s of the fake clock, for an hour.
  for (let step = 1; step <= 120; step++) {
    clock += 30_000;
    await p.sync();
    for (const f of readIndex(out).files) {
      const der = readFileSync(join(out, f[6]));
      const s = decodeOcspResponse(der).basic!.singles[0];
      served.push({ at: clock, thisUpdate: s.thisUpdate.getTime(), nextUpdate: s.nextUpdate!.getTime() });
    }
  }
  const worst = Math.max(...served.map((s) => (s.at - s.thisUpdate) / (s.nextUpdate - s.thisUpdate)));
  t.ok(worst < 0.5, `the oldest answer on disk was ${(worst * 100).toFixed(0)}% through its validity (< 50%)`);
  t.ok(served.every((s) => s.nextUpdate - s.thisUpdate === 600_000));
  const s = await p.sync();
  t.equal(s.signed, 0, 'nothing to do between refreshes');
});

t.test('--out onto a directory of user files: refused, nothing of theirs touched (not even a .tmp of their own)', async (t) => {
  const ca = await makeOpensslCa(tempDir());
  const out = tempDir();
  const mine = { '.tmp/mine.txt': 'precious\n', 'notes.txt': 'mine\n', 'index.json': '{"mine": true}\n' };
  for (const [p, text] of Object.entries(mine)) {
    mkdirSync(dirname(join(out, p)), { recursive: true });
    writeFileSync(join(out, p), text);
  }
  const r = await presign(['--out', out, '-index', join(ca.dir, 'index.txt'), '-CA', ca.cacert, '-rkey', ca.cakey, '-nmin', '5']);
  t.equal(r.code, 1, r.out);
  t.match(r.out, /is not empty and is not a presign directory \(it holds \.tmp, index\.json, notes\.txt\); nothing was written/);
  for (const [p, text] of Object.entries(mine)) t.equal(readFileSync(join(out, p), 'utf8'), text, `${p} as it was`);
  t.same(readdirSync(out).sort(), ['.tmp', 'index.json', 'notes.txt'], 'nothing added');
  // An earlier presign directory is still written over, and a dead run's temporary directory goes.
  const ours = join(tempDir(), 'o');
  t.equal((await presign(['--out', ours, '-index', join(ca.dir, 'index.txt'), '-CA', ca.cacert, '-rkey', ca.cakey, '-nmin', '5'])).code, 0);
  mkdirSync(join(ours, '.ocsplab-tmp-999999999'));
  writeFileSync(join(ours, '.ocsplab-tmp-999999999', '0'), 'left by a killed run');
  t.equal((await presign(['--out', ours, '-index', join(ca.dir, 'index.txt'), '-CA', ca.cacert, '-rkey', ca.cakey, '-nmin', '5'])).code, 0);
  t.same(readdirSync(ours).filter((n) => n.startsWith('.')), [], 'the dead run\'s temporary directory is gone');
  // The root of a file system mounted for the answers: its lost+found is not a user's file.
  const mount = tempDir();
  mkdirSync(join(mount, 'lost+found'));
  t.equal((await presign(['--out', mount, '-index', join(ca.dir, 'index.txt'), '-CA', ca.cacert, '-rkey', ca.cakey, '-nmin', '5'])).code, 0, 'lost+found alone is fine');
});

// RSA signs on the thread pool; EC on the event loop, where a pass that never yields would leave
// the signal waiting for the end of the pass (it did: 40,000 EC answers ran to the end).
for (const key of ['rsa', 'ec-p256'] as const) t.test(`Ctrl-C during the first pass (${key} CA): exit 130, no temporary files left`, async (t) => {
  const ca = await makeOpensslCa(tempDir(), { key });
  const index = join(ca.dir, 'index.txt');
  appendFileSync(index, Array.from({ length: 6000 }, (_, i) => line((0x10000 + i).toString(16).toUpperCase())).join(''));
  const out = join(tempDir(), 'out');
  const c = spawn(process.execPath, [CLI, 'presign', '--out', out, '-index', index, '-CA', ca.cacert, '-rkey', ca.cakey, '-nmin', '30', '--concurrency', '2'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  c.stderr!.on('data', (d) => (log += d));
  t.teardown(() => void c.kill('SIGKILL'));
  const exited = new Promise<number | null>((r) => c.once('exit', (code) => r(code)));
  await waitUntil(() => existsSync(join(out, 'serial')), { every: 10 });
  t.ok(existsSync(join(out, 'serial')), 'writing has begun');
  c.kill('SIGINT');
  t.equal(await exited, 130, log);
  t.match(log, /SIGINT: stopped before the pass was complete; no temporary files left/);
  t.same(readdirSync(out).filter((n) => n.startsWith('.')), [], 'no temporary directory or file');
});

t.test('--watch: a pass that fails half-way (a file where a directory should be) is done again, the revocation not lost', async (t) => {
  const ca = await makeOpensslCa(tempDir(), { key: 'ec-p256' });
  const leaf = await ca.issue('fail.example', 'leaf', 'ec-p256');
  const index = join(ca.dir, 'index.txt');
  const out = join(tempDir(), 'out');
  const w = watchPresign(t, ['--out', out, '-index', index, '-CA', ca.cacert, '-rkey', ca.cakey, '-nmin', '30', '--name', 'failing']);
  const { waitLog } = w;
  t.ok(await waitLog(/watching/, 0), w.log);
  const serialDir = join(out, 'serial', 'failing');
  renameSync(serialDir, `${serialDir}.away`);
  writeFileSync(serialDir, 'in the way');
  let mark = w.log.length;
  t.equal((await ca.revoke(leaf.pem, ['-crl_reason', 'keyCompromise'])).code, 0);
  t.ok(await waitLog(/error: .*retrying/, mark), w.log.slice(mark));
  t.same(readdirSync(readdirSync(out).filter((n) => n.startsWith('.ocsplab-tmp-')).map((n) => join(out, n))[0]), [], 'the failed write left no temporary file');
  mark = w.log.length;
  rmSync(serialDir);
  renameSync(`${serialDir}.away`, serialDir);
  t.ok(await waitLog(/1 changed, 0 added, 0 removed.*2 files written/, mark), `retried: ${w.log.slice(mark)}`);
  const row = readIndex(out).files.find((f) => f[1] === leaf.serial)!;
  t.equal(row[2], 'revoked', 'index.json shows the revocation');
  for (const p of [row[6], row[7]]) {
    const v = await opensslVerifyFile(ca.cacert, join(out, p), leaf.serial);
    t.equal(v.status, 'revoked', `${p}: openssl says revoked`);
  }
});

t.test('--watch: Ctrl-C twice while a long pass runs stops at once, no temporary files left', async (t) => {
  const ca = await makeOpensslCa(tempDir());
  const index = join(ca.dir, 'index.txt');
  const lines = (status: string) => Array.from({ length: 4000 }, (_, i) => line((0x20000 + i).toString(16).toUpperCase(), status, status === 'R' ? '261201000000Z' : '')).join('');
  writeFileSync(index, lines('V'));
  const out = join(tempDir(), 'out');
  const w = watchPresign(t, ['--out', out, '-index', index, '-CA', ca.cacert, '-rkey', ca.cakey, '-nmin', '30', '--concurrency', '1']);
  t.ok(await w.waitLog(/watching/, 0), w.log);
  const exited = new Promise<number | null>((r) => w.c.once('exit', (code) => r(code)));
  const inodes = new Map(readIndex(out).files.map((f) => [f[7], statSync(join(out, f[7])).ino]));
  // Every line changes: a pass of 4000 signatures.
  writeFileSync(`${index}.tmp`, lines('R'));
  renameSync(`${index}.tmp`, index);
  await waitUntil(() => [...inodes].some(([p, ino]) => statSync(join(out, p)).ino !== ino), { every: 10 });
  w.c.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 50));
  w.c.kill('SIGINT');
  t.equal(await exited, 130, w.log);
  t.match(w.log, /SIGINT again: stopped during a pass; no temporary files left/);
  t.same(readdirSync(out).filter((n) => n.startsWith('.')), [], 'no temporary directory or file');
});
