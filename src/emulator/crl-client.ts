// The emulator's CRL client: fetches a CRL over HTTP (a CRL Distribution Point, CDPCheckExtensions)
// or LDAP (an AUTHINFO AUTHTYPE(CRLLDAP) / MQAIR MQAIT_CRL_LDAP server), checks it against the
// issuer (name, signature, thisUpdate..nextUpdate) and looks the serial up. Verdicts come from
// the bytes fetched, never from a mode name.
//
// MQ "maintains a cache of CRLs and ARLs that have been accessed in the preceding 12 hours" and
// looks there first (IBM, "Working with CRLs and ARLs", docs/mq-crl-outcomes.md A2): CrlCache is
// that cache, one per side, emptied by REFRESH SECURITY TYPE(SSL) (the drill's `refresh` step;
// that REFRESH empties it is our reading, since running channels restart with fresh checks).
//
// What a fetched CRL gives:
//   good / revoked   a usable CRL of this issuer, the serial absent / listed
//   unreachable      no connection, no answer in time, an HTTP error
//   unusable         bytes that are not a CRL, or a CRL of another issuer, a bad signature,
//                    thisUpdate ahead or nextUpdate past (RFC 5280 6.3.3 rejects them; what GSKit
//                    then logs is not documented, so these share a row: inferred)
//   missing          LDAP answered, but the issuer's entry has no CRL attribute

import type { CertInfo } from '../ocsp/cert.js';
import { normalizeSerial } from '../index/line.js';
import { checkCrl, parseCrl, CrlError, type ParsedCrl } from '../crl/decode.js';
import { fetchLdapCrl } from '../ldap/crl-fetch.js';
import { ldapDn } from '../ldap/dn.js';
import { fetchOnce, type Fetched } from './http-fetch.js';

export type CrlOutcome = 'good' | 'revoked' | 'unreachable' | 'unusable' | 'missing';

export interface CrlCheck {
  via: 'cdp' | 'ldap';
  /** The URL or ldap://host:port/DN asked. */
  where: string;
  outcome: CrlOutcome;
  detail: string;
  ms: number;
  /** Answered from the side's cache (no fetch made). */
  cached?: boolean;
  number?: bigint;
}

/** IBM: CRLs "accessed in the preceding 12 hours" are kept. */
export const CRL_CACHE_MS = 12 * 3_600_000;

export class CrlCache {
  private readonly entries = new Map<string, { crl: ParsedCrl; at: number }>();
  get(key: string, now: number): ParsedCrl | undefined {
    const e = this.entries.get(key);
    if (!e || now - e.at > CRL_CACHE_MS) return undefined;
    return e.crl;
  }
  set(key: string, crl: ParsedCrl, now: number): void {
    this.entries.set(key, { crl, at: now });
  }
  /** REFRESH SECURITY TYPE(SSL). */
  clear(): void {
    this.entries.clear();
  }
  get size(): number {
    return this.entries.size;
  }
}

const MAX_BODY = 16 << 20;

function get(url: string, timeoutMs: number): Promise<Fetched> {
  return fetchOnce(url, { method: 'GET', timeoutMs, maxBody: MAX_BODY, what: 'CRL' });
}

const CHECK_WORDS = { 'wrong-issuer': 'a CRL of another issuer', 'bad-signature': 'a CRL whose signature does not verify with the issuer key', expired: 'an expired CRL (nextUpdate has passed)', 'not-yet-valid': 'a CRL not yet valid (thisUpdate ahead)' } as const;

/** Judges a CRL for `cert`; `number` and the entry's reason go into the detail. */
function judge(crl: ParsedCrl, cert: CertInfo, issuer: CertInfo, now: Date): Pick<CrlCheck, 'outcome' | 'detail' | 'number'> {
  const c = checkCrl(crl, issuer, now);
  if (c !== 'ok') return { outcome: 'unusable', detail: CHECK_WORDS[c], number: crl.number };
  const e = crl.entries.get(normalizeSerial(cert.serial));
  if (!e) return { outcome: 'good', detail: `not listed in CRL ${crl.number ?? '(no number)'}`, number: crl.number };
  return { outcome: 'revoked', detail: `listed in CRL ${crl.number ?? '(no number)'} since ${e.revocationDate.toISOString()}${e.reason !== undefined ? `, reason ${e.reason}` : ''}`, number: crl.number };
}

function parsed(body: Buffer): ParsedCrl | string {
  try {
    return parseCrl(body);
  } catch (e) {
    return e instanceof CrlError ? e.message : String(e);
  }
}

async function check(via: CrlCheck['via'], where: string, cert: CertInfo, issuer: CertInfo, cache: CrlCache | undefined, fetch: () => Promise<Fetched | { ok: 'missing' }>): Promise<CrlCheck> {
  const start = Date.now();
  const hit = cache?.get(where, start);
  if (hit) return { via, where, ...judge(hit, cert, issuer, new Date()), ms: 0, cached: true };
  const got = await fetch();
  const ms = Date.now() - start;
  if (got.ok === 'missing') return { via, where, outcome: 'missing', detail: 'the LDAP server has no CRL for this issuer', ms };
  if (!got.ok) return { via, where, outcome: 'unreachable', detail: got.detail, ms };
  const crl = parsed(got.body);
  if (typeof crl === 'string') return { via, where, outcome: 'unusable', detail: crl, ms };
  const verdict = judge(crl, cert, issuer, new Date());
  // Only a CRL that could be used is kept: a bad one is fetched again next time.
  if (verdict.outcome === 'good' || verdict.outcome === 'revoked') cache?.set(where, crl, start);
  return { via, where, ...verdict, ms };
}

/** A CRL Distribution Point over HTTP. */
export function checkCdp(url: string, cert: CertInfo, issuer: CertInfo, timeoutMs: number, cache?: CrlCache): Promise<CrlCheck> {
  return check('cdp', url, cert, issuer, cache, () => get(url, timeoutMs));
}

/** An LDAP CRL server (host, port): the entry named by the issuer's DN, anonymously, as MQ reads it. */
export function checkLdap(server: { host: string; port: number }, cert: CertInfo, issuer: CertInfo, timeoutMs: number, cache?: CrlCache): Promise<CrlCheck> {
  const url = `ldap://${server.host}:${server.port}`;
  const where = `${url}/${ldapDn(cert.issuerDer)}`;
  return check('ldap', where, cert, issuer, cache, async () => {
    try {
      const der = await fetchLdapCrl({ url, issuer: cert.issuerDer, timeoutMs });
      return der ? { ok: true, body: der } : { ok: 'missing' };
    } catch (e) {
      return { ok: false, detail: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
    }
  });
}
