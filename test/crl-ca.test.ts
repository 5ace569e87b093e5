// `ocsplab ca gencrl` and the CRL codec, judged by clients nobody here wrote: openssl crl and
// verify -crl_check, GnuTLS certtool --verify-crl / --load-crl, Java's PKIX with a CRL CertStore;
// and openssl's own -gencrl read by our parser with the same entries.

import t, { type Test } from 'tap';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { genCrl, initCa, issue, revoke } from '../src/ca/index.js';
import { caSection, crlPeriodMs } from '../src/ca/crl.js';
import { checkCrl, crlDistributionPoints, parseCrl, CrlError } from '../src/crl/decode.js';
import { readCertificates } from '../src/ocsp/cert.js';
import { normalizeSerial as n } from '../src/index/line.js';
import { cli, expectOk, openssl, run, tempDir } from './helpers/ca-tools.js';

const CRL_CHECK_JAVA = fileURLToPath(new URL('../../test/interop/CrlCheck.java', import.meta.url));
/** False (and the test skipped, or failed in CI) when a client is not installed. */
async function present(t: Test, cmd: string, args: string[], install: string): Promise<boolean> {
  if ((await run(cmd, args)).code === 0) return true;
  if (process.env.OCSPLAB_INTEROP_REQUIRE === '1') t.fail(`${cmd} not installed: ${install}`);
  else t.plan(0, `${cmd} not installed: ${install}`);
  return false;
}

const dir = `${tempDir(t)}/ca`;
await initCa({ dir, cn: 'CRL Test CA', crlUrl: 'http://127.0.0.1:2560/crl/crl-test.crl' });
const good = await issue({ dir, cn: 'good.example' });
const bad = await issue({ dir, cn: 'bad.example' });
const held = await issue({ dir, cn: 'held.example' });
const plain = await issue({ dir, cn: 'plain.example' });
await revoke({ dir, target: bad.serial, reason: 'keyCompromise', invalidity: '20261101000000Z' });
await revoke({ dir, target: held.serial, holdInstruction: 'holdInstructionReject' });
await revoke({ dir, target: plain.serial });
const cacert = `${dir}/cacert.pem`;
const issuer = readCertificates(readFileSync(cacert))[0];

t.test('gencrl: openssl crl verifies it, and it lists what the index says', async (t) => {
  const out = `${dir}/crl.pem`;
  const r = await cli(['gencrl', dir, '--out', out]);
  expectOk(t, r, 'ocsplab ca gencrl');
  t.match(r.stdout, /3 revoked, number 1, next update/);
  const v = await openssl(['crl', '-in', out, '-CAfile', cacert, '-noout']);
  t.match(v.stderr + v.stdout, /verify OK/, 'openssl crl -CAfile: verify OK');
  const text = (await openssl(['crl', '-in', out, '-noout', '-text'])).stdout;
  t.match(text, /Key Compromise/);
  t.match(text, /Invalidity Date:\s+Nov  1 00:00:00 2026 GMT/);
  t.match(text, /Hold Instruction Code:\s+Hold Instruction Reject/);
  t.match(text, /Certificate Hold/);
  t.match(text, /Authority Key Identifier/);
  t.match(text, /Next Update: .*\n/, 'nextUpdate from default_crl_days');
  const crl = parseCrl(readFileSync(out));
  t.same([...crl.entries.keys()].sort(), [bad.serial, held.serial, plain.serial].map(n).sort(), 'only R lines');
  t.equal(crl.entries.get(n(bad.serial))?.reason, 1);
  t.equal(crl.entries.get(n(held.serial))?.reason, 6);
  t.equal(crl.entries.get(n(held.serial))?.holdInstruction, '1.2.840.10040.2.3');
  t.equal(crl.entries.get(n(plain.serial))?.reason, undefined, 'no reason in the index, no reasonCode');
  t.equal(checkCrl(crl, issuer, new Date()), 'ok');
  t.equal(Math.round((crl.nextUpdate!.getTime() - crl.thisUpdate.getTime()) / 86_400_000), 30, 'default_crl_days = 30');
});

