// Configuration of the live drill target (a real queue manager, e.g. the docker-compose `mq`
// profile) and the files one connect attempt hands to the MQ sample client: an mqclient.ini with
// the client's OCSP policy, a JSON CCDT with SSLCIPH and CERTLABL, and the client's command line.
//
// NOT RUN AGAINST A REAL QUEUE MANAGER in this repository: no Docker engine was available where it
// was written. What is tested is how the pieces are built (test/drill-live*.test.ts).

import type { LabManifest } from '../ca/index.js';
import { readAdminToken } from '../responder/admin-token.js';
import { qmOcspSetting, type CaName, type ClientSettings, type Settings } from './settings.js';

export interface LiveConfig {
  /** Lab directory as seen by this process (the compose `lab` volume at /lab). */
  lab: string;
  /** Queue manager listener, MQ CONNAME style: host(port). */
  conn: string;
  /** Admin API of each CA's responder (one responder per CA, as in seed 003). */
  admin: Record<CaName, string>;
  adminToken?: string;
  /** Client command template (see buildCommand); run without a shell. */
  command: string;
  /** The client's AMQERR01.LOG and the queue manager's, as this process can read them. */
  clientErrlog: string;
  qmErrlog: string;
  /** Where each attempt's mqclient.ini and CCDT are written. */
  workDir: string;
  /** How the real logs write ambiguous dates; en_US containers write MM/DD/YYYY. */
  dateOrder: 'dmy' | 'mdy';
  /** Upper bound for one client run. */
  timeoutMs: number;
}

/**
 * amqssslc is the MQ sample that connects with MQCNO/MQSCO and an MQAIR (MQAIR_VERSION_2,
 * OCSPResponderURL): the client-side OCSP URL of the scenario maps onto `-o` exactly. Brackets
 * mark optional parts, dropped when a variable inside is empty.
 */
export const AMQSSSLC_COMMAND =
  '/opt/mqm/samp/bin/amqssslc -m {qmgr} -c {channel} -x {conn} -k {keyRepository} [-l {certLabel}] [-s {cipherSpec}] [-o {ocspUrl}]';
/** amqsputc takes channel, CipherSpec and label from the CCDT (MQCCDTURL) and OCSP from the AIA. */
export const AMQSPUTC_COMMAND = '/opt/mqm/samp/bin/amqsputc {queue} {qmgr}';

export const LIVE_DEFAULTS = {
  conn: 'mq(1414)',
  admin: { 'qm-ca': 'http://ocsp-qm-ca:2570', 'client-ca': 'http://ocsp-client-ca:2570' },
  command: AMQSSSLC_COMMAND,
  clientErrlog: '/var/mqm/errors/AMQERR01.LOG',
  qmErrlog: '/var/mqm/qmgrs/QM1/errors/AMQERR01.LOG',
  workDir: '/tmp/ocsplab-live',
  dateOrder: 'mdy',
  timeoutMs: 120_000,
} as const;

type Env = Record<string, string | undefined>;

/** Reads OCSPLAB_LIVE_* (and OCSPLAB_ADMIN_TOKEN[_FILE]); compose sets these for drill-live. */
export function liveConfigFromEnv(lab: string, env: Env = process.env): LiveConfig {
  const { token } = readAdminToken({}, env);
  const order = env.OCSPLAB_LIVE_DATE_ORDER ?? LIVE_DEFAULTS.dateOrder;
  if (order !== 'dmy' && order !== 'mdy') throw new Error(`OCSPLAB_LIVE_DATE_ORDER must be dmy or mdy, not ${order}`);
  const timeout = Number(env.OCSPLAB_LIVE_TIMEOUT_MS ?? LIVE_DEFAULTS.timeoutMs);
  if (!Number.isInteger(timeout) || timeout <= 0) throw new Error('OCSPLAB_LIVE_TIMEOUT_MS must be a positive whole number');
  return {
    lab,
    conn: env.OCSPLAB_LIVE_CONN ?? LIVE_DEFAULTS.conn,
    admin: {
      'qm-ca': env.OCSPLAB_LIVE_QM_CA_ADMIN ?? LIVE_DEFAULTS.admin['qm-ca'],
      'client-ca': env.OCSPLAB_LIVE_CLIENT_CA_ADMIN ?? LIVE_DEFAULTS.admin['client-ca'],
    },
    ...(token ? { adminToken: token } : {}),
    command: env.OCSPLAB_LIVE_COMMAND ?? LIVE_DEFAULTS.command,
    clientErrlog: env.OCSPLAB_LIVE_CLIENT_ERRLOG ?? LIVE_DEFAULTS.clientErrlog,
    qmErrlog: env.OCSPLAB_LIVE_QM_ERRLOG ?? LIVE_DEFAULTS.qmErrlog,
    workDir: env.OCSPLAB_LIVE_WORK ?? LIVE_DEFAULTS.workDir,
    dateOrder: order,
    timeoutMs: timeout,
  };
}

