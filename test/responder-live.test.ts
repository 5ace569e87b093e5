// The responder while its files change and its clients misbehave: several CAs on one port,
// `openssl ca -revoke` seen by the very next query, a bad reload keeping the last good index,
// idle and half-sent connections not delaying anyone.

import t from 'tap';
import { join } from 'node:path';
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { makeOpensslCa, opensslQuery, run, tempDir } from './helpers/openssl.js';
import { startResponder } from './helpers/responder.js';

t.test('two CAs on one port each answer for their own; a foreign issuer gets unauthorized', async (t) => {
  const a = await makeOpensslCa(tempDir(), { cn: 'QM CA' });
  const b = await makeOpensslCa(tempDir(), { cn: 'Client CA', key: 'ec-p256' });
  const stranger = await makeOpensslCa(tempDir(), { cn: 'Stranger CA' });
  const qm = await a.issue('qm.example');
  const client = await b.issue('client.example');
  await b.revoke(client.pem, ['-crl_reason', 'superseded']);
  const other = await stranger.issue('other.example');
  const r = await startResponder({
    cas: [
      { name: 'qm-ca', index: join(a.dir, 'index.txt'), ca: a.cacert, rkey: a.cakey },
      { name: 'client-ca', index: join(b.dir, 'index.txt'), ca: b.cacert, rkey: b.cakey },
    ],
  });
  t.teardown(r.close);
  const qa = await opensslQuery({ issuer: a.cacert, target: qm.pem, url: r.url, cafile: a.cacert });
  t.ok(qa.verified);
  t.equal(qa.status, 'good');
  const qb = await opensslQuery({ issuer: b.cacert, target: client.pem, url: r.url, cafile: b.cacert });
  t.ok(qb.verified, 'signed by the client CA, verified against it alone');
  t.equal(qb.status, 'revoked');
  t.equal(qb.reason, 'superseded');
  const qs = await opensslQuery({ issuer: stranger.cacert, target: other.pem, url: r.url, cafile: stranger.cacert });
  t.match(qs.stdout + qs.stderr, /unauthorized/i, 'foreign issuer: unauthorized');
  t.equal(r.logs.filter((l) => l.ca === 'client-ca').length, 1);
});

t.test('--unknown-issuer unknown answers a foreign issuer with status unknown, as openssl does', async (t) => {
  const a = await makeOpensslCa(tempDir(), { cn: 'QM CA' });
  const stranger = await makeOpensslCa(tempDir(), { cn: 'Stranger CA' });
  const other = await stranger.issue('other.example');
  const r = await startResponder({ cas: [{ index: join(a.dir, 'index.txt'), ca: a.cacert, rkey: a.cakey }], unknownIssuer: 'unknown' });
  t.teardown(r.close);
  const q = await opensslQuery({ issuer: stranger.cacert, target: other.pem, url: r.url, cafile: a.cacert, args: ['-VAfile', a.cacert] });
  t.equal(q.status, 'unknown');
});

t.test('openssl ca -revoke while running: the very next query says revoked; restore from .old: good again', async (t) => {
  const ca = await makeOpensslCa(tempDir());
  const c = await ca.issue('victim.example');
  const r = await startResponder({ cas: [{ index: join(ca.dir, 'index.txt'), ca: ca.cacert, rkey: ca.cakey }] });
  t.teardown(r.close);
  const q = () => opensslQuery({ issuer: ca.cacert, target: c.pem, url: r.url, cafile: ca.cacert, args: ['-no_nonce'] });
  t.equal((await q()).status, 'good');
  t.equal((await q()).status, 'good', 'second answer (from cache) still good');
  for (let i = 0; i < 3; i++) {
    t.equal((await ca.revoke(c.pem, ['-crl_reason', 'cessationOfOperation'])).code, 0, 'openssl ca -revoke');
    const after = await q();
    t.equal(after.status, 'revoked', 'next query after revoke: revoked');
    t.equal(after.reason, 'cessationOfOperation');
    // The seed's undo: cp -p index.txt.old index.txt (in place, same inode)
    writeFileSync(join(ca.dir, 'index.txt'), readFileSync(join(ca.dir, 'index.txt.old')));
    t.equal((await q()).status, 'good', 'next query after restore: good');
  }
});

