// The outcome table: what IBM MQ does in each TLS/OCSP situation, one row per situation, with the
// source of every row (seen in a seed log, documented by IBM, or inferred by us). It is the single
// copy of ../shared/mq-outcomes.md in code: the emulator asks `decide` what to do with what it
// observed on the wire, `explain` asks `matchRows` (src/explain/match.ts) which rows a log is
// consistent with.
//
// A channel start is modelled as stages run in the order the handshake runs them:
//   tls          CipherSpec / label problems before any certificate is judged
//   client-check the client judges the QM's certificate (it receives it first; row 2 of seed 003
//                shows the QM logging nothing when the client gives up here)
//   qm-check     the QM judges the client's certificate
//   start        nothing stopped the channel
// `decide` takes, at each stage, the most specific row whose condition holds; a row that does not
// let the channel start ends the walk. Rows may overlap (a seen row inside a general documented
// rule); overlapping rows must agree, which the tests check over the whole input space.

import type { MessageId } from './catalog.js';
import type { CheckId } from './checks.js';

export type Policy = 'REQUIRED' | 'WARN' | 'OPTIONAL';
export type ClientType = 'C' | 'Java';
/** distributed: the QM validates with GSKit (575xxx numbers); nonstop: with OpenSSL (23, 1042). */
export type QmProfile = 'distributed' | 'nonstop';
export type SslCAuth = 'REQUIRED' | 'OPTIONAL';
/** AMQ9716's causes: (a) responder unreachable or timed out, (b) it answered unknown,
 *  (c) its response signature could not be verified. */
export type UndeterminedCause = 'a' | 'b' | 'c';
/** What a side found when judging the peer's certificate. */
export type CertObservation =
  | 'good'
  | 'revoked'
  | 'undetermined-a'
  | 'undetermined-b'
  | 'undetermined-c'
  | 'untrusted-issuer'
  | 'no-cert'
  /** Listed in a CRL the side fetched (CDP over HTTP, or an LDAP CRL server) and could use. */
  | 'crl-revoked'
  /** Every LDAP CRL server configured was unreachable, and nothing before them answered. */
  | 'ldap-unreachable'
  /** An LDAP CRL server answered, but holds no CRL for the issuer; nothing else answered. */
  | 'crl-missing';
/** Failures before any certificate is judged. */
export type TlsFailure = 'no-cipherspec' | 'cipher-mismatch' | 'label-typo';
export type Stage = 'tls' | 'client-check' | 'qm-check' | 'start';

export const POLICIES: readonly Policy[] = ['REQUIRED', 'WARN', 'OPTIONAL'];
export const CLIENT_TYPES: readonly ClientType[] = ['C', 'Java'];
export const QM_PROFILES: readonly QmProfile[] = ['distributed', 'nonstop'];
export const SSLCAUTHS: readonly SslCAuth[] = ['REQUIRED', 'OPTIONAL'];
export const OBSERVATIONS: readonly CertObservation[] = [
  'good',
  'revoked',
  'undetermined-a',
  'undetermined-b',
  'undetermined-c',
  'untrusted-issuer',
  'no-cert',
  'crl-revoked',
  'ldap-unreachable',
  'crl-missing',
];
/** The QM always sends a certificate, so the client never observes 'no-cert'. */
export const CLIENT_OBSERVATIONS = OBSERVATIONS.filter((o) => o !== 'no-cert');
export const TLS_FAILURES: readonly TlsFailure[] = ['no-cipherspec', 'cipher-mismatch', 'label-typo'];

/** What the emulator observed on the wire; never a scenario name. */
export interface DecisionInputs {
  clientType: ClientType;
  qmProfile: QmProfile;
  /** The client's OCSPAuthentication and what it found about the QM's certificate. */
  client: { policy: Policy; observed: CertObservation };
  /** The QM's OCSPAuthentication, the channel's SSLCAUTH, what it found about the client's. */
  qm: { policy: Policy; observed: CertObservation; sslcauth: SslCAuth };
  tlsFailure?: TlsFailure;
}

/** A row's condition; an absent field means any value. */
export interface RowCondition {
  stage: Stage;
  tlsFailure?: TlsFailure;
  clientObserved?: readonly CertObservation[];
  qmObserved?: readonly CertObservation[];
  clientPolicy?: readonly Policy[];
  qmPolicy?: readonly Policy[];
  clientType?: readonly ClientType[];
  qmProfile?: readonly QmProfile[];
  sslcauth?: readonly SslCAuth[];
}

export type Source =
  | { kind: 'seen'; seed: string; where: string }
  | { kind: 'doc'; page: string }
  | { kind: 'inferred'; why: string };

/** The form certificate details take in AMQ9633/AMQ9716, which tells GSKit from OpenSSL. */
export type DetailsForm = 'gskit-cert' | 'openssl-dn' | 'openssl-revoked-by-url' | 'openssl-alert-bad-certificate';

