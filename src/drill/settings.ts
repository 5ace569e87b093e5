// What each side of the channel is configured with during a drill, the defaults of the embedded
// lab, and the one place that checks a `set:` (from a scenario file, its defaults or `--set`).
//
// Key names follow MQ's own (qm.ini / mqclient.ini / DEFINE CHANNEL) where MQ has one, so a
// scenario reads like the configuration a person would change on a real queue manager.

import { CLIENT_TYPES, POLICIES, QM_PROFILES, SSLCAUTHS, type ClientType, type Policy, type QmProfile, type SslCAuth } from '../mq/outcomes.js';

export type SideName = 'qm' | 'client';
export type CaName = 'qm-ca' | 'client-ca';
export const CA_NAMES: readonly CaName[] = ['qm-ca', 'client-ca'];
// Client first: reports read like MQ's own tables (client RC and log, then the QM's).
export const SIDES: readonly SideName[] = ['client', 'qm'];

/** 'lab': the in-process responder of the peer's CA; 'none': no URL configured; else a URL. */
export type OcspUrlSetting = 'lab' | 'none' | string;

export interface QmSettings {
  OCSPAuthentication: Policy;
  SSLCAUTH: SslCAuth;
  CipherSpec: string;
  profile: QmProfile;
  /** AUTHINFO(OCSP) OCSPURL in the SSLCRLNL namelist. */
  AUTHINFO: OcspUrlSetting;
  OCSPCheckExtensions: boolean;
  ocspTimeoutMs: number;
  /** CAs in the QM's key repository. */
  trust: CaName[];
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
  OCSPCheckExtensions: boolean;
  ocspTimeoutMs: number;
  trust: CaName[];
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
    AUTHINFO: 'lab',
    OCSPCheckExtensions: false,
    ocspTimeoutMs: 1000,
    trust: ['client-ca', 'qm-ca'],
  },
  client: {
    OCSPAuthentication: 'REQUIRED',
    CipherSpec: 'ANY_TLS12_OR_HIGHER',
    clientType: 'C',
    clientCert: 'client',
    OCSPResponderURL: 'lab',
    OCSPCheckExtensions: false,
    ocspTimeoutMs: 1000,
    trust: ['qm-ca', 'client-ca'],
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
const trust: Checker = (v) => {
  const list = typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter(Boolean) : v;
  if (!Array.isArray(list) || !list.every((x) => (CA_NAMES as readonly unknown[]).includes(x))) throw new Error(`must be a list of ${CA_NAMES.join(', ')}`);
  return [...new Set(list)];
};

const QM_KEYS: Record<keyof QmSettings, Checker> = {
  OCSPAuthentication: oneOf(POLICIES, true),
  SSLCAUTH: oneOf(SSLCAUTHS, true),
  CipherSpec: str,
  profile: oneOf(QM_PROFILES),
  AUTHINFO: url,
  OCSPCheckExtensions: bool,
  ocspTimeoutMs: ms,
  trust,
  certLabel: str,
};
const CLIENT_KEYS: Record<keyof ClientSettings, Checker> = {
  OCSPAuthentication: oneOf(POLICIES, true),
  CipherSpec: str,
  clientType: oneOf(CLIENT_TYPES),
  clientCert: oneOf(['client', 'qm', 'none'] as const),
  certLabel: str,
  OCSPResponderURL: url,
  OCSPCheckExtensions: bool,
  ocspTimeoutMs: ms,
  trust,
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