t.test('a malformed line during reload: previous answers continue, error logged with file and line', async (t) => {
  const ca = await makeOpensslCa(tempDir());
  const c = await ca.issue('stable.example');
  const index = join(ca.dir, 'index.txt');
  const r = await startResponder({ cas: [{ index, ca: ca.cacert, rkey: ca.cakey }] });
  t.teardown(r.close);
  const q = () => opensslQuery({ issuer: ca.cacert, target: c.pem, url: r.url, cafile: ca.cacert });
  t.equal((await q()).status, 'good');
  const good = readFileSync(index, 'utf8');
  // A revocation plus a broken second line, written by rename as openssl does.
  writeFileSync(`${index}.new`, good.replace(/^V\t(\S+)\t\t/, 'R\t$1\t261124000000Z,keyCompromise\t') + 'X\tgarbage\n');
  renameSync(`${index}.new`, index);
  const after = await q();
  t.equal(after.status, 'good', 'still the last good index');
  t.ok(after.verified);
  const err = r.logs.find((l) => l.level === 50 && /index\.txt:2:/.test(String(l.msg)));
  t.ok(err, 'error names the file and line 2');
  t.match(String(err?.msg), /keeping the index loaded/);
  // Fixing the file is picked up at once.
  writeFileSync(index, good.replace(/^V\t(\S+)\t\t/, 'R\t$1\t261124000000Z,keyCompromise\t'));
  t.equal((await q()).status, 'revoked');
  // A missing file keeps serving and says so.
  renameSync(index, `${index}.moved`);
  t.equal((await q()).status, 'revoked');
  t.ok(r.logs.some((l) => l.level === 50 && /missing/.test(String(l.msg))));
});

t.test('a malformed index at start-up is fatal with file and line', async (t) => {
  const ca = await makeOpensslCa(tempDir());
  await ca.issue('one.example');
  appendFileSync(join(ca.dir, 'index.txt'), 'V\t271124005932Z\t\tZZ\tunknown\t/CN=bad\n');
  await t.rejects(startResponder({ cas: [{ index: join(ca.dir, 'index.txt'), ca: ca.cacert, rkey: ca.cakey }] }), /index\.txt:2: bad serial "ZZ"/);
});

t.test('an idle connection and a half-sent body do not delay other clients', async (t) => {
  const ca = await makeOpensslCa(tempDir());
  const c = await ca.issue('busy.example');
  const r = await startResponder({ cas: [{ index: join(ca.dir, 'index.txt'), ca: ca.cacert, rkey: ca.cakey }] });
  t.teardown(r.close);
  const port = r.responder.port;
  const idle = connect(port, '127.0.0.1');
  const half = connect(port, '127.0.0.1', () => {
    half.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request\r\nContent-Length: 500\r\n\r\n\x30\x82\x01');
  });
  const closeAll = () => {
    idle.destroy();
    half.destroy();
  };
  t.teardown(closeAll);
  idle.on('error', () => undefined);
  half.on('error', () => undefined);
  await new Promise((res) => setTimeout(res, 100));
  const t0 = Date.now();
  const q = await opensslQuery({ issuer: ca.cacert, target: c.pem, url: r.url, cafile: ca.cacert });
  t.equal(q.status, 'good');
  t.ok(Date.now() - t0 < 3000, 'answered while the other two connections hang');
  t.notOk(idle.destroyed, 'idle connection still open (no one-at-a-time server)');
});

t.test('openssl ca -gencrl style reason words and index forms survive a full responder round trip', async (t) => {
  const ca = await makeOpensslCa(tempDir());
  const held = await ca.issue('held.example');
  const key = await ca.issue('key.example');
  const cak = await ca.issue('cakey.example');
  t.equal((await ca.revoke(held.pem, ['-crl_hold', 'holdInstructionReject'])).code, 0);
  t.equal((await ca.revoke(key.pem, ['-crl_compromise', '20260101000000Z'])).code, 0);
  t.equal((await ca.revoke(cak.pem, ['-crl_CA_compromise', '20250101000000Z'])).code, 0);
  const r = await startResponder({ cas: [{ index: join(ca.dir, 'index.txt'), ca: ca.cacert, rkey: ca.cakey }] });
  t.teardown(r.close);
  const h = await opensslQuery({ issuer: ca.cacert, target: held.pem, url: r.url, cafile: ca.cacert, args: ['-resp_text'] });
  t.equal(h.reason, 'certificateHold');
  t.match(h.stdout, /Hold Instruction Code:\s*\n?\s*Hold Instruction Reject/);
  const k = await opensslQuery({ issuer: ca.cacert, target: key.pem, url: r.url, cafile: ca.cacert, args: ['-resp_text'] });
  t.equal(k.reason, 'keyCompromise');
  t.match(k.stdout, /Invalidity Date:\s*\n?\s*Jan  1 00:00:00 2026 GMT/);
  const c = await opensslQuery({ issuer: ca.cacert, target: cak.pem, url: r.url, cafile: ca.cacert, args: ['-resp_text'] });
  t.equal(c.reason, 'cACompromise');
  const v = await run('openssl', ['ca', '-config', ca.config, '-status', held.serial], { cwd: ca.dir });
  t.match(v.stdout + v.stderr, /Revoked/);
});
