// File discipline: interrupted writes leave a loadable index.txt, the lock keeps writers apart,
// and refused commands leave every database file byte-for-byte as it was.

import t, { type Test } from 'tap';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { IndexDatabase } from '../src/index/database.js';
import { withLock } from '../src/index/atomic.js';
import { initCa, issue, list, restore, revoke, setWriteHook, LockError, type WriteStep } from '../src/ca/index.js';
import { cli, indexFields, snapshot, tempDir } from './helpers/ca-tools.js';

async function smallCa(t: Test, certs = 2): Promise<string> {
  const dir = `${tempDir(t)}/ca`;
  await initCa({ dir, cn: 'Files CA', key: 'ec-p256' });
  for (let i = 0; i < certs; i++) await issue({ dir, cn: `c${i}` });
  return dir;
}

const loadable = (dir: string) => IndexDatabase.parse(readFileSync(`${dir}/index.txt`, 'latin1'));

t.test('a write killed after any step leaves a loadable index.txt holding the old or the new content', async (t) => {
  for (const step of ['write-new', 'keep-old', 'rename-in'] as WriteStep[]) {
    const dir = await smallCa(t);
    const before = readFileSync(`${dir}/index.txt`, 'latin1');
    setWriteHook((s, file) => {
      if (s === step && file.endsWith('index.txt')) throw new Error(`simulated crash after ${s}`);
    });
    try {
      await t.rejects(revoke({ dir, target: '01', reason: 'superseded' }), { message: `simulated crash after ${step}` });
    } finally {
      setWriteHook(undefined);
    }
    const db = loadable(dir);
    t.equal(db.size, 2, `${step}: index.txt loads`);
    const now = readFileSync(`${dir}/index.txt`, 'latin1');
    if (step === 'rename-in') t.equal(db.lookup('01')?.status, 'R', 'after the rename the new content is in');
    else t.equal(now, before, `${step}: still the old content`);
    // The next command works normally and is not confused by leftovers (.new, .old).
    await (step === 'rename-in' ? restore({ dir, target: '01' }) : revoke({ dir, target: '01' }));
    t.ok(loadable(dir), 'next write succeeds');
  }
});

t.test("openssl's own interrupted rotation (index.txt renamed away, .new complete) is repaired on the next read", async (t) => {
  const dir = await smallCa(t);
  const before = readFileSync(`${dir}/index.txt`, 'latin1');
  const next = before.replace(/^V(\t\d+Z\t)\t01\t/m, 'R$1260101000000Z\t01\t');
  writeFileSync(`${dir}/index.txt.new`, next);
  renameSync(`${dir}/index.txt`, `${dir}/index.txt.old`);
  t.notOk(existsSync(`${dir}/index.txt`));
  t.equal(list(dir)[0].status, 'Revoked', 'list completes the rotation from index.txt.new');
  t.equal(readFileSync(`${dir}/index.txt`, 'latin1'), next);
});

t.test('the lock: a second writer waits for the first, then fails clearly if it never finishes', async (t) => {
  const dir = await smallCa(t);
  const lock = `${dir}/index.txt.lock`;
  // Held briefly: the second writer waits and then succeeds.
  let release!: () => void;
  const held = withLock(lock, () => new Promise<void>((r) => (release = r)));
  const waiting = revoke({ dir, target: '01' });
  await new Promise((r) => setTimeout(r, 100));
  t.equal(indexFields(dir, '01')[0], 'V', 'nothing written while the lock is held');
  release();
  await held;
  await waiting;
  t.equal(indexFields(dir, '01')[0], 'R', 'written once the lock was released');

  // Held for longer than a writer waits: a clear error from another process, files untouched.
  let releaseLong!: () => void;
  const long = withLock(lock, () => new Promise<void>((r) => (releaseLong = r)));
  const before = snapshot(dir);
  const r = await cli(['revoke', dir, '02']);
  t.equal(r.code, 1);
  t.match(r.stderr, /index\.txt\.lock is held by \d+@.* another writer is changing this CA; waited 3000 ms/);
  releaseLong();
  await long;
  t.same({ ...snapshot(dir), 'index.txt.lock': null }, { ...before, 'index.txt.lock': null }, 'refused writer changed nothing');
  await t.rejects(withLock(lock, () => withLock(lock, () => 0, { waitMs: 50 })), LockError, 'in-process the same lock is not re-entered');
});

