// How either side judges the certificate its partner sent: signer chain against its own trust
// list, then revocation in the order IBM documents ("OCSP/CRL checking", q135040_):
//   1. OCSP at the AUTHINFO OCSPURL / MQAIR OCSPResponderURL (else the AIA URL when
//      OCSPCheckExtensions=YES: one OCSP question, as before)
//   2. the CRL Distribution Points of the certificate, when CDPCheckExtensions=YES
//   3. the CRLLDAP servers, in order, until one has a CRL ("until IBM MQ finds an available CRL")
// A definite good or revoked ends the walk. When nothing is definite, the LDAP servers' failure
// (none reachable: AMQ9646; reachable without a CRL: AMQ9633 d) is what MQ reports when they were
// asked, else the first undetermined answer. The same steps for both sides.

import { X509Certificate } from 'node:crypto';
import { parseCertificate, readCertificates, type CertInfo } from '../ocsp/cert.js';
import { aiaOcspUrls, certSignedBy } from '../ocsp/verify.js';
import { checkOcsp, type OcspCheck } from './ocsp-client.js';
import { checkCdp, checkLdap, type CrlCheck } from './crl-client.js';
import { crlDistributionPoints } from '../crl/decode.js';
import type { CertObservation } from '../mq/outcomes.js';
import type { PeerCertificate } from '../mq/inserts.js';
import type { CrlConfig } from './types.js';

export interface CheckSettings extends CrlConfig {
  trust: CertInfo[];
  /** AUTHINFO OCSPURL (QM) or MQAIR OCSPResponderURL (client). */
  ocspUrl?: string;
  ocspCheckExtensions: boolean;
  ocspTimeoutMs: number;
  /** ClientRevocationChecks=DISABLED: the chain is checked, revocation is not. */
  noRevocation?: boolean;
}

export interface Judgement {
  observed: CertObservation;
  detail: string;
  peer?: PeerCertificate;
  ocsp?: OcspCheck;
  crl?: CrlCheck[];
}

/** A URL as the lab serves it: the longest prefix of `map` replaced (see CrlConfig.urlMap). */
export function mapUrl(url: string, map: Record<string, string> | undefined): string {
  if (!map) return url;
  // A key ending in '/' also matches the URL without it (an AIA URL is often just scheme://host:port).
  const u = Object.keys(map).some((k) => k.endsWith('/') && url === k.slice(0, -1)) ? `${url}/` : url;
  const hit = Object.keys(map).filter((k) => u.startsWith(k)).sort((a, b) => b.length - a.length)[0];
  return hit === undefined ? url : map[hit] + u.slice(hit.length);
}

const OCSP_UNDETERMINED = { 'undetermined-a': true, 'undetermined-b': true, 'undetermined-c': true } as const;

/** What a CRL that gave no definite answer counts as: unreachable like a down responder (a),
 *  unusable like an answer that cannot be believed (c). */
function crlUndetermined(c: CrlCheck): CertObservation {
  return c.outcome === 'unreachable' ? 'undetermined-a' : 'undetermined-c';
}

