// The live drill target without a queue manager: command lines built from templates, reason codes
// read from sample-client transcripts, log entries sliced to the attempt, per-attempt client
// configuration, and one connect through a fake client that writes both logs the way MQ does.
// (No real queue manager has been run against this target; see README, "Docker lab".)

import t from 'tap';
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLab, type LabManifest } from '../src/ca/index.js';
import { AMQSPUTC_COMMAND, AMQSSSLC_COMMAND, attemptCcdt, attemptClientIni, buildCommand, clientPlan, liveConfigFromEnv, parseConn, planVars, unsupportedSettings, type LiveConfig } from '../src/drill/live-config.js';
import { entriesSince, logMark, parseClientTranscript, readSince } from '../src/drill/live-output.js';
import { LiveTarget, type CommandRunner } from '../src/drill/live.js';
import { cloneSettings, DEFAULT_SETTINGS } from '../src/drill/settings.js';
import { tempDir } from './helpers/openssl.js';

const work = tempDir('ocsplab-live-');
t.teardown(() => rmSync(work, { recursive: true, force: true }));

// A real-looking MQ 9.3 entry on Linux: 12-hour clock, and the Time/ArithInsert header lines.
function realEntry(at: Date, id: string, title: string, body: string, qmgr?: string): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const h = at.getHours() % 12 || 12;
  const stamp = `${p(at.getMonth() + 1)}/${p(at.getDate())}/${at.getFullYear()} ${p(h)}:${p(at.getMinutes())}:${p(at.getSeconds())} ${at.getHours() < 12 ? 'AM' : 'PM'}`;
  return [
    `${stamp} - Process(4242.7) User(mqm) Program(${qmgr ? 'amqrmppa' : 'amqssslc'})`,
    '                    Host(mq) Installation(Installation1)',
    `                    VRMF(9.3.0.0)${qmgr ? ` QMgr(${qmgr})` : ''}`,
    `                    Time(${at.toISOString()})`,
    '                    ArithInsert1(575032)',
    '                    CommentInsert1(OCSPLAB.SVRCONN)',
    '',
    `${id}: ${title}`,
    '',
    'EXPLANATION:',
    body,
    'ACTION:',
    'Check the certificate.',
    '----- amqccisa.c : 8789 -------------------------------------------------------',
    '',
  ].join('\n');
}

t.test('command templates become argv without a shell', async (t) => {
  const vars = { qmgr: 'QM1', channel: 'OCSPLAB.SVRCONN', conn: 'mq(1414)', keyRepository: '/lab/client/client.p12', certLabel: 'clientcert', cipherSpec: 'ANY_TLS12_OR_HIGHER', ocspUrl: 'http://ocsp-qm-ca:2560', queue: 'Q', host: 'mq', port: '1414', keyRepositoryStem: '/lab/client/client' };
  t.same(buildCommand(AMQSSSLC_COMMAND, vars), [
    '/opt/mqm/samp/bin/amqssslc', '-m', 'QM1', '-c', 'OCSPLAB.SVRCONN', '-x', 'mq(1414)', '-k', '/lab/client/client.p12',
    '-l', 'clientcert', '-s', 'ANY_TLS12_OR_HIGHER', '-o', 'http://ocsp-qm-ca:2560',
  ]);
  // No OCSP URL for the client (OCSPResponderURL: none) and no CipherSpec (seed 001's case).
  const bare = buildCommand(AMQSSSLC_COMMAND, { ...vars, ocspUrl: '', cipherSpec: '' });
  t.notOk(bare.includes('-o'), 'the -o group is dropped');
  t.notOk(bare.includes('-s'), 'the -s group is dropped');
  t.ok(bare.includes('-l'), 'other groups stay');
  t.same(buildCommand(AMQSPUTC_COMMAND, vars), ['/opt/mqm/samp/bin/amqsputc', 'Q', 'QM1']);
  t.same(buildCommand('docker compose exec -T mq amqssslc -x {host}({port})', vars), ['docker', 'compose', 'exec', '-T', 'mq', 'amqssslc', '-x', 'mq(1414)']);
  // A value is one argument whatever it holds: nothing reaches a shell.
  t.same(buildCommand('client -m {qmgr}', { qmgr: 'QM1; rm -rf /' }), ['client', '-m', 'QM1; rm -rf /']);
  t.throws(() => buildCommand('client {nope}', vars), /unknown variable \{nope\}/);
});