export interface ExpectedMessage {
  id: MessageId;
  validationError?: number;
  details?: DetailsForm;
  /** AMQ9633 reason letter (c = in a CRL, d = CRL not found on the LDAP server, e = OCSP says
   *  revoked) or AMQ9716/9717 cause letter. */
  reason?: 'b' | 'd' | 'e' | UndeterminedCause;
  cipherError?: string;
  /** Java chain cause text, e.g. 'Broken pipe'. */
  cause?: string;
  ffst?: { probeId: string; majorErrorcode: string; comment2: string };
  inferred?: boolean;
}

export interface SideLog {
  /** In the order written; empty = nothing logged. */
  messages: ExpectedMessage[];
  /** No source shows this side's log for the case: empty does not mean "nothing". */
  unrecorded?: boolean;
  /** The log contents (including "nothing") are our inference. */
  inferred?: boolean;
}

export interface ClientView {
  rc: number;
  log: SideLog;
  inferred?: boolean;
}

export interface ChannelEvent {
  queue: 'SYSTEM.ADMIN.CHANNEL.EVENT';
  reason: 2552;
  reasonName: 'MQRC_CHANNEL_SSL_WARNING';
  qualifier: 'MQRQ_SSL_UNKNOWN_REVOCATION';
  inferred?: boolean;
}

export interface RowOutcome {
  channelStarts: boolean;
  /** C client (GSKit): reason code and error log. */
  client: ClientView;
  /** Java client, when a source shows it differs from the general JSSE rule (see javaView). */
  java?: ClientView;
  qm: SideLog;
  events: ChannelEvent[];
}

export interface OutcomeRow {
  id: string;
  /** The condition in plain words. */
  title: string;
  when: RowCondition;
  outcome: RowOutcome;
  source: Source;
  /** Timing seen in the source, for drills that reproduce it. */
  seenElapsedMs?: number;
  checks: CheckId[];
  /** A check that passed with nothing to report; never the row a Decision names. */
  routine?: true;
}

// ---------------------------------------------------------------------------------------------
// Builders: keep each row to the facts that differ.

const NOTHING: SideLog = { messages: [] };
const UNRECORDED: SideLog = { messages: [], unrecorded: true };
const m = (id: MessageId, extra: Omit<ExpectedMessage, 'id'> = {}): ExpectedMessage => ({ id, ...extra });
const log = (...messages: ExpectedMessage[]): SideLog => ({ messages });
const inferredLog = (...messages: ExpectedMessage[]): SideLog => ({ messages, inferred: true });
const cClient = (rc: number, l: SideLog, inferred?: boolean): ClientView => (inferred ? { rc, log: l, inferred } : { rc, log: l });
const rejected = (client: ClientView, qm: SideLog, java?: ClientView): RowOutcome =>
  java ? { channelStarts: false, client, java, qm, events: [] } : { channelStarts: false, client, qm, events: [] };
const continues = (client: SideLog, qm: SideLog, events: ChannelEvent[] = []): RowOutcome => ({
  channelStarts: true,
  client: { rc: 0, log: client },
  qm,
  events,
});
const sslWarning = (inferred: boolean): ChannelEvent => {
  const e: ChannelEvent = {
    queue: 'SYSTEM.ADMIN.CHANNEL.EVENT',
    reason: 2552,
    reasonName: 'MQRC_CHANNEL_SSL_WARNING',
    qualifier: 'MQRQ_SSL_UNKNOWN_REVOCATION',
  };
  if (inferred) e.inferred = true;
  return e;
};
const seen = (seed: string, where: string): Source => ({ kind: 'seen', seed, where });
const doc = (page: string): Source => ({ kind: 'doc', page });
const inferred = (why: string): Source => ({ kind: 'inferred', why });

// The client's FFST for a revocation check it could not complete (seed 003 row 2).
const REVOCATION_FFST = {
  probeId: 'XC022001',
  majorErrorcode: 'rrcE_SSL_REVOCATION_CHECK_REQUIRED',
  comment2: 'gsk_attribute_get_buffer - GSK_UNKNOWNREVOCATIONSTATUS_SUBJECT',
};
const CLIENT_REVOKED_QM = m('AMQ9633', { reason: 'e', validationError: 575032, details: 'gskit-cert' });

const CAUSES: ReadonlyArray<{ cause: UndeterminedCause; word: string; plain: string; checks: CheckId[] }> = [
  { cause: 'a', word: 'unreachable', plain: 'cannot reach the responder', checks: ['http-proxy', 'ocsp-timeout'] },
  { cause: 'b', word: 'unknown', plain: "gets 'unknown' from the responder", checks: ['responder-knows-cert'] },
  { cause: 'c', word: 'badsig', plain: "cannot verify the response's signature", checks: ['responder-signer'] },
];
/** AMQ9716/AMQ9717's causes in plain words, for `explain` to list when a log cannot tell them apart. */
export const UNDETERMINED_CAUSES: ReadonlyArray<{ cause: UndeterminedCause; plain: string; checks: readonly CheckId[] }> = CAUSES;
const undetermined = (c: UndeterminedCause): CertObservation => `undetermined-${c}`;

