// AMQERR01.LOG as MQ 9.1+ writes it on Linux (test/fixtures/mq/real, see SOURCES.md): locale dates
// (12-hour en_US, 24-hour en_GB, dotted de_DE), the Time/ArithInsert/CommentInsert header lines,
// parsed field by field and explained to their rows, in-process and through the CLI.
import t from 'tap';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseErrlog } from '../src/mq/errlog.js';
import { explain, type Diagnosis, type ExplainInput } from '../src/explain/explain.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REAL = join(ROOT, 'test/fixtures/mq/real');
const read = (name: string) => readFileSync(join(REAL, name), 'utf8');

/** The best rows of the only incident. */
function best(d: Diagnosis): string[] {
  return d.incidents.length === 1 ? d.incidents[0]!.rows.filter((r) => r.tiedWithBest).map((r) => r.id) : [];
}

function explainFiles(files: { client?: string; qm?: string }): Diagnosis {
  const inputs: ExplainInput[] = [];
  if (files.client) inputs.push({ text: read(files.client), side: 'client', name: files.client });
  if (files.qm) inputs.push({ text: read(files.qm), side: 'qm', name: files.qm });
  return explain(inputs);
}

t.test('every header field of a 9.1+ entry, 12-hour clock, Time(...) preferred', async (t) => {
  const [e, ...rest] = parseErrlog(read('revoked-qm-cert.client.log'), { dateOrder: 'mdy' });
  t.equal(rest.length, 0, 'one entry; the leading line of dashes is only a separator');
  t.match(e, {
    kind: 'message',
    messageId: 'AMQ9633',
    severity: 'E',
    side: 'client',
    time: '11/24/2026 01:23:45 PM',
    isoTime: '2026-11-24T13:23:45.123Z',
    process: '48213.1',
    user: 'app',
    program: 'amqssslc',
    host: 'apphost',
    installation: 'Installation1',
    vrmf: '9.3.0.0',
    channel: 'QM1.SVRCONN',
    remoteHost: 'mqhost (10.0.0.5)(1414)',
    validationError: 575032,
    source: { file: 'amqccisa.c', line: 8789 },
  });
  t.equal(e!.qmgr, undefined, 'a client log has no QMgr');
  t.equal(e!.at?.toISOString(), '2026-11-24T13:23:45.123Z', 'the exact UTC time, milliseconds included');
  t.same(e!.arithInserts, [575032]);
  t.same(e!.commentInserts, [
    'QM1.SVRCONN',
    'mqhost (10.0.0.5)(1414)',
    '[Class=]GSKVALMethod::PKIX[Issuer=]CN=QM CA,O=Lab[#=]3c[Subject=]CN=QM1,O=Lab',
  ], 'comment inserts keep their own parentheses');
  t.match(e!.certificateDetails, /Subject=\]CN=QM1,O=Lab$/);
  t.notMatch(e!.explanation, /Time\(|Insert\d/, 'header lines stay out of the text');
});