t.test('openssl verify -crl_check: the revoked leaf fails (error 23), the good one passes', async (t) => {
  const crl = `${dir}/verify.pem`;
  await genCrl({ dir, out: crl });
  const ok = await openssl(['verify', '-crl_check', '-CAfile', cacert, '-CRLfile', crl, good.certPath]);
  t.equal(ok.code, 0, ok.stdout + ok.stderr);
  const no = await openssl(['verify', '-crl_check', '-CAfile', cacert, '-CRLfile', crl, bad.certPath]);
  t.not(no.code, 0);
  t.match(no.stdout + no.stderr, /certificate revoked/);
});

t.test('GnuTLS certtool: --verify-crl, and --verify with --load-crl', async (t) => {
  if (!(await present(t, 'certtool', ['--version'], 'apt-get install gnutls-bin'))) return;
  const crl = `${dir}/gnutls.pem`;
  await genCrl({ dir, out: crl });
  const v = await run('certtool', ['--verify-crl', '--load-ca-certificate', cacert, '--infile', crl]);
  t.equal(v.code, 0, 'certtool --verify-crl');
  t.match(v.stdout, /Verification output: Verified/);
  const ok = await run('certtool', ['--verify', '--load-ca-certificate', cacert, '--load-crl', crl, '--infile', good.certPath]);
  t.equal(ok.code, 0, 'good leaf verified');
  const no = await run('certtool', ['--verify', '--load-ca-certificate', cacert, '--load-crl', crl, '--infile', bad.certPath]);
  t.not(no.code, 0);
  t.match(no.stdout, /revoked/, 'revoked leaf: "The certificate chain is revoked"');
});

t.test("Java's PKIX with the CRL in a CertStore", async (t) => {
  if (!(await present(t, 'java', ['-version'], 'apt-get install default-jdk-headless'))) return;
  const crl = `${dir}/java.der`;
  await genCrl({ dir, out: crl, der: true });
  const java = (leaf: string) => run('java', [CRL_CHECK_JAVA, leaf, cacert, crl], { timeoutMs: 60_000 });
  t.match((await java(good.certPath)).stdout, /^RESULT OK/m);
  t.match((await java(bad.certPath)).stdout, /^RESULT REVOKED reason=KEY_COMPROMISE/m);
  t.match((await java(held.certPath)).stdout, /^RESULT REVOKED reason=CERTIFICATE_HOLD/m);
});

t.test("openssl ca -gencrl on the same directory, read by our parser: the same entries", async (t) => {
  const ours = parseCrl((await genCrl({ dir })).der);
  const r = await openssl(['ca', '-config', `${dir}/openssl.cnf`, '-gencrl', '-out', `${dir}/openssl-crl.pem`]);
  expectOk(t, r, 'openssl ca -gencrl still works on the directory');
  const theirs = parseCrl(readFileSync(`${dir}/openssl-crl.pem`));
  t.equal(checkCrl(theirs, issuer, new Date()), 'ok');
  t.same([...theirs.entries.values()], [...ours.entries.values()], 'entries, reasons, invalidity dates, hold codes');
  t.same(theirs.authorityKeyId, ours.authorityKeyId, 'both carry the same AKI (crl_ext in openssl.cnf)');
  t.equal(theirs.number, ours.number! + 1n, 'openssl took the next number from the crlnumber file we advanced');
  const again = parseCrl((await genCrl({ dir })).der);
  t.equal(again.number, theirs.number! + 1n, 'and we take the one after openssl');
  t.ok(existsSync(`${dir}/crlnumber.old`), 'crlnumber rotated with a .old');
});