// ---------------------------------------------------------------------------------------------
// Rows that come straight from the seeds and the "Other TLS failures" table.

const SEED_ROWS: OutcomeRow[] = [
  {
    id: 'seed003-row1',
    title: 'Both certificates good, both responders up: the channel starts',
    when: { stage: 'start', clientObserved: ['good'], qmObserved: ['good'] },
    outcome: continues(NOTHING, NOTHING),
    source: seen('003', 'row 1, MQCONNX CompCd=00 ReasonCd=00'),
    checks: [],
  },
  {
    id: 'seed003-row2',
    title: "The client cannot reach the responder of the QM's CA (REQUIRED): it gives up before the channel starts",
    when: {
      stage: 'client-check',
      clientObserved: ['undetermined-a'],
      clientPolicy: ['REQUIRED'],
      qmProfile: ['nonstop'],
    },
    outcome: rejected(cClient(2393, log(m('AMQ9716', { reason: 'a', ffst: REVOCATION_FFST }))), NOTHING),
    source: seen('003', 'row 2: client AMQ9716E + FFST XC022001, nothing on the NonStop QM'),
    seenElapsedMs: 3000,
    checks: ['client-ocsp-url', 'http-proxy', 'ocsp-policy-client'],
  },
  {
    id: 'seed003-row3',
    title: "The QM cannot reach the responder of the client's CA (REQUIRED): it closes the connection",
    when: {
      stage: 'qm-check',
      qmObserved: ['undetermined-a'],
      qmPolicy: ['REQUIRED'],
      qmProfile: ['nonstop'],
    },
    outcome: rejected(cClient(2393, log(m('AMQ9665'))), log(m('AMQ9716', { reason: 'a', details: 'openssl-dn' }))),
    source: seen('003', 'row 3: client AMQ9665E, QM AMQ9716 after waiting out its OCSP connection'),
    seenElapsedMs: 21000,
    checks: ['qm-ocsp-url', 'http-proxy', 'ocsp-timeout', 'ocsp-policy-qm', 'partner-log'],
  },
  {
    id: 'seed003-row4',
    title: "The QM's certificate is revoked: the client rejects it, the NonStop QM sees the bad_certificate alert",
    when: { stage: 'client-check', clientObserved: ['revoked'], qmProfile: ['nonstop'] },
    outcome: rejected(
      cClient(2393, log(CLIENT_REVOKED_QM)),
      log(m('AMQ9633', { validationError: 1042, details: 'openssl-alert-bad-certificate' })),
    ),
    source: seen('003', 'row 4: client AMQ9633E 575032, QM AMQ9633 1042 sslv3 alert bad certificate'),
    seenElapsedMs: 6000,
    checks: ['revoked-cert', 'partner-log'],
  },
  {
    id: 'seed003-row5',
    title: "The client's certificate is revoked: the NonStop QM rejects it (OpenSSL error 23)",
    when: { stage: 'qm-check', qmObserved: ['revoked'], qmProfile: ['nonstop'] },
    outcome: rejected(
      cClient(2393, log(m('AMQ9665'))),
      log(m('AMQ9633', { reason: 'e', validationError: 23, details: 'openssl-revoked-by-url' })),
    ),
    source: seen('003', "row 5: client AMQ9665E, QM AMQ9633 'was revoked by AUTHINFO URL', 23"),
    seenElapsedMs: 6000,
    checks: ['revoked-cert', 'partner-log'],
  },
  {
    id: 'seed000-untrusted-client-cert',
    title:
      "The client sends a certificate whose signer the QM does not trust, even under SSLCAUTH(OPTIONAL)",
    when: { stage: 'qm-check', qmObserved: ['untrusted-issuer'], qmProfile: ['distributed'] },
    outcome: rejected(
      cClient(2393, inferredLog(m('AMQ9665', { inferred: true })), true),
      log(m('AMQ9633', { validationError: 575010, details: 'gskit-cert' })),
      cClient(2397, log(m('AMQ9204'), m('AMQ9771', { cause: 'Broken pipe' }))),
    ),
    source: seen('000', 'WAS (Java) 2397 AMQ9204/AMQ9771 Broken pipe; QM AMQ9633 575010; C client inferred'),
    checks: ['sslcauth', 'signer-chain', 'java-keystore', 'refresh-security'],
  },
  {
    id: 'seed002-no-client-cert',
    title: 'SSLCAUTH(REQUIRED) and the client sends no certificate',
    when: { stage: 'qm-check', qmObserved: ['no-cert'], sslcauth: ['REQUIRED'] },
    outcome: rejected(cClient(2393, UNRECORDED, true), log(m('AMQ9637')), cClient(2059, log(m('AMQ9503')))),
    source: seen('002', 'comment: QM AMQ9637, Java app CC=2;RC=2059;AMQ9503; C client inferred'),
    checks: ['sslcauth', 'cert-label', 'java-keystore', 'key-repository'],
  },
  {
    id: 'seed001-no-cipherspec',
    title: 'The client uses a channel definition without a CipherSpec (MQSERVER / ServerConnectionParms)',
    when: { stage: 'tls', tlsFailure: 'no-cipherspec' },
    outcome: rejected(cClient(2393, log(m('AMQ9641', { cipherError: "SSLCIPH(' ') -> SSLCIPH(????)" }))), UNRECORDED),
    source: seen('001', "client AMQ9641E SSLCIPH(' ') -> SSLCIPH(????), reason code 2393"),
    checks: ['server-connection-parms', 'cipherspec'],
  },
  {
    id: 'seed001-cipher-mismatch',
    title: "CipherSpecs differ, or the certificate's key type does not suit the CipherSpec",
    when: { stage: 'tls', tlsFailure: 'cipher-mismatch' },
    outcome: rejected(cClient(2393, UNRECORDED), log(m('AMQ9616'))),
    source: seen('001', 'QM AMQ9616E CipherSpec proposed by remote host is not enabled'),
    checks: ['cipherspec', 'cert-label', 'refresh-security'],
  },
  {
    id: 'seed001-label-typo',
    title: "The client's certificate label is mistyped",
    when: { stage: 'tls', tlsFailure: 'label-typo' },
    outcome: rejected(cClient(2393, log(m('AMQ9716'))), log(m('AMQ9638'), m('AMQ9999'))),
    source: seen('001', 'client AMQ9716E; QM AMQ9638E then AMQ9999E'),
    checks: ['cert-label', 'key-repository', 'partner-log'],
  },
];