t.test('Time(...) wins over the locale date, whatever order the reader assumes', async (t) => {
  const text = read('client-ca-down.qm.log');
  for (const dateOrder of ['dmy', 'mdy'] as const) {
    const [e] = parseErrlog(text, { dateOrder });
    t.equal(e!.at?.toISOString(), '2026-11-24T09:05:12.481Z', dateOrder);
  }
  // Without the Time line the locale date is all there is: the reader's order decides.
  const old = text.replace(/^\s+Time\(.*\n/m, '');
  t.equal(parseErrlog(old, { dateOrder: 'mdy' })[0]!.at?.getDate(), 24);
  t.equal(parseErrlog(old, { dateOrder: 'mdy' })[0]!.at?.getHours(), 9, 'AM read as the morning');
  t.equal(parseErrlog(old, { dateOrder: 'mdy' })[0]!.isoTime, undefined);
});

t.test('the other messages: AMQ9716, AMQ9665, AMQ9637', async (t) => {
  const [q] = parseErrlog(read('client-ca-down.qm.log'));
  t.match(q, { messageId: 'AMQ9716', side: 'qm', qmgr: 'QM1', program: 'amqrmppa', channel: 'QM1.SVRCONN', certificateDetails: 'SERIALNUMBER=2a,CN=app,O=Lab' });
  t.equal(q!.arithInserts, undefined, 'no ArithInsert lines, no list');
  const [c] = parseErrlog(read('client-ca-down.client.log'));
  t.match(c, { messageId: 'AMQ9665', side: 'client', program: 'amqsputc', channel: 'QM1.SVRCONN', source: { file: 'amqccisa.c', line: 11368 } });
  const [n] = parseErrlog(read('no-client-cert.qm.log'));
  t.match(n, { messageId: 'AMQ9637', side: 'qm', time: '11/25/2026 04:40:01 PM', commentInserts: ['QM1.SVRCONN', 'apphost (10.0.0.9)'] });
  t.equal(n!.at?.toISOString(), '2026-11-25T16:40:01.007Z');
});

t.test('24-hour clock, day first; ArithInsert1 is the validation error when the text is not English', async (t) => {
  const [g] = parseErrlog(read('revoked-client-cert-24h.qm.log'));
  t.match(g, { messageId: 'AMQ9633', side: 'qm', time: '24/11/2026 18:02:09', channel: '????', validationError: 575032 });
  t.equal(g!.at?.toISOString(), '2026-11-24T18:02:09.660Z');
  const [d] = parseErrlog(read('revoked-client-cert-de.qm.log'));
  t.notMatch(d!.raw, /validation error was/, 'the German text does not carry it');
  t.match(d, { messageId: 'AMQ9633', side: 'qm', time: '24.11.2026 19:02:09', validationError: 575032, arithInserts: [575032] });
  t.equal(d!.at?.toISOString(), '2026-11-24T18:02:09.660Z', 'Time(...) is UTC; the header is local (CET)');
  // The text wins when both are there (they agree in MQ; a pasted text is what the reader sees).
  const [x] = parseErrlog(read('revoked-client-cert-24h.qm.log').replace('ArithInsert1(575032)', 'ArithInsert1(575010)'));
  t.equal(x!.validationError, 575032);
  // ArithInsert1 of other messages is not a validation error.
  const other = read('client-ca-down.qm.log').replace('CommentInsert1', 'ArithInsert1(7)\n                    CommentInsert1');
  t.equal(parseErrlog(other)[0]!.validationError, undefined);
  t.same(parseErrlog(other)[0]!.arithInserts, [7]);
});

t.test('unset inserts and unbalanced pasted values', async (t) => {
  const head = (lines: string) =>
    `10/17/2018 01:50:16 PM - Process(1.3) User(felix) Program(amqzmuc0)\n${lines}\nAMQ9716E: Remote SSL certificate revocation status check failed for channel 'C'.\n`;
  const [e] = parseErrlog(head('  Host(h) Installation(Installation1)\n  VRMF(9.1.0.0) QMgr(QM2)\n  ArithInsert2(1)\n  CommentInsert3(C:\\Program Files\\IBM\\MQ (Installation1))\n'));
  t.same(e!.arithInserts, [0, 1], 'ArithInsert1 unset reads 0, as MQ fills it');
  t.same(e!.commentInserts, ['', '', 'C:\\Program Files\\IBM\\MQ (Installation1)']);
  t.equal(e!.qmgr, 'QM2');
  // IBM's own AMQ9633 example has redacted values ("Host( Installation(Installation1)").
  const [r] = parseErrlog(head('  Host( Installation(Installation1)\n  VRMF( QMgr(QMGR1)'));
  t.equal(r!.side, 'qm', 'the header is still read');
  t.equal(r!.messageId, 'AMQ9716');
});

t.test('explain: each fixture to its row', async (t) => {
  const revokedQm = explainFiles({ client: 'revoked-qm-cert.client.log', qm: 'revoked-qm-cert.qm.log' });
  t.same(best(revokedQm), ['revoked-qm-cert-distributed'], "AMQ9633 575032 on the client + AMQ9665 on the QM: the QM's certificate is revoked");
  t.match(revokedQm.incidents[0]!.summary, /QM's certificate is revoked/);
  t.equal(revokedQm.incidents[0]!.correlation?.correlated, true, 'both logs are one attempt (Time(...) 17 ms apart)');
  const clientOnly = explainFiles({ client: 'revoked-qm-cert.client.log' });
  t.ok(best(clientOnly).includes('revoked-qm-cert-distributed'), 'the client log alone already says revoked');
  t.ok(clientOnly.incidents[0]!.rows[0]!.evidence.some((x) => /575032/.test(x)), 'with the validation error as evidence');
  t.same(best(explainFiles({ client: 'client-ca-down.client.log', qm: 'client-ca-down.qm.log' })).slice(0, 1), ['seed003-row3'], "QM AMQ9716 + client AMQ9665: the QM could not check the client's certificate");
  t.same(best(explainFiles({ qm: 'no-client-cert.qm.log' })), ['seed002-no-client-cert']);
  t.same(best(explainFiles({ qm: 'revoked-client-cert-24h.qm.log' })), ['revoked-client-cert-distributed']);
  t.same(best(explainFiles({ qm: 'revoked-client-cert-de.qm.log' })), ['revoked-client-cert-distributed'], 'from ArithInsert1 alone');
});

t.test('ocsplab explain --client/--qm on the real layout (CLI)', async (t) => {
  const { stdout } = await promisify(execFile)(process.execPath, [
    join(ROOT, 'dist/src/cli/main.js'), 'explain', '--json',
    '--client', join(REAL, 'revoked-qm-cert.client.log'),
    '--qm', join(REAL, 'revoked-qm-cert.qm.log'),
  ]);
  const d = JSON.parse(stdout) as Diagnosis;
  t.equal(d.incidents[0]!.rows[0]!.id, 'revoked-qm-cert-distributed');
  t.same(d.entries.map((e) => [e.side, e.messageId, e.validationError]), [['client', 'AMQ9633', 575032], ['qm', 'AMQ9665', undefined]]);
});