t.test('options: --days, --hours, --der, stdout; the config decides otherwise', async (t) => {
  const h = await genCrl({ dir, hours: 6 });
  t.equal(h.nextUpdate.getTime() - h.thisUpdate.getTime(), 6 * 3_600_000);
  const d = await genCrl({ dir, days: 2 });
  t.equal(d.nextUpdate.getTime() - d.thisUpdate.getTime(), 2 * 86_400_000);
  t.equal(crlPeriodMs({}, caSection('[ca]\ndefault_ca = X\n[X]\ndefault_crl_hours = 12\n')), 12 * 3_600_000, 'default_crl_hours');
  t.throws(() => crlPeriodMs({}, {}), /give --days or --hours/);
  const before = readFileSync(`${dir}/crlnumber`, 'latin1');
  const far = await cli(['gencrl', dir, '--days', '99999999']);
  t.equal(far.code, 1);
  t.match(far.stderr, /a CRL valid for 99999999 days would end after 9999-12-31/);
  t.equal(far.stdout, '', 'no CRL with a nextUpdate nothing reads');
  t.equal(readFileSync(`${dir}/crlnumber`, 'latin1'), before, 'no CRL number spent');
  t.throws(() => crlPeriodMs({}, { default_crl_days: '3000000' }), /would end after 9999-12-31/, 'from the config too');
  t.equal(crlPeriodMs({ days: 100000 }, {}), 100000 * 86_400_000, 'the year 2300 is fine (GeneralizedTime)');
  const der = await cli(['gencrl', dir, '--der', '--out', `${dir}/x.crl`]);
  expectOk(t, der, '--der');
  t.equal(readFileSync(`${dir}/x.crl`)[0], 0x30, 'DER on disk');
  const pem = await cli(['gencrl', dir]);
  t.match(pem.stdout, /^-----BEGIN X509 CRL-----/, 'PEM on stdout without --out');
});

t.test('bad input: no CA key, a corrupt CRL', async (t) => {
  const nokey = `${tempDir(t)}/nokey`;
  await initCa({ dir: nokey, cn: 'Keyless CA' });
  rmSync(`${nokey}/private/cakey.pem`);
  const r = await cli(['gencrl', nokey]);
  t.equal(r.code, 1);
  t.match(r.stderr, /has no CA key .*cannot be generated here/);
  t.throws(() => parseCrl(Buffer.from('not a crl')), CrlError);
  t.throws(() => parseCrl(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01])), /not a CertificateList|not a CRL/);
  const der = (await genCrl({ dir })).der;
  const spoiled = Buffer.from(der);
  spoiled[spoiled.length - 1] ^= 1;
  t.equal(checkCrl(parseCrl(spoiled), issuer, new Date()), 'bad-signature');
  t.equal(checkCrl(parseCrl(der), readCertificates(readFileSync(good.certPath))[0], new Date()), 'wrong-issuer');
  t.equal(checkCrl(parseCrl(der), issuer, new Date(Date.now() + 40 * 86_400_000)), 'expired');
  t.equal(checkCrl(parseCrl(der), issuer, new Date(Date.now() - 86_400_000)), 'not-yet-valid');
});

t.test('issue --crl-url: the CDP extension, read by openssl and by us', async (t) => {
  const r = await openssl(['x509', '-in', good.certPath, '-noout', '-ext', 'crlDistributionPoints']);
  t.match(r.stdout, /URI:http:\/\/127\.0\.0\.1:2560\/crl\/crl-test\.crl/, 'the CA default');
  t.same(crlDistributionPoints(readCertificates(readFileSync(good.certPath))[0]), ['http://127.0.0.1:2560/crl/crl-test.crl']);
  const x = await cli(['issue', dir, '--cn', 'two.example', '--crl-url', 'http://a.example/1.crl', '--crl-url', 'ldap://b.example/cn=x']);
  expectOk(t, x, 'issue with two --crl-url');
  t.same(crlDistributionPoints(readCertificates(readFileSync(`${dir}/certs/two.example.pem`))[0]), ['http://a.example/1.crl', 'ldap://b.example/cn=x']);
  const n = await cli(['issue', dir, '--cn', 'none.example', '--no-crl-url']);
  expectOk(t, n, '--no-crl-url');
  t.same(crlDistributionPoints(readCertificates(readFileSync(`${dir}/certs/none.example.pem`))[0]), []);
});

