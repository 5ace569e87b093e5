// CRLs in LDAP where IBM MQ reads them (AUTHINFO AUTHTYPE(CRLLDAP)): a real OpenLDAP slapd on a
// loopback port, our publisher writing `certificateRevocationList;binary` under the issuer DN,
// and OpenLDAP's own ldapsearch reading it back; the server stopped (down) and restarted (back).

import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { genCrl, initCa, issue, restore, revoke } from '../src/ca/index.js';
import { checkCrl, parseCrl } from '../src/crl/decode.js';
import { readCertificates, type CertInfo } from '../src/ocsp/cert.js';
import { encodeName, parseSubject } from '../src/ca/name.js';
import { seq, tlv, oid } from '../src/ocsp/der.js';
import { normalizeSerial as n } from '../src/index/line.js';
import { escapeDnValue, ldapDn } from '../src/ldap/dn.js';
import { Slapd } from '../src/ldap/slapd.js';
import { LdapCrlPublisher } from '../src/ldap/crl-publisher.js';
import { ARL_ATTRIBUTE, CRL_ATTRIBUTE, fetchLdapCrl, ldapCode } from '../src/ldap/crl-fetch.js';
import { run, tempDir } from './helpers/ca-tools.js';
import { alive, eventually, ldapOutputs, ldapsearch, ldifValues, portClosed } from './helpers/slapd.js';

const SLAPD_JS = fileURLToPath(new URL('../src/ldap/slapd.js', import.meta.url));
const INSTALL = 'apt-get install slapd ldap-utils';

/** False (and the test skipped, or failed in CI) when slapd or ldapsearch is not installed. */
async function present(t: Test): Promise<boolean> {
  if (Slapd.installed() && (await run('ldapsearch', ['-VV'])).code === 0) return true;
  if (process.env.OCSPLAB_INTEROP_REQUIRE === '1') t.fail(`slapd or ldapsearch not installed: ${INSTALL}`);
  else t.plan(0, `slapd or ldapsearch not installed: ${INSTALL}`);
  return false;
}

t.test('ldapDn: RFC 4514 string of a Name, most specific RDN first', async (t) => {
  t.equal(ldapDn(encodeName(parseSubject('/O=ocsplab lab/CN=ocsplab QM CA'))), 'CN=ocsplab QM CA,O=ocsplab lab');
  t.equal(ldapDn(encodeName(parseSubject('/C=JP/ST=Tokyo/L=Chiyoda/O=Lab/OU=PKI/CN=qm1'))), 'CN=qm1,OU=PKI,O=Lab,L=Chiyoda,ST=Tokyo,C=JP');
  t.equal(ldapDn(encodeName(parseSubject('/DC=org/DC=example/UID=u1'))), 'UID=u1,DC=example,DC=org', 'IA5String DC');
  t.equal(ldapDn(encodeName(parseSubject('/O=Lab/CN=a+OU=b'))), 'CN=a+OU=b,O=Lab', 'multi-valued RDN joined by +');
  t.equal(escapeDnValue('a,b+c"d\\e<f>g;h=i'), 'a\\,b\\+c\\"d\\\\e\\<f\\>g\\;h\\=i');
  t.equal(escapeDnValue('#lead'), '\\#lead');
  t.equal(escapeDnValue(' both '), '\\ both\\ ');
  t.equal(escapeDnValue('mid # and space'), 'mid # and space', '# and space inside stay');
  t.equal(escapeDnValue('nul\x00'), 'nul\\00');
  t.equal(ldapDn(encodeName(parseSubject('/O=Lab/2.5.4.97=NTRJP-1'))), '2.5.4.97=#0c074e54524a502d31,O=Lab', 'unknown type: dotted OID and the BER value in hex');
  const bmp = seq(tlv(0x31, seq(oid('2.5.4.3'), tlv(0x1e, Buffer.from('\u00fcber', 'utf16le').swap16()))));
  t.equal(ldapDn(bmp), 'CN=\u00fcber', 'BMPString');
  t.equal(ldapDn(seq()), '', 'empty Name');
});