t.test('reason codes from sample-client transcripts', async (t) => {
  const failed = `Sample AMQSSSLC start
Connecting to queue manager QM1
Using the server connection channel OCSPLAB.SVRCONN
on connection name mq(1414).
Using SSL CipherSpec ANY_TLS12_OR_HIGHER
Using SSL key repository stem /lab/client/client.p12
Certificate Label: clientcert
Using OCSP responder URL http://ocsp-qm-ca:2560
MQCONNX ended with reason code 2393
`;
  t.same(parseClientTranscript(failed, 2393 & 255), { rc: 2393, evidence: 'MQCONNX ended with reason code 2393' });
  const ok = `Sample AMQSSSLC start
Connecting to queue manager QM1
Connection established to queue manager QM1
Sample AMQSSSLC end
`;
  t.equal(parseClientTranscript(ok, 0).rc, 0);
  // amqsputc connects, then fails to open a queue: the channel started, which is what drills ask.
  t.equal(parseClientTranscript('Sample AMQSPUT0 start\ntarget queue is NOPE\nMQOPEN ended with reason code 2085\nunable to open queue for output\nSample AMQSPUT0 end\n', 37).rc, 0);
  t.equal(parseClientTranscript('Sample AMQSPUT0 start\nMQCONN ended with reason code 2059\n', 11).rc, 2059);
  t.equal(parseClientTranscript('MQCONNX ended with reason code MQRC_SSL_INITIALIZATION_ERROR [2393]\n', 1).rc, 2393);
  t.throws(() => parseClientTranscript('sh: amqssslc: not found\n', 127), /did not run as expected \(exit 127\): sh: amqssslc: not found/);
});

