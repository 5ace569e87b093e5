// MQ CipherSpec names and what they mean to node:tls, and the reverse: naming the suite a
// ClientHello offers or a handshake negotiated, so that a mismatch is observed on the wire (a
// failed handshake, an offered suite) and not concluded from comparing configuration strings.

type Version = 'TLSv1.2' | 'TLSv1.3';

interface Suite {
  /** MQ's SSLCIPH name. */
  mq: string;
  /** IANA code as it appears in a ClientHello. */
  code: number;
  /** OpenSSL's name, as node:tls `ciphers` and getCipher().name use it. */
  openssl: string;
  version: Version;
}

const SUITES: readonly Suite[] = [
  { mq: 'TLS_AES_128_GCM_SHA256', code: 0x1301, openssl: 'TLS_AES_128_GCM_SHA256', version: 'TLSv1.3' },
  { mq: 'TLS_AES_256_GCM_SHA384', code: 0x1302, openssl: 'TLS_AES_256_GCM_SHA384', version: 'TLSv1.3' },
  { mq: 'TLS_CHACHA20_POLY1305_SHA256', code: 0x1303, openssl: 'TLS_CHACHA20_POLY1305_SHA256', version: 'TLSv1.3' },
  { mq: 'TLS_RSA_WITH_AES_128_CBC_SHA256', code: 0x003c, openssl: 'AES128-SHA256', version: 'TLSv1.2' },
  { mq: 'TLS_RSA_WITH_AES_256_CBC_SHA256', code: 0x003d, openssl: 'AES256-SHA256', version: 'TLSv1.2' },
  { mq: 'TLS_RSA_WITH_AES_128_GCM_SHA256', code: 0x009c, openssl: 'AES128-GCM-SHA256', version: 'TLSv1.2' },
  { mq: 'TLS_RSA_WITH_AES_256_GCM_SHA384', code: 0x009d, openssl: 'AES256-GCM-SHA384', version: 'TLSv1.2' },
  { mq: 'ECDHE_ECDSA_AES_128_CBC_SHA256', code: 0xc023, openssl: 'ECDHE-ECDSA-AES128-SHA256', version: 'TLSv1.2' },
  { mq: 'ECDHE_ECDSA_AES_256_CBC_SHA384', code: 0xc024, openssl: 'ECDHE-ECDSA-AES256-SHA384', version: 'TLSv1.2' },
  { mq: 'ECDHE_RSA_AES_128_CBC_SHA256', code: 0xc027, openssl: 'ECDHE-RSA-AES128-SHA256', version: 'TLSv1.2' },
  { mq: 'ECDHE_RSA_AES_256_CBC_SHA384', code: 0xc028, openssl: 'ECDHE-RSA-AES256-SHA384', version: 'TLSv1.2' },
  { mq: 'ECDHE_ECDSA_AES_128_GCM_SHA256', code: 0xc02b, openssl: 'ECDHE-ECDSA-AES128-GCM-SHA256', version: 'TLSv1.2' },
  { mq: 'ECDHE_ECDSA_AES_256_GCM_SHA384', code: 0xc02c, openssl: 'ECDHE-ECDSA-AES256-GCM-SHA384', version: 'TLSv1.2' },
  { mq: 'ECDHE_RSA_AES_128_GCM_SHA256', code: 0xc02f, openssl: 'ECDHE-RSA-AES128-GCM-SHA256', version: 'TLSv1.2' },
  { mq: 'ECDHE_RSA_AES_256_GCM_SHA384', code: 0xc030, openssl: 'ECDHE-RSA-AES256-GCM-SHA384', version: 'TLSv1.2' },
];

/** The ANY_ CipherSpecs: every suite of the versions they allow. */
const ANY: Readonly<Record<string, { min: Version; max: Version }>> = {
  ANY: { min: 'TLSv1.2', max: 'TLSv1.3' },
  ANY_TLS12: { min: 'TLSv1.2', max: 'TLSv1.2' },
  ANY_TLS12_OR_HIGHER: { min: 'TLSv1.2', max: 'TLSv1.3' },
  ANY_TLS13: { min: 'TLSv1.3', max: 'TLSv1.3' },
  ANY_TLS13_OR_HIGHER: { min: 'TLSv1.3', max: 'TLSv1.3' },
};

export class CipherSpecError extends Error {}

export interface TlsCipherOptions {
  ciphers: string;
  minVersion: Version;
  maxVersion: Version;
}

function suitesOf(spec: string): Suite[] {
  const any = ANY[spec];
  if (any) return SUITES.filter((s) => s.version >= any.min && s.version <= any.max);
  const one = SUITES.find((s) => s.mq === spec);
  if (!one) throw new CipherSpecError(`unknown CipherSpec ${JSON.stringify(spec)} (known: ${[...Object.keys(ANY), ...SUITES.map((s) => s.mq)].join(', ')})`);
  return [one];
}

/** node:tls options that offer or accept exactly what the CipherSpec allows. */
export function tlsOptionsFor(spec: string): TlsCipherOptions {
  const suites = suitesOf(spec);
  const versions = suites.map((s) => s.version).sort();
  return { ciphers: suites.map((s) => s.openssl).join(':'), minVersion: versions[0], maxVersion: versions[versions.length - 1] };
}

/** True when a negotiated suite (OpenSSL name) is one the CipherSpec allows. */
export function specAllows(spec: string, negotiated: string): boolean {
  return suitesOf(spec).some((s) => s.openssl === negotiated);
}

/** MQ's name for a suite code or OpenSSL name; unknown ones as GSKit would print a raw code. */
export function mqName(suite: number | string): string {
  const s = SUITES.find((x) => x.code === suite || x.openssl === suite);
  return s ? s.mq : typeof suite === 'number' ? `0x${suite.toString(16).padStart(4, '0')}` : suite;
}

/** Cipher suite codes offered by a ClientHello record (RFC 8446 4.1.2), signalling values left
 *  out; [] when the bytes are not a whole ClientHello. */
export function offeredSuites(record: Buffer): number[] {
  try {
    if (record[0] !== 0x16 || record[5] !== 0x01) return [];
    let p = 5 + 4 + 2 + 32; // record header, handshake header, legacy_version, random
    p += 1 + record[p]; // session id
    const len = record.readUInt16BE(p);
    const out: number[] = [];
    for (let i = p + 2; i < p + 2 + len; i += 2) out.push(record.readUInt16BE(i));
    // SCSVs and GREASE values are signals, not suites.
    return out.filter((c) => c !== 0x00ff && c !== 0x5600 && (c & 0x0f0f) !== 0x0a0a);
  } catch {
    return [];
  }
}

/** Bytes a whole first TLS record needs, from its header; undefined until 5 bytes are in. */
export function recordLength(head: Buffer): number | undefined {
  return head.length >= 5 ? 5 + head.readUInt16BE(3) : undefined;
}

/** Every SSLCIPH name known here: the ANY_ families first, then the single suites. */
export const CIPHERSPEC_NAMES: readonly string[] = [...Object.keys(ANY), ...SUITES.map((s) => s.mq)];
