// The emulated queue manager: a TCP listener that takes each connection through what an MQ
// SVRCONN channel does with it, observes every step on the wire, asks the outcome table what MQ
// would do with those observations, and logs that to its own AMQERR01.LOG.
//
// Per connection:
//   1. Read the first bytes. Not a TLS ClientHello: a plain-text flow on a TLS channel (the client
//      has no CipherSpec, seed 001): answer with a CipherSpec error, as MQ's status flow does.
//   2. Otherwise note the suites the ClientHello offers (to name the CipherSpec the way GSKit does
//      in AMQ9616), and run the TLS handshake with the channel's CipherSpec and the key repository.
//      A handshake that fails with a TLS error is a CipherSpec mismatch; one the client breaks
//      off is seed 001's mistyped certificate label (the only row for a handshake the client ends).
//   3. Wait for the client's first flow. GSKit judges the QM's certificate during the handshake
//      and ends it with an alert when it rejects it; here the alert arrives as that first flow,
//      and a client that gives up on an undetermined status just closes (seed 003 row 2: the QM
//      logs nothing).
//   4. On the ID flow: check the negotiated CipherSpec against the channel's, then judge the
//      client's certificate (chain, then OCSP at AUTHINFO OCSPURL or AIA) and start the channel,
//      or reject it: a missing certificate with a negotiation error flow (seed 002: the Java client
//      reports 2059 AMQ9503), anything else by closing the connection, which the client reports
//      as AMQ9665 (seed 003 rows 3 and 5).

import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket, createSecureContext, type SecureContext } from 'node:tls';
import { readFileSync } from 'node:fs';
import { decide, type CertObservation, type ClientType, type DecisionInputs, type TlsFailure } from '../mq/outcomes.js';
import type { QmConfig } from './types.js';
import { mqName, offeredSuites, recordLength, specAllows, tlsOptionsFor } from '../mq/cipherspec.js';
import { readFlow, sendFlow, type Flow } from './channel-flow.js';
import { crlSettingsOf, crlSummary, judgePeer, loadTrust, type Judgement } from './peer-check.js';
import { writeSide } from './side-log.js';
import { recordAttempt, type QmAttempt } from './attempts.js';
import type { RenderContext } from '../mq/inserts.js';

/** What the first bytes of a connection were. */
type Opening = { kind: 'tls'; head: Buffer } | { kind: 'plain'; head: Buffer } | { kind: 'closed' };

/** Reads until the first TLS record is whole (or a plain line has ended), then puts it all back. */
function readOpening(raw: Socket): Promise<Opening> {
  return new Promise((resolve) => {
    let head = Buffer.alloc(0);
    const finish = (o: Opening) => {
      raw.off('readable', onReadable);
      raw.off('close', onClose);
      if (o.kind !== 'closed') raw.unshift(head);
      resolve(o);
    };
    const onReadable = () => {
      let chunk: Buffer | null;
      while ((chunk = raw.read() as Buffer | null) !== null) head = Buffer.concat([head, chunk]);
      if (head.length === 0) return;
      if (head[0] !== 0x16) {
        if (head.includes(0x0a) || head.length > 4096) finish({ kind: 'plain', head });
        return;
      }
      const need = recordLength(head);
      if (need !== undefined && head.length >= need) finish({ kind: 'tls', head });
    };
    const onClose = () => finish({ kind: 'closed' });
    raw.on('readable', onReadable);
    raw.once('close', onClose);
  });
}

type Handshake = { ok: true } | { ok: false; tlsError?: string };

