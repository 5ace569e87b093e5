// src/mq/ is MQ knowledge only: this catalog (messages, reason codes, validation errors), the
// outcome table (outcomes.ts) with the checks its rows cite (checks.ts) and the inserts its
// messages take (inserts.ts), CipherSpecs (cipherspec.ts), and MQ's error texts both ways:
// AMQERR01.LOG (errlog.ts, entry type in log-entry.ts) and FFST boxes (ffst.ts). It imports
// nothing outside src/mq/ (test/layering.test.ts checks); the emulator, explain and the drill
// build on it.
//
// The MQ messages, reason codes and certificate validation error numbers that the TLS/OCSP drills
// produce or meet in real logs. One catalog shared by the emulator (to write), the log parser (to
// recognise titles) and `ocsplab explain` (to say what a number means).
//
// The one-line titles keep MQ's wording because they are how an administrator recognises a message
// in AMQERR01.LOG and how the parser finds inserts in real logs. EXPLANATION and ACTION texts are
// our own words, written for the revocation drills; they are not IBM's texts. Two sentence shapes
// inside explanations ("The details of the certificate ... are '...'." and "The certificate
// validation error was N.") are kept because real logs carry the evidence in exactly those shapes.

export type Severity = 'I' | 'W' | 'E' | 'S' | 'T';

export const MESSAGE_IDS = [
  'AMQ9204',
  'AMQ9503',
  'AMQ9616',
  'AMQ9633',
  'AMQ9637',
  'AMQ9638',
  'AMQ9641',
  'AMQ9646',
  'AMQ9665',
  'AMQ9716',
  'AMQ9717',
  'AMQ9771',
  'AMQ9999',
] as const;
export type MessageId = (typeof MESSAGE_IDS)[number];

/** Values substituted into titles and explanations; the names are the `{placeholders}`. */
export interface MessageInserts {
  /** Channel name; MQ prints '????' when the name is not known yet (typical on the QM side). */
  channel?: string;
  /** Remote host as MQ prints it, e.g. `localhost (127.0.0.1)(1414)`. */
  host?: string;
  /** Certificate details: GSKit `[Class=]GSKVALMethod::X509[Issuer=]...`, or OpenSSL text. */
  details?: string;
  validationError?: number;
  /** AMQ9641's CipherSpec error, e.g. `SSLCIPH(' ') -> SSLCIPH(????)`. */
  cipherError?: string;
  /** AMQ9616's CipherSpec name. */
  cipherSpec?: string;
  /** Lower-level cause a Java client appends, e.g. `Broken pipe`. */
  cause?: string;
}

export interface MessageDef {
  id: MessageId;
  severity: Severity;
  /** Title line with `{insert}` placeholders, as the log's `AMQnnnnX: ` line shows it. */
  title: string;
  /** Our explanation; paragraphs separated by blank lines; placeholders allowed. */
  explanation: string;
  action: string;
  /** Who writes it: the queue manager, a C client (error log), a Java client (exception chain). */
  writers: ReadonlyArray<'qm' | 'client' | 'java'>;
  /** Source file and line for the `----- file : line ---` footer, as seen in the seeds where known. */
  probe: { file: string; line: number };
  /** Set when no source shows this message in the situation we use it for. */
  inferred?: boolean;
}

const REVOCATION_CAUSES =
  '(a) no CRL server or OCSP responder for the certificate could be reached;\n' +
  '(b) the responders that answered do not know the certificate (OCSP status unknown);\n' +
  '(c) an OCSP response arrived but its signature could not be verified.';

