// Parsing real MQ error text (each seed's MQ text whole, and split per row and side) and writer ->
// parser round trips.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MESSAGE_IDS, MESSAGES, type MessageInserts } from '../src/mq/catalog.js';
import { appendEntry, formatEntry, LOG_WIDTH, parseErrlog, type MqLogEntry } from '../src/mq/errlog.js';
import { formatFfst } from '../src/mq/ffst.js';
import { tempDir } from './helpers/openssl.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/mq/', import.meta.url));
// MQ text cut from the four seed write-ups, verbatim and in order (test/fixtures/seeds/README.md)
const SEEDS = fileURLToPath(new URL('../../test/fixtures/seeds/', import.meta.url));
const fixture = (name: string) => parseErrlog(readFileSync(join(FIXTURES, name), 'utf8'));

const ids = (es: MqLogEntry[]) => [...new Set(es.filter((e) => e.messageId).map((e) => e.messageId))].sort();
const numbers = (es: MqLogEntry[], k: 'validationError' | 'reasonCode') =>
  [...new Set(es.map((e) => e[k]).filter((v) => v !== undefined))].sort((a, b) => a! - b!);
const channels = (es: MqLogEntry[]) => [...new Set(es.map((e) => e.channel).filter(Boolean))].sort();

const SEED_FACTS: Record<string, { ids: string[]; validation: number[]; reasons: number[]; channels: string[] }> = {
  'seed-000.txt': { ids: ['AMQ9204', 'AMQ9633', 'AMQ9771'], validation: [575010], reasons: [2397], channels: ['????'] },
  'seed-001.txt': {
    ids: ['AMQ9616', 'AMQ9638', 'AMQ9641', 'AMQ9716', 'AMQ9999'],
    validation: [],
    reasons: [2393],
    channels: ['????', 'QMAQCLIENTTLS'],
  },
  'seed-002.txt': { ids: ['AMQ9503', 'AMQ9637'], validation: [], reasons: [2059, 2381, 2393], channels: [] },
  'seed-003.txt': {
    ids: ['AMQ9633', 'AMQ9665', 'AMQ9716'],
    validation: [23, 1042, 575032],
    reasons: [0, 2393],
    channels: ['????', 'PL81N.MQICHL'],
  },
};

t.test('each seed yields the messages, numbers and channels it contains', async (t) => {
  for (const [file, want] of Object.entries(SEED_FACTS)) {
    const es = parseErrlog(readFileSync(join(SEEDS, file), 'utf8'));
    t.same(ids(es), want.ids, `${file} message ids`);
    t.same(numbers(es, 'validationError'), want.validation, `${file} validation errors`);
    t.same(numbers(es, 'reasonCode'), want.reasons, `${file} reason codes`);
    t.same(channels(es), want.channels, `${file} channels`);
  }
});