// ---------------------------------------------------------------------------------------------
// General rules: the policy grid on each side, and the other judgements each side can make.

function clientGridRow(policy: Policy, c: (typeof CAUSES)[number]): OutcomeRow {
  const base = {
    when: { stage: 'client-check' as const, clientObserved: [undetermined(c.cause)], clientPolicy: [policy] },
    checks: ['client-ocsp-url', ...c.checks, 'ocsp-policy-client'] as CheckId[],
  };
  const id = `policy-${policy.toLowerCase()}-${c.word}-client`;
  if (policy === 'REQUIRED') {
    const ffst = c.cause === 'a' ? { ffst: REVOCATION_FFST } : {};
    return {
      ...base,
      id,
      title: `The client ${c.plain} for the QM's certificate under REQUIRED: it gives up, the QM logs nothing`,
      outcome: rejected(cClient(2393, log(m('AMQ9716', { reason: c.cause, ...ffst }))), { messages: [], inferred: true }),
      source: doc('AMQ9716 explanation; OCSPAuthentication in the SSL stanza (q019040_)'),
    };
  }
  if (policy === 'WARN') {
    return {
      ...base,
      id,
      title: `The client ${c.plain} for the QM's certificate under WARN: it logs a warning and continues`,
      outcome: continues(inferredLog(m('AMQ9717', { reason: c.cause, inferred: true })), NOTHING),
      source: doc('OCSPAuthentication=WARN (q019040_); the client warning text is inferred'),
    };
  }
  return {
    ...base,
    id,
    title: `The client ${c.plain} for the QM's certificate under OPTIONAL: it continues silently`,
    outcome: continues(NOTHING, NOTHING),
    source: doc('IC64358 local fix: OPTIONAL continues silently'),
  };
}

function qmGridRow(policy: Policy, c: (typeof CAUSES)[number]): OutcomeRow {
  const base = {
    when: { stage: 'qm-check' as const, qmObserved: [undetermined(c.cause)], qmPolicy: [policy] },
    checks: ['qm-ocsp-url', ...c.checks, 'ocsp-policy-qm'] as CheckId[],
  };
  const id = `policy-${policy.toLowerCase()}-${c.word}-qm`;
  if (policy === 'REQUIRED') {
    return {
      ...base,
      id,
      title: `The QM ${c.plain} for the client's certificate under REQUIRED: it rejects the channel`,
      outcome: rejected(cClient(2393, log(m('AMQ9665'))), log(m('AMQ9716', { reason: c.cause }))),
      source: doc('AMQ9716 explanation; OCSPAuthentication in the SSL stanza (q019040_)'),
      checks: [...base.checks, 'partner-log'],
    };
  }
  if (policy === 'WARN') {
    return {
      ...base,
      id,
      title: `The QM ${c.plain} for the client's certificate under WARN: it continues and puts a Channel SSL Warning event`,
      // The event page names only an 'unknown' answer; for causes a and c the event is our reading.
      outcome: continues(NOTHING, inferredLog(m('AMQ9717', { reason: c.cause, inferred: true })), [sslWarning(c.cause !== 'b')]),
      source: doc('Channel SSL Warning event (q049780_), MQRQ_SSL_UNKNOWN_REVOCATION'),
      checks: [...base.checks, 'channel-events'],
    };
  }
  return {
    ...base,
    id,
    title: `The QM ${c.plain} for the client's certificate under OPTIONAL: it continues silently`,
    outcome: continues(NOTHING, NOTHING),
    source: doc('IC64358 local fix: OPTIONAL continues silently'),
  };
}

