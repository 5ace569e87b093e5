// Files (issue 9): a CA tool writer really killed (SIGKILL, not a thrown error) at each step of the
// .new → .old → rename dance leaves an index.txt that our loader, a live responder and
// `openssl ca -status` all read, holding the old or the new content and never a mix; a missing
// index during reload keeps serving and is logged once, clearly; key permissions are checked.

import t from 'tap';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { initCa, issue, restore, revoke, type WriteStep } from '../src/ca/index.js';
import { IndexDatabase } from '../src/index/database.js';
import { IndexStore } from '../src/index/store.js';
import { warnSecretPermissions } from '../src/responder/ca-loader.js';
import { askStatus, ecCaWithLeaf } from './helpers/ec-ca.js';
import { run, tempDir } from './helpers/openssl.js';
import { startResponder } from './helpers/responder.js';

const CA_LIB = pathToFileURL(resolve(fileURLToPath(import.meta.url), '../../src/ca/index.js')).href;

// The child revokes SERIAL; when the write hook reaches STEP for FILE it says so and blocks for
// good (Atomics.wait), so the parent's SIGKILL lands exactly between two steps of the dance.
const CHILD = `
import { writeSync } from 'node:fs';
import { revoke, setWriteHook } from ${JSON.stringify(CA_LIB)};
const [dir, serial, step, file] = process.argv.slice(1);
setWriteHook((s, f) => {
  if (s === step && f.endsWith('/' + file)) {
    writeSync(1, 'paused\\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  }
});
await revoke({ dir, target: serial, reason: 'superseded' });
writeSync(1, 'finished\\n');
`;

/** Runs the child until it pauses at `step` of `file`, then kills it with SIGKILL. */
function killWriterAt(dir: string, serial: string, step: WriteStep, file: string): Promise<{ paused: boolean; signal: string | null }> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', CHILD, dir, serial, step, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let paused = false;
    p.stdout.on('data', (b) => {
      out += b;
      if (!paused && out.includes('paused')) {
        paused = true;
        p.kill('SIGKILL');
      }
    });
    p.stderr.on('data', (b) => (err += b));
    p.on('error', rej);
    p.on('close', (_code, signal) => (paused ? res({ paused, signal }) : rej(new Error(`writer never paused at ${step} ${file}: ${out}${err}`))));
  });
}

