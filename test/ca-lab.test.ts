// `ocsplab ca lab`: the drill's material, fast, idempotent, and right enough that openssl's own
// responder signing with the delegated signer is trusted by a client holding only cacert.pem.

import t, { type Test as Tap } from 'tap';
import { cpSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createLab, loadLab, restore, revoke, type LabCa, type LabManifest } from '../src/ca/index.js';
import { opensslResponder as spawnResponder } from './helpers/openssl-responder.js';
import { cli, expectOk, freePort, openssl, opensslQuery, tempDir } from './helpers/ca-tools.js';

/** openssl's responder for one CA, signing with the lab's delegated signer; answers `n` requests. */
function opensslResponder(t: Tap, ca: LabCa, n: number): Promise<string> {
  return spawnResponder(t, ['-index', ca.index, '-CA', ca.cacert, '-rsigner', ca.responder.signerCert, '-rkey', ca.responder.signerKey], n);
}

// Generation time is reported, not asserted: speed belongs in benchmarks, and the drill's own
// end-to-end bound (drill-cli: under 20 s including the lab) is what users feel.
t.test('lab: both CAs, certificates, signers, copies and lab.json (RSA-2048)', async (t) => {
  const dir = `${tempDir(t)}/lab`;
  const start = Date.now();
  const { lab, created } = await createLab({ dir });
  const ms = Date.now() - start;
  t.ok(created);
  t.comment(`generated in ${ms} ms`);
  t.same(loadLab(dir), lab, 'lab.json round-trips');
  t.equal(lab.keyType, 'rsa2048');
  t.equal(lab.cas.qm.responder.url, 'http://127.0.0.1:2560');
  t.equal(lab.cas.client.responder.url, 'http://127.0.0.1:2561');
  const files = [lab.cas.qm, lab.cas.client].flatMap((c) => [c.cacert, c.cakey, c.index, c.opensslCnf, c.responder.signerCert, c.responder.signerKey]);
  files.push(...[lab.certs.qm, lab.certs.client].flatMap((c) => [c.cert, c.key, c.chain, c.p12]));
  files.push(lab.mq.mqsc, lab.mq.ini, lab.mq.mqclientIni, `${lab.mq.qmKeyDir}/tls.key`, `${lab.mq.qmKeyDir}/tls.crt`, `${lab.mq.qmKeyDir}/ca.crt`, ...lab.mq.trustDirs.map((d) => `${d}/tls.crt`));
  t.same(files.filter((f) => !existsSync(f)), [], 'every path in lab.json exists');
  t.equal(statSync(lab.certs.qm.key).mode & 0o777, 0o600);
  t.equal(statSync(lab.cas.qm.cakey).mode & 0o777, 0o600);

  for (const [c, ca] of [
    [lab.certs.qm, lab.cas.qm],
    [lab.certs.client, lab.cas.client],
  ] as const) {
    expectOk(t, await openssl(['verify', '-CAfile', ca.cacert, c.cert, ca.responder.signerCert]), `${c.name} and its CA's signer verify`);
    const text = (await openssl(['x509', '-in', c.cert, '-noout', '-text'])).stdout;
    t.match(text, `OCSP - URI:${ca.responder.url}`, `${c.name} certificate names its CA's responder`);
    t.equal(c.ocspUrl, ca.responder.url);
    t.match(text, `X509v3 CRL Distribution Points:`, `${c.name} certificate carries a CDP`);
    t.match(text, `URI:${ca.responder.url}/crl/${ca.name}.crl`, `${c.name} CDP: its CA's responder, same port`);
    t.equal(c.crlUrl, ca.crl.url);
    const p12 = await openssl(['pkcs12', '-in', c.p12, '-passin', `pass:${lab.p12Password}`, '-nodes']);
    expectOk(t, p12, `${c.name}.p12 opens with the lab password`);
    t.match(p12.stdout, `friendlyName: ${c.label}`);
    t.equal((p12.stdout.match(/BEGIN CERTIFICATE/g) ?? []).length, 3, 'own certificate, own CA, peer CA');
    t.match(p12.stdout, /BEGIN PRIVATE KEY/);
  }
  const client = await openssl(['verify', '-CAfile', lab.cas.client.cacert, '-purpose', 'sslclient', lab.certs.client.cert]);
  expectOk(t, client, 'client certificate fits TLS client auth');
  expectOk(t, await openssl(['verify', '-CAfile', lab.cas.qm.cacert, '-purpose', 'sslserver', lab.certs.qm.cert]), 'QM certificate fits TLS server auth');
});

