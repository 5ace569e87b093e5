// The MQ channel emulator's public shapes: what a queue manager and a client are configured with,
// and what one connection attempt returns. The drill runner programs against these types only.

import type { MqLogEntry } from '../mq/errlog.js';
import type { ClientType, Policy, QmProfile, SslCAuth } from '../mq/outcomes.js';
import type { CrlCache } from './crl-client.js';

/** A key repository: own certificate (with its chain) and key, and the CA certificates trusted. */
export interface KeyRepository {
  /** PEM file of the personal certificate (may hold the chain after it); absent: none. */
  cert?: string;
  /** PEM private key for `cert`. */
  key?: string;
  /** Label of the personal certificate (MQ CERTLABL / client certificate label). */
  label?: string;
  /** PEM files of trusted CA certificates. */
  trust: string[];
}

/** An LDAP CRL server: AUTHINFO AUTHTYPE(CRLLDAP) CONNAME, or an MQAIR MQAIT_CRL_LDAP record. */
export interface LdapServer {
  host: string;
  port: number;
}

/** The CRL side of a revocation check, the same on both sides (qm.ini / mqclient.ini SSL stanza). */
export interface CrlConfig {
  /** CDPCheckExtensions: fetch the CRL named by the certificate's CRL Distribution Points. */
  cdpCheckExtensions?: boolean;
  /** CRLLDAP servers in namelist (or MQAIR) order; the first with a CRL answers. */
  crlLdap?: LdapServer[];
  /** The side's CRL cache (IBM: 12 hours); kept across connects by whoever owns the side. */
  crlCache?: CrlCache;
  /**
   * Where URLs named in certificates (AIA, CDP) are served, by prefix: the lab's certificates name
   * fixed ports and the drill runs its responders on free ones (a hosts entry, in effect).
   */
  urlMap?: Record<string, string>;
}

export interface QmConfig extends CrlConfig {
  /** Queue manager name (QMgr(...) in log headers). */
  qmgr: string;
  /** SVRCONN channel name. */
  channel: string;
  /** distributed (GSKit numbers) or nonstop (OpenSSL numbers). */
  profile: QmProfile;
  sslcauth: SslCAuth;
  /** SSLCIPH of the channel, e.g. TLS_AES_128_GCM_SHA256 or ANY_TLS12_OR_HIGHER. */
  cipherSpec: string;
  keyRepository: KeyRepository;
  /** qm.ini SSL stanza OCSPAuthentication. */
  ocspAuthentication: Policy;
  /** AUTHINFO AUTHTYPE(OCSP) OCSPURL in the SSLCRLNL namelist; absent: none defined. */
  authinfoOcspUrl?: string;
  /** qm.ini OCSPCheckExtensions: use the certificate's AIA URL when no AUTHINFO applies. */
  ocspCheckExtensions: boolean;
  /** How long the QM waits for its OCSP responder (connect + answer). */
  ocspTimeoutMs: number;
  /** Directory that receives the QM's AMQERR01.LOG. */
  errorDir: string;
  /** Loopback address to listen on (default 127.0.0.1) and port (0: any). */
  host?: string;
  port?: number;
}

export interface ClientConfig extends CrlConfig {
  type: ClientType;
  /** Channel name asked for. */
  channel: string;
  /** SSLCIPH of the client channel definition; '' means none (seed 001's AMQ9641 case). */
  cipherSpec: string;
  keyRepository: KeyRepository;
  /** Certificate label asked for (CERTLABL / MQSCO); a label not in the repository is seed 001's typo case. */
  certLabel?: string;
  /** mqclient.ini SSL stanza OCSPAuthentication. */
  ocspAuthentication: Policy;
  /** MQAIR OCSPResponderURL (MQAIR_VERSION_2); absent: none given. */
  ocspResponderUrl?: string;
  ocspCheckExtensions: boolean;
  ocspTimeoutMs: number;
  /** mqclient.ini ClientRevocationChecks: DISABLED checks nothing; OPTIONAL continues when no
   *  revocation status can be had (our reading, docs/mq-crl-outcomes.md A5); default REQUIRED. */
  revocationChecks?: 'REQUIRED' | 'OPTIONAL' | 'DISABLED';
  errorDir: string;
}

export type SideName = 'client' | 'qm';

export interface SideResult {
  side: SideName;
  /** Entries written to this side's AMQERR01.LOG by this connection attempt, in order. */
  entries: MqLogEntry[];
  messageIds: string[];
  validationErrors: number[];
  logFile: string;
  /** What this side found about the peer's certificate (from the wire), for reports. */
  observed?: string;
  /** The OCSP answer this side fetched and verified, when it asked. */
  ocsp?: { url: string; outcome: string; detail?: string; ms: number };
  /** Every CRL this side fetched (or took from its cache) and what it found, in order. */
  crl?: Array<{ via: 'cdp' | 'ldap'; where: string; outcome: string; detail: string; ms: number; cached?: boolean }>;
}

export interface ConnectResult {
  /** MQCONNX reason code: 0 on success. */
  rc: number;
  channelStarted: boolean;
  client: SideResult;
  qm: SideResult;
  /** Channel events put by the QM, e.g. {reason: 2552, qualifier: 'MQRQ_SSL_UNKNOWN_REVOCATION'}. */
  events: Array<{ reason: number; qualifier?: string; queue: string }>;
  /** The outcome-table row that settled it. */
  rowId: string;
  /** True when the outcome rests on an inferred row. */
  inferred: boolean;
  elapsedMs: number;
}
