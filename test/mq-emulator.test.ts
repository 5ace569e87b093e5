// The MQ channel emulator end to end: a lab from the CA tool, our responder serving both CAs on
// ports of their own, a real TLS queue manager and client checking each other with OCSP, and
// their AMQERR01.LOGs read back.

import t, { type Test } from 'tap';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createLab, restore, revoke, type LabManifest } from '../src/ca/index.js';
import { QueueManager, connect, labEmulatorConfigs, type ClientConfig, type ConnectResult, type QmConfig } from '../src/emulator/index.js';
import { parseErrlog } from '../src/mq/errlog.js';
import { makeOpensslCa, tempDir } from './helpers/openssl.js';
import { startResponder, type TestResponder } from './helpers/responder.js';

const SHORT = 600;

interface Fixture {
  lab: LabManifest;
  r: TestResponder;
  qmUrl: string;
  clientUrl: string;
}

let fx: Fixture;

t.before(async () => {
  const { lab } = await createLab({ dir: join(tempDir(), 'lab') });
  const ca = (c: LabManifest['cas']['qm']) => ({ name: c.name, index: c.index, ca: c.cacert, rsigner: c.responder.signerCert, rkey: c.responder.signerKey, port: 0 });
  const r = await startResponder({ cas: [ca(lab.cas.qm), ca(lab.cas.client)], cache: false });
  fx = { lab, r, qmUrl: r.responder.url('qm-ca'), clientUrl: r.responder.url('client-ca') };
});
t.teardown(() => fx?.r.close());

/** One attempt with fresh error directories; modes are reset afterwards. */
async function attempt(t: Test, o: { qm?: Partial<QmConfig>; client?: Partial<ClientConfig> } = {}): Promise<ConnectResult> {
  const dirs = { qm: tempDir('ocsplab-qm-'), client: tempDir('ocsplab-client-') };
  t.teardown(() => {
    rmSync(dirs.qm, { recursive: true, force: true });
    rmSync(dirs.client, { recursive: true, force: true });
  });
  const cfg = labEmulatorConfigs(fx.lab, dirs, {
    qm: { authinfoOcspUrl: fx.clientUrl, ocspTimeoutMs: SHORT, ...o.qm },
    client: { ocspResponderUrl: fx.qmUrl, ocspTimeoutMs: SHORT, ...o.client },
  });
  const qm = await QueueManager.start(cfg.qm);
  t.teardown(() => qm.stop());
  return connect('127.0.0.1', qm.port, cfg.client);
}

async function withMode<T>(ca: string, mode: string, fn: () => Promise<T>): Promise<T> {
  await fx.r.responder.setMode(ca, mode);
  try {
    return await fn();
  } finally {
    await fx.r.responder.clearMode(ca);
  }
}

/** Revokes a lab certificate with the CA tool for one attempt (the responder re-reads the index). */
async function withRevoked<T>(who: 'qm' | 'client', fn: () => Promise<T>): Promise<T> {
  const o = { dir: fx.lab.cas[who].dir, target: fx.lab.certs[who].cert };
  await revoke(o);
  fx.r.responder.reload(fx.lab.cas[who].name);
  try {
    return await fn();
  } finally {
    await restore(o);
    fx.r.responder.reload(fx.lab.cas[who].name);
  }
}

/** Every entry a side wrote is in its file, and the file parses back to the same ids. */
function logsRoundTrip(t: Test, res: ConnectResult): void {
  for (const side of [res.client, res.qm]) {
    if (side.entries.length === 0) continue;
    const back = parseErrlog(readFileSync(side.logFile, 'utf8'));
    t.same(back.map((e) => e.messageId), side.messageIds, `${side.side} log parses back`);
    t.same(back.map((e) => e.validationError).filter((v) => v !== undefined), side.validationErrors);
  }
}

const NONSTOP = { qm: { profile: 'nonstop' as const } };

