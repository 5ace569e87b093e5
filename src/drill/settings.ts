// What each side of the channel is configured with during a drill, the defaults of the embedded
// lab, and the one place that checks a `set:` (from a scenario file, its defaults or `--set`).
//
// Key names follow MQ's own (qm.ini / mqclient.ini / DEFINE CHANNEL) where MQ has one, so a
// scenario reads like the configuration a person would change on a real queue manager.

import { CLIENT_TYPES, POLICIES, QM_PROFILES, SSLCAUTHS, type ClientType, type Policy, type QmProfile, type SslCAuth } from '../mq/outcomes.js';

export type SideName = 'qm' | 'client';
/** A CA of the lab by name: qm-ca / client-ca in a one-level lab, qm-root, qm-issuing, ... in a
 *  chain (lab.json's `chain` lists them). Names are checked against the lab when a scenario runs. */
export type CaName = string;
/** The one-level lab's CAs (seed 003). */
export const CA_NAMES: readonly CaName[] = ['qm-ca', 'client-ca'];
/** What a CA name may look like in a drill file. */
export const CA_NAME = /^[a-z][a-z0-9-]*$/;
// Client first: reports read like MQ's own tables (client RC and log, then the QM's).
export const SIDES: readonly SideName[] = ['client', 'qm'];

/** 'lab': the in-process responder of the peer's CA; 'none': no URL configured; else a URL. */
export type OcspUrlSetting = 'lab' | 'none' | string;

/** 'lab': the lab's LDAP server (started on first use); else MQ's CONNAME form host(port). */
export type LdapConname = 'lab' | string;

/** An AUTHINFO object in the QM's SSLCRLNL namelist, in namelist order. */
export type AuthInfo = { AUTHTYPE: 'OCSP'; OCSPURL: OcspUrlSetting } | { AUTHTYPE: 'CRLLDAP'; CONNAME: LdapConname };

/** An MQAIR record of the client's MQSCO for a CRL server (OCSP has OCSPResponderURL). */
export interface MqAir {
  AuthInfoType: 'MQAIT_CRL_LDAP';
  AuthInfoConnName: LdapConname;
}

export type ClientRevocationChecks = 'REQUIRED' | 'OPTIONAL' | 'DISABLED';

export interface QmSettings {
  OCSPAuthentication: Policy;
  SSLCAUTH: SslCAuth;
  CipherSpec: string;
  profile: QmProfile;
  /** The SSLCRLNL namelist: at most one OCSP object, then CRLLDAP ones. A plain URL setting
   *  ('lab', 'none', a URL) is one AUTHTYPE(OCSP) object, as the OCSP drills write it. */
  AUTHINFO: AuthInfo[];
  OCSPCheckExtensions: boolean;
  CDPCheckExtensions: boolean;
  ocspTimeoutMs: number;
  /** CAs in the QM's key repository: names from the lab, 'all', or a root's expired copy (qm-root-expired). */
  trust: CaName[];
  /** What the QM's key repository holds of its own chain, so what it sends: full, or leaf alone. */
  sendChain: 'full' | 'leaf' | 'cross';
  /** CERTLABL; absent: the lab's label. */
  certLabel?: string;
}

export interface ClientSettings {
  OCSPAuthentication: Policy;
  CipherSpec: string;
  clientType: ClientType;
  /** Which lab certificate the client's key repository holds ('none': no personal certificate). */
  clientCert: 'client' | 'qm' | 'none';
  certLabel?: string;
  /** MQAIR OCSPResponderURL. */
  OCSPResponderURL: OcspUrlSetting;
  /** MQAIR records for LDAP CRL servers (MQAIT_CRL_LDAP), in order. */
  MQAIR: MqAir[];
  OCSPCheckExtensions: boolean;
  CDPCheckExtensions: boolean;
  /** mqclient.ini SSL stanza ClientRevocationChecks. */
  ClientRevocationChecks: ClientRevocationChecks;
  ocspTimeoutMs: number;
  trust: CaName[];
  /** What the client's key repository holds of its own chain, so what it sends. */
  sendChain: 'full' | 'leaf' | 'cross';
}

export interface Settings {
  qm: QmSettings;
  client: ClientSettings;
}

