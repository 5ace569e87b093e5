// The emulated MQ client: MQCONNX over a TLS client channel. It connects, judges the QM's
// certificate first (as GSKit does inside the handshake), then sends its ID flow and reads the
// QM's answer. Its log comes from the outcome table applied to what it saw; what the QM saw and
// logged is fetched from the in-process QM afterwards, only to report the attempt as a whole.

import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { connect as netConnect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { decide, type CertObservation, type DecisionInputs, type TlsFailure } from '../mq/outcomes.js';
import type { ClientConfig, ConnectResult, SideResult } from './types.js';
import { tlsOptionsFor } from '../mq/cipherspec.js';
import { readFlow, sendFlow, type Product } from './channel-flow.js';
import { crlSettingsOf, crlSummary, judgePeer, loadTrust, type Judgement } from './peer-check.js';
import { writeSide } from './side-log.js';
import { takeAttempt, type QmAttempt } from './attempts.js';
import type { RenderContext } from '../mq/inserts.js';

/** What the client saw of the QM's side, from the QM's reply (or its silence). */
interface Seen {
  tlsFailure?: TlsFailure;
  /** The QM-side observation the QM's reaction stands for, for this side's own decision. */
  qmVerdict: CertObservation;
  judged?: Judgement;
  started: boolean;
}

/** How the QM's reaction reads to the client. The client only learns that the QM closed (GSKit's
 *  AMQ9665) or answered with a negotiation error; every QM-side rejection row but the missing
 *  certificate gives the client the same messages, so a close stands for the QM rejecting the
 *  certificate it was sent (seed 003 row 5), and a negotiation error for a missing one (seed 002). */
const CLOSED: CertObservation = 'revoked';
const NEGOTIATION: CertObservation = 'no-cert';

function product(cfg: ClientConfig): Product {
  return cfg.type === 'Java' ? 'MQJB' : 'MQMM';
}

function opened(s: Socket | TLSSocket, event: 'connect' | 'secureConnect'): Promise<{ ok: true } | { ok: false; tlsError?: string; code?: string }> {
  return new Promise((resolve) => {
    s.once(event, () => resolve({ ok: true }));
    s.once('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, tlsError: e.code?.startsWith('ERR_SSL') ? e.code : undefined, code: e.code }));
    s.once('close', () => resolve({ ok: false }));
  });
}

/** The local port, read when TCP connects: a socket the QM refused later no longer has one. */
function localPortOf(s: Socket | TLSSocket): Promise<number> {
  return new Promise((resolve) => {
    s.once('connect', () => resolve(s.localPort ?? 0));
    s.once('close', () => resolve(0));
  });
}

/** A channel definition without a CipherSpec talks plain TCP to the TLS channel (seed 001). */
async function plainAttempt(host: string, port: number, cfg: ClientConfig): Promise<{ seen: Seen; localPort: number }> {
  const s = netConnect({ host, port });
  s.on('error', () => undefined);
  const port0 = localPortOf(s);
  const o = await opened(s, 'connect');
  const localPort = await port0;
  if (!o.ok) return { seen: { qmVerdict: 'good', started: false, tlsFailure: 'no-cipherspec' }, localPort };
  sendFlow(s, { flow: 'id', channel: cfg.channel, cipherSpec: '', product: product(cfg) });
  const reply = await readFlow(s);
  s.destroy();
  const started = reply !== 'closed' && reply.flow === 'start';
  return { seen: started ? { qmVerdict: 'good', started } : { qmVerdict: 'good', started, tlsFailure: 'no-cipherspec' }, localPort };
}

async function tlsAttempt(host: string, port: number, cfg: ClientConfig): Promise<{ seen: Seen; localPort: number }> {
  const kr = cfg.keyRepository;
  // A label that is not in the repository: GSKit finds no certificate to send and breaks off the
  // handshake when the QM asks for one (seed 001: the QM logs AMQ9638). node:tls gives no hook at
  // the CertificateRequest, so the client stops at the first key material of the handshake, which
  // comes with the QM's first flight, before the handshake can finish.
  const labelTypo = cfg.certLabel !== undefined && cfg.certLabel !== kr.label;
  const own = !labelTypo && kr.cert && kr.key ? { cert: readFileSync(kr.cert), key: readFileSync(kr.key) } : {};
  const s = tlsConnect({ host, port, ...own, ...tlsOptionsFor(cfg.cipherSpec), rejectUnauthorized: false, checkServerIdentity: () => undefined });
  s.on('error', () => undefined);
  const port0 = localPortOf(s);
  if (labelTypo) s.once('keylog', () => s.destroy());
  const o = await opened(s, 'secureConnect');
  const localPort = await port0;
  if (labelTypo) {
    s.destroy();
    return { seen: { qmVerdict: 'good', started: false, tlsFailure: 'label-typo' }, localPort };
  }
  if (!o.ok) {
    s.destroy();
    // A TLS alert from the QM during the handshake: no common CipherSpec or key type (seed 001).
    return { seen: { qmVerdict: 'good', started: false, tlsFailure: 'cipher-mismatch' }, localPort };
  }
  const chain: Buffer[] = [];
  for (let c = s.getPeerCertificate(true); c?.raw && chain.length < 10 && !chain.some((d) => d.equals(c.raw)); c = c.issuerCertificate) chain.push(c.raw);
  const judged = await judgePeer(chain, {
    trust: loadTrust(kr.trust, (f) => readFileSync(f)),
    ocspUrl: cfg.ocspResponderUrl,
    ocspCheckExtensions: cfg.ocspCheckExtensions,
    ocspTimeoutMs: cfg.ocspTimeoutMs,
    ...crlSettingsOf(cfg),
    ...(cfg.revocationChecks === 'DISABLED' ? { noRevocation: true } : {}),
  });
  const own1 = decide(clientInputs(cfg, { qmVerdict: 'good', started: false, judged }));
  if (!own1.channelStarts) {
    // GSKit ends the handshake with alert 42 when it rejects a certificate it could judge; when the
    // status is undetermined it just gives up (seed 003 row 2: nothing reaches the QM's log).
    if (['revoked', 'crl-revoked', 'crl-missing', 'untrusted-issuer'].includes(judged.observed)) sendFlow(s, { flow: 'alert', alert: 42 });
    s.end();
    return { seen: { qmVerdict: 'good', started: false, judged }, localPort };
  }
  sendFlow(s, { flow: 'id', channel: cfg.channel, cipherSpec: cfg.cipherSpec, product: product(cfg) });
  const reply = await readFlow(s);
  s.destroy();
  if (reply !== 'closed' && reply.flow === 'start') return { seen: { qmVerdict: 'good', started: true, judged }, localPort };
  if (reply !== 'closed' && reply.flow === 'reject' && reply.kind === 'cipherspec') return { seen: { qmVerdict: 'good', started: false, judged, tlsFailure: 'cipher-mismatch' }, localPort };
  const verdict = reply !== 'closed' && reply.flow === 'reject' && reply.kind === 'negotiation' ? NEGOTIATION : CLOSED;
  return { seen: { qmVerdict: verdict, started: false, judged }, localPort };
}

/** The client's policy for an undetermined status: ClientRevocationChecks=OPTIONAL lets it go on
 *  whatever OCSPAuthentication says (our reading of mqclient.ini, docs/mq-crl-outcomes.md A5). */
function clientPolicy(cfg: ClientConfig): ClientConfig['ocspAuthentication'] {
  return cfg.revocationChecks === 'OPTIONAL' ? 'OPTIONAL' : cfg.ocspAuthentication;
}

function clientInputs(cfg: ClientConfig, seen: Seen): DecisionInputs {
  const i: DecisionInputs = {
    clientType: cfg.type,
    // The client cannot see the QM's platform; it changes no client message (test: emulator).
    qmProfile: 'distributed',
    client: { policy: clientPolicy(cfg), observed: seen.judged?.observed ?? 'good' },
    qm: { policy: 'REQUIRED', observed: seen.qmVerdict, sslcauth: 'REQUIRED' },
  };
  if (seen.tlsFailure) i.tlsFailure = seen.tlsFailure;
  return i;
}

/** Waits for the QM's record of this attempt; the QM may still be writing its log. */
async function qmSide(port: number, localPort: number): Promise<QmAttempt | undefined> {
  for (let i = 0; i < 50; i++) {
    const p = takeAttempt(port, localPort);
    if (p) return p;
    await new Promise((r) => setTimeout(r, 10));
  }
  return undefined;
}

function absentQm(): SideResult {
  return { side: 'qm', entries: [], messageIds: [], validationErrors: [], logFile: '', observed: 'no queue manager in this process saw the attempt' };
}

/** MQCONNX from a client to the QM at host:port. */
export async function connect(qmHost: string, qmPort: number, cfg: ClientConfig): Promise<ConnectResult> {
  const start = Date.now();
  const { seen, localPort } = cfg.cipherSpec === '' ? await plainAttempt(qmHost, qmPort, cfg) : await tlsAttempt(qmHost, qmPort, cfg);
  const mine = decide(clientInputs(cfg, seen));
  const ctx: RenderContext = { channel: cfg.channel, host: `${qmHost} (${qmHost})(${qmPort})` };
  if (seen.judged?.peer) ctx.peer = seen.judged.peer;
  if (seen.judged?.ocsp) ctx.ocspUrl = seen.judged.ocsp.url;
  if (cfg.cipherSpec) ctx.cipherSpec = cfg.cipherSpec;
  const extra: Pick<SideResult, 'observed' | 'ocsp' | 'crl'> = {};
  if (seen.judged) extra.observed = `${seen.judged.observed}: ${seen.judged.detail}`;
  else if (seen.tlsFailure) extra.observed = seen.tlsFailure;
  const o = seen.judged?.ocsp;
  if (o) extra.ocsp = { url: o.url, outcome: o.outcome, detail: o.detail, ms: o.ms };
  Object.assign(extra, crlSummary(seen.judged));
  const client = await writeSide({ side: 'client', errorDir: cfg.errorDir, ...(cfg.type === 'Java' ? { java: { rc: mine.clientRc } } : {}) }, mine.client.messages, ctx, extra);
  const qm = await qmSide(qmPort, localPort);
  // The attempt as a whole: each side's own observations, put together for the row that settled it.
  const whole: DecisionInputs = {
    clientType: cfg.type,
    qmProfile: qm?.view.profile ?? 'distributed',
    client: { policy: clientPolicy(cfg), observed: seen.judged?.observed ?? 'good' },
    qm: { policy: qm?.view.policy ?? 'REQUIRED', observed: qm?.view.observed ?? 'good', sslcauth: qm?.view.sslcauth ?? 'REQUIRED' },
  };
  const tlsFailure = seen.tlsFailure ?? qm?.view.tlsFailure;
  if (tlsFailure) whole.tlsFailure = tlsFailure;
  const all = decide(whole);
  return {
    rc: mine.clientRc,
    channelStarted: seen.started,
    client,
    qm: qm?.side ?? absentQm(),
    events: qm?.events ?? [],
    rowId: all.row.id,
    inferred: all.inferred,
    elapsedMs: Date.now() - start,
  };
}