t.test('log slicing: only what the attempt appended, only entries from its start', async (t) => {
  const file = join(work, 'slice', 'AMQERR01.LOG');
  t.equal(await logMark(file), 0, 'a missing log marks 0');
  mkdirSync(join(work, 'slice'));
  const start = new Date(Date.now() - 60_000);
  const old = realEntry(new Date(start.getTime() - 3_600_000), 'AMQ9633E', "Bad SSL certificate for channel '????'.", 'An old attempt.', 'QM1');
  writeFileSync(file, old);
  const mark = await logMark(file);
  const fresh = realEntry(new Date(start.getTime() + 1500), 'AMQ9716E', 'Remote SSL certificate revocation status check failed for channel.', "Validation of channel 'OCSPLAB.SVRCONN' could not be completed.", 'QM1');
  appendFileSync(file, fresh);
  const text = await readSince(file, mark);
  t.equal(text, fresh, 'only the appended bytes');
  const entries = entriesSince(text, start, 'qm', 'mdy');
  t.same(entries.map((e) => e.messageId), ['AMQ9716']);
  t.equal(entries[0]!.at?.toISOString(), new Date(start.getTime() + 1500).toISOString(), 'exact Time(...) of the entry');
  t.equal(entries[0]!.side, 'qm');
  // Time filter on its own: the whole file, old entry dropped, 12-hour clock read right.
  const all = entriesSince(old + fresh, start, 'qm', 'mdy');
  t.same(all.map((e) => e.messageId), ['AMQ9716'], 'the entry from before the start is left out');
  // The parser reads MQ 9.1+ entries as written: both entries, each with its header and exact time.
  const both = entriesSince(old + fresh, new Date(0), 'qm', 'mdy');
  t.same(both.map((e) => [e.messageId, e.qmgr, e.program]), [['AMQ9633', 'QM1', 'amqrmppa'], ['AMQ9716', 'QM1', 'amqrmppa']]);
  t.equal(both[0]!.at?.toISOString(), new Date(start.getTime() - 3_600_000).toISOString(), 'Time(...) of the old entry');
  t.notMatch(both[1]!.explanation, /Time\(|ArithInsert|CommentInsert/, 'MQ 9.1+ header lines stay out of the text');
  // A log that shrank was rotated or recreated: read from its start.
  writeFileSync(file, fresh);
  t.equal(await readSince(file, mark + 10_000), fresh);
  t.equal(await readSince(join(work, 'nope.log'), 0), '', 'a log never written reads as empty');
});

let lab: LabManifest;
t.before(async () => {
  // The compose lab's URLs: one responder per CA, by service name (existing ca lab options).
  lab = (await createLab({ dir: join(work, 'lab'), qmOcspUrl: 'http://ocsp-qm-ca:2560', clientOcspUrl: 'http://ocsp-client-ca:2561' })).lab;
});

t.test('the lab names the compose services', async (t) => {
  t.equal(lab.cas.qm.responder.url, 'http://ocsp-qm-ca:2560');
  t.equal(lab.cas.client.responder.url, 'http://ocsp-client-ca:2561');
  t.match(readFileSync(lab.mq.mqsc, 'utf8'), /AUTHTYPE\(OCSP\) OCSPURL\('http:\/\/ocsp-client-ca:2561'\)/);
});

t.test('per-attempt client configuration', async (t) => {
  const s = cloneSettings(DEFAULT_SETTINGS);
  const plan = clientPlan(s, lab, { conn: 'mq(1414)' });
  t.equal(plan.ocspUrl, 'http://ocsp-qm-ca:2560', "'lab' is the QM CA's responder");
  t.equal(plan.keyRepository, lab.certs.client.p12);
  t.equal(plan.certLabel, lab.certs.client.label);
  const ini = attemptClientIni(plan);
  t.match(ini, /^SSL:\n/m);
  t.match(ini, /OCSPAuthentication=REQUIRED/);
  t.match(ini, /ClientRevocationChecks=REQUIRED/);
  t.match(ini, /OCSPCheckExtensions=NO/);
  t.match(ini, new RegExp(`SSLKeyRepository=${lab.certs.client.p12}`));
  s.client.OCSPAuthentication = 'WARN';
  s.client.OCSPResponderURL = 'none';
  s.client.CipherSpec = '';
  s.client.clientCert = 'qm';
  const p2 = clientPlan(s, lab, { conn: 'qmhost' });
  t.match(attemptClientIni(p2), /ClientRevocationChecks=OPTIONAL/, 'WARN has no ClientRevocationChecks value; OPTIONAL it is');
  t.equal(p2.ocspUrl, '');
  t.equal(p2.port, '1414', 'CONNAME without a port: 1414');
  t.equal(p2.keyRepository, lab.certs.qm.p12);
  const ccdt = JSON.parse(attemptCcdt(plan)) as { channel: Array<Record<string, any>> };
  t.equal(ccdt.channel[0]!.name, 'OCSPLAB.SVRCONN');
  t.same(ccdt.channel[0]!.clientConnection, { connection: [{ host: 'mq', port: 1414 }], queueManager: 'QM1' });
  t.same(ccdt.channel[0]!.transmissionSecurity, { cipherSpecification: 'ANY_TLS12_OR_HIGHER', certificateLabel: 'clientcert' });
  t.same((JSON.parse(attemptCcdt(p2)) as any).channel[0].transmissionSecurity, { certificateLabel: 'qmcert' }, 'no SSLCIPH when the scenario has none');
  t.equal(planVars(plan).keyRepositoryStem, lab.certs.client.p12.replace(/\.p12$/, ''));
  t.throws(() => parseConn('mq 1414'), /use host\(port\)/);
});

t.test('QM settings a running queue manager cannot change per attempt', async (t) => {
  const s = cloneSettings(DEFAULT_SETTINGS);
  t.same(unsupportedSettings(s, lab), [], 'the matrix defaults fit the lab QM (profile and timeouts are not checked)');
  s.qm.OCSPAuthentication = 'WARN';
  s.qm.SSLCAUTH = 'OPTIONAL';
  s.client.clientType = 'Java';
  s.client.trust = ['client-ca'];
  const p = unsupportedSettings(s, lab);
  t.equal(p.length, 4);
  t.match(p.join('\n'), /qm\.OCSPAuthentication=WARN \(the QM runs with REQUIRED\)/);
  t.match(p.join('\n'), /client\.clientType=Java/);
});

t.test('environment configuration', async (t) => {
  const tokenFile = join(work, 'admin-token');
  writeFileSync(tokenFile, 'sekret\n');
  const cfg = liveConfigFromEnv('/lab', { OCSPLAB_ADMIN_TOKEN_FILE: tokenFile, OCSPLAB_LIVE_CONN: 'qm(1515)' });
  t.equal(cfg.adminToken, 'sekret');
  t.equal(cfg.conn, 'qm(1515)');
  t.equal(cfg.admin['client-ca'], 'http://ocsp-client-ca:2570');
  t.equal(cfg.command, AMQSSSLC_COMMAND);
  t.throws(() => liveConfigFromEnv('/lab', { OCSPLAB_LIVE_DATE_ORDER: 'ymd' }), /dmy or mdy/);
  t.throws(() => liveConfigFromEnv('/lab', { OCSPLAB_LIVE_TIMEOUT_MS: '-1' }), /positive/);
});

t.test('one connect through a fake client that writes both logs', async (t) => {
  const dir = join(work, 'connect');
  const cfg: LiveConfig = {
    ...liveConfigFromEnv(lab.dir, {}),
    clientErrlog: join(dir, 'client-errors', 'AMQERR01.LOG'),
    qmErrlog: join(dir, 'qm-errors', 'AMQERR01.LOG'),
    workDir: join(dir, 'work'),
  };
  mkdirSync(join(dir, 'qm-errors'), { recursive: true });
  mkdirSync(join(dir, 'client-errors'), { recursive: true });
  // An earlier attempt's entry that must not be counted.
  writeFileSync(cfg.qmErrlog, realEntry(new Date(Date.now() - 86_400_000), 'AMQ9999E', "Channel '????' to host 'x' ended abnormally.", 'Old.', 'QM1'));
  const calls: Array<{ argv: string[]; env: Record<string, string>; ini: string }> = [];
  const fake: CommandRunner = async (argv, env) => {
    calls.push({ argv, env, ini: readFileSync(env.MQCLNTCF!, 'utf8') });
    const now = new Date();
    // Seed 003 row 5 on a Linux QM: the client sees the channel closed, the QM names the revocation.
    appendFileSync(cfg.clientErrlog, realEntry(now, 'AMQ9665E', "SSL connection closed by remote end of channel '????'.", 'The remote end closed it.'));
    appendFileSync(cfg.qmErrlog, realEntry(now, 'AMQ9633E', "Bad SSL certificate for channel '????'.", 'The certificate validation error was 575001.', 'QM1'));
    return { output: 'Sample AMQSSSLC start\nMQCONNX ended with reason code 2393\n', exitCode: 2393 & 255 };
  };
  const target = new LiveTarget(cfg, fake);
  const logDirs = { client: join(dir, 'logs', 'client'), qm: join(dir, 'logs', 'qm') };
  for (const d of Object.values(logDirs)) mkdirSync(d, { recursive: true });
  const r = await target.connect({ lab, settings: cloneSettings(DEFAULT_SETTINGS), responderUrls: { 'qm-ca': lab.cas.qm.responder.url, 'client-ca': lab.cas.client.responder.url }, logDirs });
  t.equal(r.rc, 2393);
  t.equal(r.channelStarted, false);
  t.same(r.client.messageIds, ['AMQ9665']);
  t.same(r.qm.messageIds, ['AMQ9633'], "the earlier attempt's AMQ9999 is not this attempt's");
  t.same(r.qm.validationErrors, [575001]);
  t.same(r.events, [], 'channel events are not read by the live target');
  t.equal(r.rowId, 'live');
  t.equal(calls.length, 1);
  t.ok(calls[0]!.argv.includes('-o') && calls[0]!.argv.includes('http://ocsp-qm-ca:2560'), 'MQAIR OCSP URL on the command line');
  t.match(calls[0]!.ini, /OCSPAuthentication=REQUIRED/);
  t.match(calls[0]!.env.MQCCDTURL!, /^file:\/\/.*ccdt\.json$/);
  t.match(readFileSync(join(logDirs.qm, 'AMQERR01.LOG'), 'utf8'), /AMQ9633E/, "the attempt's slice is kept with the scenario's logs");
  t.notMatch(readFileSync(join(logDirs.qm, 'AMQERR01.LOG'), 'utf8'), /AMQ9999E/);
  // A scenario asking for another QM configuration errors instead of running on the wrong one.
  const s = cloneSettings(DEFAULT_SETTINGS);
  s.qm.SSLCAUTH = 'OPTIONAL';
  await t.rejects(target.connect({ lab, settings: s, responderUrls: { 'qm-ca': '', 'client-ca': '' }, logDirs }), /without reconfiguring the queue manager: qm\.SSLCAUTH=OPTIONAL/);
  t.equal(calls.length, 1, 'the client was not run');
});
