// explain and CRLs (issue 17): AMQ9646 to the ldap-unreachable rows with the LDAP checks; AMQ9633,
// whose text is the same for an OCSP and a CRL revocation, read as OCSP first with the CRL reading
// beside it unless something in the log points at CRLs; AMQ9716's cause (a) naming CRL servers
// with the CRL checks beside the OCSP ones; `--drill` for the CRL rows accepted and passed by the
// drill (the LDAP rows need slapd); and the CRL matrix's own logs explained back to their rows.
// The fixtures in test/fixtures/mq/emulator are the emulator's output (see the README there).
import t, { type Test } from 'tap';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { formatEntry, parseErrlog, type Side } from '../src/mq/errlog.js';
import { formatFfst } from '../src/mq/ffst.js';
import { MESSAGES, isMessageId } from '../src/mq/catalog.js';
import { OUTCOME_ROWS, rowById, type ClientType } from '../src/mq/outcomes.js';
import { explain, type Diagnosis, type ExplainInput, type Incident } from '../src/explain/explain.js';
import { formatDiagnosis } from '../src/explain/format.js';
import { CRL_CHECK_IDS, crlPointers, isCrlRow } from '../src/explain/crl-reading.js';
import { drillScenario, drillYaml } from '../src/explain/drill-scenario.js';
import { Slapd } from '../src/ldap/slapd.js';
import { EmbeddedTarget } from '../src/drill/embedded.js';
import { LabEnv } from '../src/drill/lab-env.js';
import { loadDrill, parseDrill } from '../src/drill/load.js';
import { runDrills, type ScenarioResult } from '../src/drill/runner.js';
import type { DrillFile } from '../src/drill/schema.js';
import { JAVA_LOG_NAME } from '../src/emulator/side-log.js';
import { tempDir } from './helpers/openssl.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'dist/src/cli/main.js');
const FIX = join(ROOT, 'test/fixtures/mq');
const EMU = join(FIX, 'emulator');
const REAL = join(FIX, 'real');
const read = (dir: string, name: string) => readFileSync(join(dir, name), 'utf8');
const input = (dir: string, name: string, side: Side): ExplainInput => ({ text: read(dir, name), side, name });
const only = (d: Diagnosis): Incident => {
  if (d.incidents.length !== 1) throw new Error(`${d.incidents.length} incidents`);
  return d.incidents[0]!;
};
const best = (d: Diagnosis) => only(d).rows.filter((r) => r.tiedWithBest).map((r) => r.id);
const checks = (d: Diagnosis) => only(d).checks.map((c) => c.id);
const run = promisify(execFile);
const INSTALL = 'apt-get install slapd ldap-utils';

