// OCSP or CRL: what a log can and cannot say about which revocation source spoke. AMQ9633 always
// prints its whole (a)-(e) list and AMQ9716 always names "CRL servers or OCSP responders" in its
// (a), so the fixed text of those messages never points at CRLs (docs/mq-crl-outcomes.md, B and C).
// A log points at CRLs only through what is not fixed text: AMQ9646 (LDAP CRL servers unreachable,
// APAR IT17429), the Java reason codes 2401/2402 (CertStores, which are CRL sources), or CRL/LDAP
// words in inserts, FFST fields, Java causes, or in a message's text once its fixed list is taken
// out. Without such a pointer, explain keeps the OCSP reading first and offers the CRL reading
// beside it; with one, the CRL rows come first.

import type { MqLogEntry } from '../mq/errlog.js';
import type { CertObservation, OutcomeRow } from '../mq/outcomes.js';
import type { CheckId } from '../mq/checks.js';

const CRL_OBSERVATIONS: ReadonlySet<CertObservation> = new Set(['crl-revoked', 'ldap-unreachable', 'crl-missing']);

/** A row about a CRL source: its checking side observed only CRL outcomes. */
export function isCrlRow(row: OutcomeRow): boolean {
  return [row.when.clientObserved, row.when.qmObserved].some((l) => !!l?.length && l.every((o) => CRL_OBSERVATIONS.has(o)));
}

/** A row in which an OCSP responder said revoked (AMQ9633 reason (e)). */
export function isOcspRevokedRow(row: OutcomeRow): boolean {
  return [row.when.clientObserved, row.when.qmObserved].some((l) => !!l?.includes('revoked'));
}

/** Words that name a CRL source, also inside GSKit-style names (GSK_ERROR_CRL_...) and URLs
 *  (/crl/ca.crl). Matched after DN components are taken out, so that a certificate for
 *  CN=ldap.example.com is not read as a CRL pointer. */
const CRL_WORDS =
  /(?<![A-Za-z])(?:CRLs?|CRLLDAP|LDAP|CDP)(?![A-Za-z])|ldaps?:\/\/|CDPCheckExtensions|CRLDistributionPoints?|distribution point|revocation list|certificateRevocationList|CertStores?/i;
const DN_PART = /\b(?:CN|OU|O|C|ST|L|DC|EMAIL|E|SERIALNUMBER|UID)=[^,/\[\]'\n]*/gi;

const ws = (s: string) => s.trim().split(/\s+/).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s+');
/** The fixed text of AMQ9633/AMQ9716/AMQ9717 that names CRLs whatever the case: IBM's list items
 *  (each up to the next item or paragraph, so a cut or condensed paste is still taken out) and our
 *  catalog's wording of them. */
const FIXED_TEXT: RegExp[] = [
  new RegExp(`\\(c\\)\\s*${ws('it was found in a Certification')}[\\s\\S]*?(?=\\(d\\)|\\n\\s*\\n|$)`, 'gi'),
  new RegExp(`\\(d\\)\\s*${ws('a CRL was specified')}[\\s\\S]*?(?=\\(e\\)|\\n\\s*\\n|$)`, 'gi'),
  new RegExp(`\\(a\\)\\s*${ws('the channel was unable to contact')}[\\s\\S]*?(?=\\(b\\)|\\n\\s*\\n|$)`, 'gi'),
  new RegExp(`\\(a\\)\\s*${ws('no CRL server or OCSP responder')}[\\s\\S]*?(?=\\(b\\)|\\n\\s*\\n|$)`, 'gi'),
  new RegExp(ws('a CRL lists it, or a required CRL was missing'), 'gi'),
];
const FIXED_IDS = new Set(['AMQ9633', 'AMQ9716', 'AMQ9717']);

function named(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const m = CRL_WORDS.exec(text.replace(DN_PART, ' '));
  return m?.[0];
}

function messageText(e: MqLogEntry): string {
  let s = [e.text, e.explanation, e.action].filter(Boolean).join('\n\n');
  if (e.messageId && FIXED_IDS.has(e.messageId)) for (const r of FIXED_TEXT) s = s.replace(r, ' ');
  return s;
}

/** What in the entries points at a CRL source, in words for the report; empty: nothing does. */
export function crlPointers(entries: readonly MqLogEntry[]): string[] {
  const out = new Set<string>();
  for (const e of entries) {
    const who = e.side ? `${e.side === 'qm' ? 'queue manager' : 'client'} ` : '';
    if (e.messageId === 'AMQ9646') {
      out.add(`${who}AMQ9646: no LDAP CRL server could be reached`);
      continue;
    }
    if (e.reasonCode === 2401 || e.reasonCode === 2402)
      out.add(`reason code ${e.reasonCode} (Java CertStores, which hold CRLs)`);
    const where: Array<[string, string | undefined]> = [
      ['an insert', (e.commentInserts ?? []).join('\n')],
      ['the FFST', [e.majorErrorcode, e.minorErrorcode, e.probeType, ...(e.comments ?? [])].filter(Boolean).join('\n')],
      ['the Java cause', e.cause],
    ];
    if (e.kind === 'message') where.push([`the ${e.messageId ?? 'message'} text`, messageText(e)]);
    else if (e.kind === 'java') where.push(['the Java exception', e.text]);
    for (const [place, text] of where) {
      const w = named(text);
      if (w) out.add(`${who}'${w}' in ${place}`);
    }
  }
  return [...out];
}

/** The checks about CRL sources (the rest of a CRL row's checks, revoked-cert or partner-log,
 *  are not about the source and keep their place). */
export const CRL_CHECK_IDS: ReadonlySet<CheckId> = new Set<CheckId>([
  'crl-cdp-url',
  'crl-next-update',
  'crl-signer',
  'ldap-entry-dn',
  'sslcrlnl-namelist',
  'crl-cache',
  'java-certstores',
]);

/** Checks for the CRL reading of a rejected certificate (AMQ9633 (c)/(d)): which sources are
 *  configured, the 12-hour cache, and the refresh that empties it. */
export const CRL_REVOKED_CHECKS: readonly CheckId[] = ['sslcrlnl-namelist', 'crl-cdp-url', 'crl-cache', 'refresh-security'];
/** Checks for AMQ9716 when a CRL source could not be used: its causes (a) (no CRL server reached)
 *  and, in ocsplab's reading, (c) (a CRL fetched but unusable: expired, another issuer's, badly
 *  signed). */
export const CRL_UNDETERMINED_CHECKS: Readonly<Record<'a' | 'b' | 'c', readonly CheckId[]>> = {
  a: ['crl-cdp-url', 'crl-next-update', 'sslcrlnl-namelist'],
  b: [],
  c: ['crl-next-update', 'crl-signer'],
};
/** The CRL words for AMQ9716's causes, shown beside the OCSP ones. */
export const CRL_CAUSE_WORDS: Readonly<Record<'a' | 'b' | 'c', string | undefined>> = {
  a:
    'or cannot reach any CRL server: the CRL Distribution Point URL in the certificate (with ' +
    'CDPCheckExtensions=YES) or the LDAP servers of the CRLLDAP AUTHINFO objects in SSLCRLNL (MQAIR ' +
    'records on a client)',
  b: undefined,
  c: 'or (ocsplab\'s reading, no IBM source) got a CRL it could not use: past its nextUpdate, from another issuer, or badly signed',
};
/** After changing CRL sources, MQ must be told (and its CRL cache emptied). */
export const CRL_AFTER: CheckId = 'refresh-security';