t.test('seed 003 rows 1-5 (C client, NonStop QM, both REQUIRED)', async (t) => {
  const row1 = await attempt(t, NONSTOP);
  t.equal(row1.rc, 0, 'row 1: MQCONNX succeeds');
  t.ok(row1.channelStarted);
  t.same([row1.client.messageIds, row1.qm.messageIds], [[], []], 'row 1: nothing logged');
  t.equal(row1.client.ocsp?.outcome, 'good');
  t.equal(row1.qm.ocsp?.outcome, 'good');

  const row2 = await withMode('qm-ca', 'down', () => attempt(t, NONSTOP));
  t.equal(row2.rc, 2393);
  t.same(row2.client.messageIds, ['AMQ9716'], 'row 2: client AMQ9716');
  t.same(row2.qm.messageIds, [], 'row 2: the QM logs nothing');
  t.not(row2.qm.logFile, '', 'row 2: the QM did see the connection');
  t.equal(row2.qm.observed, undefined, 'row 2: the QM never judged the client');
  t.equal(row2.rowId, 'seed003-row2');
  t.equal(row2.inferred, false);
  const ffst = readFileSync(join(row2.client.logFile, '..', `AMQ${process.pid}.0.FDC`), 'utf8');
  t.match(ffst, /XC022001/);
  t.match(ffst, /GSK_UNKNOWNREVOCATIONSTATUS_SUBJECT/);

  const row3 = await withMode('client-ca', 'down', () => attempt(t, NONSTOP));
  t.equal(row3.rc, 2393);
  t.same(row3.client.messageIds, ['AMQ9665'], 'row 3: client sees the close');
  t.same(row3.qm.messageIds, ['AMQ9716'], 'row 3: QM AMQ9716');
  t.match(row3.qm.entries[0].certificateDetails ?? row3.qm.entries[0].explanation, /\/O=ocsplab lab\/CN=mqclient/);
  t.equal(row3.rowId, 'seed003-row3');

  const row4 = await withRevoked('qm', () => attempt(t, NONSTOP));
  t.equal(row4.rc, 2393);
  t.same(row4.client.messageIds, ['AMQ9633']);
  t.same(row4.client.validationErrors, [575032], 'row 4: client 575032');
  t.match(row4.client.entries[0].certificateDetails, /^\[Class=\]GSKVALMethod::X509\[Issuer=\]CN=ocsplab QM CA,O=ocsplab lab/);
  t.same(row4.qm.messageIds, ['AMQ9633']);
  t.same(row4.qm.validationErrors, [1042], 'row 4: QM 1042');
  t.equal(row4.qm.entries[0].certificateDetails, 'sslv3 alert bad certificate');
  t.equal(row4.rowId, 'seed003-row4');

  const row5 = await withRevoked('client', () => attempt(t, NONSTOP));
  t.equal(row5.rc, 2393);
  t.same(row5.client.messageIds, ['AMQ9665']);
  t.same(row5.qm.messageIds, ['AMQ9633']);
  t.same(row5.qm.validationErrors, [23], 'row 5: QM 23');
  t.equal(row5.qm.entries[0].certificateDetails, `Certificate /O=ocsplab lab/CN=mqclient was revoked by AUTHINFO URL ${fx.clientUrl}`);
  t.equal(row5.rowId, 'seed003-row5');
  for (const r of [row1, row2, row3, row4, row5]) logsRoundTrip(t, r);
});

// What each policy does with each undetermined cause, on each side (mq-outcomes.md's grid).
const FAULTS = [
  { mode: 'down', cause: 'a', word: 'unreachable' },
  { mode: 'status unknown', cause: 'b', word: 'unknown' },
  { mode: 'bad-signature', cause: 'c', word: 'badsig' },
] as const;

const WARNING_EVENT = { reason: 2552, qualifier: 'MQRQ_SSL_UNKNOWN_REVOCATION', queue: 'SYSTEM.ADMIN.CHANNEL.EVENT' };

