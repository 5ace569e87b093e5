// explain(): every seed excerpt to its documented cause, whole seed texts split into attempts,
// both-sides narrowing, AMQ9716's causes kept open, logs written from each row back to the row,
// drill snippets, and plain "nothing found" for text that is not MQ TLS.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Side } from '../src/mq/errlog.js';
import { explain, exitCode, NOTHING_FOUND, type Diagnosis, type ExplainInput } from '../src/explain/explain.js';
import { formatDiagnosis } from '../src/explain/format.js';
import { drillScenario, drillYaml } from '../src/explain/drill-scenario.js';
import { rowById } from '../src/mq/outcomes.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = join(ROOT, 'test/fixtures/mq');
// MQ text cut from the four seed write-ups, verbatim and in order (test/fixtures/seeds/README.md)
const SEEDS = join(ROOT, 'test/fixtures/seeds');
const fixture = (name: string, side?: Side): ExplainInput => ({
  text: readFileSync(join(FIXTURES, name), 'utf8'),
  name,
  ...(side ? { side } : {}),
});
const top = (d: Diagnosis, i = 0) => d.incidents[i]?.rows[0]?.id;
const checks = (d: Diagnosis, i = 0) => d.incidents[i]!.checks.map((c) => c.id);

t.test('seed excerpts explain to their documented cause', async (t) => {
  const cases: Array<[string, ExplainInput[], string, string[]]> = [
    // seed 000: pasted as in the write-up, no side given
    ['seed 000', [fixture('seed000-client.txt'), fixture('seed000-qm.log')], 'seed000-untrusted-client-cert', ['sslcauth', 'signer-chain', 'java-keystore']],
    ['seed 001 blank CipherSpec', [fixture('seed001-no-cipherspec-client.log', 'client')], 'seed001-no-cipherspec', ['server-connection-parms', 'cipherspec']],
    ['seed 001 label typo', [fixture('seed001-label-typo-client.log', 'client'), fixture('seed001-label-typo-qm.log', 'qm')], 'seed001-label-typo', ['cert-label']],
    ['seed 001 CipherSpec mismatch', [fixture('seed001-cipher-mismatch-qm.log', 'qm')], 'seed001-cipher-mismatch', ['cipherspec']],
    ['seed 002', [fixture('seed002-client.txt', 'client'), fixture('seed002-qm.log', 'qm')], 'seed002-no-client-cert', ['sslcauth', 'cert-label']],
    ['seed 003 row 2', [fixture('seed003-row2-client.txt', 'client'), { text: '', side: 'qm' }], 'seed003-row2', ['client-ocsp-url', 'http-proxy']],
    ['seed 003 row 3', [fixture('seed003-row3-client.txt', 'client'), fixture('seed003-row3-qm.txt', 'qm')], 'seed003-row3', ['qm-ocsp-url', 'http-proxy', 'ocsp-timeout']],
    ['seed 003 row 4', [fixture('seed003-row4-client.txt', 'client'), fixture('seed003-row4-qm.txt', 'qm')], 'seed003-row4', ['revoked-cert']],
    ['seed 003 row 5', [fixture('seed003-row5-client.txt', 'client'), fixture('seed003-row5-qm.txt', 'qm')], 'seed003-row5', ['revoked-cert']],
  ];
  for (const [name, inputs, row, want] of cases) {
    const d = explain(inputs);
    t.equal(exitCode(d), 0, `${name}: explained`);
    t.equal(d.incidents.length, 1, `${name}: one attempt`);
    t.equal(top(d), row, `${name} -> ${row}`);
    t.ok(d.incidents[0]!.summary.startsWith(rowById(row)!.title), `${name}: the summary names the case`);
    for (const c of want) t.ok(checks(d).includes(c as never), `${name}: check ${c}`);
  }
  const s0 = explain([fixture('seed000-client.txt'), fixture('seed000-qm.log')]);
  t.match(s0.incidents[0]!.summary, /SSLCAUTH\(OPTIONAL\)/, 'seed 000: an untrusted certificate sent under SSLCAUTH(OPTIONAL)');
  const qm = s0.entries.find((e) => e.messageId === 'AMQ9633')!;
  t.same([qm.side, qm.sideBasis], ['qm', 'best row'], 'seed 000: the pasted AMQ9633 is placed on the QM by the best row, and says so');
  t.match(qm.validation, /575010.*GSKit: issuer not trusted/);
  t.match(qm.checking, /validating the client's certificate/);
});

t.test('seed 003 row 3 with both sides: narrowed to the QM failing to check, causes kept open', async (t) => {
  const d = explain([fixture('seed003-row3-client.txt', 'client'), fixture('seed003-row3-qm.txt', 'qm')]);
  const inc = d.incidents[0]!;
  t.ok(inc.correlation?.correlated, 'client and QM read as one attempt');
  t.same(inc.correlation?.channels.client, ['PL81N.MQICHL']);
  // only rows in which the QM logs AMQ9716 and the client AMQ9665 remain
  for (const r of inc.rows) {
    const row = rowById(r.id)!;
    t.ok(row.outcome.qm.messages.some((m) => m.id === 'AMQ9716'), `${r.id} has the QM log AMQ9716`);
  }
  t.same(inc.alternatives?.side, 'qm');
  t.same(inc.alternatives!.causes.map((c) => [c.cause, c.rows.length > 0]), [['a', true], ['b', true], ['c', true]], 'a, b and c all listed');
  t.match(inc.summary, /cannot tell this from: \(b\).*\(c\)/, 'the summary does not claim cause (a) as fact');
  t.ok(checks(d).includes('responder-knows-cert') && checks(d).includes('responder-signer'), 'checks for (b) and (c) too');
  const client = d.entries.find((e) => e.messageId === 'AMQ9665')!;
  t.match(client.checking, /partner judged its certificate/);
  const q = d.entries.find((e) => e.messageId === 'AMQ9716')!;
  t.match(q.checking, /revocation status of the client's certificate.*AUTHINFO OCSPURL/);
  const text = formatDiagnosis(d);
  t.match(text, /\(a\) the QM cannot reach the responder: seed003-row3/);
  t.match(text, /\[seen\] The QM cannot reach the responder of the client's CA/);
});

t.test('one side alone: ties are reported as ties, AMQ9716 keeps the label-typo trap', async (t) => {
  const s0 = explain([fixture('seed000-client.txt')]);
  t.match(s0.incidents[0]!.summary, /different cases fit these entries equally well, so ocsplab does not pick one/);
  t.equal(s0.incidents[0]!.checks[0]!.id, 'partner-log', "asks for the QM's log first");
  t.ok(s0.incidents[0]!.notes.some((n) => /add the other side/.test(n)));
  const lt = explain([fixture('seed001-label-typo-client.log', 'client')]);
  const alt = lt.incidents[0]!.alternatives!;
  t.equal(alt.side, 'client');
  t.ok(alt.otherReadings.some((o) => o.id === 'seed001-label-typo'), 'a mistyped label is offered as another reading');
  t.ok(alt.causes.every((c) => c.rows.length > 0), 'each revocation cause has a row');
  t.ok(checks(lt).includes('cert-label') && checks(lt).includes('client-ocsp-url'));
  const bare = explain([{ text: '2393' }]);
  t.equal(exitCode(bare), 0);
  t.match(bare.entries[0]!.meaning, /MQRC_SSL_INITIALIZATION_ERROR/);
  t.match(bare.incidents[0]!.summary, /does not pick one/, 'a bare 2393 names no single cause');
});

t.test('whole seed texts', async (t) => {
  // each seed's MQ text in one paste, both sides and every run together, as the write-up prints it
  const file = (seed: string) => readFileSync(join(SEEDS, `seed-${seed}.txt`), 'utf8');
  // seed 003 pastes five MQCONNX runs; their timestamps split them into attempts
  const s3 = explain([{ text: file('003') }]);
  t.equal(s3.incidents.length, 5, 'five attempts');
  t.same(s3.incidents.slice(1).map((i) => i.rows[0]?.id), ['seed003-row2', 'seed003-row3', 'seed003-row4', 'seed003-row5']);
  t.ok(s3.incidents[0]!.rows.every((r) => rowById(r.id)!.outcome.channelStarts), 'row 1 (RC 0): only cases where the channel starts');
  const s0 = explain([{ text: file('000') }]);
  t.equal(top(s0), 'seed000-untrusted-client-cert');
  const s2 = explain([{ text: file('002') }]);
  t.equal(top(s2), 'seed002-no-client-cert', "seed 002's comments: AMQ9637 with CC=2;RC=2059;AMQ9503");
  t.ok(s2.entries.some((e) => e.reasonCode === 2381 && /MQRC_KEY_REPOSITORY_ERROR/.test(e.meaning)), '2381 from the forum comment explained');
  const s1 = explain([{ text: file('001') }]);
  t.equal(top(s1), 'seed001-label-typo');
  t.ok(s1.entries.some((e) => e.messageId === 'AMQ9641' && /CipherSpec/.test(e.checking ?? '')), 'AMQ9641 explained');
  t.ok(s1.entries.some((e) => e.messageId === 'AMQ9616' && e.side === 'qm'), 'AMQ9616 is a QM message');
});

t.test('the forum comment "struck with 2393, 2381": recognised, but no case is guessed', async (t) => {
  const d = explain([{ text: 'struck with 2393, 2381 MQ Errors. Kindly help' }]);
  t.equal(d.found, true);
  t.same(d.entries.map((e) => e.reasonCode), [2393, 2381]);
  t.same(d.incidents[0]!.rows, [], 'no row has both reason codes');
  t.equal(exitCode(d), 4);
  t.match(d.incidents[0]!.summary, /No case in the outcome table fits/);
});

t.test('correlation by time and channel', async (t) => {
  const { formatEntry } = await import('../src/mq/errlog.js');
  const at = (s: number) => new Date(2024, 4, 6, 10, 0, s);
  const qmLog = (time: Date, channel: string) =>
    formatEntry({ messageId: 'AMQ9716', time, qmgr: 'QM1', inserts: { channel: '????', details: '/CN=app' } }) +
    formatEntry({ messageId: 'AMQ9999', time, qmgr: 'QM1', inserts: { channel, host: 'app' } });
  const clientLog = (time: Date, channel: string) => formatEntry({ messageId: 'AMQ9665', time, inserts: { channel, host: 'qm (1414)' } });
  const same = explain([{ text: clientLog(at(21), 'LAB.SVRCONN'), side: 'client' }, { text: qmLog(at(0), 'LAB.SVRCONN') }]);
  t.equal(same.incidents.length, 1);
  t.equal(same.incidents[0]!.correlation?.timeDeltaMs, -21000, 'QM wrote 21 s before the client gave up');
  t.ok(same.incidents[0]!.correlation?.correlated);
  t.equal(same.entries.find((e) => e.messageId === 'AMQ9716')!.sideBasis, 'log header', 'QMgr(...) in the header shows the side');
  // an hour apart: two attempts, nothing narrowed across them
  const apart = explain([{ text: clientLog(new Date(2024, 4, 6, 11, 0, 0), 'LAB.SVRCONN'), side: 'client' }, { text: qmLog(at(0), 'LAB.SVRCONN') }]);
  t.equal(apart.incidents.length, 2, 'an hour apart: separate attempts');
  t.notOk(apart.incidents.some((i) => i.correlation), 'no correlation across attempts');
  // same time, different channels: not read as one attempt
  const other = explain([{ text: clientLog(at(5), 'OTHER.CHL'), side: 'client' }, { text: qmLog(at(0), 'LAB.SVRCONN') }]);
  t.equal(other.incidents[0]!.correlation?.channelsAgree, false);
  t.match(other.incidents[0]!.correlation!.note, /different channels/);
});

t.test('unrecognised text: nothing MQ-TLS related, no guess', async (t) => {
  for (const text of ['Lunch is at noon; the build is green.', '', 'AMQ8003I: IBM MQ queue manager started.']) {
    const d = explain([{ text }]);
    t.equal(d.found, false, JSON.stringify(text));
    t.equal(exitCode(d), 3);
    t.same(d.incidents, []);
    t.match(formatDiagnosis(d), new RegExp(`^${NOTHING_FOUND}`));
  }
  t.match(explain([{ text: 'AMQ8003I: IBM MQ queue manager started.' }]).notes.join(' '), /AMQ8003/, 'an unknown AMQ id is named, not explained');
});

t.test('--drill snippets follow the drill schema and reproduce the row', async (t) => {
  const r3 = drillScenario(rowById('seed003-row3')!, 'C');
  t.same(r3.steps.find((s) => 'responder' in s), { responder: { ca: 'client-ca', mode: 'blackhole' } }, 'the slow failure of row 3 is a blackholed responder');
  t.same(r3.expect, { rc: 2393, channelStarted: false, row: 'seed003-row3', client: { messages: ['AMQ9665'] }, qm: { messages: ['AMQ9716'] }, events: [] });
  const r2 = drillScenario(rowById('seed003-row2')!, 'C');
  t.same(r2.steps.find((s) => 'responder' in s), { responder: { ca: 'qm-ca', mode: 'down' } });
  t.same(r2.expect.qm, { nothing: true }, 'row 2: the QM logs nothing');
  const s2 = drillScenario(rowById('seed002-no-client-cert')!, 'Java');
  t.ok(s2.steps.some((s) => JSON.stringify(s) === JSON.stringify({ set: { side: 'client', clientCert: 'none' } })));
  t.equal(s2.expect.rc, 2059);
  const r5 = drillScenario(rowById('seed003-row5')!, 'C');
  t.ok(r5.steps.some((s) => 'revoke' in s && (s.revoke as { cert: string }).cert === 'client'));
  t.same(r5.expect.qm, { messages: ['AMQ9633'], validationErrors: [23] });
  const warn = drillScenario(rowById('policy-warn-unknown-qm')!, 'C');
  t.same(warn.expect.events, [{ reason: 2552, qualifier: 'MQRQ_SSL_UNKNOWN_REVOCATION' }]);
  t.ok(warn.steps.some((s) => 'responder' in s && (s.responder as { mode: string }).mode === 'status unknown'));
  // Validate against the drill schema when it is in the tree (it is being written alongside).
  const schemaPath = '../src/drill/schema.js';
  const schema = (await import(schemaPath).catch(() => undefined)) as
    | { validateDrill(doc: unknown, file: string): { scenarios: unknown[] } }
    | undefined;
  const { parse } = await import('yaml');
  const { OUTCOME_ROWS } = await import('../src/mq/outcomes.js');
  const all = OUTCOME_ROWS.filter((r) => !r.routine).map((r) => drillScenario(r, r.outcome.java ? 'Java' : 'C'));
  const doc = { lab: 'lab', scenarios: parse(drillYaml(all)) };
  t.equal((doc.scenarios as unknown[]).length, all.length, 'YAML round-trips');
  if (schema) t.equal(schema.validateDrill(doc, 'explain.yaml').scenarios.length, all.length, 'every snippet passes the drill schema');
  else t.pass('drill schema not in the tree yet');
});
