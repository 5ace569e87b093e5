// Plain words for one parsed log entry: what the message or reason code means, and what the side
// that wrote it was doing at the time. Meanings come from the catalog (our own explanations); the
// only knowledge added here is "what was this side checking", which depends on message and side
// and which the catalog (one text per message) cannot say.

import type { MqLogEntry, Side } from '../mq/errlog.js';
import {
  MESSAGES,
  REASON_CODES,
  fillTemplate,
  isMessageId,
  validationError,
  type MessageId,
  type MessageInserts,
} from '../mq/catalog.js';

const PEER: Record<Side, string> = { client: "the queue manager's", qm: "the client's" };

const REVOCATION: Record<Side, string> = {
  client:
    "checking the revocation status of the queue manager's certificate over OCSP (MQAIR " +
    'OCSPResponderURL, or the AIA URL with OCSPCheckExtensions=YES), or against a CRL (the CDP URL ' +
    'with CDPCheckExtensions=YES, LDAP servers of MQAIR records or the CCDT)',
  qm:
    "checking the revocation status of the client's certificate over OCSP (AUTHINFO OCSPURL in " +
    'the SSLCRLNL namelist, or the AIA URL with OCSPCheckExtensions=YES), or against a CRL (the CDP ' +
    'URL with CDPCheckExtensions=YES, CRLLDAP AUTHINFO objects in SSLCRLNL)',
};

const LDAP_CRL: Record<Side, string> = {
  client:
    "checking the revocation status of the queue manager's certificate against a CRL from the LDAP " +
    'servers of its MQAIR records (MQAIT_CRL_LDAP) or of the CCDT; none of them answered',
  qm:
    "checking the revocation status of the client's certificate against a CRL from the LDAP servers " +
    'of the AUTHINFO AUTHTYPE(CRLLDAP) objects in the SSLCRLNL namelist; none of them answered',
};

/** What the writing side was doing when it logged the message; undefined: nothing specific. */
const CHECKING: Partial<Record<MessageId, (side: Side) => string>> = {
  AMQ9716: (s) => REVOCATION[s],
  AMQ9717: (s) => REVOCATION[s],
  AMQ9633: (s) =>
    `validating ${PEER[s]} certificate: signer chain against its key repository, then revocation status (OCSP or CRL)`,
  AMQ9646: (s) => LDAP_CRL[s],
  AMQ9637: () =>
    'checking that the client sent a certificate, which SSLCAUTH(REQUIRED) demands (or looking for ' +
    'its own certificate under CERTLABL)',
  AMQ9638: () => 'in the TLS handshake; the conversation broke off before any certificate was judged here',
  AMQ9641: () => "agreeing the CipherSpec of its channel definition with the partner's SSLCIPH",
  AMQ9616: () =>
    "matching the CipherSpec the partner proposed against the channel's SSLCIPH and its own " +
    "certificate's key type",
  AMQ9665: () =>
    'nothing of its own: it was waiting in the handshake while the partner judged its certificate ' +
    'and closed the connection',
  AMQ9771: () => 'the TLS handshake (JSSE); the other end broke it off',
  AMQ9204: () => 'connecting; the nested AMQ9771 says the TLS handshake failed',
  AMQ9503: () => 'channel negotiation; the partner ended the conversation',
  AMQ9999: () => 'nothing specific: the channel ended because of the error logged just before',
};

export interface EntryWords {
  /** The message or reason code in plain words. */
  meaning: string;
  /** What the side that wrote it was checking, when we know the side. */
  checking?: string;
  /** The certificate validation error number explained, with the library that uses it. */
  validation?: string;
}

function insertsOf(e: MqLogEntry): MessageInserts {
  const ins: MessageInserts = {};
  if (e.channel !== undefined) ins.channel = e.channel;
  ins.host = e.remoteHost || 'not shown';
  if (e.certificateDetails !== undefined) ins.details = e.certificateDetails;
  if (e.validationError !== undefined) ins.validationError = e.validationError;
  if (e.cipherError !== undefined) ins.cipherError = e.cipherError;
  if (e.cipherSpec !== undefined) ins.cipherSpec = e.cipherSpec;
  ins.cause = e.cause ?? 'no cause given';
  return ins;
}

/** The first paragraph of our explanation: the catalog's words, with this entry's inserts. */
function messageMeaning(id: MessageId, e: MqLogEntry): string {
  const first = MESSAGES[id].explanation.split('\n\n')[0]!;
  return fillTemplate(first, insertsOf(e)).replace(/\s+/g, ' ').trim();
}

function validationWords(code: number): string {
  const v = validationError(code);
  if (!v) return `validation error ${code}: not a number ocsplab knows`;
  return `validation error ${code} (${v.library === 'gskit' ? 'GSKit' : 'OpenSSL'}: ${v.name}): ${v.meaning}`;
}

export function reasonWords(code: number): string {
  const r = REASON_CODES[code];
  return r ? `${r.code} ${r.name}: ${r.meaning}` : `reason code ${code}: not one ocsplab knows (not TLS related as far as we know)`;
}

/** True when ocsplab has something to say about the entry (a catalogued message or reason). */
export function isKnownEntry(e: MqLogEntry): boolean {
  if (e.messageId && isMessageId(e.messageId)) return true;
  return e.reasonCode !== undefined && REASON_CODES[e.reasonCode] !== undefined;
}

export function entryWords(e: MqLogEntry, side: Side | undefined): EntryWords {
  const out: EntryWords = { meaning: '' };
  const id = e.messageId && isMessageId(e.messageId) ? e.messageId : undefined;
  if (id) {
    out.meaning = messageMeaning(id, e);
    if (e.kind === 'ffst') out.meaning = `FFST (probe ${e.probeId ?? '?'}, ${e.majorErrorcode ?? '?'}) written with ${id}: ${out.meaning}`;
    if (e.kind === 'java' && e.reasonCode !== undefined) out.meaning += ` (Java exception, ${reasonWords(e.reasonCode)})`;
    const checking = CHECKING[id];
    // Messages whose activity does not depend on the side (zero-parameter entries) need no side.
    if (checking && (side || checking.length === 0)) out.checking = checking(side ?? 'client');
  } else if (e.messageId) {
    out.meaning = `${e.messageId} is not a TLS/OCSP message ocsplab knows`;
  } else if (e.reasonCode !== undefined) {
    out.meaning = reasonWords(e.reasonCode);
  }
  if (e.validationError !== undefined) {
    out.validation = validationWords(e.validationError);
    // 1042 is the alert the partner sent, so the writer was being judged, not judging.
    if (e.validationError === 1042 && side) {
      const other = side === 'qm' ? 'client' : 'queue manager';
      out.checking = `nothing that failed here: the ${other} rejected this side's own certificate (TLS alert 42)`;
    }
  }
  return out;
}