for (const checker of ['client', 'qm'] as const) {
  t.test(`REQUIRED / WARN / OPTIONAL x (down, unknown, bad signature), ${checker} checking`, async (t) => {
    // The checker's partner's CA is the one whose responder misbehaves.
    const ca = checker === 'client' ? 'qm-ca' : 'client-ca';
    for (const policy of ['REQUIRED', 'WARN', 'OPTIONAL'] as const) {
      for (const f of FAULTS) {
        const res = await withMode(ca, f.mode, () => attempt(t, { [checker]: { ocspAuthentication: policy } }));
        const what = `${checker} ${policy} ${f.mode}`;
        const [mine, partner] = checker === 'client' ? [res.client, res.qm] : [res.qm, res.client];
        t.equal(mine.ocsp?.outcome, `undetermined-${f.cause}`, `${what}: observed`);
        t.equal(res.rowId, `policy-${policy.toLowerCase()}-${f.word}-${checker}`, `${what}: row`);
        t.equal(res.rc, policy === 'REQUIRED' ? 2393 : 0, `${what}: rc`);
        t.equal(res.channelStarted, policy !== 'REQUIRED', `${what}: channel`);
        t.same(mine.messageIds, policy === 'REQUIRED' ? ['AMQ9716'] : policy === 'WARN' ? ['AMQ9717'] : [], `${what}: checker's log`);
        // A rejecting QM closes (client AMQ9665); a client that gives up leaves the QM's log empty.
        t.same(partner.messageIds, policy === 'REQUIRED' && checker === 'qm' ? ['AMQ9665'] : [], `${what}: partner's log`);
        t.same(res.events, policy === 'WARN' && checker === 'qm' ? [WARNING_EVENT] : [], `${what}: events`);
        // WARN's log text is inferred; so is a distributed QM's silence when the client gives up.
        t.equal(res.inferred, policy === 'WARN' || (policy === 'REQUIRED' && checker === 'client'), `${what}: inferred flag`);
        logsRoundTrip(t, res);
      }
    }
  });
}

t.test('seed 000: a Java client sends a certificate the QM does not trust, SSLCAUTH(OPTIONAL)', async (t) => {
  const stranger = await makeOpensslCa(tempDir(), { cn: 'WAS signer' });
  const was = await stranger.issue('was-default');
  const res = await attempt(t, {
    qm: { sslcauth: 'OPTIONAL' },
    client: { type: 'Java', keyRepository: { cert: was.pem, key: was.key, label: 'default', trust: [fx.lab.cas.qm.cacert] }, certLabel: 'default' },
  });
  t.equal(res.rc, 2397);
  t.same(res.client.messageIds, ['AMQ9204', 'AMQ9771']);
  t.equal(res.client.entries[1].cause, 'Broken pipe');
  t.same(res.qm.messageIds, ['AMQ9633']);
  t.same(res.qm.validationErrors, [575010]);
  t.equal(res.rowId, 'seed000-untrusted-client-cert');
  t.equal(res.qm.ocsp, undefined, 'no OCSP query for a certificate that failed the chain');
  logsRoundTrip(t, res);
});

t.test('seed 002: no client certificate under SSLCAUTH(REQUIRED)', async (t) => {
  const noCert = { keyRepository: { trust: [fx.lab.cas.qm.cacert] } };
  const java = await attempt(t, { client: { type: 'Java', ...noCert, certLabel: undefined } });
  t.equal(java.rc, 2059);
  t.same(java.client.messageIds, ['AMQ9503']);
  t.same(java.qm.messageIds, ['AMQ9637']);
  t.equal(java.rowId, 'seed002-no-client-cert');
  const c = await attempt(t, { client: { ...noCert, certLabel: undefined } });
  t.equal(c.rc, 2393);
  t.ok(c.inferred, 'the C client side is inferred');
  t.same(c.qm.messageIds, ['AMQ9637']);
  const optional = await attempt(t, { qm: { sslcauth: 'OPTIONAL' }, client: { ...noCert, certLabel: undefined } });
  t.equal(optional.rc, 0, 'OPTIONAL: no certificate, nothing to check');
  logsRoundTrip(t, java);
});