function handshake(s: TLSSocket): Promise<Handshake> {
  return new Promise((resolve) => {
    s.once('secure', () => resolve({ ok: true }));
    s.once('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, tlsError: e.code?.startsWith('ERR_SSL') ? e.code : undefined }));
    s.once('close', () => resolve({ ok: false }));
  });
}

/** The QM's view of the client's side, from what the client did on the wire. */
interface WireView {
  tlsFailure?: TlsFailure;
  /** What the client's behaviour says about its judgement of our certificate. */
  clientVerdict: CertObservation;
  clientType: ClientType;
  cipherSpec?: string;
  judged?: Judgement;
}

export class QueueManager {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly context: SecureContext;
  private readonly trust;

  private constructor(readonly cfg: QmConfig) {
    const kr = cfg.keyRepository;
    if (!kr.cert || !kr.key) throw new Error('a queue manager needs a personal certificate and key');
    this.context = createSecureContext({ cert: readFileSync(kr.cert), key: readFileSync(kr.key), ...tlsOptionsFor(cfg.cipherSpec) });
    this.trust = loadTrust(kr.trust, (f) => readFileSync(f));
    this.server = createServer((raw) => this.accept(raw));
  }

  static async start(cfg: QmConfig): Promise<QueueManager> {
    const qm = new QueueManager(cfg);
    await new Promise<void>((res, rej) => {
      qm.server.once('error', rej);
      qm.server.listen(cfg.port ?? 0, cfg.host ?? '127.0.0.1', () => res());
    });
    return qm;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((res) => this.server.close(() => res()));
  }

  private accept(raw: Socket): void {
    this.sockets.add(raw);
    raw.once('close', () => this.sockets.delete(raw));
    raw.on('error', () => undefined); // a client that resets is an observation, not a crash
    recordAttempt(this.port, raw.remotePort ?? 0, this.serve(raw));
  }

  private async serve(raw: Socket): Promise<QmAttempt> {
    const view = await this.observe(raw);
    const cfg = this.cfg;
    const inputs: DecisionInputs = {
      clientType: view.clientType,
      qmProfile: cfg.profile,
      // The client's policy never changes what the QM logs; its verdict is what the wire showed.
      client: { policy: 'REQUIRED', observed: view.clientVerdict },
      qm: { policy: cfg.ocspAuthentication, observed: view.judged?.observed ?? 'good', sslcauth: cfg.sslcauth },
    };
    if (view.tlsFailure) inputs.tlsFailure = view.tlsFailure;
    const d = decide(inputs);
    const ctx: RenderContext = { channel: '????', host: raw.remoteAddress ?? '127.0.0.1' };
    if (view.judged?.peer) ctx.peer = view.judged.peer;
    if (view.judged?.ocsp) ctx.ocspUrl = view.judged.ocsp.url;
    if (view.cipherSpec) ctx.cipherSpec = view.cipherSpec;
    const extra: { observed?: string; ocsp?: QmAttempt['side']['ocsp']; crl?: QmAttempt['side']['crl'] } = {};
    if (view.judged) extra.observed = `${view.judged.observed}: ${view.judged.detail}`;
    else if (view.tlsFailure) extra.observed = view.tlsFailure;
    if (view.judged?.ocsp) extra.ocsp = { url: view.judged.ocsp.url, outcome: view.judged.ocsp.outcome, detail: view.judged.ocsp.detail, ms: view.judged.ocsp.ms };
    Object.assign(extra, crlSummary(view.judged));
    const side = await writeSide({ side: 'qm', errorDir: cfg.errorDir, qmgr: cfg.qmgr }, d.qm.messages, ctx, extra);
    const attempt: QmAttempt = {
      side,
      view: { profile: cfg.profile, policy: cfg.ocspAuthentication, sslcauth: cfg.sslcauth },
      events: d.events.map((e) => ({ reason: e.reason, qualifier: e.qualifier, queue: e.queue })),
    };
    if (view.judged) attempt.view.observed = view.judged.observed;
    if (view.tlsFailure) attempt.view.tlsFailure = view.tlsFailure;
    return attempt;
  }

  /** Runs the connection and returns what it showed. Replies to the client as MQ would. */
  private async observe(raw: Socket): Promise<WireView> {
    // Until the ID flow names the product, C is assumed: the client type never changes the QM's log.
    const base = { clientVerdict: 'good' as CertObservation, clientType: 'C' as ClientType };
    const opening = await readOpening(raw);
    if (opening.kind === 'closed') return { ...base, clientVerdict: 'undetermined-a' };
    if (opening.kind === 'plain') {
      const f = await readFlow(raw);
      const spec = f !== 'closed' && f.flow === 'id' ? f.cipherSpec : '';
      sendFlow(raw, { flow: 'reject', kind: 'cipherspec', error: `SSLCIPH('${spec || ' '}') -> SSLCIPH(????)` });
      raw.end();
      return { ...base, tlsFailure: 'no-cipherspec' };
    }
    const offered = offeredSuites(opening.head);
    const tls = new TLSSocket(raw, { isServer: true, secureContext: this.context, requestCert: true, rejectUnauthorized: false });
    tls.on('error', () => undefined);
    const hs = await handshake(tls);
    if (!hs.ok) {
      raw.destroy();
      if (hs.tlsError) return { ...base, tlsFailure: 'cipher-mismatch', cipherSpec: offered.length ? mqName(offered[0]) : '????' };
      return { ...base, tlsFailure: 'label-typo' };
    }
    const first: Flow | 'closed' = await readFlow(tls);
    if (first === 'closed') return { ...base, clientVerdict: 'undetermined-a' };
    if (first.flow === 'alert') {
      tls.destroy();
      // Alert 42 says "bad certificate" and nothing more; revoked and untrusted give the QM the same log.
      return { ...base, clientVerdict: 'revoked' };
    }
    if (first.flow !== 'id') {
      tls.destroy();
      return { ...base, tlsFailure: 'label-typo' };
    }
    const clientType: ClientType = first.product === 'MQJB' ? 'Java' : 'C';
    const negotiated = tls.getCipher().name;
    if (!specAllows(this.cfg.cipherSpec, negotiated) || !specAllows(first.cipherSpec, negotiated)) {
      sendFlow(tls, { flow: 'reject', kind: 'cipherspec', error: `SSLCIPH(${first.cipherSpec}) -> SSLCIPH(${this.cfg.cipherSpec})` });
      tls.end();
      return { ...base, clientType, tlsFailure: 'cipher-mismatch', cipherSpec: first.cipherSpec };
    }
    const chain = peerChain(tls);
    const judged = await judgePeer(chain, {
      trust: this.trust,
      ocspUrl: this.cfg.authinfoOcspUrl,
      ocspCheckExtensions: this.cfg.ocspCheckExtensions,
      ocspTimeoutMs: this.cfg.ocspTimeoutMs,
      ...crlSettingsOf(this.cfg),
    });
    const d = decide({
      clientType,
      qmProfile: this.cfg.profile,
      client: { policy: 'REQUIRED', observed: 'good' },
      qm: { policy: this.cfg.ocspAuthentication, observed: judged.observed, sslcauth: this.cfg.sslcauth },
    });
    if (d.channelStarts) sendFlow(tls, { flow: 'start' });
    else if (judged.observed === 'no-cert') sendFlow(tls, { flow: 'reject', kind: 'negotiation' });
    tls.end();
    return { ...base, clientType, judged };
  }
}

/** The client's certificates as sent, leaf first (node links them; stop at a self-reference). */
function peerChain(s: TLSSocket): Buffer[] {
  const out: Buffer[] = [];
  let c = s.getPeerCertificate(true);
  while (c && c.raw && out.length < 10) {
    if (out.some((d) => d.equals(c.raw))) break;
    out.push(c.raw);
    c = c.issuerCertificate;
  }
  return out;
}