t.test('AMQ9646 on the queue manager: ldap-unreachable-qm, the LDAP checks', async (t) => {
  const d = explain([input(EMU, 'ldap-down.client.log', 'client'), input(EMU, 'ldap-down.qm.log', 'qm')]);
  t.same(best(d), ['ldap-unreachable-qm']);
  const inc = only(d);
  t.ok(inc.correlation?.correlated, 'client AMQ9665 and QM AMQ9646 read as one attempt');
  t.ok(inc.summary.startsWith(rowById('ldap-unreachable-qm')!.title), inc.summary);
  t.ok(inc.rows[0]!.evidence.some((e) => /points at a CRL source: queue manager AMQ9646/.test(e)), 'AMQ9646 is the CRL pointer');
  for (const c of ['sslcrlnl-namelist', 'ldap-entry-dn', 'refresh-security'] as const) t.ok(checks(d).includes(c), `check ${c}`);
  t.ok(checks(d).indexOf('sslcrlnl-namelist') < checks(d).indexOf('partner-log'), 'the CRL checks first');
  t.notOk(inc.revocation, 'no OCSP reading to offer');
  const q = d.entries.find((e) => e.messageId === 'AMQ9646')!;
  t.same([q.side, q.sideBasis], ['qm', 'log header']);
  t.match(q.meaning, /LDAP Certification Revocation List \(CRL\) servers are configured/);
  t.match(q.checking, /client's certificate against a CRL from the LDAP servers of the AUTHINFO AUTHTYPE\(CRLLDAP\) objects in the SSLCRLNL namelist/);
  // The QM's log alone says as much.
  t.same(best(explain([input(EMU, 'ldap-down.qm.log', 'qm')])), ['ldap-unreachable-qm'], 'the QM log alone');
  t.same(best(explain([{ text: read(EMU, 'ldap-down.qm.log') }])), ['ldap-unreachable-qm'], 'pasted without a side: QMgr(...) shows it');
});

t.test('AMQ9646 on the client: ldap-unreachable-client', async (t) => {
  const d = explain([input(EMU, 'ldap-down-client.client.log', 'client'), { text: '', side: 'qm' }]);
  t.same(best(d), ['ldap-unreachable-client']);
  for (const c of ['sslcrlnl-namelist', 'ldap-entry-dn', 'refresh-security'] as const) t.ok(checks(d).includes(c), `check ${c}`);
  t.match(d.entries[0]!.checking, /queue manager's certificate against a CRL from the LDAP servers of its MQAIR records/);
  t.match(formatDiagnosis(d), /The client cannot reach any LDAP CRL server for the QM's certificate/);
});

t.test('AMQ9633 after a CRL revocation: the OCSP reading first, the CRL reading beside it', async (t) => {
  const d = explain([input(EMU, 'crl-revoked-client-cert.client.log', 'client'), input(EMU, 'crl-revoked-client-cert.qm.log', 'qm')]);
  const inc = only(d);
  t.same(best(d), ['revoked-client-cert-distributed'], 'nothing in the log points at CRLs: the OCSP row is the best');
  const crl = inc.rows.find((r) => r.id === 'crl-revoked-client-cert-distributed')!;
  t.ok(crl, 'the CRL row is ranked');
  t.equal(crl.score, inc.rows[0]!.score, 'with the same score: the log cannot tell them apart');
  t.notOk(crl.tiedWithBest, 'but offered as the CRL reading, not as a tie');
  t.equal(inc.rows.indexOf(crl), 1, 'right after the OCSP row');
  const rev = inc.revocation!;
  t.same([rev.side, rev.first, rev.pointers], ['qm', 'ocsp', []]);
  t.same(rev.readings.map((r) => [r.source, r.reason, r.rows]), [
    ['ocsp', 'e', ['revoked-client-cert-distributed']],
    ['crl', 'c', ['crl-revoked-client-cert-distributed']],
  ]);
  t.match(rev.note, /AMQ9633 prints its whole \(a\)-\(e\) list/);
  t.match(rev.note, /SSLCRLNL \/ AUTHINFO .*CDPCheckExtensions/);
  t.match(inc.summary, /^The client's certificate is revoked: a GSKit QM rejects it \[inferred\]; revoked by an OCSP responder \(e\) or by a CRL \(c\)/);
  for (const c of ['revoked-cert', 'crl-cache', 'refresh-security', 'sslcrlnl-namelist'] as const) t.ok(checks(d).includes(c), `check ${c}`);
  t.ok(checks(d).indexOf('revoked-cert') < checks(d).indexOf('crl-cache'), 'the OCSP row\'s checks first');
  const text = formatDiagnosis(d);
  t.match(text, /AMQ9633 on the queue manager side: The queue manager rejected the client's certificate as revoked/);
  t.match(text, /\(e\) OCSP: an OCSP responder answered revoked: revoked-client-cert-distributed/);
  t.match(text, /\(c\) CRL: a CRL lists it .*: crl-revoked-client-cert-distributed/);
  t.match(text, /2\. \[doc\] A CRL lists the client's certificate.*\(the CRL reading of the same log, below\)/);
  // the QM's log alone: the same two readings
  const qm = explain([input(EMU, 'crl-revoked-client-cert.qm.log', 'qm')]);
  t.same(only(qm).revocation?.readings.map((r) => r.source), ['ocsp', 'crl']);
});

t.test('the real-layout OCSP fixtures offer the CRL reading too, and keep their OCSP rows', async (t) => {
  const d = explain([input(REAL, 'revoked-qm-cert.client.log', 'client'), input(REAL, 'revoked-qm-cert.qm.log', 'qm')]);
  t.same(best(d), ['revoked-qm-cert-distributed']);
  t.same(only(d).revocation?.readings.map((r) => r.rows), [['revoked-qm-cert-distributed'], ['crl-revoked-qm-cert-distributed']]);
  // seed 003 row 4 (NonStop QM): the seen row keeps the summary, the CRL twin is offered
  const s4 = explain([input(FIX, 'seed003-row4-client.txt', 'client'), input(FIX, 'seed003-row4-qm.txt', 'qm')]);
  t.same(best(s4), ['seed003-row4']);
  t.same(only(s4).revocation?.readings.map((r) => r.rows), [['seed003-row4'], ['crl-revoked-qm-cert-nonstop']]);
  // an untrusted issuer (575010) is not a revocation: no CRL reading
  t.notOk(only(explain([input(FIX, 'seed000-qm.log', 'qm')])).revocation);
});

/** A 9.1+ layout entry with extra header lines (CommentInsertN) spliced in after VRMF/QMgr. */
function withInserts(text: string, lines: string[]): string {
  return text.replace(/(VRMF\([^)]*\)[^\n]*\n)/, `$1${lines.map((l) => `                      ${l}\n`).join('')}`);
}

t.test('when the log points at CRLs, the CRL rows come first', async (t) => {
  const qm = read(EMU, 'crl-revoked-client-cert.qm.log');
  const client = read(EMU, 'crl-revoked-client-cert.client.log');
  const at = parseErrlog(qm)[0]!.at!;
  // Synthetic pointers (ocsplab's own, not from a real queue manager): an FFST naming the CRL,
  // a comment insert with an LDAP URL, a Java CertStore reason code.
  const ffst = formatFfst({ time: at, probeId: 'XC000000', majorErrorcode: 'rrcE_SSL_BAD_CERTIFICATE', probeType: 'MSGAMQ9633', comments: ['CRL from ldap://ldap1.example.com(389) lists serial 02'] });
  const cases: Array<[string, ExplainInput[], RegExp]> = [
    ['an FFST naming the CRL', [{ text: client, side: 'client' }, { text: qm + ffst, side: 'qm' }], /'CRL' in the FFST/],
    ['a comment insert with an LDAP URL', [{ text: client, side: 'client' }, { text: withInserts(qm, ['CommentInsert3(ldap://ldap1.example.com:389)']), side: 'qm' }], /'ldap' in an insert/],
  ];
  for (const [name, inputs, pointer] of cases) {
    const d = explain(inputs);
    const inc = only(d);
    t.equal(inc.rows[0]!.id, 'crl-revoked-client-cert-distributed', `${name}: the CRL row first`);
    t.same(best(d), ['crl-revoked-client-cert-distributed'], `${name}: and alone at the top`);
    t.ok(inc.rows[0]!.evidence.some((e) => pointer.test(e)), `${name}: named as evidence`);
    t.equal(inc.revocation?.first, 'crl', `${name}: the CRL reading listed first`);
    t.same(inc.revocation?.readings.map((r) => r.source), ['crl', 'ocsp'], `${name}: the OCSP reading still offered`);
    t.match(inc.revocation!.note, /The log points at a CRL source/);
    const ids = checks(d);
    t.ok(CRL_CHECK_IDS.has(ids[0]!) && ids.indexOf('sslcrlnl-namelist') < ids.indexOf('revoked-cert'), `${name}: the CRL checks first (${ids.join(', ')})`);
  }
  const java = explain([{ text: 'com.ibm.mq.MQException: JMSCMQ0001: IBM MQ call failed with compcode \'2\' (\'MQCC_FAILED\') reason \'2401\' (\'MQRC_SSL_CERTIFICATE_REVOKED\').', side: 'client' }]);
  t.ok(only(java).rows.length && isCrlRow(rowById(only(java).rows[0]!.id)!), `Java 2401: a CRL row first (${only(java).rows[0]?.id})`);
});

t.test('AMQ9716 with a CDP setup: cause (a) names CRL servers, the CRL checks beside the OCSP ones', async (t) => {
  const d = explain([input(EMU, 'cdp-down.client.log', 'client'), { text: '', side: 'qm' }]);
  const inc = only(d);
  t.ok(best(d).includes('policy-required-unreachable-client'), 'the row the emulator applied is among the best');
  const a = inc.alternatives!.causes.find((c) => c.cause === 'a')!;
  t.match(a.crl, /cannot reach any CRL server: the CRL Distribution Point URL .*CDPCheckExtensions=YES.*CRLLDAP/);
  t.match(inc.alternatives!.note, /Its \(a\) covers CRL servers as well as OCSP responders\./);
  const ids = checks(d);
  for (const c of ['crl-cdp-url', 'crl-next-update', 'sslcrlnl-namelist', 'client-ocsp-url', 'http-proxy'] as const) t.ok(ids.includes(c), `check ${c}`);
  t.ok(ids.indexOf('client-ocsp-url') < ids.indexOf('crl-cdp-url'), 'nothing points at CRLs: the OCSP checks first, the CRL ones after');
  t.match(d.entries[0]!.checking, /over OCSP .*, or against a CRL \(the CDP URL with CDPCheckExtensions=YES/);
  const text = formatDiagnosis(d);
  t.match(text, /\(a\) the client cannot reach the responder: .*policy-required-unreachable-client\n {8}or cannot reach any CRL server/);
  // AMQ9716 with CRL wording beyond its fixed (a)-(c) list (synthetic: a comment insert naming the CDP URL)
  const worded = withInserts(read(EMU, 'cdp-down.client.log'), ['CommentInsert1(OCSPLAB.SVRCONN)', 'CommentInsert3(http://127.0.0.1:2560/crl/qm-ca.crl)']);
  const w = explain([{ text: worded, side: 'client' }, { text: '', side: 'qm' }]);
  t.match(only(w).alternatives!.note, /the log points at a CRL source \(client 'crl' in an insert\): start with the CRL checks/);
  t.ok(checks(w).indexOf('crl-cdp-url') < checks(w).indexOf('client-ocsp-url'), 'the CRL checks before the OCSP ones');
  t.same(best(w), best(d), 'the rows are the same: no CRL row logs AMQ9716, the policy grid covers both sources');
});

t.test('CRL pointers: none in fixed text, DNs or any OCSP fixture', async (t) => {
  const dirs = [FIX, REAL, join(ROOT, 'test/fixtures/seeds'), EMU];
  for (const dir of dirs) {
    for (const f of readdirSync(dir).filter((n) => /\.(log|txt)$/.test(n))) {
      const p = crlPointers(parseErrlog(read(dir, f)));
      if (f.startsWith('ldap-down') && f !== 'ldap-down.client.log') t.equal(p.length, 1, `${f}: AMQ9646`);
      else t.same(p, [], `${f}: nothing points at CRLs`);
    }
  }
  const [real] = parseErrlog(read(REAL, 'revoked-qm-cert.client.log'));
  t.match(real!.explanation, /\(c\) it was found in a Certification Revocation List \(CRL\) on an LDAP server/, 'the fixed list does name CRLs');
  // Every message as ocsplab writes it, with certificate details that name "ldap" and "CRL" as DN values.
  for (const id of Object.keys(MESSAGES)) {
    if (!isMessageId(id)) continue;
    const text = formatEntry({ messageId: id, time: new Date(2026, 0, 1), qmgr: 'QM1', inserts: { channel: 'C', host: 'h', details: 'CN=ldap.example.com,O=CRL Inc' } });
    t.equal(crlPointers(parseErrlog(text)).length, id === 'AMQ9646' ? 1 : 0, `${id} as written`);
  }
  // The fixed list cut short in a paste is still fixed text.
  const cut = read(REAL, 'revoked-qm-cert.client.log').replace(/\(d\) a CRL was specified[\s\S]*?\(e\)/, '....\n(e)');
  t.same(crlPointers(parseErrlog(cut)), [], "a '....' cut inside the list");
  const extra = read(EMU, 'cdp-down.client.log').replace('ACTION:', 'The CRL at the CDP URL could not be fetched.\nACTION:');
  t.same(crlPointers(parseErrlog(extra)), ["client 'CRL' in the AMQ9716 text"], 'a sentence beyond the fixed list counts');
});

// ------------------------------------------------------------------------------------------------
// Through the drill: needs OpenLDAP's slapd for the LDAP rows (the lab starts it on first use).

function slapdPresent(t: Test): boolean {
  if (Slapd.installed()) return true;
  if (process.env.OCSPLAB_INTEROP_REQUIRE === '1') t.fail(`slapd not installed: ${INSTALL}`);
  else t.plan(0, `slapd not installed: ${INSTALL}`);
  return false;
}

const work = tempDir('ocsplab-explain-crl-');
t.teardown(() => rmSync(work, { recursive: true, force: true }));

/** Runs drill files in-process on a fresh lab of their own (responders, slapd, emulator). */
async function onLab(name: string, files: DrillFile[]): Promise<ScenarioResult[]> {
  const env = await LabEnv.open(join(work, `lab-${name}`));
  const target = await EmbeddedTarget.load();
  try {
    return await runDrills(files, { env, target, logRoot: join(work, `logs-${name}`) });
  } finally {
    await target.close();
    await env.close();
  }
}

/** The row is among the best of the (last) attempt, or offered there as the CRL reading. */
function explainsBack(d: Diagnosis, row: string): { ok: boolean; what: string } {
  const inc = d.incidents.at(-1)!;
  const tied = inc.rows.filter((x) => x.tiedWithBest).map((x) => x.id);
  const offered = inc.revocation?.readings.find((x) => x.source === 'crl')?.rows.includes(row) ?? false;
  return { ok: tied.includes(row) || offered, what: `${row} among the best (${tied.join(', ')})${offered ? ', or offered as the CRL reading' : ''}` };
}

t.test('explain --drill on the AMQ9646 logs: `ocsplab drill` accepts the scenario and it passes', async (t) => {
  if (!slapdPresent(t)) return;
  const { stdout } = await run(process.execPath, [MAIN, 'explain', '--drill', '--client', join(EMU, 'ldap-down.client.log'), '--qm', join(EMU, 'ldap-down.qm.log')]);
  t.match(stdout, /id: explain-ldap-unreachable-qm/);
  t.match(stdout, /AUTHTYPE: CRLLDAP/);
  t.match(stdout, /mode: ldap-down/);
  const file = join(work, 'explain-ldap.yaml');
  writeFileSync(file, `lab: lab-cli\nscenarios:\n${stdout.replace(/^/gm, '  ')}`);
  const r = await run(process.execPath, [MAIN, 'drill', file, '--no-color'], { timeout: 120_000 }).catch((e: { code: number; stdout: string; stderr: string }) => e);
  t.equal('code' in r ? r.code : 0, 0, `ocsplab drill exit 0\n${r.stdout}${r.stderr}`);
  t.match(r.stdout, /explain-ldap-unreachable-qm .*PASS/);
  t.match(r.stdout, /1\/1 passed/);
  // and the logs that drill wrote explain back to the same row
  const logs = join(work, 'lab-cli/drill-logs/explain-ldap/explain-ldap-unreachable-qm');
  const again = explain([input(join(logs, 'client'), 'AMQERR01.LOG', 'client'), input(join(logs, 'qm'), 'AMQERR01.LOG', 'qm')]);
  t.same(best(again), ['ldap-unreachable-qm'], 'round trip: the drill\'s logs explain back to ldap-unreachable-qm');
});

t.test('explain --drill on an AMQ9633 revocation: both readings (OCSP and CRL) as scenarios, both pass', async (t) => {
  if (!slapdPresent(t)) return;
  const { stdout } = await run(process.execPath, [MAIN, 'explain', '--drill', '--client', join(EMU, 'crl-revoked-client-cert.client.log'), '--qm', join(EMU, 'crl-revoked-client-cert.qm.log')]);
  const ids = [...stdout.matchAll(/^- id: (\S+)/gm)].map((m) => m[1]);
  t.same(ids, ['explain-revoked-client-cert-distributed', 'explain-crl-revoked-client-cert-distributed'], 'the OCSP reading first, the CRL reading beside it');
  const file = join(work, 'explain-readings.yaml');
  writeFileSync(file, `lab: lab-cli\nscenarios:\n${stdout.replace(/^/gm, '  ')}`);
  const r = await run(process.execPath, [MAIN, 'drill', file, '--no-color'], { timeout: 120_000 }).catch((e: { code: number; stdout: string; stderr: string }) => e);
  t.equal('code' in r ? r.code : 0, 0, `ocsplab drill exit 0\n${r.stdout}${r.stderr}`);
  t.match(r.stdout, /2\/2 passed/);
});

t.test('every CRL row: its --drill snippet passes on the emulator and its logs explain back', async (t) => {
  if (!slapdPresent(t)) return;
  const rows = OUTCOME_ROWS.filter((r) => isCrlRow(r) && !r.routine);
  const scenarios = rows.flatMap((r) => {
    const c = drillScenario(r, 'C');
    return r.outcome.java ? [c, { ...drillScenario(r, 'Java'), id: `${c.id}-java` }] : [c];
  });
  // Defaults that would change the case if a snippet left them to the file: every extension on.
  const defaults = 'defaults:\n  qm: { CDPCheckExtensions: YES, OCSPCheckExtensions: YES }\n  client: { CDPCheckExtensions: YES, OCSPCheckExtensions: YES }\n';
  const file = parseDrill(`lab: lab\n${defaults}scenarios:\n${drillYaml(scenarios).replace(/^/gm, '  ')}`, join(work, 'explain-crl-rows.yaml'));
  const results = await onLab('rows', [file]);
  t.equal(results.length, scenarios.length, `${scenarios.length} scenarios ran`);
  // No scenario left to todo: crl-missing-client said the QM logs nothing, against its siblings
  // (a client rejection is seen by the QM as in revoked-qm-cert); the table now says AMQ9665.
  const TODO: Record<string, string> = {};
  for (const r of results) {
    const why = `${r.id}: ${r.status}${r.error ? ` ${r.error}` : ''} ${r.mismatches.map((m) => `${m.field}: expected ${m.expected}, got ${m.actual}`).join('; ')}`;
    t.equal(r.status, 'pass', why, TODO[r.id] ? { todo: TODO[r.id] } : {});
  }
  // Each scenario's logs (C clients: both AMQERR01.LOGs) explain back to the row, or offer it as
  // the CRL reading of an AMQ9633 that nothing marks as a CRL case.
  for (const r of results.filter((x) => !x.id.endsWith('-java'))) {
    const row = r.id.replace(/^explain-/, '');
    const todo = TODO[r.id] ? { todo: TODO[r.id] } : {};
    const res = r.connects.at(-1)?.result;
    const files = (['client', 'qm'] as const).map((s) => ({ side: s, text: existsSync(join(r.logDirs[s], 'AMQERR01.LOG')) ? read(r.logDirs[s], 'AMQERR01.LOG') : '' }));
    if (!files.some((f) => f.text.trim())) {
      t.ok(res?.channelStarted, `${row}: nothing logged, the channel started`);
      continue;
    }
    const back = explainsBack(explain(files), row);
    t.ok(back.ok, back.what, todo);
  }
});

t.test('the CRL matrix through the emulator: each scenario\'s logs explain back to its row', async (t) => {
  if (!slapdPresent(t)) return;
  const results = await onLab('matrix', [await loadDrill(join(ROOT, 'scenarios/mq-crl-matrix.yaml'))]);
  t.same(results.filter((r) => r.status !== 'pass').map((r) => r.id), [], 'every scenario passed');
  let explained = 0;
  for (const r of results) {
    const logged = r.connects.filter((c) => c.result.client.entries.length || c.result.qm.entries.length);
    if (!logged.length) continue;
    const res = logged.at(-1)!.result;
    const clientType: ClientType = res.client.logFile.endsWith(JAVA_LOG_NAME) ? 'Java' : 'C';
    const clientFile = join(r.logDirs.client, clientType === 'Java' ? JAVA_LOG_NAME : 'AMQERR01.LOG');
    const qmFile = join(r.logDirs.qm, 'AMQERR01.LOG');
    const text = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : '');
    const d = explain([{ side: 'client', text: text(clientFile) }, { side: 'qm', text: text(qmFile) }]);
    if (!d.found) continue; // a Java client that keeps no log of its own and a QM that logged nothing
    const inc = d.incidents.at(-1)!;
    const back = explainsBack(d, res.rowId);
    t.ok(back.ok, `${r.id}: ${back.what}`);
    const entries = [...parseErrlog(text(clientFile)), ...parseErrlog(text(qmFile))];
    if (isCrlRow(rowById(res.rowId)!) && entries.some((e) => e.messageId === 'AMQ9633') && !crlPointers(entries).length)
      t.equal(inc.revocation?.first, 'ocsp', `${r.id}: a CRL revocation logs what an OCSP one does: OCSP first, CRL beside it`);
    explained++;
  }
  t.ok(explained >= 15, `${explained} scenarios with logs explained back`);
});