/**
 * The embedded lab: seed 003's setup (C client, NonStop QM, REQUIRED both sides, SSLCAUTH
 * REQUIRED) with short OCSP timeouts so a whole matrix runs in seconds. The seed's ~21 s wait
 * is `--set qm.ocspTimeoutMs=21000` with a blackholed responder. The certificates' AIA URLs name
 * fixed ports the embedded responders do not use, so OCSPCheckExtensions is off and the URLs
 * are given explicitly instead.
 */
export const DEFAULT_SETTINGS: Settings = {
  qm: {
    OCSPAuthentication: 'REQUIRED',
    SSLCAUTH: 'REQUIRED',
    CipherSpec: 'ANY_TLS12_OR_HIGHER',
    profile: 'nonstop',
    AUTHINFO: [{ AUTHTYPE: 'OCSP', OCSPURL: 'lab' }],
    OCSPCheckExtensions: false,
    CDPCheckExtensions: false,
    ocspTimeoutMs: 1000,
    trust: ['client-ca', 'qm-ca'],
    sendChain: 'full',
  },
  client: {
    OCSPAuthentication: 'REQUIRED',
    CipherSpec: 'ANY_TLS12_OR_HIGHER',
    clientType: 'C',
    clientCert: 'client',
    OCSPResponderURL: 'lab',
    MQAIR: [],
    OCSPCheckExtensions: false,
    CDPCheckExtensions: false,
    ClientRevocationChecks: 'REQUIRED',
    ocspTimeoutMs: 1000,
    trust: ['qm-ca', 'client-ca'],
    sendChain: 'full',
  },
};

export function cloneSettings(s: Settings): Settings {
  return structuredClone(s);
}

type Checker = (v: unknown) => unknown;
const oneOf =
  <T extends string>(values: readonly T[], upper = false): Checker =>
  (v) => {
    const s = typeof v === 'string' ? (upper ? v.toUpperCase() : v) : v;
    if (typeof s !== 'string' || !(values as readonly string[]).includes(s)) throw new Error(`must be one of ${values.join(', ')}`);
    return s;
  };