export const MESSAGES: Readonly<Record<MessageId, MessageDef>> = {
  AMQ9633: {
    id: 'AMQ9633',
    severity: 'E',
    title: "Bad SSL certificate for channel '{channel}'.",
    explanation:
      'The certificate the partner sent during the TLS handshake was rejected. It was ' +
      'malformed, or its signer chain does not lead to a CA held in the local key repository, or ' +
      'a CRL lists it, or a required CRL was missing, or (e) an OCSP responder answered that it is ' +
      'revoked.\n\n' +
      "Channel '{channel}' (shown as '????' when its name is not known yet), remote host " +
      "'{host}'. The channel did not start.\n\n" +
      "The details of the certificate which could not be validated are '{details}'." +
      // MQ always prints the number; the emulator has none for a case no source gives one for
      // (a CRL missing from LDAP), and prints no sentence rather than a number it made up.
      '{?\n\nThe certificate validation error was {validationError}.?}',
    action:
      'Read the validation error: a revoked certificate must be replaced, an untrusted issuer ' +
      'needs its CA chain added to the key repository (then REFRESH SECURITY TYPE(SSL)). If the ' +
      'details show a TLS alert, the partner rejected our certificate: read its log.',
    writers: ['qm', 'client'],
    probe: { file: 'amqccisa.c', line: 8789 },
  },
  AMQ9637: {
    id: 'AMQ9637',
    severity: 'E',
    title: 'Channel is lacking a certificate.',
    explanation:
      "Channel '{channel}' requires the partner to authenticate with a certificate " +
      '(SSLCAUTH(REQUIRED)) or needs its own certificate, and none was available. Remote host ' +
      "'{host}'. The channel did not start.",
    action:
      'Check that the client has a personal certificate under the configured label in its key ' +
      'store, or set SSLCAUTH(OPTIONAL) if client authentication is not wanted.',
    writers: ['qm'],
    probe: { file: 'amqccisa.c', line: 6322 },
  },
  AMQ9638: {
    id: 'AMQ9638',
    severity: 'E',
    title: "SSL communications error for channel '{channel}'.",
    explanation:
      "The TLS conversation on channel '{channel}' with remote host '{host}' broke off before " +
      'the handshake completed. The partner usually logged the reason.',
    action:
      "Read the partner's error log for the same time; a mistyped certificate label on the " +
      'client is a common cause.',
    writers: ['qm', 'client'],
    probe: { file: 'amqccisa.c', line: 7711 },
  },
  AMQ9641: {
    id: 'AMQ9641',
    severity: 'E',
    title: "Remote CipherSpec error for channel '{channel}' to host '{host}'.",
    explanation:
      "The remote end of channel '{channel}' on host '{host}' reported a CipherSpec error " +
      "'{cipherError}'. The channel did not start.",
    action:
      "Both ends must name a CipherSpec. A blank one (SSLCIPH(' ')) on this side usually means " +
      'the channel came from MQSERVER or ServerConnectionParms, which override the CCDT and cannot ' +
      'carry TLS settings.',
    writers: ['client', 'qm'],
    probe: { file: 'amqcrhna.c', line: 1212 },
  },
  AMQ9616: {
    id: 'AMQ9616',
    severity: 'E',
    title: "The CipherSpec '{cipherSpec}' proposed by remote host '{host}' is not enabled.",
    explanation:
      "The partner on channel '{channel}' offered CipherSpec '{cipherSpec}', which this end does " +
      'not accept, or this end has no certificate whose key type suits it. The channel did not ' +
      'start.',
    action:
      'Make the SSLCIPH values agree (or use ANY_TLS12_OR_HIGHER on both ends) and use a ' +
      'certificate whose key type (RSA or EC) fits the CipherSpec.',
    writers: ['qm'],
    probe: { file: 'amqccisa.c', line: 5180 },
  },
  AMQ9646: {
    id: 'AMQ9646',
    severity: 'E',
    // Title as APAR IT17429 reproduces the log (docs/mq-crl-outcomes.md C).
    title: "Channel '{channel}' could not connect to any LDAP CRL servers.",
    explanation:
      'LDAP Certification Revocation List (CRL) servers are configured (AUTHINFO AUTHTYPE(CRLLDAP) ' +
      'objects in the SSLCRLNL namelist, or MQAIR records on a client) but none of them could be ' +
      "reached, so the partner's certificate could not be checked against a CRL. Channel " +
      "'{channel}', remote host '{host}'. The channel did not start.",
    action:
      'Check the CONNAME of every CRLLDAP AUTHINFO object (host and port, default 389), that the ' +
      'LDAP servers run and are reachable from here, and the namelist SSLCRLNL names; then ' +
      'REFRESH SECURITY TYPE(SSL).',
    writers: ['qm', 'client'],
    probe: { file: 'amqccisa.c', line: 0 },
  },
  AMQ9665: {
    id: 'AMQ9665',
    severity: 'E',
    title: "SSL connection closed by remote end of channel '{channel}'.",
    explanation:
      "The partner on channel '{channel}' (host '{host}') closed the TLS connection. It usually " +
      'rejected something we sent, such as our certificate, and logged why in its own error log.',
    action:
      "Read the partner's error log at the same time: AMQ9716 there means it could not check our " +
      "certificate's revocation status, AMQ9633 means it rejected our certificate.",
    writers: ['client', 'qm'],
    probe: { file: 'amqccisa.c', line: 11368 },
  },
  AMQ9716: {
    id: 'AMQ9716',
    severity: 'E',
    title: "Remote SSL certificate revocation status check failed for channel '{channel}'.",
    explanation:
      'The revocation status of the certificate sent by the partner could not be established:\n' +
      REVOCATION_CAUSES +
      "\n\nThe details of the certificate in question are '{details}'.\n\n" +
      'OCSPAuthentication is REQUIRED, so the channel is not allowed to start while the status ' +
      'is undetermined.',
    action:
      'Make the OCSP responder reachable (OCSPURL of the AUTHINFO object, MQAIR ' +
      "OCSPResponderURL, or the certificate's AIA URL; SSLHTTPProxyName if a proxy is needed), " +
      'make sure it knows the certificate and signs with a key the CA authorised, or relax ' +
      'OCSPAuthentication to WARN or OPTIONAL.',
    writers: ['qm', 'client'],
    probe: { file: 'amqccisa.c', line: 9406 },
  },
  AMQ9717: {
    id: 'AMQ9717',
    severity: 'W',
    title: "Remote SSL certificate revocation status is unknown for channel '{channel}'.",
    explanation:
      'The revocation status of the certificate sent by the partner could not be established:\n' +
      REVOCATION_CAUSES +
      "\n\nThe details of the certificate in question are '{details}'.\n\n" +
      'OCSPAuthentication is WARN, so the channel was allowed to continue.',
    action:
      'Fix the responder as for AMQ9716 before tightening OCSPAuthentication to REQUIRED; watch ' +
      'SYSTEM.ADMIN.CHANNEL.EVENT for Channel SSL Warning events.',
    writers: ['qm', 'client'],
    probe: { file: 'amqccisa.c', line: 9470 },
    // mq-outcomes.md: no source shows the WARN log text; the event is documented, the message is not.
    inferred: true,
  },
  AMQ9771: {
    id: 'AMQ9771',
    severity: 'E',
    title: 'SSL handshake failed.',
    explanation:
      "The Java client's TLS handshake with host '{host}' failed: {cause}. A broken pipe or a " +
      'reset here usually means the queue manager rejected the certificate the client sent.',
    action:
      "Read the queue manager's error log at the same time (AMQ9633, AMQ9716, AMQ9637) and the " +
      'key and trust store settings of the Java client.',
    writers: ['java'],
    probe: { file: 'RemoteTCPConnection.java', line: 0 },
  },
  AMQ9204: {
    id: 'AMQ9204',
    severity: 'E',
    title: "Connection to host '{host}' rejected.",
    explanation:
      "The Java client could not connect to '{host}'; the nested exception holds the reason.",
    action: 'Follow the chain of causes to the innermost AMQ message.',
    writers: ['java'],
    probe: { file: 'RemoteConnection.java', line: 0 },
  },
  AMQ9503: {
    id: 'AMQ9503',
    severity: 'E',
    title: 'Channel negotiation failed.',
    explanation:
      "Channel '{channel}' to host '{host}' could not agree its start-up parameters with the " +
      'partner, which ended the conversation; for a TLS channel that often means the partner ' +
      'wanted a client certificate.',
    action: "Read the partner's error log; AMQ9637 there means no client certificate was sent.",
    writers: ['qm', 'client', 'java'],
    probe: { file: 'amqrmrsa.c', line: 926 },
  },
  AMQ9999: {
    id: 'AMQ9999',
    severity: 'E',
    title: "Channel '{channel}' to host '{host}' ended abnormally.",
    explanation:
      "Channel '{channel}' to host '{host}' stopped because of an earlier error; the messages " +
      'just before this one say which.',
    action: 'Look at the preceding messages in this log.',
    writers: ['qm', 'client'],
    probe: { file: 'amqrmrsa.c', line: 938 },
  },
};