/** The client rejects the QM's certificate for its signer; the QM side reacts to the alert as in
 *  seed 003 row 4 (NonStop) or with the GSKit close message (distributed). */
function untrustedQmRow(profile: QmProfile, qmSees: ExpectedMessage): OutcomeRow {
  return {
    id: `untrusted-qm-cert-${profile}`,
    title: `The client does not trust the signer of the QM's certificate (${profile} QM)`,
    when: { stage: 'client-check', clientObserved: ['untrusted-issuer'], qmProfile: [profile] },
    outcome: rejected(
      cClient(2393, inferredLog(m('AMQ9633', { validationError: 575010, details: 'gskit-cert', inferred: true }))),
      inferredLog(qmSees),
    ),
    source: inferred('575010 as in seed 000 but seen by the client; the QM side by analogy with seed 003'),
    checks: ['signer-chain', 'key-repository', 'partner-log'],
  };
}

const GENERAL_ROWS: OutcomeRow[] = [
  {
    id: 'client-accepts-qm-cert',
    title: "The client finds the QM's certificate good",
    when: { stage: 'client-check', clientObserved: ['good'] },
    outcome: continues(NOTHING, NOTHING),
    source: doc('Revoked certificates and OCSP (q013360_): Good'),
    checks: [],
    routine: true,
  },
  {
    id: 'revoked-qm-cert-distributed',
    title: "The QM's certificate is revoked: the client rejects it; a GSKit QM sees the connection closed",
    when: { stage: 'client-check', clientObserved: ['revoked'], qmProfile: ['distributed'] },
    outcome: rejected(cClient(2393, log(CLIENT_REVOKED_QM)), inferredLog(m('AMQ9665', { inferred: true }))),
    source: inferred('client side as seed 003 row 4; a GSKit QM closed on logs AMQ9665 like the GSKit client in rows 3 and 5'),
    checks: ['revoked-cert', 'partner-log'],
  },
  untrustedQmRow('nonstop', m('AMQ9633', { validationError: 1042, details: 'openssl-alert-bad-certificate', inferred: true })),
  untrustedQmRow('distributed', m('AMQ9665', { inferred: true })),
  {
    id: 'qm-accepts-client-cert',
    title: "The QM finds the client's certificate good",
    when: { stage: 'qm-check', qmObserved: ['good'] },
    outcome: continues(NOTHING, NOTHING),
    source: doc('Revoked certificates and OCSP (q013360_): Good'),
    checks: [],
    routine: true,
  },
  {
    id: 'no-client-cert-optional',
    title: 'SSLCAUTH(OPTIONAL) and the client sends no certificate: nothing to check',
    when: { stage: 'qm-check', qmObserved: ['no-cert'], sslcauth: ['OPTIONAL'] },
    outcome: continues(NOTHING, NOTHING),
    source: doc('SSLCAUTH(OPTIONAL) semantics as recorded in mq-outcomes.md (AMQ9633 diagnostics page)'),
    checks: [],
  },
  {
    id: 'untrusted-client-cert-nonstop',
    title: "The client sends a certificate whose signer a NonStop QM does not trust",
    when: { stage: 'qm-check', qmObserved: ['untrusted-issuer'], qmProfile: ['nonstop'] },
    outcome: rejected(
      cClient(2393, inferredLog(m('AMQ9665', { inferred: true })), true),
      inferredLog(m('AMQ9633', { validationError: 20, details: 'openssl-dn', inferred: true })),
    ),
    source: inferred('seed 000 on an OpenSSL QM: OpenSSL reports 20 for an issuer it cannot find'),
    checks: ['sslcauth', 'signer-chain', 'refresh-security'],
  },
  {
    id: 'revoked-client-cert-distributed',
    title: "The client's certificate is revoked: a GSKit QM rejects it",
    when: { stage: 'qm-check', qmObserved: ['revoked'], qmProfile: ['distributed'] },
    outcome: rejected(
      cClient(2393, log(m('AMQ9665'))),
      inferredLog(m('AMQ9633', { reason: 'e', validationError: 575032, details: 'gskit-cert', inferred: true })),
    ),
    source: inferred('seed 003 row 5 with the GSKit number the client showed in row 4'),
    checks: ['revoked-cert', 'partner-log'],
  },
  {
    id: 'channel-starts',
    title: 'No check stopped the channel: it starts (warnings, if any, already logged)',
    when: { stage: 'start' },
    outcome: continues(NOTHING, NOTHING),
    source: doc('OCSPAuthentication WARN/OPTIONAL continue (q019040_, IC64358)'),
    checks: [],
  },
];


// ---------------------------------------------------------------------------------------------
// CRLs: the rows for what a side found in (or failed to get) a CRL, after docs/mq-crl-outcomes.md.
// A CRL that could not be fetched or used (CDP unreachable, expired, badly signed, another
// issuer's) is observed as undetermined-a / undetermined-c and takes the policy grid above: the
// text of AMQ9716 (a) names "CRL servers or OCSP responders" (doc), that OCSPAuthentication
// governs a CRL source too is our reading. AMQ9633 prints its whole (a)-(e) list whatever the
// cause, so the letter in these rows is ours; no source gives GSKit's number for a CRL, so the
// 575032 of an OCSP revocation is used and marked inferred.