t.test('lab MQ files: key and trust folders, AUTHINFO OCSP on the client CA responder, SSL stanzas', async (t) => {
  const dir = `${tempDir(t)}/lab`;
  const { lab } = await createLab({ dir, key: 'ec-p256', qmgr: 'QMLAB', ocspAuthentication: 'warn' });
  const mqsc = readFileSync(lab.mq.mqsc, 'utf8');
  t.match(mqsc, `DEFINE AUTHINFO('OCSPLAB.OCSP') AUTHTYPE(OCSP) OCSPURL('${lab.cas.client.responder.url}')`);
  t.match(mqsc, "DEFINE NAMELIST('OCSPLAB.REVOCATION') NAMES('OCSPLAB.OCSP')");
  t.match(mqsc, "ALTER QMGR SSLCRLNL('OCSPLAB.REVOCATION')");
  t.match(mqsc, "DEFINE AUTHINFO('OCSPLAB.CRL') AUTHTYPE(CRLLDAP) CONNAME('ldap(389)') REPLACE", 'a CRLLDAP AUTHINFO for the live QM');
  t.match(mqsc, "DEFINE NAMELIST('OCSPLAB.REVOCATION.CRL') NAMES('OCSPLAB.OCSP','OCSPLAB.CRL')", 'and a namelist that adds it after OCSP');
  t.match(mqsc, /CHLTYPE\(SVRCONN\).*SSLCAUTH\(REQUIRED\)/);
  t.match(readFileSync(lab.mq.ini, 'utf8'), /^SSL:\n\s+OCSPAuthentication=WARN\n\s+OCSPCheckExtensions=YES/);
  const ini = readFileSync(lab.mq.mqclientIni, 'utf8');
  t.match(ini, `SSLKeyRepository=${lab.certs.client.p12}`);
  t.match(ini, `CertificateLabel=${lab.certs.client.label}`);
  t.match(ini, 'OCSPAuthentication=WARN');
  t.equal(readFileSync(`${lab.mq.qmKeyDir}/tls.crt`, 'latin1'), readFileSync(lab.certs.qm.cert, 'latin1'));
  t.equal(readFileSync(`${lab.mq.qmKeyDir}/ca.crt`, 'latin1'), readFileSync(lab.cas.qm.cacert, 'latin1'));
  t.equal(readFileSync(`${lab.mq.trustDirs[0]}/tls.crt`, 'latin1'), readFileSync(lab.cas.client.cacert, 'latin1'), 'the QM trusts the client CA');
  t.match(lab.mq.qmKeyDir, /\/mq\/etc-mqm\/pki\/keys\/qmcert$/);
  t.match(lab.certs.qm.subject, '/CN=QMLAB');
});

t.test('a lab made by an older ocsplab (version 1, no CDPs) is made again', async (t) => {
  const dir = `${tempDir(t)}/old`;
  const { lab } = await createLab({ dir });
  const manifest = `${dir}/lab.json`;
  writeFileSync(manifest, JSON.stringify({ ...lab, version: 1 }));
  t.throws(() => loadLab(dir), /lab version 1, this ocsplab makes version 3; regenerate it with/);
  const again = await createLab({ dir });
  t.ok(again.created, 'regenerated');
  t.equal(again.lab.version, 3);
  t.equal(again.lab.certs.qm.crlUrl, 'http://127.0.0.1:2560/crl/qm-ca.crl');
});

