// explain names the certificate an AMQ9633/AMQ9716 entry is about (issue 19): the details insert
// read back in every form MQ logs it (GSKit's record, OpenSSL's DN, 'was revoked by AUTHINFO URL'),
// its place in the partner's chain (the partner's own, an intermediate CA, the root) with what
// that rests on, and the chain check first when it is a CA's. The chain matrix is run on the
// emulator and every failing scenario's logs explained back to the certificate the drill broke.

import t from 'tap';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detailsCertificate } from '../src/mq/inserts.js';
import { explain, type Diagnosis } from '../src/explain/explain.js';
import { formatDiagnosis } from '../src/explain/format.js';
import { EmbeddedTarget } from '../src/drill/embedded.js';
import { LabEnv } from '../src/drill/lab-env.js';
import { loadDrill } from '../src/drill/load.js';
import { runDrills } from '../src/drill/runner.js';
import { tempDir } from './helpers/openssl.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (f: string) => readFileSync(join(ROOT, 'test/fixtures/mq', f), 'utf8');

t.test('the details insert read back in each form MQ logs', async (t) => {
  t.same(detailsCertificate('[Class=]GSKVALMethod::X509[Issuer=]CN=Root CA,O=x[#=]0a1b[Subject=]CN=app,O=x'), { subject: 'CN=app,O=x', issuer: 'CN=Root CA,O=x', serial: '0a1b' });
  t.same(detailsCertificate('/C=JP/ST=Chiba/O=Pulsar Integration PL921WC Inc./CN=www.pulsarintegration.PL921WC.com'), {
    subject: 'CN=www.pulsarintegration.PL921WC.com,O=Pulsar Integration PL921WC Inc.,ST=Chiba,C=JP',
  });
  t.same(detailsCertificate('Certificate /C=JP/O=P/CN=h.example was revoked by AUTHINFO URL http://ocsp:8080'), { subject: 'CN=h.example,O=P,C=JP', url: 'http://ocsp:8080' });
  t.equal(detailsCertificate('sslv3 alert bad certificate'), undefined, 'an alert names no certificate');
});

t.test("real logs (seed 003): the partner's own certificate, no chain check", async (t) => {
  for (const [file, side] of [
    ['seed003-row5-qm.txt', 'qm'],
    ['seed003-row4-client.txt', 'client'],
    ['real/revoked-client-cert-24h.qm.log', 'qm'],
  ] as const) {
    const d = explain([{ text: fixture(file), side }]);
    const named = d.entries.filter((e) => e.certificate);
    t.ok(named.length, `${file}: a certificate named`);
    for (const e of named) t.equal(e.certificate!.role, 'leaf', `${file}: ${e.certificate!.subject} is the partner's own`);
    t.notOk(d.incidents.some((i) => i.certificate || i.checks.some((c) => c.id.startsWith('chain-'))), `${file}: no chain check`);
  }
});

t.test('an intermediate shown by the log itself: another entry names a certificate it issued', async (t) => {
  const entry = (ts: string, details: string, ve: number) =>
    `03/12/2026 ${ts} - Process(1.1) User(mqm) Program(amqrmppa)\n                      Host(h) Installation(Installation1)\n                      VRMF(9.3.0.0) QMgr(QM1)\n` +
    `AMQ9633E: Bad SSL certificate for channel '????'.\n\nEXPLANATION:\nThe details of the certificate which could not be validated are\n'${details}'.\n\nThe certificate validation error was ${ve}.\nACTION:\nx\n----- amqccisa.c : 8789 --------------------------------------------------------\n`;
  // Neither name reads as a CA's: only the issuer link in the log tells the roles apart.
  const mid = '[Class=]GSKVALMethod::X509[Issuer=]CN=Acme Top,O=acme[#=]05[Subject=]CN=Acme Two,O=acme';
  const leaf = '[Class=]GSKVALMethod::X509[Issuer=]CN=Acme Two,O=acme[#=]77[Subject=]CN=app1,O=acme';
  const d = explain([{ text: entry('10:00:00', leaf, 575010) + entry('10:00:05', mid, 575032) }]);
  const mine = d.entries.find((e) => e.certificate?.subject === 'CN=Acme Two,O=acme')!;
  t.equal(mine.certificate!.role, 'intermediate');
  t.match(mine.certificate!.basis, /names a certificate it issued \(CN=app1,O=acme\), read from the log/);
  t.equal(d.entries.find((e) => e.certificate?.subject === 'CN=app1,O=acme')!.certificate!.role, 'leaf');
});