export function isMessageId(s: string): s is MessageId {
  return (MESSAGE_IDS as readonly string[]).includes(s);
}

/** Fills `{placeholders}`; a missing insert leaves MQ's own unknown marker rather than 'undefined'.
 *  A `{?...?}` part is left out when an insert in it is missing. */
export function fillTemplate(template: string, inserts: MessageInserts): string {
  const has = (name: string) => (inserts as Record<string, unknown>)[name] != null;
  const kept = template.replace(/\{\?([\s\S]*?)\?\}/g, (_, part: string) =>
    [...part.matchAll(/\{(\w+)\}/g)].every((m) => has(m[1]!)) ? part : '',
  );
  return kept.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = (inserts as Record<string, unknown>)[name];
    if (v === undefined || v === null) return name === 'channel' ? '????' : '';
    return String(v);
  });
}

export function messageTitle(id: MessageId, inserts: MessageInserts = {}): string {
  return fillTemplate(MESSAGES[id].title, inserts);
}

// ---------------------------------------------------------------------------------------------
// Reason codes (MQRC) and the one reason qualifier the revocation drills raise.

export interface ReasonCodeDef {
  code: number;
  name: string;
  meaning: string;
}

export const REASON_CODES: Readonly<Record<number, ReasonCodeDef>> = {
  0: { code: 0, name: 'MQRC_NONE', meaning: 'The call completed; the channel started.' },
  2059: {
    code: 2059,
    name: 'MQRC_Q_MGR_NOT_AVAILABLE',
    meaning:
      'The client could not connect to the queue manager. Over TLS, a queue manager that drops ' +
      'the conversation during negotiation (for instance for a missing client certificate) ' +
      'shows up this way for Java clients.',
  },
  2381: {
    code: 2381,
    name: 'MQRC_KEY_REPOSITORY_ERROR',
    meaning:
      'The client key repository could not be opened or holds no usable certificate: wrong ' +
      'path (MQSSLKEYR / SSLKeyRepository, without the .kdb extension), no stash file, or no ' +
      'read access.',
  },
  2393: {
    code: 2393,
    name: 'MQRC_SSL_INITIALIZATION_ERROR',
    meaning:
      'A C (GSKit) client could not set up or complete TLS. Every TLS failure of a C client, ' +
      'revocation included, ends in this code; the error logs on both sides say which.',
  },
  2397: {
    code: 2397,
    name: 'MQRC_JSSE_ERROR',
    meaning:
      'A Java/JMS client got an error from JSSE; the exception chain (AMQ9204 wrapping AMQ9771) ' +
      'carries the cause.',
  },
  2401: {
    code: 2401,
    name: 'MQRC_SSL_CERTIFICATE_REVOKED',
    meaning:
      'Java clients only: the queue manager certificate was found revoked in one of the CertStores ' +
      '(sslCertStores / SSLCRL LDAP servers) the application gave.',
  },
  2402: {
    code: 2402,
    name: 'MQRC_SSL_CERT_STORE_ERROR',
    meaning:
      'Java clients only: none of the CertStores (LDAP CRL servers) the application gave could be ' +
      'searched for the queue manager certificate; the MQException cause says why for the first.',
  },
  2552: {
    code: 2552,
    name: 'MQRC_CHANNEL_SSL_WARNING',
    meaning:
      'Channel SSL Warning event on SYSTEM.ADMIN.CHANNEL.EVENT: a TLS problem that did not stop ' +
      'the channel. With ReasonQualifier MQRQ_SSL_UNKNOWN_REVOCATION the revocation status was ' +
      'undetermined and OCSPAuthentication=WARN let the channel continue.',
  },
};