/** Steps 2 and 3 of the walk; undefined when no CRL source is configured. */
async function checkCrls(leaf: CertInfo, issuer: CertInfo, s: CheckSettings): Promise<{ observed: CertObservation; detail: string; checks: CrlCheck[] } | undefined> {
  const checks: CrlCheck[] = [];
  const definite = (c: CrlCheck) => c.outcome === 'good' || c.outcome === 'revoked';
  const verdict = (c: CrlCheck) => ({ observed: (c.outcome === 'revoked' ? 'crl-revoked' : 'good') as CertObservation, detail: `${c.via === 'cdp' ? 'CDP' : 'LDAP'} ${c.where}: ${c.detail}`, checks });
  if (s.cdpCheckExtensions) {
    for (const url of crlDistributionPoints(leaf).filter((u) => /^https?:/i.test(u))) {
      const c = await checkCdp(mapUrl(url, s.urlMap), leaf, issuer, s.ocspTimeoutMs, s.crlCache);
      c.where = url;
      checks.push(c);
      if (definite(c)) return verdict(c);
    }
  }
  const ldap: CrlCheck[] = [];
  for (const server of s.crlLdap ?? []) {
    const c = await checkLdap(server, leaf, issuer, s.ocspTimeoutMs, s.crlCache);
    checks.push(c);
    ldap.push(c);
    if (definite(c)) return verdict(c);
    // An unusable CRL is a CRL found: GSKit does not go on looking (our reading, as for OCSP).
    if (c.outcome === 'unusable') break;
  }
  if (!checks.length) return undefined;
  const say = checks.map((c) => `${c.via === 'cdp' ? 'CDP' : 'LDAP'} ${c.where}: ${c.outcome} (${c.detail})`).join('; ');
  if (ldap.length && ldap.every((c) => c.outcome === 'unreachable')) return { observed: 'ldap-unreachable', detail: say, checks };
  const unusable = ldap.find((c) => c.outcome === 'unusable');
  if (unusable) return { observed: crlUndetermined(unusable), detail: say, checks };
  if (ldap.some((c) => c.outcome === 'missing')) return { observed: 'crl-missing', detail: say, checks };
  return { observed: crlUndetermined(checks[0]!), detail: say, checks };
}

export function loadTrust(files: string[], readFile: (f: string) => Buffer): CertInfo[] {
  return files.flatMap((f) => readCertificates(readFile(f)));
}

/** Subject, issuer and serial the way GSKit prints them: RDNs most specific first (CN=..,O=..). */
export function describePeer(cert: CertInfo): PeerCertificate {
  const x = new X509Certificate(cert.der);
  const dn = (s: string) => s.split('\n').reverse().join(',');
  const serial = cert.serial.length % 2 ? `0${cert.serial}` : cert.serial;
  return { subject: dn(x.subject), issuer: dn(x.issuer), serial };
}

const signs = (ca: CertInfo, c: CertInfo) => c.issuerDer.equals(ca.subjectDer) && certSignedBy(c, ca);
const selfSigned = (c: CertInfo) => c.subjectDer.equals(c.issuerDer) && certSignedBy(c, c);

/**
 * The certification path from `leaf` up, through the certificates the peer sent and those in the
 * key repository, to a trusted root: [leaf, intermediates..., anchor]. It climbs past trusted
 * intermediates to their root, because every certificate but the root is checked for revocation
 * (IBM, "OCSP/CRL checking", q135040_). Undefined when no trusted certificate ends it.
 */
function certPath(leaf: CertInfo, sent: CertInfo[], trust: CertInfo[]): CertInfo[] | undefined {
  const path = [leaf];
  for (let cur = leaf; path.length < 8 && !selfSigned(cur); ) {
    // A trusted issuer first: a cross-signed copy the peer sent must not hide the one we trust.
    const next = trust.find((c) => signs(c, cur) && !path.includes(c)) ?? sent.find((c) => signs(c, cur) && !path.includes(c));
    if (!next) break;
    path.push(next);
    cur = next;
  }
  const top = path[path.length - 1]!;
  return path.length > 1 && trust.some((t) => t.der.equals(top.der)) ? path : undefined;
}