t.test('seed 001: no CipherSpec, CipherSpec mismatch, key type mismatch, label typo', async (t) => {
  const none = await attempt(t, { client: { cipherSpec: '' } });
  t.equal(none.rc, 2393);
  t.same(none.client.messageIds, ['AMQ9641']);
  t.equal(none.client.entries[0].cipherError, "SSLCIPH(' ') -> SSLCIPH(????)");
  t.same(none.qm.messageIds, []);
  t.equal(none.rowId, 'seed001-no-cipherspec');

  const mismatch = await attempt(t, { client: { cipherSpec: 'TLS_RSA_WITH_AES_128_CBC_SHA256' } });
  t.equal(mismatch.rc, 2393);
  t.same(mismatch.qm.messageIds, ['AMQ9616']);
  t.equal(mismatch.qm.entries[0].cipherSpec, 'TLS_RSA_WITH_AES_128_CBC_SHA256', 'named from the ClientHello');
  t.equal(mismatch.rowId, 'seed001-cipher-mismatch');

  // An ECDSA CipherSpec on both ends, but the lab's certificates are RSA: no shared cipher.
  const ec = 'ECDHE_ECDSA_AES_128_CBC_SHA256';
  const keyType = await attempt(t, { qm: { cipherSpec: ec }, client: { cipherSpec: ec } });
  t.equal(keyType.rc, 2393);
  t.same(keyType.qm.messageIds, ['AMQ9616']);
  t.equal(keyType.qm.entries[0].cipherSpec, ec);

  // ANY_TLS12_OR_HIGHER on the QM accepts the client's TLS 1.2 CipherSpec.
  const any = await attempt(t, { qm: { cipherSpec: 'ANY_TLS12_OR_HIGHER' }, client: { cipherSpec: 'TLS_RSA_WITH_AES_128_CBC_SHA256' } });
  t.equal(any.rc, 0);

  const typo = await attempt(t, { client: { certLabel: 'ibmwebspremqxxx' } });
  t.equal(typo.rc, 2393);
  t.same(typo.client.messageIds, ['AMQ9716']);
  t.same(typo.qm.messageIds, ['AMQ9638', 'AMQ9999']);
  t.equal(typo.rowId, 'seed001-label-typo');
  for (const r of [none, mismatch, keyType, typo]) logsRoundTrip(t, r);
});

t.test('a blackholed responder holds the attempt for the configured OCSP timeout', async (t) => {
  const T = 800;
  const res = await withMode('client-ca', 'blackhole', () => attempt(t, { qm: { ocspTimeoutMs: T } }));
  t.ok(res.elapsedMs >= T, `took ${res.elapsedMs} ms`);
  t.ok((res.qm.ocsp?.ms ?? 0) >= T - 10, `QM waited ${res.qm.ocsp?.ms} ms`);
  t.same(res.qm.messageIds, ['AMQ9716']);
  t.same(res.client.messageIds, ['AMQ9665']);
});

t.test('OCSPCheckExtensions: without an AUTHINFO URL the QM uses the AIA, and skips OCSP when off', async (t) => {
  // The lab's AIA names port 2561 where nothing listens here: refused, cause a.
  const aia = await attempt(t, { qm: { authinfoOcspUrl: undefined, ocspCheckExtensions: true } });
  t.equal(aia.qm.ocsp?.url, fx.lab.cas.client.responder.url);
  const off = await attempt(t, { qm: { authinfoOcspUrl: undefined, ocspCheckExtensions: false } });
  t.equal(off.qm.ocsp, undefined);
  t.equal(off.rc, 0);
});