const str: Checker = (v) => {
  if (typeof v !== 'string') throw new Error('must be a string');
  return v;
};
const ms: Checker = (v) => {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 600_000) throw new Error('must be a whole number of ms (0-600000)');
  return n;
};
const bool: Checker = (v) => {
  if (v === true || v === 'YES' || v === 'yes' || v === 'true') return true;
  if (v === false || v === 'NO' || v === 'no' || v === 'false') return false;
  throw new Error('must be true/false (or YES/NO)');
};
const url: Checker = (v) => {
  if (typeof v !== 'string' || !(v === 'lab' || v === 'none' || /^https?:\/\/\S+$/.test(v))) throw new Error("must be 'lab', 'none' or an http URL");
  return v;
};
const conname = (v: unknown, what: string): LdapConname => {
  if (typeof v !== 'string' || !(v === 'lab' || /^[A-Za-z0-9.:_-]+(\(\d{1,5}\))?$/.test(v))) throw new Error(`${what} must be 'lab' or host(port)`);
  return v;
};
/** One OCSP object at most, as IBM requires of SSLCRLNL ("OCSP/CRL checking", q135040_). */
const authinfo: Checker = (v) => {
  if (typeof v === 'string') return v === 'none' ? [] : [{ AUTHTYPE: 'OCSP', OCSPURL: url(v) }];
  if (!Array.isArray(v)) throw new Error("must be 'lab', 'none', a URL, or a list of {AUTHTYPE: OCSP, OCSPURL} / {AUTHTYPE: CRLLDAP, CONNAME}");
  const list = v.map((o, i): AuthInfo => {
    const x = (o ?? {}) as Record<string, unknown>;
    const type = String(x.AUTHTYPE ?? '').toUpperCase();
    if (type === 'OCSP') return { AUTHTYPE: 'OCSP', OCSPURL: url(x.OCSPURL ?? 'lab') as string };
    if (type === 'CRLLDAP') return { AUTHTYPE: 'CRLLDAP', CONNAME: conname(x.CONNAME ?? 'lab', `[${i}].CONNAME`) };
    throw new Error(`[${i}].AUTHTYPE must be OCSP or CRLLDAP`);
  });
  if (list.filter((a) => a.AUTHTYPE === 'OCSP').length > 1) throw new Error('may hold only one AUTHTYPE(OCSP) object (IBM: only one OCSP AUTHINFO in SSLCRLNL)');
  return list;
};
const mqair: Checker = (v) => {
  if (v === 'none' || v === undefined) return [];
  if (v === 'lab') return [{ AuthInfoType: 'MQAIT_CRL_LDAP', AuthInfoConnName: 'lab' }];
  if (!Array.isArray(v)) throw new Error("must be 'lab', 'none' or a list of {AuthInfoType: MQAIT_CRL_LDAP, AuthInfoConnName}");
  if (v.length > 10) throw new Error('may hold at most 10 LDAP servers (IBM: up to 10 connections)');
  return v.map((o, i): MqAir => {
    const x = (o ?? {}) as Record<string, unknown>;
    if ((x.AuthInfoType ?? 'MQAIT_CRL_LDAP') !== 'MQAIT_CRL_LDAP') throw new Error(`[${i}].AuthInfoType must be MQAIT_CRL_LDAP (OCSP is OCSPResponderURL)`);
    return { AuthInfoType: 'MQAIT_CRL_LDAP', AuthInfoConnName: conname(x.AuthInfoConnName ?? 'lab', `[${i}].AuthInfoConnName`) };
  });
};
const trust: Checker = (v) => {
  const list = typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter(Boolean) : v;
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string' && (x === 'all' || CA_NAME.test(x)))) throw new Error(`must be 'all' or a list of the lab's CA names (${CA_NAMES.join(', ')} in a one-level lab)`);
  return [...new Set(list)];
};

const QM_KEYS: Record<keyof QmSettings, Checker> = {
  OCSPAuthentication: oneOf(POLICIES, true),
  SSLCAUTH: oneOf(SSLCAUTHS, true),
  CipherSpec: str,
  profile: oneOf(QM_PROFILES),
  AUTHINFO: authinfo,
  OCSPCheckExtensions: bool,
  CDPCheckExtensions: bool,
  ocspTimeoutMs: ms,
  trust,
  sendChain: oneOf(['full', 'leaf', 'cross'] as const),
  certLabel: str,
};
const CLIENT_KEYS: Record<keyof ClientSettings, Checker> = {
  OCSPAuthentication: oneOf(POLICIES, true),
  CipherSpec: str,
  clientType: oneOf(CLIENT_TYPES),
  clientCert: oneOf(['client', 'qm', 'none'] as const),
  certLabel: str,
  OCSPResponderURL: url,
  MQAIR: mqair,
  OCSPCheckExtensions: bool,
  CDPCheckExtensions: bool,
  ClientRevocationChecks: oneOf(['REQUIRED', 'OPTIONAL', 'DISABLED'] as const, true),
  ocspTimeoutMs: ms,
  trust,
  sendChain: oneOf(['full', 'leaf', 'cross'] as const),
};
export const SETTING_KEYS: Record<SideName, Record<string, Checker>> = { qm: QM_KEYS, client: CLIENT_KEYS };

/** A checked setting, or an error message naming what is wrong (the caller adds where). */
export function checkSetting(side: SideName, key: string, value: unknown): { value: unknown } | { error: string } {
  const c = SETTING_KEYS[side][key];
  if (!c) return { error: `unknown ${side} setting "${key}" (known: ${Object.keys(SETTING_KEYS[side]).join(', ')})` };
  try {
    return { value: c(value) };
  } catch (e) {
    return { error: `${side}.${key} ${(e as Error).message}` };
  }
}

/** Applies checked values; `null` removes an optional setting (certLabel back to the lab's). */
export function applySettings(s: Settings, side: SideName, values: Record<string, unknown>): void {
  const target = s[side] as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(values)) {
    if (v === null) delete target[k];
    else target[k] = v;
  }
}

/** The QM's OCSP AUTHINFO URL setting, or 'none'. */
export function qmOcspSetting(s: QmSettings): OcspUrlSetting {
  return s.AUTHINFO.find((a): a is Extract<AuthInfo, { AUTHTYPE: 'OCSP' }> => a.AUTHTYPE === 'OCSP')?.OCSPURL ?? 'none';
}

/** The LDAP CRL servers a side names, in order. */
export function ldapConnames(side: SideName, s: Settings): LdapConname[] {
  return side === 'qm'
    ? s.qm.AUTHINFO.flatMap((a) => (a.AUTHTYPE === 'CRLLDAP' ? [a.CONNAME] : []))
    : s.client.MQAIR.map((a) => a.AuthInfoConnName);
}