export const REASON_QUALIFIERS = {
  MQRQ_SSL_UNKNOWN_REVOCATION:
    'The revocation status could not be determined and the channel was allowed to continue.',
} as const;

export function reasonByName(name: string): ReasonCodeDef | undefined {
  return Object.values(REASON_CODES).find((r) => r.name === name);
}

// ---------------------------------------------------------------------------------------------
// Certificate validation error numbers printed by AMQ9633. Which family appears depends on the
// TLS library of the side that logs: GSKit (distributed MQ, C clients) or OpenSSL (MQ on NonStop).

export type ValidationLibrary = 'gskit' | 'openssl';

export interface ValidationErrorDef {
  code: number;
  library: ValidationLibrary;
  name: string;
  meaning: string;
  /** Where we know the meaning from. */
  basis: string;
}

export const VALIDATION_ERRORS: ReadonlyArray<ValidationErrorDef> = [
  {
    code: 575010,
    library: 'gskit',
    name: 'issuer not trusted',
    meaning:
      "The certificate's signer chain does not end at a CA in the checker's key repository.",
    basis: 'seen: seed 000 (client certificate signed by a CA the QM did not hold)',
  },
  {
    code: 575032,
    library: 'gskit',
    name: 'revoked',
    meaning: 'An OCSP responder (or CRL) says the certificate is revoked.',
    basis: 'seen: seed 003 row 4 (client checking a revoked QM certificate)',
  },
  {
    code: 23,
    library: 'openssl',
    name: 'X509_V_ERR_CERT_REVOKED',
    meaning: 'OpenSSL found the certificate revoked (OCSP answer revoked).',
    basis: 'seen: seed 003 row 5 (NonStop QM checking a revoked client certificate)',
  },
  {
    code: 20,
    library: 'openssl',
    name: 'X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    meaning: "OpenSSL could not find the certificate's issuer among the trusted CAs.",
    basis: 'inferred: OpenSSL verify code; no MQ log shows it',
  },
  {
    code: 1042,
    library: 'openssl',
    name: 'TLS alert 42 bad_certificate received',
    meaning:
      'Not a check of ours failing: the partner sent TLS alert 42 (bad_certificate), i.e. it ' +
      'rejected our certificate. MQ on NonStop reports 1000 + the alert number.',
    basis: 'seen: seed 003 row 4 (NonStop QM whose certificate the client found revoked)',
  },
];

export function validationError(code: number): ValidationErrorDef | undefined {
  return VALIDATION_ERRORS.find((v) => v.code === code);
}