const CRL_PAGE = 'OCSP/CRL checking (q135040_): a definitive REVOKED from a CRL ends the check; AMQ9633 (c)';
const crlRevokedBy = (qmProfile: QmProfile): ExpectedMessage =>
  qmProfile === 'distributed'
    ? m('AMQ9633', { reason: 'c', validationError: 575032, details: 'gskit-cert', inferred: true })
    : m('AMQ9633', { reason: 'c', validationError: 23, details: 'openssl-dn', inferred: true });

const CRL_ROWS: OutcomeRow[] = [
  {
    id: 'crl-revoked-qm-cert-nonstop',
    title: "A CRL lists the QM's certificate: the client rejects it, the NonStop QM sees the bad_certificate alert",
    when: { stage: 'client-check', clientObserved: ['crl-revoked'], qmProfile: ['nonstop'] },
    outcome: rejected(
      cClient(2393, log(crlRevokedBy('distributed'))),
      inferredLog(m('AMQ9633', { validationError: 1042, details: 'openssl-alert-bad-certificate', inferred: true })),
      cClient(2401, inferredLog()),
    ),
    source: doc(`${CRL_PAGE}; RC 2401 (q044290_) for Java; logs by analogy with seed 003 row 4`),
    checks: ['revoked-cert', 'crl-cache', 'partner-log'],
  },
  {
    id: 'crl-revoked-qm-cert-distributed',
    title: "A CRL lists the QM's certificate: the client rejects it; a GSKit QM sees the connection closed",
    when: { stage: 'client-check', clientObserved: ['crl-revoked'], qmProfile: ['distributed'] },
    outcome: rejected(cClient(2393, log(crlRevokedBy('distributed'))), inferredLog(m('AMQ9665', { inferred: true })), cClient(2401, inferredLog())),
    source: doc(`${CRL_PAGE}; RC 2401 (q044290_) for Java; the QM's AMQ9665 by analogy with seed 003`),
    checks: ['revoked-cert', 'crl-cache', 'partner-log'],
  },
  ...QM_PROFILES.map(
    (p): OutcomeRow => ({
      id: `crl-revoked-client-cert-${p}`,
      title: `A CRL lists the client's certificate: the ${p === 'nonstop' ? 'NonStop' : 'GSKit'} QM rejects it`,
      when: { stage: 'qm-check', qmObserved: ['crl-revoked'], qmProfile: [p] },
      outcome: rejected(cClient(2393, inferredLog(m('AMQ9665', { inferred: true }))), log(crlRevokedBy(p))),
      source: doc(`${CRL_PAGE}; the client's AMQ9665 by analogy with seed 003 row 5`),
      checks: ['revoked-cert', 'crl-cache', 'partner-log'],
    }),
  ),
  {
    id: 'ldap-unreachable-qm',
    title: 'The QM cannot reach any LDAP CRL server for the client\'s certificate: AMQ9646, the channel does not start',
    when: { stage: 'qm-check', qmObserved: ['ldap-unreachable'] },
    outcome: rejected(cClient(2393, inferredLog(m('AMQ9665', { inferred: true }))), log(m('AMQ9646'))),
    source: doc('AMQ9646 as APAR IT17429 reproduces it: "could not connect to any LDAP CRL servers ... The channel did not start"'),
    checks: ['sslcrlnl-namelist', 'ldap-entry-dn', 'partner-log'],
  },
  {
    id: 'ldap-unreachable-client',
    title: "The client cannot reach any LDAP CRL server for the QM's certificate: it gives up (Java: 2402)",
    when: { stage: 'client-check', clientObserved: ['ldap-unreachable'], clientPolicy: ['REQUIRED', 'WARN'] },
    outcome: rejected(cClient(2393, inferredLog(m('AMQ9646', { inferred: true }))), inferredLog(), cClient(2402, inferredLog())),
    source: inferred('AMQ9646 is documented for a QM (APAR IT17429); that a C client writes it, not AMQ9716 (a), is open. Java: RC 2402 (q044300_)'),
    checks: ['sslcrlnl-namelist', 'java-certstores'],
  },
  {
    id: 'crl-missing-qm',
    title: "The LDAP server holds no CRL for the client's CA: the QM rejects the certificate (AMQ9633 d)",
    when: { stage: 'qm-check', qmObserved: ['crl-missing'] },
    outcome: rejected(cClient(2393, inferredLog(m('AMQ9665', { inferred: true }))), inferredLog(m('AMQ9633', { reason: 'd', details: 'gskit-cert', inferred: true }))),
    source: inferred('AMQ9633 lists "(d) a CRL was specified but the CRL could not be found on the LDAP server" (technote 1081227); that this case writes it is our reading'),
    checks: ['ldap-entry-dn', 'sslcrlnl-namelist', 'partner-log'],
  },
  // The client rejects the QM's certificate (AMQ9633 d) as it does a revoked one, so the QM sees
  // what it sees then: a GSKit QM the close (AMQ9665), a NonStop QM the bad_certificate alert.
  {
    id: 'crl-missing-client-distributed',
    title: "The LDAP server holds no CRL for the QM's CA: the client rejects the certificate (AMQ9633 d); a GSKit QM sees the connection closed",
    when: { stage: 'client-check', clientObserved: ['crl-missing'], clientPolicy: ['REQUIRED', 'WARN'], qmProfile: ['distributed'] },
    outcome: rejected(
      cClient(2393, inferredLog(m('AMQ9633', { reason: 'd', details: 'gskit-cert', inferred: true }))),
      inferredLog(m('AMQ9665', { inferred: true })),
      cClient(2402, inferredLog()),
    ),
    source: inferred("AMQ9633 (d) text (technote 1081227); the client case and Java 2402 by analogy; the QM's AMQ9665 as in revoked-qm-cert-distributed"),
    checks: ['ldap-entry-dn', 'sslcrlnl-namelist', 'java-certstores', 'partner-log'],
  },
  {
    id: 'crl-missing-client-nonstop',
    title: "The LDAP server holds no CRL for the QM's CA: the client rejects the certificate (AMQ9633 d); the NonStop QM sees the bad_certificate alert",
    when: { stage: 'client-check', clientObserved: ['crl-missing'], clientPolicy: ['REQUIRED', 'WARN'], qmProfile: ['nonstop'] },
    outcome: rejected(
      cClient(2393, inferredLog(m('AMQ9633', { reason: 'd', details: 'gskit-cert', inferred: true }))),
      inferredLog(m('AMQ9633', { validationError: 1042, details: 'openssl-alert-bad-certificate', inferred: true })),
      cClient(2402, inferredLog()),
    ),
    source: inferred('AMQ9633 (d) text (technote 1081227); the client case and Java 2402 by analogy; the QM side as seed 003 row 4 (NonStop, alert 1042)'),
    checks: ['ldap-entry-dn', 'sslcrlnl-namelist', 'java-certstores', 'partner-log'],
  },
  {
    id: 'crl-source-optional-client',
    title: 'The client could not get a CRL (LDAP down or no CRL there) under OPTIONAL: it continues',
    when: { stage: 'client-check', clientObserved: ['ldap-unreachable', 'crl-missing'], clientPolicy: ['OPTIONAL'] },
    outcome: continues(NOTHING, NOTHING),
    source: inferred('OPTIONAL continues when no status can be had (IC64358, for OCSP); for an LDAP CRL source on a client no source says'),
    checks: ['ocsp-policy-client', 'sslcrlnl-namelist'],
  },
];