t.test('bad input leaves the CA as it was, with a clear message: key mismatch, --out not writable, no index, a cut crlnumber rotation', async (t) => {
  const d = `${tempDir(t)}/bad`;
  await initCa({ dir: d, cn: 'Bad Input CA' });
  const snapshot = () => ['index.txt', 'crlnumber', 'serial'].map((f) => (existsSync(`${d}/${f}`) ? readFileSync(`${d}/${f}`, 'latin1') : '-'));
  const before = snapshot();
  // A key that is not the certificate's: openssl ca refuses ("CA certificate and CA private key do not match").
  const key = readFileSync(`${d}/private/cakey.pem`);
  const other = await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${d}/private/cakey.pem`]);
  t.equal(other.code, 0);
  const m = await cli(['gencrl', d, '--out', `${d}/mismatch.pem`]);
  t.equal(m.code, 1);
  t.match(m.stderr, /cakey\.pem is not the key of .*cacert\.pem \(CA certificate and CA private key do not match\); nothing was signed/);
  t.notOk(existsSync(`${d}/mismatch.pem`), 'no CRL that nothing verifies');
  writeFileSync(`${d}/private/cakey.pem`, key);
  // --out a directory, or in a directory that is not there: said so, no temporary file left.
  mkdirSync(`${d}/out`);
  const isDir = await cli(['gencrl', d, '--out', `${d}/out`]);
  t.equal(isDir.code, 1);
  t.match(isDir.stderr, /--out .*\/out is a directory; give a file name/);
  const noDir = await cli(['gencrl', d, '--out', `${d}/nowhere/crl.pem`]);
  t.match(noDir.stderr, /--out .*nowhere\/crl\.pem: the directory .*nowhere does not exist/);
  t.same(readdirSync(d).filter((f) => f.includes('.tmp-')), [], 'no temporary file');
  // --out one of the CA's own files: refused, not overwritten.
  const cert = readFileSync(`${d}/cacert.pem`);
  for (const f of ['cacert.pem', 'index.txt', 'private/cakey.pem', 'crlnumber.old']) {
    const own = await cli(['gencrl', d, '--out', `${d}/${f}`]);
    t.equal(own.code, 1, f);
    t.match(own.stderr, /is the CA's own .*; a CRL goes in a file of its own/);
  }
  t.same(readFileSync(`${d}/cacert.pem`), cert, 'cacert.pem as it was');
  t.same(snapshot(), before, 'index, crlnumber and serial as they were');
  t.same(readFileSync(`${d}/private/cakey.pem`), key);
  // An earlier CRL at --out is kept as FILE.old.
  const first = await genCrl({ dir: d, out: `${d}/crl.pem` });
  const second = await genCrl({ dir: d, out: `${d}/crl.pem` });
  t.equal(parseCrl(readFileSync(`${d}/crl.pem.old`)).number, first.number, 'the previous CRL in crl.pem.old');
  t.equal(parseCrl(readFileSync(`${d}/crl.pem`)).number, second.number);
  const afterCrls = snapshot();
  // No index.txt (and nothing to recover it from).
  renameSync(`${d}/index.txt`, `${d}/index.away`);
  rmSync(`${d}/index.txt.old`, { force: true });
  const noIndex = await cli(['gencrl', d]);
  t.equal(noIndex.code, 1);
  t.match(noIndex.stderr, /index\.txt is missing, and there is no index\.txt\.new or index\.txt\.old to recover it from; nothing was changed/);
  t.notMatch(noIndex.stderr, /ENOENT/);
  renameSync(`${d}/index.away`, `${d}/index.txt`);
  // openssl ca killed between its two renames: crlnumber gone, crlnumber.new holding the next number.
  t.not(afterCrls[1], before[1], 'two CRLs used two numbers');
  writeFileSync(`${d}/crlnumber`, '41\n');
  renameSync(`${d}/crlnumber`, `${d}/crlnumber.old`);
  writeFileSync(`${d}/crlnumber.new`, '42\n');
  const r = await genCrl({ dir: d });
  t.equal(r.number, 0x42n, 'the number openssl was putting in place, not a CRL without one');
  t.equal(readFileSync(`${d}/crlnumber`, 'latin1'), '43\n');
});

t.test('a CA made by plain openssl ca, its config elsewhere and its own file names: gencrl --config, alternating with openssl ca -gencrl', async (t) => {
  const top = tempDir(t);
  const d = `${top}/myCA`;
  mkdirSync(`${d}/keys`, { recursive: true });
  mkdirSync(`${d}/issued`);
  writeFileSync(`${d}/db.txt`, '');
  writeFileSync(`${d}/crl.serial`, '1F\n');
  // Comments right after a value, $dir and ${dir}, as openssl reads them.
  const cnf = `${top}/elsewhere.cnf`;
  writeFileSync(
    cnf,
    `[ ca ]\ndefault_ca = my_ca\n[ my_ca ]\ndir = ${d}# where it lives\ndatabase = $dir/db.txt\nnew_certs_dir = \${dir}/issued\ncertificate = $dir/ca.crt\nprivate_key = $dir/keys/ca.key\n` +
      `serial = $dir/cert.serial\ncrlnumber = $dir/crl.serial\ndefault_md = sha256\ndefault_days = 30\ndefault_crl_days = 7\npolicy = any\nunique_subject = no\n[ any ]\ncommonName = supplied\n`,
  );
  expectOk(t, await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${d}/keys/ca.key`, '-out', `${d}/ca.crt`, '-subj', '/CN=Plain openssl CA', '-days', '30']), 'req -x509');
  expectOk(t, await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${top}/l.key`, '-out', `${top}/l.csr`, '-subj', '/CN=plain leaf']), 'req');
  expectOk(t, await run('openssl', ['ca', '-config', cnf, '-batch', '-rand_serial', '-in', `${top}/l.csr`, '-out', `${top}/l.pem`]), 'openssl ca');
  expectOk(t, await run('openssl', ['ca', '-config', cnf, '-revoke', `${top}/l.pem`, '-crl_reason', 'superseded']), 'openssl ca -revoke');
  const leafSerial = readCertificates(readFileSync(`${top}/l.pem`))[0].serial;

  const ours = await cli(['gencrl', '--config', cnf, '--out', `${top}/ours.pem`]);
  expectOk(t, ours, 'ocsplab ca gencrl --config');
  t.match(ours.stdout, /1 revoked, number 1F, /);
  t.match((await openssl(['crl', '-in', `${top}/ours.pem`, '-CAfile', `${d}/ca.crt`, '-noout'])).stderr, /verify OK/);
  const crl = parseCrl(readFileSync(`${top}/ours.pem`));
  t.same([...crl.entries.keys()], [n(leafSerial)]);
  t.equal(crl.entries.get(n(leafSerial))?.reason, 4, 'superseded');
  t.equal(Math.round((crl.nextUpdate!.getTime() - crl.thisUpdate.getTime()) / 86_400_000), 7, 'default_crl_days of that config');
  expectOk(t, await run('openssl', ['ca', '-config', cnf, '-gencrl', '-out', `${top}/theirs.pem`]), 'openssl ca -gencrl next');
  t.equal(parseCrl(readFileSync(`${top}/theirs.pem`)).number, 0x20n, 'openssl goes on from our number');
  t.equal((await genCrl({ config: cnf })).number, 0x21n, 'and we from theirs');

  // crlnumber gone with only crlnumber.old (the number the last CRL carries): refused, as openssl.
  renameSync(`${d}/crl.serial`, `${top}/away`);
  const gone = await cli(['gencrl', '--config', cnf]);
  t.equal(gone.code, 1);
  t.match(gone.stderr, /crl\.serial is missing \(openssl\.cnf names it: crlnumber\); nothing was written/);
  t.equal(gone.stdout, '', 'no CRL without its number, none under a number used before');
  t.notOk(existsSync(`${d}/crl.serial`));
  const oursDir = `${tempDir(t)}/ours`;
  await initCa({ dir: oursDir, cn: 'Ours' });
  await genCrl({ dir: oursDir });
  rmSync(`${oursDir}/crlnumber`);
  await t.rejects(genCrl({ dir: oursDir }), /crlnumber is missing/);
  // A digest openssl would use and we cannot: said, not silently replaced.
  renameSync(`${top}/away`, `${d}/crl.serial`);
  writeFileSync(cnf, readFileSync(cnf, 'utf8').replace('default_md = sha256', 'default_md = sha224'));
  const md = await cli(['gencrl', '--config', cnf, '--out', `${top}/md.pem`]);
  expectOk(t, md, 'default_md = sha224');
  t.match(md.stderr, /note: default_md = sha224 is not a digest ocsplab signs with \(sha1, sha256, sha384, sha512\); signed with sha256/);
  t.match((await openssl(['crl', '-in', `${top}/md.pem`, '-CAfile', `${d}/ca.crt`, '-noout'])).stderr, /verify OK/);
  const noCnf = await cli(['gencrl', d]);
  t.match(noCnf.stderr, /is not a CA directory \(no CA certificate .*cacert\.pem\); for a CA whose openssl\.cnf is elsewhere give --config FILE/);
});