async function opensslStatus(dir: string, serial: string): Promise<string | undefined> {
  const r = await run('openssl', ['ca', '-config', 'openssl.cnf', '-status', serial], { cwd: dir });
  return /=(Valid|Revoked) \(/.exec(r.stdout + r.stderr)?.[1];
}

t.test('a writer killed -9 at each step of the rename dance leaves an index that loads, old or new, for us and for openssl', async (t) => {
  const base = tempDir('ocsplab-kill-');
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const { ca, leaf, issuer, cert } = await ecCaWithLeaf(base, 'Kill CA', 'victim');
  await issue({ dir: ca.dir, cn: 'bystander', key: 'ec-p256' });
  // A live responder watches the same index through every kill.
  const r = await startResponder({ cas: [{ index: ca.index, ca: ca.cacert, rkey: ca.cakey }] });
  t.teardown(r.close);
  const served = () => askStatus(r.url, cert, issuer);

  const points: Array<[WriteStep, string]> = [];
  for (const file of ['index.txt', 'index.txt.attr']) for (const step of ['write-new', 'keep-old', 'rename-in'] as WriteStep[]) points.push([step, file]);
  for (const [step, file] of points) {
    const what = `killed after ${step} of ${file}`;
    const before = readFileSync(ca.index, 'latin1');
    const k = await killWriterAt(ca.dir, leaf.serial, step, file);
    t.equal(k.signal, 'SIGKILL', `${what}: the writer died by SIGKILL`);
    t.ok(existsSync(ca.lock), `${what}: its lock file is left behind`);
    const text = readFileSync(ca.index, 'latin1');
    const db = IndexDatabase.parse(text, ca.index);
    t.equal(db.size, 2, `${what}: index.txt parses with both entries`);
    // index.txt is replaced first, so it holds the new content once its own rename is done.
    const renamed = file === 'index.txt.attr' || step === 'rename-in';
    const want = renamed ? 'R' : 'V';
    t.equal(db.lookup(leaf.serial)?.status, want, `${what}: ${renamed ? 'new' : 'old'} content`);
    if (!renamed) t.equal(text, before, `${what}: byte for byte the old file`);
    t.equal(new IndexStore(ca.index, { info: () => undefined, error: () => undefined }).current().db.lookup(leaf.serial)?.status, want, `${what}: the responder's loader reads it`);
    t.equal(await served(), want === 'R' ? 'revoked' : 'good', `${what}: the live responder answers from it`);
    t.equal(await opensslStatus(ca.dir, leaf.serial), want === 'R' ? 'Revoked' : 'Valid', `${what}: openssl ca -status reads it`);
    // The dead writer's lock is taken over and the next command works despite .new/.old leftovers.
    if (want === 'V') await revoke({ dir: ca.dir, target: leaf.serial });
    await restore({ dir: ca.dir, target: leaf.serial });
    t.equal(IndexDatabase.parse(readFileSync(ca.index, 'latin1')).lookup(leaf.serial)?.status, 'V', `${what}: back to V for the next round`);
    t.notOk(existsSync(ca.lock), `${what}: lock released by the next writer`);
  }
  // And a full revoke still completes after all that.
  await revoke({ dir: ca.dir, target: leaf.serial });
  t.equal(await served(), 'revoked');
});

t.test('index.txt missing during reload: keeps serving, one clear error line, picks the file up when it returns', async (t) => {
  const base = tempDir('ocsplab-missing-');
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const { ca, issuer, cert } = await ecCaWithLeaf(base, 'Missing CA');
  const r = await startResponder({ cas: [{ index: ca.index, ca: ca.cacert, rkey: ca.cakey }] });
  t.teardown(r.close);
  const ask = () => askStatus(r.url, cert, issuer);
  t.equal(await ask(), 'good');
  const good = readFileSync(ca.index, 'latin1');
  renameSync(ca.index, `${ca.index}.away`);
  for (let i = 0; i < 5; i++) t.equal(await ask(), 'good', `query ${i + 1} with the file gone: last index`);
  const errors = r.logs.filter((l) => (l.level as number) >= 50);
  t.equal(errors.length, 1, 'logged once, not once per request');
  t.match(String(errors[0]?.msg), `${ca.index}: file is missing; still answering from the index loaded at`);
  writeFileSync(ca.index, good.replace(/^V\t(\S+)\t\t/m, 'R\t$1\t260101000000Z,keyCompromise\t'));
  t.equal(await ask(), 'revoked', 'the returned file is read at the next request');
  t.ok(r.logs.some((l) => /loaded 1 entries/.test(String(l.msg))), 'and the reload is logged');
});

t.test('private key permissions: group/world readable warns (at start-up too), 0600 and 0400 are silent', async (t) => {
  const base = tempDir('ocsplab-perm-');
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const ca = await initCa({ dir: join(base, 'ca'), cn: 'Perm CA', key: 'ec-p256' });
  for (const mode of [0o644, 0o640, 0o604, 0o660, 0o666]) {
    chmodSync(ca.cakey, mode);
    t.match(warnSecretPermissions(ca.cakey), /readable by group or others .*chmod 600/, `mode ${mode.toString(8)} warns`);
  }
  for (const mode of [0o600, 0o400]) {
    chmodSync(ca.cakey, mode);
    t.equal(warnSecretPermissions(ca.cakey), undefined, `mode ${mode.toString(8)} is silent`);
  }
  const warnings = async (mode: number) => {
    chmodSync(ca.cakey, mode);
    const r = await startResponder({ cas: [{ index: ca.index, ca: ca.cacert, rkey: ca.cakey }] });
    await r.close();
    return r.logs.filter((l) => l.level === 40).map((l) => String(l.msg));
  };
  const loud = await warnings(0o644);
  t.equal(loud.length, 1, 'one warning at start-up for 0644');
  t.match(loud[0], ca.cakey);
  t.same(await warnings(0o600), [], 'none for 0600');
});
