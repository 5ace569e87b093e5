// The CA tool and `openssl ca` keep the same directory: each reads and writes what the other wrote,
// and the lines we write are the lines openssl writes.

import t from 'tap';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { IndexDatabase } from '../src/index/database.js';
import { initCa, issue, list, responderCert, revoke, restore, status, KEY_TYPES } from '../src/ca/index.js';
import { cli, expectOk, indexFields, openssl, tempDir } from './helpers/ca-tools.js';

const TRICKY = '/C=JP/O=a\\/b+OU=R&D\\+1/CN=caf\u00e9 \u00fc/emailAddress=x@y';

t.test('openssl ca -status agrees after our issue and revoke; openssl ca -revoke and -gencrl then work', async (t) => {
  const dir = `${tempDir(t)}/ca`;
  await initCa({ dir, cn: 'Status CA', key: 'ec-p256', ocspUrl: 'http://127.0.0.1:2560' });
  const a = await issue({ dir, cn: 'a.example' });
  const b = await issue({ dir, cn: 'b.example', role: 'client' });
  const st = (s: string) => openssl(['ca', '-config', `${dir}/openssl.cnf`, '-status', s]);
  t.match((await st(a.serial)).stderr, `${a.serial}=Valid (V)`);
  await revoke({ dir, target: a.serial, reason: 'keyCompromise' });
  t.match((await st(a.serial)).stderr, `${a.serial}=Revoked (R)`);
  t.equal(status(dir, a.serial).status, 'Revoked');

  const r = await openssl(['ca', '-config', `${dir}/openssl.cnf`, '-revoke', b.certPath, '-crl_reason', 'superseded']);
  expectOk(t, r, 'openssl ca -revoke on our directory');
  const rows = list(dir);
  t.same(
    rows.map((x) => [x.serial, x.status, x.reason]),
    [
      [a.serial, 'Revoked', 'keyCompromise'],
      [b.serial, 'Revoked', 'superseded'],
    ],
    'our list reads what openssl wrote',
  );
  await restore({ dir, target: b.certPath });
  t.match((await st(b.serial)).stderr, `${b.serial}=Valid (V)`, 'openssl sees the restore');

  const crl = await openssl(['ca', '-config', `${dir}/openssl.cnf`, '-gencrl', '-out', `${dir}/crl.pem`]);
  expectOk(t, crl, 'openssl ca -gencrl');
  const text = (await openssl(['crl', '-in', `${dir}/crl.pem`, '-noout', '-text'])).stdout;
  t.match(text, `Serial Number: ${a.serial}`);
  t.notMatch(text, `Serial Number: ${b.serial}`);
  t.match(text, 'Key Compromise');
});