/** host(port) → parts; the port defaults to 1414 as in MQ. */
export function parseConn(conn: string): { host: string; port: number } {
  const m = /^([^()\s]+)(?:\((\d+)\))?$/.exec(conn.trim());
  if (!m) throw new Error(`connection name ${JSON.stringify(conn)}: use host(port)`);
  return { host: m[1]!, port: m[2] ? Number(m[2]) : 1414 };
}

/**
 * A real queue manager is configured once, at start, from the lab's mqsc and ini. A scenario that
 * needs another QM setting cannot run live without reconfiguring it, so it errors with what differs
 * rather than pass or fail on a configuration it did not ask for. Settings a real QM has no knob
 * for per attempt (profile: a Linux QM is always "distributed"; OCSP timeouts) are not checked.
 */
export function unsupportedSettings(s: Settings, lab: LabManifest): string[] {
  const out: string[] = [];
  const q = s.qm;
  if (q.OCSPAuthentication !== lab.mq.ocspAuthentication) out.push(`qm.OCSPAuthentication=${q.OCSPAuthentication} (the QM runs with ${lab.mq.ocspAuthentication})`);
  if (q.SSLCAUTH !== 'REQUIRED') out.push(`qm.SSLCAUTH=${q.SSLCAUTH} (the lab channel has SSLCAUTH(REQUIRED))`);
  if (q.CipherSpec !== 'ANY_TLS12_OR_HIGHER') out.push(`qm.CipherSpec=${q.CipherSpec} (the lab channel has ANY_TLS12_OR_HIGHER)`);
  const ocsp = qmOcspSetting(q);
  if (ocsp !== 'lab' && ocsp !== lab.cas.client.responder.url) out.push(`qm.AUTHINFO=${ocsp} (the QM's AUTHINFO names ${lab.cas.client.responder.url})`);
  // The live QM's namelist is OCSP only; OCSPLAB.REVOCATION.CRL (mqsc) adds the LDAP server by hand.
  if (q.AUTHINFO.some((a) => a.AUTHTYPE === 'CRLLDAP')) out.push("qm.AUTHINFO with CRLLDAP (the live QM's SSLCRLNL is OCSP only; ALTER QMGR SSLCRLNL('OCSPLAB.REVOCATION.CRL') to try it)");
  if (q.CDPCheckExtensions) out.push('qm.CDPCheckExtensions=YES (the live QM runs with NO)');
  if (q.certLabel !== undefined && q.certLabel !== lab.certs.qm.label) out.push(`qm.certLabel=${q.certLabel}`);
  if ([...q.trust].sort().join() !== 'client-ca,qm-ca') out.push(`qm.trust=${q.trust.join(',')} (the QM trusts both lab CAs)`);
  const c = s.client;
  if (c.clientType !== 'C') out.push(`client.clientType=${c.clientType} (the live client is the C sample)`);
  if (c.MQAIR.length) out.push('client.MQAIR with LDAP CRL servers (amqssslc takes only an OCSP URL)');
  if (c.ClientRevocationChecks !== 'REQUIRED') out.push(`client.ClientRevocationChecks=${c.ClientRevocationChecks} (the lab mqclient.ini has REQUIRED)`);
  if (c.clientCert === 'none') out.push('client.clientCert=none (every lab key repository holds a personal certificate)');
  // Each lab PKCS#12 carries both CA certificates; a narrower trust needs another repository.
  if ([...c.trust].sort().join() !== 'client-ca,qm-ca') out.push(`client.trust=${c.trust.join(',')} (the lab key repositories trust both CAs)`);
  return out;
}