t.test('slapd: publish, read with ldapsearch, change, remove, stop, restart', async (t) => {
  if (!(await present(t))) return;
  const root = tempDir(t);
  const slapd = await Slapd.start({ dir: `${root}/slapd`, suffixes: ['o=ocsplab lab', 'o=second lab'] });
  t.teardown(() => slapd.stop());
  const { url, port } = slapd;
  t.match(url, /^ldap:\/\/127\.0\.0\.1:\d+$/);
  const pub = await LdapCrlPublisher.connect({ url, bindDn: slapd.rootDn, password: slapd.rootPassword });
  t.teardown(() => pub.close().catch(() => undefined));

  const caDir = `${root}/qm-ca`;
  await initCa({ dir: caDir, subject: '/O=ocsplab lab/CN=ocsplab QM CA' });
  const ca: CertInfo = readCertificates(readFileSync(`${caDir}/cacert.pem`))[0];
  const dn = ldapDn(ca.subjectDer);
  t.equal(dn, 'CN=ocsplab QM CA,O=ocsplab lab');
  const a = await issue({ dir: caDir, cn: 'a.example' });
  const b = await issue({ dir: caDir, cn: 'b.example' });

  /** The CRL ldapsearch finds under the CA's DN, decoded. */
  const served = async () => {
    const r = await ldapsearch(url, dn, [CRL_ATTRIBUTE]);
    t.equal(r.code, 0, r.code ? `ldapsearch: ${r.stderr}` : 'ldapsearch');
    const values = ldifValues(r.stdout, CRL_ATTRIBUTE);
    t.equal(values.length, 1, values.length === 1 ? `one ${CRL_ATTRIBUTE}:: value` : `not one value in ${r.stdout}`);
    return values[0];
  };

  let firstNumber: bigint | undefined;
  let lastDer: Buffer | undefined;
  await t.test('publish: the entry and its suffix are created, ldapsearch reads the CRL', async (t) => {
    await revoke({ dir: caDir, target: a.serial, reason: 'keyCompromise' });
    const { der } = await genCrl({ dir: caDir });
    t.equal(await pub.publish(ca.subjectDer, der), dn);
    const got = await served();
    t.ok(got.equals(der), 'the same bytes');
    const crl = parseCrl(got);
    t.same([...crl.entries.keys()], [n(a.serial)], 'lists the revoked serial only');
    t.equal(crl.entries.get(n(a.serial))?.reason, 1);
    t.equal(checkCrl(crl, ca, new Date()), 'ok', 'signed by the CA, current');
    firstNumber = crl.number;
    t.ok((await pub.read(ca.subjectDer))?.equals(der), 'read(): what MQ would fetch');
    t.ok((await fetchLdapCrl({ url, issuer: ca.subjectDer }))?.equals(der), 'anonymous fetch');
    const classes = await ldapsearch(url, dn, ['objectClass']);
    t.match(classes.stdout, /objectClass: cRLDistributionPoint/);
    const top = await ldapsearch(url, 'o=ocsplab lab', ['objectClass']);
    t.match(top.stdout, /objectClass: organization/, 'the suffix entry was made');
  });

  await t.test('the next CRL replaces it: another serial, a higher number', async (t) => {
    await revoke({ dir: caDir, target: b.serial });
    await restore({ dir: caDir, target: a.serial });
    const { der } = await genCrl({ dir: caDir });
    await pub.publish(ca.subjectDer, der);
    const crl = parseCrl(await served());
    t.same([...crl.entries.keys()], [n(b.serial)], 'b revoked, a restored');
    t.ok(crl.number! > firstNumber!, `number ${crl.number} after ${firstNumber}`);
    lastDer = der;
  });

  await t.test('a CA deeper in another suffix, with an ARL; one writer for both suffixes', async (t) => {
    const dir2 = `${root}/second-ca`;
    await initCa({ dir: dir2, subject: '/O=second lab/OU=PKI/CN=second lab CA' });
    const ca2 = readCertificates(readFileSync(`${dir2}/cacert.pem`))[0];
    const crl = (await genCrl({ dir: dir2 })).der;
    const arl = (await genCrl({ dir: dir2 })).der; // a root's ARL: the CA certificates it revoked (none)
    const dn2 = await pub.publish(ca2.subjectDer, crl, { arl });
    t.equal(dn2, 'CN=second lab CA,OU=PKI,O=second lab');
    const r = await ldapsearch(url, dn2, [CRL_ATTRIBUTE, ARL_ATTRIBUTE]);
    t.ok(ldifValues(r.stdout, CRL_ATTRIBUTE)[0]?.equals(crl), 'CRL');
    t.ok(ldifValues(r.stdout, ARL_ATTRIBUTE)[0]?.equals(arl), 'ARL');
    t.ok((await pub.read(ca2.subjectDer, 'arl'))?.equals(arl));
    t.equal((await ldapsearch(url, 'OU=PKI,O=second lab', ['objectClass'])).code, 0, 'the OU between was made');
  });

  await t.test('a CA name with characters RFC 4514 escapes', async (t) => {
    const dir3 = `${root}/odd-ca`;
    await initCa({ dir: dir3, subject: '/O=ocsplab lab/CN=#1 Lab, "QM" <2>; a\\+b=c\\\\d ' });
    const ca3 = readCertificates(readFileSync(`${dir3}/cacert.pem`))[0];
    const dn3 = ldapDn(ca3.subjectDer);
    t.equal(dn3, 'CN=\\#1 Lab\\, \\"QM\\" \\<2\\>\\; a\\+b\\=c\\\\d\\ ,O=ocsplab lab');
    const der = (await genCrl({ dir: dir3 })).der;
    await pub.publish(ca3.subjectDer, der);
    const r = await ldapsearch(url, dn3, [CRL_ATTRIBUTE]);
    t.equal(r.code, 0, r.stderr);
    t.ok(ldifValues(r.stdout, CRL_ATTRIBUTE)[0]?.equals(der), 'slapd found the entry by the escaped DN');
  });

  await t.test('removeCrl: the entry stays without a CRL; removeEntry: no such object', async (t) => {
    await pub.removeCrl(ca.subjectDer);
    const r = await ldapsearch(url, dn, [CRL_ATTRIBUTE]);
    t.equal(r.code, 0);
    t.match(r.stdout, /^dn: cn=ocsplab QM CA,o=ocsplab lab$/im, 'the entry is there');
    t.same(ldifValues(r.stdout, CRL_ATTRIBUTE), [], 'without the attribute');
    t.equal(await pub.read(ca.subjectDer), undefined);
    await pub.removeCrl(ca.subjectDer); // again: nothing to remove is not an error
    await pub.removeEntry(ca.subjectDer);
    const gone = await ldapsearch(url, dn, [CRL_ATTRIBUTE]);
    t.equal(gone.code, 32, 'ldapsearch: No such object (32)');
    t.match(gone.stderr + gone.stdout, /No such object/);
    t.equal(await fetchLdapCrl({ url, issuer: dn }), undefined);
    await pub.publish(ca.subjectDer, lastDer!);
    t.ok((await served()).equals(lastDer!), 'publish makes the entry again');
  });

  await t.test('anonymous clients read but cannot write; the password file binds', async (t) => {
    const anon = await LdapCrlPublisher.connect({ url });
    t.teardown(() => anon.close());
    const err = await anon.publish(ca.subjectDer, lastDer!).catch((e: unknown) => e);
    t.equal(ldapCode(err), 8, 'strongerAuthRequired: slapd refuses anonymous updates');
    t.equal(statSync(slapd.passwordFile).mode & 0o777, 0o600);
    const who = await run('ldapwhoami', ['-x', '-H', url, '-D', slapd.rootDn, '-y', slapd.passwordFile]);
    ldapOutputs.push(who);
    t.equal(who.code, 0, who.stderr);
    t.match(who.stdout, /^dn:cn=admin,o=ocsplab lab$/m);
  });

  await t.test('stop: ldapsearch cannot contact the server, the port is closed; restart: served again', async (t) => {
    const pid = slapd.pid!;
    await slapd.stop();
    t.notOk(slapd.running);
    t.notOk(alive(pid), 'slapd exited');
    t.ok(await portClosed(port), 'nothing listens on the port');
    const down = await ldapsearch(url, dn, [CRL_ATTRIBUTE]);
    t.equal(down.code, 255);
    t.match(down.stderr, /Can't contact LDAP server/);
    await t.rejects(fetchLdapCrl({ url, issuer: ca.subjectDer, timeoutMs: 2000 }), 'fetch fails while down');
    await slapd.restart();
    t.equal(slapd.port, port, 'the same port');
    t.ok((await served()).equals(lastDer!), 'the same data');
    const { der } = await genCrl({ dir: caDir });
    await pub.publish(ca.subjectDer, der); // the bound client reconnects and binds again
    t.ok((await served()).equals(der), 'the publisher writes after the restart');
  });

  await t.test('a second slapd at the same time: its own port and data', async (t) => {
    const other = await Slapd.start({ dir: `${root}/slapd-2`, suffixes: ['o=ocsplab lab'] });
    t.teardown(() => other.stop());
    t.not(other.port, port);
    t.not(other.rootPassword, slapd.rootPassword, 'a random password each');
    const r = await ldapsearch(other.url, dn, [CRL_ATTRIBUTE]);
    t.equal(r.code, 32, 'the other server does not hold our entry');
    t.equal((await ldapsearch(url, dn, [CRL_ATTRIBUTE])).code, 0, 'ours still serves');
    const otherPort = other.port;
    await other.stop();
    t.ok(await portClosed(otherPort));
  });

  await t.test('the root password is in memory and the 0600 file only', async (t) => {
    const pw = slapd.rootPassword;
    t.ok(pw.length >= 20);
    for (const r of ldapOutputs) t.notOk((r.stdout + r.stderr).includes(pw), 'not in client output');
    t.notOk(slapd.output().includes(pw), "not in slapd's output");
    t.notOk(readFileSync(`/proc/${slapd.pid}/cmdline`, 'latin1').includes(pw), "not in slapd's argv");
    const conf = readFileSync(slapd.confFile, 'utf8');
    t.match(conf, /rootpw "\{SSHA\}/, 'slapd.conf holds a salted hash');
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
    for (const f of walk(slapd.dir)) {
      if (f === slapd.passwordFile) continue;
      if (statSync(f).size > 64 << 20) continue;
      t.notOk(readFileSync(f).includes(pw), `not in ${f.slice(slapd.dir.length + 1)}`);
    }
    t.equal(readFileSync(slapd.passwordFile, 'utf8'), pw);
    t.equal(statSync(slapd.passwordFile).mode & 0o777, 0o600);
  });

  await t.test('at the end nothing is left listening', async (t) => {
    const pid = slapd.pid!;
    await slapd.stop();
    await slapd.stop(); // twice is fine
    t.notOk(alive(pid));
    t.ok(await portClosed(port));
  });
});

/** Starts a slapd in a child node process; resolves with its port and pid once it serves. */
function childWithSlapd(dir: string, then: 'exit' | 'wait'): Promise<{ child: ReturnType<typeof spawn>; port: number; pid: number }> {
  const code = `const { Slapd } = await import(${JSON.stringify(SLAPD_JS)});
const s = await Slapd.start({ dir: ${JSON.stringify(dir)}, suffixes: ['o=ocsplab lab'] });
console.log(JSON.stringify({ port: s.port, pid: s.pid }));
${then === 'exit' ? 'process.exit(0);' : 'setInterval(() => {}, 1000);'}`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((res, rej) => {
    let out = '';
    child.stdout!.on('data', (b) => {
      out += b;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) res({ child, ...(JSON.parse(line) as { port: number; pid: number }) });
    });
    child.once('exit', (c) => (out.includes('{') ? undefined : rej(new Error(`child exited ${c} before slapd served`))));
  });
}

t.test('slapd ends with the process that started it', async (t) => {
  if (!(await present(t))) return;
  const root = tempDir(t);
  await t.test('process.exit without stop(): the exit hook ends it', async (t) => {
    const { port, pid } = await childWithSlapd(`${root}/exit`, 'exit');
    t.ok(await eventually(() => !alive(pid)), 'slapd gone');
    t.ok(await portClosed(port), 'port closed');
  });
  await t.test('SIGKILL of the process: the parent-death signal ends it', async (t) => {
    const { child, port, pid } = await childWithSlapd(`${root}/kill`, 'wait');
    t.ok(alive(pid), 'serving while the parent lives');
    child.kill('SIGKILL');
    t.ok(await eventually(() => !alive(pid)), 'slapd gone');
    t.ok(await portClosed(port), 'port closed');
  });
});