t.test('seed 003: FFST box, certificate details and footers', async (t) => {
  const es = fixture('seed003-row2-client.txt');
  const ffst = es.find((e) => e.kind === 'ffst')!;
  t.equal(ffst.probeId, 'XC022001');
  t.equal(ffst.majorErrorcode, 'rrcE_SSL_REVOCATION_CHECK_REQUIRED');
  t.equal(ffst.messageId, 'AMQ9716');
  t.equal(ffst.channel, 'PL81N.MQICHL');
  t.match(ffst.comments?.[1], /GSK_UNKNOWNREVOCATIONSTATUS_SUBJECT/);
  t.match(ffst.certificateDetails, /^\[Class=\]GSKVALMethod::X509\[Issuer=\]EMAIL=support@sd\.pulsarintegration\.com,CN=/);
  // the AMQ9716E quoted inside the box is the FFST's, not a second log entry
  t.equal(es.filter((e) => e.kind === 'message' && e.messageId === 'AMQ9716').length, 1);
  const rc = es.find((e) => e.kind === 'reason' && e.reasonCode === 2393)!;
  t.equal(rc.qmgr, 'PL81N');
  t.equal(rc.time, '2022/02/02 14:38:25.569');

  const qm4 = fixture('seed003-row4-qm.txt').find((e) => e.messageId === 'AMQ9633')!;
  t.equal(qm4.channel, '????');
  t.equal(qm4.certificateDetails, 'sslv3 alert bad certificate');
  t.equal(qm4.validationError, 1042);
  t.same(qm4.source, { file: 'amqcciso.c', line: 9785 });

  const qm5 = fixture('seed003-row5-qm.txt').find((e) => e.messageId === 'AMQ9633')!;
  t.equal(qm5.validationError, 23);
  t.match(qm5.certificateDetails, /was revoked by AUTHINFO URL http:\/\//);

  const c4 = fixture('seed003-row4-client.txt').find((e) => e.messageId === 'AMQ9633')!;
  t.equal(c4.validationError, 575032);
  t.equal(c4.channel, 'PL81N.MQICHL');
  t.same(c4.source, { file: 'amqccisa.c', line: 8789 });

  const qm3 = fixture('seed003-row3-qm.txt').find((e) => e.messageId === 'AMQ9716')!;
  t.equal(qm3.certificateDetails, '/C=JP/ST=Chiba/O=Pulsar Integration PL921WC Inc./CN=www.pulsarintegration.PL921WC.com');
  t.same(qm3.source, { file: 'amqcciso.c', line: 3968 });
  t.equal(qm3.channel, undefined, 'the write-up cut the channel name out');
});

t.test('Java exception chains and curly-quoted pastes', async (t) => {
  const java = fixture('seed000-client.txt').filter((e) => e.kind === 'java');
  t.same(java.map((e) => [e.messageId, e.reasonCode, e.side]), [
    ['AMQ9204', 2397, 'client'],
    ['AMQ9771', 2397, 'client'],
  ]);
  t.equal(java[1]!.cause, 'Broken pipe');
  const c1 = fixture('seed001-no-cipherspec-client.log').find((e) => e.messageId === 'AMQ9641')!;
  t.equal(c1.channel, 'QMAQCLIENTTLS');
  t.equal(c1.remoteHost, 'localhost (127.0.0.1)(1414)');
  t.equal(c1.cipherError, "SSLCIPH(' ') -> SSLCIPH(????)");
  const typo = fixture('seed001-label-typo-qm.log');
  t.same(typo.map((e) => [e.messageId, e.severity, e.channel]), [
    ['AMQ9638', 'E', '????'],
    ['AMQ9999', 'E', '????'],
  ]);
  t.equal(typo[1]!.remoteHost, '127.0.0.1');
});

t.test('bare reason codes and unrelated text', async (t) => {
  t.same(parseErrlog('2393').map((e) => e.reasonCode), [2393]);
  t.same(parseErrlog('RC=2397').map((e) => e.reasonCode), [2397]);
  t.same(parseErrlog(' 2393, 2381 ').map((e) => e.reasonCode), [2393, 2381]);
  t.same(parseErrlog('MQRQ_SSL_UNKNOWN_REVOCATION').map((e) => e.reasonCode), [2552]);
  t.same(parseErrlog('The weather is still cold up in Orkney; 1234 sheep.'), []);
});

const SAMPLE: MessageInserts = {
  channel: 'TLS.SVRCONN',
  host: 'client1 (10.0.0.7)',
  details: '[Class=]GSKVALMethod::X509[Issuer=]CN=Lab CA,O=ocsplab[#=]0a1b[Subject=]CN=app,O=ocsplab',
  validationError: 575032,
  cipherError: "SSLCIPH(' ') -> SSLCIPH(????)",
  cipherSpec: 'TLS_AES_128_GCM_SHA256',
  cause: 'Broken pipe',
};

t.test('writer -> parser round trip for every catalog message', async (t) => {
  const time = new Date(2024, 4, 7, 9, 8, 7);
  for (const id of MESSAGE_IDS) {
    for (const side of ['qm', 'client'] as const) {
      const qmgr = side === 'qm' ? { qmgr: 'QM1' } : {};
      const text = formatEntry({ messageId: id, inserts: SAMPLE, time, process: '4711.3', ...qmgr });
      for (const line of text.trimEnd().split('\n')) {
        if (!line.includes('[Class=]')) t.ok(line.length <= LOG_WIDTH, `${id} line within ${LOG_WIDTH}: ${line}`);
      }
      const [e, ...more] = parseErrlog(text);
      t.equal(more.length, 0, `${id}: one entry`);
      t.equal(e!.messageId, id);
      t.equal(e!.severity, MESSAGES[id].severity);
      t.equal(e!.side, side);
      t.equal(e!.at?.getTime(), time.getTime(), `${id} time`);
      t.equal(e!.process, '4711.3');
      t.equal(e!.qmgr, side === 'qm' ? 'QM1' : undefined);
      t.same(e!.source, MESSAGES[id].probe);
      const def = MESSAGES[id].title + MESSAGES[id].explanation;
      if (def.includes('{channel}')) t.equal(e!.channel, 'TLS.SVRCONN', `${id} channel`);
      if (def.includes('{host}')) t.equal(e!.remoteHost, 'client1 (10.0.0.7)', `${id} host`);
      if (def.includes('{validationError}')) t.equal(e!.validationError, 575032, `${id} validation`);
      if (def.includes('{details}')) t.equal(e!.certificateDetails, SAMPLE.details, `${id} details`);
      if (def.includes('{cipherError}')) t.equal(e!.cipherError, SAMPLE.cipherError, `${id} cipher error`);
      if (def.includes('{cipherSpec}')) t.equal(e!.cipherSpec, SAMPLE.cipherSpec, `${id} cipher spec`);
    }
  }
});

t.test('footer width matches real logs; append writes AMQERR01.LOG; FFST round trip', async (t) => {
  const text = formatEntry({ messageId: 'AMQ9633', time: new Date(), qmgr: 'QM1' });
  const footer = text.trimEnd().split('\n').pop()!;
  t.equal(footer, '----- amqccisa.c : 8789 -------------------------------------------------------');
  const dir = tempDir('ocsplab-errlog-');
  const w = { messageId: 'AMQ9665' as const, time: new Date(), inserts: { channel: 'A.B' } };
  const path = await appendEntry(join(dir, 'errors'), w);
  await appendEntry(join(dir, 'errors'), { ...w, messageId: 'AMQ9999' });
  t.same(parseErrlog(await readFile(path, 'utf8')).map((e) => e.messageId), ['AMQ9665', 'AMQ9999']);

  const box = formatFfst({
    time: new Date(),
    probeId: 'XC022001',
    majorErrorcode: 'rrcE_SSL_REVOCATION_CHECK_REQUIRED',
    probeType: 'MSGAMQ9716',
    probeDescription: "AMQ9716E: Remote SSL certificate revocation status check failed for channel 'A.B'",
    comments: [SAMPLE.details!, 'gsk_attribute_get_buffer - GSK_UNKNOWNREVOCATIONSTATUS_SUBJECT', 'A.B'],
  });
  const [f] = parseErrlog(box);
  t.equal(f!.kind, 'ffst');
  t.equal(f!.probeId, 'XC022001');
  t.equal(f!.messageId, 'AMQ9716');
  t.equal(f!.channel, 'A.B');
  t.equal(f!.comments?.[1], 'gsk_attribute_get_buffer - GSK_UNKNOWNREVOCATIONSTATUS_SUBJECT');
});