t.test('index lines are byte-for-byte what openssl ca writes (tricky subject, reasons, hold, compromise time)', async (t) => {
  const dir = `${tempDir(t)}/ca`;
  await initCa({ dir, cn: 'Format CA', key: 'ec-p256' });
  // openssl signs a CSR with the same subject into the same database.
  await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${dir}/o.key`, '-out', `${dir}/o.csr`, '-utf8', '-subj', TRICKY]);
  const signed = await openssl(['ca', '-batch', '-config', `${dir}/openssl.cnf`, '-preserveDN', '-in', `${dir}/o.csr`, '-out', `${dir}/o.pem`]);
  expectOk(t, signed, 'openssl ca signs into our directory');
  const theirs = indexFields(dir, '01');
  const ours = indexFields(dir, (await issue({ dir, subject: TRICKY, out: `${dir}/ours` })).serial);
  t.equal(ours[5], theirs[5], 'subject field identical');
  t.equal(ours[5], '/C=JP/O=a\\/b+OU=R&D\\+1/CN=caf\\xC3\\xA9 \\xC3\\xBC/emailAddress=x@y');
  t.same([ours[0], ours[2], ours[3], ours[4]], ['V', '', '02', 'unknown']);
  t.equal(theirs[0] + theirs[2] + theirs[4], 'Vunknown');
  t.match(ours[1], /^\d{12}Z$/);
  const end = (await openssl(['x509', '-in', `${dir}/ours.pem`, '-noout', '-enddate'])).stdout;
  const d = new Date(end.replace('notAfter=', '').trim());
  t.equal(ours[1], d.toISOString().replace(/^\d\d(\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d).*$/, '$1$2$3$4$5$6Z'), 'expiry is the certificate notAfter');
  t.equal(readFileSync(`${dir}/serial`, 'latin1'), '03\n', 'serial file advanced as openssl writes it');
  t.equal(readFileSync(`${dir}/newcerts/02.pem`, 'latin1'), readFileSync(`${dir}/ours.pem`, 'latin1'));

  // Revocation fields: openssl revokes cert 01 each way, we revoke cert 02 the same way, fields compared without the time.
  const cases: [string[], Parameters<typeof revoke>[0]][] = [
    [['-crl_reason', 'CESSATIONOFOPERATION'], { dir, target: '02', reason: 'cessationofoperation' }],
    [['-crl_hold', 'holdInstructionReject'], { dir, target: '02', holdInstruction: 'holdInstructionReject' }],
    [['-crl_compromise', '20260101120000Z'], { dir, target: '02', reason: 'keycompromise', invalidity: '2026-01-01T12:00:00Z' }],
    [['-crl_CA_compromise', '20260101120000Z'], { dir, target: '02', reason: 'CAcompromise', invalidity: '20260101120000Z' }],
  ];
  for (const [flags, mine] of cases) {
    const r = await openssl(['ca', '-config', `${dir}/openssl.cnf`, '-revoke', `${dir}/o.pem`, ...flags]);
    expectOk(t, r, `openssl ca -revoke ${flags.join(' ')}`);
    await revoke(mine);
    const [o, m] = [indexFields(dir, '01')[2], indexFields(dir, '02')[2]];
    t.equal(m.replace(/^\d{12}Z/, 'T'), o.replace(/^\d{12}Z/, 'T'), `revocation field for ${flags.join(' ')}: ${o}`);
    await restore({ dir, target: '01' });
    await restore({ dir, target: '02' });
  }
  t.equal(indexFields(dir, '02').join('\t'), ours.join('\t'), 'restore gives back the original line');
  t.doesNotThrow(() => IndexDatabase.parse(readFileSync(`${dir}/index.txt`, 'latin1')));
});

t.test('certificates verify with openssl verify -CAfile and carry the AIA OCSP URL', async (t) => {
  const dir = `${tempDir(t)}/ca`;
  await initCa({ dir, cn: 'Verify CA', ocspUrl: 'http://127.0.0.1:2560' });
  const srv = await issue({ dir, cn: 'qm1', san: ['DNS:localhost', 'IP:127.0.0.1'] });
  const cl = await issue({ dir, cn: 'app', role: 'client', ocspUrl: 'http://127.0.0.1:9000/ocsp' });
  const signer = await responderCert({ dir });
  const v = await openssl(['verify', '-CAfile', `${dir}/cacert.pem`, srv.certPath, cl.certPath, signer.certPath]);
  expectOk(t, v, 'openssl verify -CAfile cacert.pem');
  const text = async (p: string) => (await openssl(['x509', '-in', p, '-noout', '-text'])).stdout;
  t.match(await text(srv.certPath), /Authority Information Access:\s+OCSP - URI:http:\/\/127\.0\.0\.1:2560/);
  t.match(await text(srv.certPath), /TLS Web Server Authentication/);
  t.match(await text(srv.certPath), /DNS:localhost, IP Address:127\.0\.0\.1/);
  t.match(await text(cl.certPath), /OCSP - URI:http:\/\/127\.0\.0\.1:9000\/ocsp/);
  const s = await text(signer.certPath);
  t.match(s, /OCSP Signing/);
  t.match(s, /OCSP No Check/);
  t.notMatch(s, /Authority Information Access/, 'the signer itself is not checked by OCSP');
  const ca = await text(`${dir}/cacert.pem`);
  t.match(ca, /CA:TRUE/);
  t.match(ca, /Certificate Sign, CRL Sign/);
  const purpose = await openssl(['verify', '-CAfile', `${dir}/cacert.pem`, '-purpose', 'sslclient', cl.certPath]);
  t.equal(purpose.code, 0, 'client certificate is fit for TLS client auth');
});

t.test('every key type signs certificates openssl verifies', async (t) => {
  const base = tempDir(t);
  for (const key of KEY_TYPES) {
    const dir = `${base}/${key}`;
    await initCa({ dir, cn: `${key} CA`, key });
    const c = await issue({ dir, cn: `${key} leaf` });
    const v = await openssl(['verify', '-CAfile', `${dir}/cacert.pem`, c.certPath]);
    expectOk(t, v, `${key}: openssl verify`);
  }
});

t.test('CA key: mode 0600, encrypted with --passout, usable by openssl and by issue --passin', async (t) => {
  const dir = `${tempDir(t)}/ca`;
  const r = await cli(['init', dir, '--cn', 'Locked CA', '--key', 'ec-p256', '--passout', 'pass:s3cret']);
  expectOk(t, r, 'init --passout');
  t.equal(statSync(`${dir}/private/cakey.pem`).mode & 0o777, 0o600);
  t.equal(statSync(`${dir}/private`).mode & 0o777, 0o700);
  t.match(readFileSync(`${dir}/private/cakey.pem`, 'latin1'), /BEGIN ENCRYPTED PRIVATE KEY/);
  const bad = await cli(['issue', dir, '--cn', 'x', '--passin', 'pass:wrong']);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /cannot decrypt/);
  writeFileSync(`${dir}/pw`, 's3cret\n');
  const ok = await cli(['issue', dir, '--cn', 'x', '--passin', `file:${dir}/pw`]);
  expectOk(t, ok, 'issue --passin file:');
  await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${dir}/o.key`, '-out', `${dir}/o.csr`, '-subj', '/CN=by-openssl']);
  const o = await openssl(['ca', '-batch', '-config', `${dir}/openssl.cnf`, '-passin', 'pass:s3cret', '-in', `${dir}/o.csr`, '-out', `${dir}/o.pem`]);
  expectOk(t, o, 'openssl ca -passin signs with our encrypted key');
  t.same(
    list(dir).map((e) => e.subject),
    ['/CN=x', '/CN=by-openssl'],
  );
});