t.test('a lock left by a dead process is taken over', async (t) => {
  const dir = await smallCa(t, 1);
  const { hostname } = await import('node:os');
  writeFileSync(`${dir}/index.txt.lock`, `999999999@${hostname()}\n2020-01-01T00:00:00Z\n`);
  await revoke({ dir, target: '01' });
  t.equal(indexFields(dir, '01')[0], 'R');
  t.notOk(existsSync(`${dir}/index.txt.lock`), 'lock released after use');
});

t.test('concurrent writers from separate processes never interleave', async (t) => {
  const dir = await smallCa(t, 0);
  const n = 6;
  const runs = await Promise.all(Array.from({ length: n }, (_, i) => cli(['issue', dir, '--cn', `p${i}`])));
  t.same(
    runs.map((r) => r.code),
    Array(n).fill(0),
    runs.map((r) => r.stderr).join(''),
  );
  const rows = list(dir);
  t.equal(rows.length, n, 'one line per writer');
  t.same(rows.map((r) => r.serial).sort(), ['01', '02', '03', '04', '05', '06']);
  t.same(rows.map((r) => r.subject).sort(), ['/CN=p0', '/CN=p1', '/CN=p2', '/CN=p3', '/CN=p4', '/CN=p5']);
  t.equal(readFileSync(`${dir}/serial`, 'latin1'), '07\n');
});

t.test('refused commands leave every database file untouched', async (t) => {
  const dir = await smallCa(t);
  await revoke({ dir, target: '02', reason: 'superseded' });
  const before = snapshot(dir);
  const refusals: [string, () => Promise<unknown>, RegExp][] = [
    ['unknown serial', () => revoke({ dir, target: '0A' }), /serial 0A is not in .*index\.txt/],
    ['already revoked', () => revoke({ dir, target: '02' }), /serial 02 is already revoked/],
    ['unknown reason', () => revoke({ dir, target: '01', reason: 'stolen' }), /unknown revocation reason "stolen"/],
    ['restore of a valid certificate', () => restore({ dir, target: '01' }), /serial 01 is not revoked \(status V\)/],
    ['bad hold instruction', () => revoke({ dir, target: '01', holdInstruction: 'holdInstructionMaybe' }), /unknown hold instruction/],
    ['invalidity without a compromise reason', () => revoke({ dir, target: '01', reason: 'superseded', invalidity: '20260101000000Z' }), /keyCompromise or CACompromise/],
    ['keyTime without a time', () => revoke({ dir, target: '01', reason: 'keyTime' }), /needs --invalidity/],
    ['bad time', () => revoke({ dir, target: '01', time: 'yesterday' }), /cannot read time/],
    ['not a serial', () => revoke({ dir, target: 'zz-top' }), /neither a certificate file nor a hex serial/],
  ];
  for (const [what, run, message] of refusals) {
    await t.rejects(run(), { message }, what);
    t.same(snapshot(dir), before, `${what}: files byte-for-byte unchanged`);
  }
  const other = `${tempDir(t)}/other`;
  await initCa({ dir: other, cn: 'Other CA', key: 'ec-p256' });
  const foreign = await issue({ dir: other, cn: 'foreign' });
  await t.rejects(revoke({ dir, target: foreign.certPath }), { message: /was not issued by the CA/ });
  const r = await cli(['restore', dir, '01']);
  t.equal(r.code, 1);
  t.match(r.stderr, /^ocsplab ca restore: serial 01 is not revoked/);
  t.same(snapshot(dir), before, 'CLI refusal: files unchanged');
});

t.test('restore brings back exactly the line from before the revoke', async (t) => {
  const dir = await smallCa(t);
  const line = indexFields(dir, '01').join('\t');
  await revoke({ dir, target: '01', holdInstruction: '1.2.840.10040.2.2', time: '2026-03-01T00:00:00Z' });
  t.equal(indexFields(dir, '01')[2], '260301000000Z,holdInstruction,1.2.840.10040.2.2');
  await restore({ dir, target: '01' });
  t.equal(indexFields(dir, '01').join('\t'), line);
  t.equal(readFileSync(`${dir}/index.txt.attr`, 'latin1'), 'unique_subject = no\n');
});