t.test('every reason openssl ca -revoke writes, as openssl ca -gencrl lists it: the same entries, byte for byte in openssl crl -text', async (t) => {
  const d = `${tempDir(t)}/reasons`;
  await initCa({ dir: d, cn: 'Reasons CA', passout: 'pass:lab secret' });
  const cases: Array<[string, Record<string, string>]> = [
    ['unspecified', { reason: 'unspecified' }],
    ['keyCompromise+time', { reason: 'keyCompromise', invalidity: '20260101000000Z' }],
    ['CACompromise+time', { reason: 'CACompromise', invalidity: '2026-01-02T03:04:05Z' }],
    ['affiliationChanged', { reason: 'affiliationChanged' }],
    ['superseded', { reason: 'superseded' }],
    ['cessationOfOperation', { reason: 'cessationOfOperation' }],
    ['certificateHold', { reason: 'certificateHold' }],
    ['hold+callIssuer', { reason: 'certificateHold', holdInstruction: 'holdInstructionCallIssuer' }],
    ['removeFromCRL', { reason: 'removeFromCRL' }],
    ['none', {}],
  ];
  for (const [cn, o] of cases) {
    const c = await issue({ dir: d, cn, passin: 'pass:lab secret' });
    await revoke({ dir: d, target: c.serial, ...o });
  }
  writeFileSync(`${d}/pass.txt`, 'lab secret\n', { mode: 0o600 });
  const ours = await cli(['gencrl', d, '--out', `${d}/ours.pem`, '--passin', `file:${d}/pass.txt`]);
  expectOk(t, ours, 'gencrl with --passin file:');
  t.notMatch(ours.stdout + ours.stderr, /lab secret/, 'the pass phrase in no output');
  expectOk(t, await openssl(['ca', '-config', `${d}/openssl.cnf`, '-gencrl', '-out', `${d}/theirs.pem`, '-passin', 'pass:lab secret']), 'openssl ca -gencrl');
  const revoked = async (f: string) => {
    const text = (await openssl(['crl', '-in', f, '-noout', '-text'])).stdout;
    return text.slice(text.indexOf('Revoked Certificates:'), text.lastIndexOf('Signature Algorithm'));
  };
  const a = await revoked(`${d}/ours.pem`);
  t.equal(a, await revoked(`${d}/theirs.pem`), 'the same revoked list, reasons, invalidity dates and hold codes');
  t.match(a, /Remove From CRL/);
  t.match(a, /Hold Instruction Code:\s+Hold Instruction Call Issuer/);
  t.match(a, /Invalidity Date:\s+Jan  2 03:04:05 2026 GMT/);
  t.equal((a.match(/Serial Number:/g) ?? []).length, cases.length);
});