/** What one attempt's client is given; every value is a command-template variable. */
export interface ClientPlan {
  qmgr: string;
  channel: string;
  conn: string;
  host: string;
  port: string;
  keyRepository: string;
  certLabel: string;
  cipherSpec: string;
  ocspUrl: string;
  queue: string;
  p12Password: string;
  ocspAuthentication: ClientSettings['OCSPAuthentication'];
  ocspCheckExtensions: boolean;
}

export function clientPlan(s: Settings, lab: LabManifest, cfg: Pick<LiveConfig, 'conn'>): ClientPlan {
  const c = s.client;
  const own = c.clientCert === 'qm' ? lab.certs.qm : lab.certs.client;
  const { host, port } = parseConn(cfg.conn);
  const ocspUrl = c.OCSPResponderURL === 'none' ? '' : c.OCSPResponderURL === 'lab' ? lab.cas.qm.responder.url : c.OCSPResponderURL;
  return {
    qmgr: lab.mq.qmgr,
    channel: lab.mq.channel,
    conn: cfg.conn,
    host,
    port: String(port),
    keyRepository: own.p12,
    certLabel: c.certLabel ?? own.label,
    cipherSpec: c.CipherSpec,
    ocspUrl,
    queue: 'SYSTEM.DEFAULT.LOCAL.QUEUE',
    p12Password: lab.p12Password,
    ocspAuthentication: c.OCSPAuthentication,
    ocspCheckExtensions: c.OCSPCheckExtensions,
  };
}

/** mqclient.ini for one attempt: the scenario's client policy (MQCLNTCF points here).
 *  ClientRevocationChecks knows REQUIRED/OPTIONAL/DISABLED only, so WARN maps to OPTIONAL there. */
export function attemptClientIni(p: ClientPlan): string {
  return `# Written by ocsplab drill --target live for one connect attempt.
SSL:
   ClientRevocationChecks=${p.ocspAuthentication === 'REQUIRED' ? 'REQUIRED' : 'OPTIONAL'}
   OCSPAuthentication=${p.ocspAuthentication}
   OCSPCheckExtensions=${p.ocspCheckExtensions ? 'YES' : 'NO'}
   SSLKeyRepository=${p.keyRepository}
   SSLKeyRepositoryPassword=${p.p12Password}
   CertificateLabel=${p.certLabel}
`;
}

/** JSON CCDT (MQCCDTURL) for clients that take the channel from a table, e.g. amqsputc. */
export function attemptCcdt(p: ClientPlan): string {
  const transmissionSecurity: Record<string, string> = {};
  if (p.cipherSpec) transmissionSecurity.cipherSpecification = p.cipherSpec;
  if (p.certLabel) transmissionSecurity.certificateLabel = p.certLabel;
  const channel = {
    name: p.channel,
    clientConnection: { connection: [{ host: p.host, port: Number(p.port) }], queueManager: p.qmgr },
    transmissionSecurity,
    type: 'clientConnection',
  };
  return JSON.stringify({ channel: [channel] }, null, 2) + '\n';
}

/**
 * Turns a template into argv without a shell, so no value can inject a command. `{name}` is
 * replaced inside its word; `[ ... ]` is kept only when every variable in it has a value, so
 * `[-o {ocspUrl}]` disappears when the scenario gives the client no OCSP URL.
 */
export function buildCommand(template: string, vars: Record<string, string>): string[] {
  const value = (name: string) => {
    if (!(name in vars)) throw new Error(`command template: unknown variable {${name}} (known: ${Object.keys(vars).join(', ')})`);
    return vars[name]!;
  };
  const kept = template.replace(/\[([^\]]*)\]/g, (_all, inner: string) => ([...inner.matchAll(/\{(\w+)\}/g)].every((m) => value(m[1]!) !== '') ? inner : ''));
  return kept
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => word.replace(/\{(\w+)\}/g, (_all, name: string) => value(name)))
    .filter((word) => word !== '');
}

export function planVars(p: ClientPlan): Record<string, string> {
  const { qmgr, channel, conn, host, port, keyRepository, certLabel, cipherSpec, ocspUrl, queue } = p;
  return { qmgr, channel, conn, host, port, keyRepository, keyRepositoryStem: keyRepository.replace(/\.(p12|kdb)$/, ''), certLabel, cipherSpec, ocspUrl, queue };
}
