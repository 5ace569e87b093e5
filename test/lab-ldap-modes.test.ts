// The lab's LDAP fault modes as a real LDAP client sees them (issue 17): OpenLDAP's ldapsearch,
// anonymous as MQ reads, against the slapd the lab starts. Each CA's entry carries its current CRL
// (a revoke shows in it at the next connect); ldap-no-entry leaves the entry without a CRL
// (server up); ldap-down stops the server; up brings both back.

import t from 'tap';
import { join } from 'node:path';
import { checkMode } from '../src/responder/modes.js';
import { parseCrl } from '../src/crl/decode.js';
import { normalizeSerial } from '../src/index/line.js';
import { readCertificates } from '../src/ocsp/cert.js';
import { ldapDn } from '../src/ldap/dn.js';
import { Slapd } from '../src/ldap/slapd.js';
import { LabEnv } from '../src/drill/lab-env.js';
import { cloneSettings, DEFAULT_SETTINGS } from '../src/drill/settings.js';
import { readFileSync } from 'node:fs';
import { run, tempDir } from './helpers/ca-tools.js';
import { ldapsearch, ldifValues } from './helpers/slapd.js';

const INSTALL = 'apt-get install slapd ldap-utils';
if (!Slapd.installed() || (await run('ldapsearch', ['-VV'])).code !== 0) {
  if (process.env.OCSPLAB_INTEROP_REQUIRE === '1') t.fail(`slapd or ldapsearch not installed: ${INSTALL}`);
  else t.plan(0, `slapd or ldapsearch not installed: ${INSTALL}`);
} else {
  const env = await LabEnv.open(join(tempDir(t), 'lab'));
  t.teardown(() => env.close());
  // A QM whose SSLCRLNL names the lab's LDAP server: what makes a connect fill it.
  const settings = cloneSettings(DEFAULT_SETTINGS);
  settings.qm.AUTHINFO = [{ AUTHTYPE: 'CRLLDAP', CONNAME: 'lab' }];
  const connect = async () => (await env.crlContext(settings)).ldap!;
  const ca = env.lab.chain.find((c) => c.name === 'client-ca')!;
  const base = ldapDn(readCertificates(readFileSync(ca.cacert))[0]!.subjectDer);
  const search = async () => {
    const { host, port } = await connect();
    return ldapsearch(`ldap://${host}:${port}`, base, ['certificateRevocationList;binary']);
  };
  const crlIn = (ldif: string) => ldifValues(ldif, 'certificateRevocationList;binary').map((b) => parseCrl(b));

  t.test("up: the CA's entry holds its current CRL, a revoke shows at the next connect", async (t) => {
    const a = await search();
    t.equal(a.code, 0, a.stderr);
    t.equal(crlIn(a.stdout).length, 1, 'one CRL in the entry');
    await env.revoke('client');
    const b = await search();
    t.ok(crlIn(b.stdout)[0]!.entries.has(normalizeSerial(env.lab.certs.client.serial)), 'the revoked client certificate is listed');
    await env.restore('client');
    t.notOk(crlIn((await search()).stdout)[0]!.entries.has(normalizeSerial(env.lab.certs.client.serial)), 'restored: gone');
  });

  t.test('ldap-no-entry: the server answers, the entry has no CRL', async (t) => {
    await env.setMode('client-ca', checkMode('ldap-no-entry'));
    const r = await search();
    t.equal(r.code, 0, 'ldapsearch succeeds: the server is up');
    t.equal(crlIn(r.stdout).length, 0, 'no certificateRevocationList in the entry');
    const other = env.lab.chain.find((c) => c.name === 'qm-ca')!;
    const { host, port } = await connect();
    const q = await ldapsearch(`ldap://${host}:${port}`, ldapDn(readCertificates(readFileSync(other.cacert))[0]!.subjectDer), ['certificateRevocationList;binary']);
    t.equal(crlIn(q.stdout).length, 1, "the other CA's entry keeps its CRL");
  });

  t.test('ldap-down: nothing answers; up: back with the CRL', async (t) => {
    await env.setMode('client-ca', checkMode('ldap-down'));
    const r = await search();
    t.not(r.code, 0, 'ldapsearch fails');
    t.match(r.stderr, /Can't contact LDAP server/);
    await env.setMode('client-ca', checkMode('up'));
    const back = await search();
    t.equal(back.code, 0, back.stderr);
    t.equal(crlIn(back.stdout).length, 1, 'the CRL is there again');
  });
}