t.test('lab is idempotent, --force regenerates, ports and base URL are configurable, moved labs load', async (t) => {
  const base = tempDir(t);
  const dir = `${base}/lab`;
  const first = await createLab({ dir, key: 'ec-p256', ocspBaseUrl: 'http://ocsp.lab', qmOcspPort: 8801, clientOcspPort: 8802 });
  t.equal(first.lab.cas.qm.responder.url, 'http://ocsp.lab:8801');
  t.same([first.lab.cas.client.responder.host, first.lab.cas.client.responder.port], ['ocsp.lab', 8802]);
  const qmPem = readFileSync(first.lab.certs.qm.cert, 'latin1');
  const again = await cli(['lab', dir, '--key', 'ec-p256', '--ocsp-base-url', 'http://ocsp.lab', '--qm-ocsp-port', '8801', '--client-ocsp-port', '8802']);
  expectOk(t, again, 'rerun');
  t.match(again.stdout, /lab already present/);
  t.equal(readFileSync(first.lab.certs.qm.cert, 'latin1'), qmPem, 'rerun keeps the certificates');
  const clash = await cli(['lab', dir]);
  t.equal(clash.code, 1);
  t.match(clash.stderr, /uses responders http:\/\/ocsp\.lab:8801 .*--force/);
  const forced = await createLab({ dir, key: 'ec-p256', force: true, qmOcspUrl: 'http://10.0.0.5:9001/qm', clientOcspUrl: 'http://10.0.0.5:9002/client' });
  t.ok(forced.created);
  t.not(readFileSync(forced.lab.certs.qm.cert, 'latin1'), qmPem, '--force makes new material');
  t.equal(forced.lab.cas.qm.responder.url, 'http://10.0.0.5:9001/qm');
  await t.rejects(createLab({ dir: `${base}/x`, qmOcspPort: 9000, clientOcspPort: 9000 }), { message: /both responders would be at/ });

  cpSync(dir, `${base}/moved`, { recursive: true });
  const moved = loadLab(`${base}/moved`);
  t.equal(moved.dir, `${base}/moved`);
  t.equal(moved.certs.client.cert, `${base}/moved/client/client.pem`);
  t.ok(existsSync(moved.cas.client.index));
});

t.test("openssl's responder signing with the delegated signer verifies with only -CAfile cacert.pem; revoke and restore through the API", async (t) => {
  const dir = `${tempDir(t)}/lab`;
  const { lab } = await createLab({ dir, key: 'ec-p256' });
  const query = async (ca: LabCa, cert: string, url: string) => opensslQuery({ issuer: ca.cacert, target: cert, url, cafile: ca.cacert });
  for (const [ca, cert] of [
    [lab.cas.qm, lab.certs.qm.cert],
    [lab.cas.client, lab.certs.client.cert],
  ] as const) {
    const url = await opensslResponder(t, ca, 1);
    const r = await query(ca, cert, url);
    t.ok(r.verified, `${ca.name}: Response verify OK with -CAfile only`);
    t.equal(r.status, 'good');
  }
  await revoke({ dir: lab.cas.qm.dir, target: lab.certs.qm.serial, reason: 'keyCompromise' });
  const revoked = await query(lab.cas.qm, lab.certs.qm.cert, await opensslResponder(t, lab.cas.qm, 1));
  t.same([revoked.verified, revoked.status, revoked.reason], [true, 'revoked', 'keyCompromise']);
  await restore({ dir: lab.cas.qm.dir, target: lab.certs.qm.cert });
  const good = await query(lab.cas.qm, lab.certs.qm.cert, await opensslResponder(t, lab.cas.qm, 1));
  t.same([good.verified, good.status], [true, 'good'], 'good again after restore');
  const manifest: LabManifest = JSON.parse(readFileSync(`${dir}/lab.json`, 'utf8'));
  t.equal(manifest.certs.qm.serial, lab.certs.qm.serial);
});