t.test('CLI: list table, status in openssl words, JSON, usage errors', async (t) => {
  const dir = `${tempDir(t)}/ca`;
  t.equal((await cli(['init', dir, '--cn', 'CLI CA', '--key', 'ec-p256'])).code, 0);
  t.equal((await cli(['issue', dir, '--cn', 'one', '--client'])).code, 0);
  t.equal((await cli(['revoke', dir, '01', '--reason', 'affiliationchanged', '--time', '2026-02-03T04:05:06Z'])).code, 0);
  t.match(indexFields(dir, '01')[2], '260203040506Z,affiliationChanged');
  const table = await cli(['list', dir]);
  t.match(table.stdout, /SERIAL\s+STATUS[\s\S]*01\s+Revoked\s+\S+\s+2026-02-03T04:05:06Z\s+affiliationChanged\s+\/CN=one/);
  t.equal((await cli(['status', dir, '1'])).stdout, '01=Revoked (R)\n');
  const j = JSON.parse((await cli(['status', dir, '01', '--json'])).stdout) as { status: string; reason: string };
  t.same([j.status, j.reason], ['Revoked', 'affiliationChanged']);
  const u = await cli(['revoke', dir]);
  t.equal(u.code, 1);
  t.match(u.stderr, /expected DIR and CERT.pem or SERIAL/);
  t.equal((await cli(['frobnicate'])).code, 2);
  t.equal((await cli(['issue', dir, '--cn', 'k', '--key', 'dsa'])).code, 1);
});