const GRID_ROWS: OutcomeRow[] = POLICIES.flatMap((p) => CAUSES.flatMap((c) => [clientGridRow(p, c), qmGridRow(p, c)]));

export const OUTCOME_ROWS: readonly OutcomeRow[] = [...SEED_ROWS, ...GRID_ROWS, ...GENERAL_ROWS, ...CRL_ROWS];

export function rowById(id: string): OutcomeRow | undefined {
  return OUTCOME_ROWS.find((r) => r.id === id);
}

// ---------------------------------------------------------------------------------------------
// Java clients: mq-outcomes.md gives one rule for them (any TLS failure is 2397 with AMQ9204
// wrapping AMQ9771) and they keep no AMQERR01.LOG, so a row only says more when a seed shows it.

export function javaView(row: OutcomeRow): ClientView {
  if (row.outcome.java) return row.outcome.java;
  if (row.outcome.channelStarts) {
    // Nothing to drop when the C client logs nothing; dropping a C client's warning is a guess.
    return row.outcome.client.log.messages.length
      ? { rc: 0, log: { messages: [], inferred: true }, inferred: true }
      : { rc: 0, log: { messages: [] } };
  }
  // When the QM ends the handshake the JSSE socket sees the close; when the client itself rejects,
  // the cause is its own validation failure, which no seed shows.
  const cause = row.when.stage === 'qm-check' || row.when.stage === 'tls' ? { cause: 'Broken pipe' } : {};
  return {
    rc: 2397,
    log: { messages: [m('AMQ9204', { inferred: true }), m('AMQ9771', { inferred: true, ...cause })], inferred: true },
    inferred: true,
  };
}

export function clientView(row: OutcomeRow, clientType: ClientType): ClientView {
  return clientType === 'Java' ? javaView(row) : row.outcome.client;
}

// ---------------------------------------------------------------------------------------------
// decide

const ALL: Record<keyof Omit<RowCondition, 'stage' | 'tlsFailure'>, number> = {
  clientObserved: OBSERVATIONS.length,
  qmObserved: OBSERVATIONS.length,
  clientPolicy: POLICIES.length,
  qmPolicy: POLICIES.length,
  clientType: CLIENT_TYPES.length,
  qmProfile: QM_PROFILES.length,
  sslcauth: SSLCAUTHS.length,
};