// Through the drill: every failing chain scenario, its logs explained back.
const work = tempDir('ocsplab-explain-chain-');
t.teardown(() => rmSync(work, { recursive: true, force: true }));

/** Scenario -> the side whose entry names the certificate, its CN and role. From the scenario's
 *  own setup: what it revoked, took down or left out. */
const EXPECTED: Record<string, { side: 'qm' | 'client'; cn: string; role: 'leaf' | 'intermediate' | 'root'; message: 'AMQ9633' | 'AMQ9716' }> = {
  'chain-client-issuing-revoked': { side: 'qm', cn: 'ocsplab client issuing CA', role: 'intermediate', message: 'AMQ9633' },
  'chain-qm-issuing-revoked': { side: 'client', cn: 'ocsplab QM issuing CA', role: 'intermediate', message: 'AMQ9633' },
  'chain-client-root-down-required': { side: 'qm', cn: 'ocsplab client issuing CA', role: 'intermediate', message: 'AMQ9716' },
  'chain-qm-root-down-client': { side: 'client', cn: 'ocsplab QM issuing CA', role: 'intermediate', message: 'AMQ9716' },
  'chain-intermediate-unknown': { side: 'qm', cn: 'ocsplab client issuing CA', role: 'intermediate', message: 'AMQ9716' },
  'chain-missing-intermediate': { side: 'qm', cn: 'mqclient', role: 'leaf', message: 'AMQ9633' },
  'chain-root-expired': { side: 'qm', cn: 'ocsplab client root CA', role: 'root', message: 'AMQ9633' },
  'chain-cross-signed-revoked': { side: 'qm', cn: 'ocsplab client issuing CA', role: 'intermediate', message: 'AMQ9633' },
  'chain-issuing-revoked-in-crl': { side: 'qm', cn: 'ocsplab client issuing CA', role: 'intermediate', message: 'AMQ9633' },
};

t.test('the chain matrix on the emulator: each failure explained back to the certificate it broke', async (t) => {
  const file = await loadDrill(join(ROOT, 'scenarios/mq-chain-matrix.yaml'));
  const env = await LabEnv.open(join(work, 'lab'), file.labDepth);
  const target = await EmbeddedTarget.load();
  let results;
  try {
    results = await runDrills([file], { env, target, logRoot: join(work, 'logs') });
  } finally {
    await target.close();
    await env.close();
  }
  const failing = results.filter((r) => r.connects.some((c) => c.result.rc !== 0));
  t.same(failing.map((r) => r.id).sort(), Object.keys(EXPECTED).sort(), 'every failing scenario has an expectation here');
  for (const r of failing) {
    const want = EXPECTED[r.id]!;
    const res = r.connects.at(-1)!.result;
    // A side that logged nothing has no file.
    const log = (f: string | undefined) => (f && existsSync(f) ? readFileSync(f, 'utf8') : '');
    const d: Diagnosis = explain([
      { text: log(res.qm.logFile), side: 'qm', name: 'qm' },
      { text: log(res.client.logFile), side: 'client', name: 'client' },
    ]);
    const e = d.entries.find((x) => x.side === want.side && x.messageId === want.message && x.certificate);
    t.ok(e, `${r.id}: ${want.side} ${want.message} names a certificate`);
    if (!e) continue;
    t.match(e.certificate!.subject, new RegExp(`^CN=${want.cn},`), `${r.id}: about ${want.cn}`);
    t.equal(e.certificate!.role, want.role, `${r.id}: ${want.role}`);
    const inc = d.incidents.at(-1)!;
    const text = formatDiagnosis(d);
    t.match(text, `about: `, `${r.id}: the report names it`);
    if (want.role === 'leaf') {
      t.notOk(inc.certificate, `${r.id}: the partner's own certificate, no chain check`);
    } else {
      t.equal(inc.certificate?.subject, e.certificate!.subject, `${r.id}: the diagnosis is about it`);
      t.match(inc.summary, want.role === 'root' ? /a root CA certificate/ : /an intermediate CA certificate in .* chain, not .* own certificate/);
      t.equal(inc.checks[0]!.id, want.role === 'root' ? 'chain-root' : 'chain-intermediate', `${r.id}: the chain check first`);
    }
  }
});