/** The revocation walk for one certificate (OCSP, then CDPs, then LDAP), as judgePeer describes. */
async function checkRevocation(cert: CertInfo, issuer: CertInfo, s: CheckSettings): Promise<Omit<Judgement, 'peer'> | undefined> {
  const aia = s.ocspCheckExtensions ? aiaOcspUrls(cert)[0] : undefined;
  const url = s.ocspUrl ?? (aia ? mapUrl(aia, s.urlMap) : undefined);
  const ocsp = url ? await checkOcsp(url, cert, issuer, s.ocspTimeoutMs) : undefined;
  if (ocsp && !(ocsp.outcome in OCSP_UNDETERMINED)) return { observed: ocsp.outcome, detail: ocsp.detail, ocsp };
  const crl = await checkCrls(cert, issuer, s);
  if (!crl) return ocsp ? { observed: ocsp.outcome, detail: ocsp.detail, ocsp } : undefined;
  const definiteCrl = crl.observed === 'good' || crl.observed === 'crl-revoked';
  // OCSP undetermined, then CRLs: a definite CRL answer decides; else LDAP's own failure when
  // LDAP was asked, else OCSP's cause (the first source that failed).
  if (ocsp && !definiteCrl && crl.observed !== 'ldap-unreachable' && crl.observed !== 'crl-missing') {
    return { observed: ocsp.outcome, detail: `${ocsp.detail}; then ${crl.detail}`, ocsp, crl: crl.checks };
  }
  return { observed: crl.observed, detail: ocsp ? `OCSP ${ocsp.outcome} (${ocsp.detail}); then ${crl.detail}` : crl.detail, ...(ocsp ? { ocsp } : {}), crl: crl.checks };
}

/** Judges the peer's chain (leaf first, DER); none sent is 'no-cert'. */
export async function judgePeer(chain: Buffer[], s: CheckSettings, now = new Date()): Promise<Judgement> {
  if (chain.length === 0) return { observed: 'no-cert', detail: 'the partner sent no certificate' };
  const [leaf, ...rest] = chain.map((d) => parseCertificate(d));
  const peer = describePeer(leaf);
  const path = certPath(leaf, rest, s.trust);
  if (!path) return { observed: 'untrusted-issuer', detail: `no trusted CA issued ${peer.subject} (nor a chain of sent or held CA certificates leading to one)`, peer };
  // An expired certificate (the leaf, an intermediate or the root) has no observation of its own in
  // the outcome table; GSKit reports it as a validation failure of the chain, which is what
  // untrusted-issuer stands for here. The details name the certificate at fault (our reading).
  const expired = path.find((c) => now < c.notBefore || now > c.notAfter);
  if (expired) return { observed: 'untrusted-issuer', detail: `${describePeer(expired).subject} is outside its validity period`, peer: describePeer(expired) };
  if (s.noRevocation) return { observed: 'good', detail: 'chain trusted; revocation checking disabled (ClientRevocationChecks=DISABLED)', peer };
  // Every certificate but the root, from the one the root issued down to the leaf (the order of
  // RFC 5280 6.1.3's path processing; GSKit's own order is not documented): the first that is not
  // good decides, and its details are the ones MQ's message carries (inferred).
  const checked: string[] = [];
  let last: Omit<Judgement, 'peer'> | undefined;
  for (let i = path.length - 2; i >= 0; i--) {
    const r = await checkRevocation(path[i]!, path[i + 1]!, s);
    if (!r) continue;
    const who = describePeer(path[i]!);
    if (r.observed !== 'good') {
      const where = i > 0 ? `intermediate CA ${who.subject}: ` : '';
      return { ...r, detail: `${where}${r.detail}`, peer: who };
    }
    checked.push(who.subject);
    last = r;
  }
  if (!last) return { observed: 'good', detail: 'chain trusted; no OCSP URL or CRL source configured, revocation not checked', peer };
  return { ...last, detail: path.length > 2 ? `every certificate but the root: ${checked.join('; ')}` : last.detail, peer };
}

/** The revocation settings of a side's configuration, as judgePeer takes them. */
export function crlSettingsOf(cfg: CrlConfig): CrlConfig {
  const out: CrlConfig = {};
  if (cfg.cdpCheckExtensions) out.cdpCheckExtensions = true;
  if (cfg.crlLdap?.length) out.crlLdap = cfg.crlLdap;
  if (cfg.crlCache) out.crlCache = cfg.crlCache;
  if (cfg.urlMap) out.urlMap = cfg.urlMap;
  return out;
}

/** The CRLs a judgement fetched, for the side's result. */
export function crlSummary(j: Judgement | undefined): { crl?: Array<Omit<CrlCheck, 'number'>> } {
  if (!j?.crl?.length) return {};
  return { crl: j.crl.map(({ number: _n, ...c }) => c) };
}