export function rowMatches(row: OutcomeRow, stage: Stage, i: DecisionInputs): boolean {
  const w = row.when;
  const has = <T>(list: readonly T[] | undefined, v: T) => !list || list.includes(v);
  return (
    w.stage === stage &&
    (w.tlsFailure === undefined || w.tlsFailure === i.tlsFailure) &&
    has(w.clientObserved, i.client.observed) &&
    has(w.qmObserved, i.qm.observed) &&
    has(w.clientPolicy, i.client.policy) &&
    has(w.qmPolicy, i.qm.policy) &&
    has(w.clientType, i.clientType) &&
    has(w.qmProfile, i.qmProfile) &&
    has(w.sslcauth, i.qm.sslcauth)
  );
}

/** How narrowly a row's condition is drawn: the more it constrains, the more it says. */
export function specificity(row: OutcomeRow): number {
  let s = row.when.tlsFailure ? 1 : 0;
  for (const [k, n] of Object.entries(ALL) as [keyof typeof ALL, number][]) {
    const list = row.when[k];
    if (list) s += 1 + (n - list.length) / n;
  }
  return s;
}

export const SOURCE_RANK: Record<Source['kind'], number> = { seen: 3, doc: 2, inferred: 1 };

/** Rows that hold at a stage, best first: most specific, then best sourced. */
export function candidates(stage: Stage, inputs: DecisionInputs): OutcomeRow[] {
  return OUTCOME_ROWS.filter((r) => rowMatches(r, stage, inputs)).sort(
    (a, b) => specificity(b) - specificity(a) || SOURCE_RANK[b.source.kind] - SOURCE_RANK[a.source.kind],
  );
}

export interface Decision {
  /** The row that settled the outcome: the rejecting row; else the last check that had something
   *  to say (a WARN or OPTIONAL row, no client certificate); else the start row. */
  row: OutcomeRow;
  /** Every row applied, in stage order (continuing checks first). */
  rows: OutcomeRow[];
  channelStarts: boolean;
  clientRc: number;
  client: SideLog;
  qm: SideLog;
  events: ChannelEvent[];
  /** True when any part of the outcome rests on inference rather than a seed or IBM's docs. */
  inferred: boolean;
}

const STAGES: readonly Stage[] = ['tls', 'client-check', 'qm-check', 'start'];

export class IncompleteTableError extends Error {}

export function decide(inputs: DecisionInputs): Decision {
  const rows: OutcomeRow[] = [];
  for (const stage of STAGES) {
    if (stage === 'tls' && !inputs.tlsFailure) continue;
    const row = candidates(stage, inputs)[0];
    if (!row) throw new IncompleteTableError(`no outcome row for stage ${stage}: ${JSON.stringify(inputs)}`);
    rows.push(row);
    if (!row.outcome.channelStarts) break;
  }
  const last = rows[rows.length - 1]!;
  const notable = rows.filter((r) => !r.routine && r.when.stage !== 'start').pop();
  const row = !last.outcome.channelStarts ? last : (notable ?? last);
  const views = rows.map((r) => clientView(r, inputs.clientType));
  const client: SideLog = { messages: views.flatMap((v) => v.log.messages) };
  const qm: SideLog = { messages: rows.flatMap((r) => r.outcome.qm.messages) };
  const lastClient = views[views.length - 1]!;
  if (lastClient.log.unrecorded) client.unrecorded = true;
  if (last.outcome.qm.unrecorded) qm.unrecorded = true;
  if (views.some((v) => v.log.inferred)) client.inferred = true;
  if (rows.some((r) => r.outcome.qm.inferred)) qm.inferred = true;
  const events = rows.flatMap((r) => r.outcome.events);
  const inferred =
    rows.some((r) => r.source.kind === 'inferred') ||
    views.some((v) => v.inferred) ||
    [...client.messages, ...qm.messages].some((x) => x.inferred) ||
    events.some((e) => e.inferred) ||
    !!client.inferred ||
    !!qm.inferred;
  return {
    row,
    rows,
    channelStarts: last.outcome.channelStarts,
    clientRc: lastClient.rc,
    client,
    qm,
    events,
    inferred,
  };
}

/** Inputs under which `row` applies, for tests and for `explain --drill`: the row's own values,
 *  everything else good / REQUIRED / C / distributed / REQUIRED. */
export function exampleInputs(row: OutcomeRow): DecisionInputs {
  const w = row.when;
  const first = <T>(l: readonly T[] | undefined, d: T): T => (l && l.length ? l[0]! : d);
  const i: DecisionInputs = {
    clientType: first(w.clientType, 'C'),
    qmProfile: first(w.qmProfile, 'distributed'),
    client: { policy: first(w.clientPolicy, 'REQUIRED'), observed: first(w.clientObserved, 'good') },
    qm: {
      policy: first(w.qmPolicy, 'REQUIRED'),
      observed: first(w.qmObserved, 'good'),
      sslcauth: first(w.sslcauth, 'REQUIRED'),
    },
  };
  if (w.tlsFailure) i.tlsFailure = w.tlsFailure;
  return i;
}
