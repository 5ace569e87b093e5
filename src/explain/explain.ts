// `ocsplab explain`, the pure part: error-log text in, a structured diagnosis out. It reads with the
// shared parser (src/mq/errlog.ts), ranks against the shared outcome table (matchRows, match.ts),
// and adds only what a reader needs on top: plain words per entry, which side wrote it, grouping
// into connection attempts, narrowing to rows that fit both sides' logs, AMQ9716's causes listed
// as alternatives, and AMQ9633's OCSP and CRL readings side by side (in both cases the log text
// cannot tell them apart, so picking one would be a guess presented as fact).
//
// src/explain/ owns everything behind `ocsplab explain`: reading the inputs given (pasted logs,
// FFSTs, Java chains, through the parser in src/mq/), matching entries to outcome rows (match.ts),
// correlating both sides (correlate.ts), the plain words (words.ts), the text report (format.ts)
// and the `--drill` scenario writer (drill-scenario.ts, which writes drill YAML by the schema's
// names without importing src/drill/). It imports src/mq/ only (test/layering.test.ts checks).

import { parseErrlog, type MqLogEntry, type Side } from '../mq/errlog.js';
import { MESSAGES, isMessageId } from '../mq/catalog.js';
import { CHECKS, type CheckId } from '../mq/checks.js';
import {
  UNDETERMINED_CAUSES,
  clientView,
  rowById,
  type ClientType,
  type OutcomeRow,
  type Source,
  type UndeterminedCause,
} from '../mq/outcomes.js';
import { matchRows, type RowMatch } from './match.js';
import { correlate, groupIncidents, inheritTimes, type Correlation, type Placed } from './correlate.js';
import {
  CRL_AFTER,
  CRL_CAUSE_WORDS,
  CRL_CHECK_IDS,
  CRL_REVOKED_CHECKS,
  CRL_UNDETERMINED_CHECKS,
  crlPointers,
  isCrlRow,
  isOcspRevokedRow,
} from './crl-reading.js';
import { entryWords, isKnownEntry } from './words.js';
import { certificateAbout, type CertificateAbout } from './certificate.js';

export interface ExplainInput {
  text: string;
  /** The side the user said the text comes from (--qm / --client / --side). */
  side?: Side;
  /** File name, for the report. */
  name?: string;
}

/** How the side of an entry was established: shown by the text, given by the user, implied by
 *  the message (only a QM writes it), or only a reading of the best-fitting row. */
export type SideBasis = 'log header' | 'java chain' | 'given' | 'message' | 'best row';

export interface ExplainedEntry {
  input: number;
  name?: string;
  kind: MqLogEntry['kind'];
  side?: Side;
  sideBasis?: SideBasis;
  time?: string;
  channel?: string;
  messageId?: string;
  reasonCode?: number;
  validationError?: number;
  certificateDetails?: string;
  /** The certificate the details name and its place in the partner's chain. */
  certificate?: CertificateAbout;
  probeId?: string;
  text?: string;
  cause?: string;
  known: boolean;
  meaning: string;
  checking?: string;
  validation?: string;
}

export interface RankedRow {
  id: string;
  title: string;
  source: Source['kind'];
  sourceText: string;
  score: number;
  /** Same score as the best row: the logs cannot tell this row from it. A CRL row with the best
   *  score is not counted as tied when the best row is an OCSP one and nothing in the log points at
   *  CRLs: it is offered as the CRL reading (Incident.revocation) instead. */
  tiedWithBest: boolean;
  /** A row about a CRL source (crl-revoked, ldap-unreachable, crl-missing). */
  crl?: true;
  clientType: ClientType;
  evidence: string[];
  conflicts: string[];
  checks: CheckId[];
}

export interface CauseAlternatives {
  side: Side;
  causes: Array<{
    cause: UndeterminedCause;
    plain: string;
    rows: string[];
    /** The same cause for a CRL source (AMQ9716 (a) names "CRL servers or OCSP responders"). */
    crl?: string;
  }>;
  /** Rows that also log AMQ9716 on this side without a revocation cause (seed 001's label typo). */
  otherReadings: Array<{ id: string; title: string }>;
  note: string;
}

/** AMQ9633 prints its whole (a)-(e) list, so a revocation by an OCSP responder (e) and one found
 *  in a CRL (c), or a CRL missing on the LDAP server (d), log the same text: both readings are
 *  listed, the one the log points at (if any) first. */
export interface RevocationReadings {
  /** The side that rejected the certificate (logged AMQ9633 with the revocation). */
  side: Side;
  /** 'ocsp' when nothing in the log points at CRLs. */
  first: 'ocsp' | 'crl';
  /** What in the log points at CRLs; empty: nothing. */
  pointers: string[];
  readings: Array<{ source: 'ocsp' | 'crl'; reason: string; plain: string; rows: string[] }>;
  note: string;
}

export interface Incident {
  /** Indexes into Diagnosis.entries. */
  entries: number[];
  start?: string;
  end?: string;
  summary: string;
  rows: RankedRow[];
  alternatives?: CauseAlternatives;
  revocation?: RevocationReadings;
  /** The certificate the rejecting side's entry names, when it is a CA's, not the partner's own. */
  certificate?: CertificateAbout;
  correlation?: Correlation;
  checks: Array<{ id: CheckId; text: string }>;
  notes: string[];
}

export interface Diagnosis {
  /** True when anything MQ-TLS related was recognised. */
  found: boolean;
  entries: ExplainedEntry[];
  incidents: Incident[];
  notes: string[];
}

export const NOTHING_FOUND = 'nothing MQ-TLS related found';

export function sourceText(s: Source): string {
  if (s.kind === 'seen') return `seen: seed ${s.seed}, ${s.where}`;
  if (s.kind === 'doc') return `doc: ${s.page}`;
  return `inferred: ${s.why}`;
}

/** The side the text itself shows, or the user gave, or the message implies. */
function placeEntry(e: MqLogEntry, input: ExplainInput): { side?: Side; basis?: SideBasis } {
  if (e.side) return { side: e.side, basis: e.kind === 'java' ? 'java chain' : 'log header' };
  if (input.side) return { side: input.side, basis: 'given' };
  if (e.messageId && isMessageId(e.messageId)) {
    const w = MESSAGES[e.messageId].writers;
    if (w.every((x) => x === 'qm')) return { side: 'qm', basis: 'message' };
    if (w.every((x) => x === 'java')) return { side: 'client', basis: 'message' };
  }
  return {};
}

function expectsOn(row: OutcomeRow, clientType: ClientType, side: Side) {
  return side === 'qm' ? row.outcome.qm.messages : clientView(row, clientType).log.messages;
}

function rank(m: RowMatch, best: number, offered: ReadonlySet<string>): RankedRow {
  const r: RankedRow = {
    id: m.row.id,
    title: m.row.title,
    source: m.row.source.kind,
    sourceText: sourceText(m.row.source),
    score: m.score,
    tiedWithBest: m.score === best && !offered.has(m.row.id),
    clientType: m.clientType,
    evidence: m.evidence,
    conflicts: m.conflicts,
    checks: m.row.checks,
  };
  if (isCrlRow(m.row)) r.crl = true;
  return r;
}

/** What the log's messages alone give a row, without the CRL pointers. */
const logScore = (m: RowMatch) => m.score - m.crlBonus;

/** The AMQ9633 reason letter a row writes on the side that rejected, if any. */
function rejectedOn(m: RowMatch): { side: Side; reason?: string } | undefined {
  for (const side of ['client', 'qm'] as const) {
    const x = expectsOn(m.row, m.clientType, side).find((e) => e.id === 'AMQ9633' && e.reason);
    if (x) return { side, reason: x.reason! };
  }
  return undefined;
}

/** Both revocation readings when the messages fit an OCSP revocation and a CRL one equally well. */
function revocationReadings(matches: RowMatch[], pointers: string[]): RevocationReadings | undefined {
  if (!matches.length) return undefined;
  const top = Math.max(...matches.map(logScore));
  const atTop = matches.filter((m) => logScore(m) === top);
  const ocsp = atTop.filter((m) => isOcspRevokedRow(m.row) && rejectedOn(m));
  const crl = atTop.filter((m) => isCrlRow(m.row) && rejectedOn(m));
  if (!ocsp.length || !crl.length) return undefined;
  const first = pointers.length ? 'crl' : 'ocsp';
  const side = rejectedOn(first === 'crl' ? crl[0]! : ocsp[0]!)!.side;
  const letters = (l: RowMatch[]) => [...new Set(l.map((m) => rejectedOn(m)!.reason!))].sort();
  const readings: RevocationReadings['readings'] = [
    { source: 'ocsp', reason: letters(ocsp).join('/'), plain: 'an OCSP responder answered revoked', rows: ocsp.map((m) => m.row.id) },
    {
      source: 'crl',
      reason: letters(crl).join('/'),
      plain: letters(crl).includes('d')
        ? 'a CRL lists it (c), or a CRL was specified but not found on the LDAP server (d)'
        : 'a CRL lists it (CDP over HTTP or an LDAP CRL server)',
      rows: crl.map((m) => m.row.id),
    },
  ];
  if (first === 'crl') readings.reverse();
  const who = side === 'qm' ? "The queue manager rejected the client's" : "The client rejected the queue manager's";
  const note =
    `${who} certificate as revoked: by an OCSP responder (e) or by a CRL (c). AMQ9633 prints ` +
    'its whole (a)-(e) list, so its text cannot tell which. ' +
    (pointers.length
      ? `The log points at a CRL source (${pointers.join('; ')}), so the CRL reading comes first. `
      : 'Nothing in the log points at CRLs, so the OCSP reading comes first. ') +
    'Check which revocation sources are configured: SSLCRLNL / AUTHINFO (OCSP, CRLLDAP), CDPCheckExtensions' +
    (side === 'client' ? ', MQAIR records.' : '.');
  return { side, first, pointers, readings, note };
}

/** AMQ9716 on a side: every ranked row that logs it there, by cause. */
function causeAlternatives(placed: Placed[], matches: RowMatch[], pointers: string[]): CauseAlternatives | undefined {
  const hit = placed.find((p) => p.entry.messageId === 'AMQ9716' && p.side);
  if (!hit) return undefined;
  const side = hit.side!;
  const causes: CauseAlternatives['causes'] = UNDETERMINED_CAUSES.map((c) => ({ cause: c.cause, plain: c.plain, rows: [] as string[] }));
  const otherReadings: CauseAlternatives['otherReadings'] = [];
  for (const m of matches) {
    const x = expectsOn(m.row, m.clientType, side).find((e) => e.id === 'AMQ9716');
    if (!x) continue;
    const slot = causes.find((c) => c.cause === x.reason);
    if (slot) slot.rows.push(m.row.id);
    else otherReadings.push({ id: m.row.id, title: m.row.title });
  }
  for (const c of causes) {
    const crl = CRL_CAUSE_WORDS[c.cause];
    if (crl && c.rows.length) c.crl = crl;
  }
  const who = side === 'qm' ? 'The queue manager' : 'The client';
  const note =
    `${who} could not establish the revocation status of ${side === 'qm' ? "the client's" : "the queue manager's"} ` +
    'certificate. AMQ9716 gives three possible causes and its text does not say which one applied; ' +
    'check each (a slow failure, about 20 s, points at (a) with a firewalled responder). Its (a) covers ' +
    'CRL servers as well as OCSP responders' +
    (pointers.length ? ` and the log points at a CRL source (${pointers.join('; ')}): start with the CRL checks.` : '.') +
    (otherReadings.length ? ' It is also logged for reasons that are not about revocation at all (see other readings).' : '');
  return { side, causes, otherReadings, note };
}

function checksOf(
  rows: RankedRow[],
  alt: CauseAlternatives | undefined,
  rev: RevocationReadings | undefined,
  matches: RowMatch[],
  group: Placed[],
  pointers: string[],
): Incident['checks'] {
  const ids = new Set<CheckId>();
  // The CRL checks, kept apart so that they can go first when the log points at CRLs.
  const crl = new Set<CheckId>();
  const add = (c: CheckId) => (CRL_CHECK_IDS.has(c) ? crl : ids).add(c);
  const tied = rows.filter((r) => r.tiedWithBest);
  for (const r of tied) r.checks.forEach(add);
  if (alt) {
    // Every cause stays open, so each cause's checks belong on the list.
    const listed = new Set([...alt.causes.flatMap((c) => c.rows), ...alt.otherReadings.map((o) => o.id)]);
    for (const m of matches) if (listed.has(m.row.id)) m.row.checks.forEach(add);
    for (const c of alt.causes) if (c.rows.length) CRL_UNDETERMINED_CHECKS[c.cause].forEach((x) => crl.add(x));
  }
  if (rev) {
    // The CRL reading stays open beside the OCSP one: its rows' checks and the configured sources.
    const listed = new Set(rev.readings.find((r) => r.source === 'crl')!.rows);
    CRL_REVOKED_CHECKS.forEach((c) => crl.add(c));
    for (const m of matches) if (listed.has(m.row.id)) m.row.checks.forEach(add);
  }
  // AMQ9646 names the LDAP CRL servers: the namelist that lists them, and an ldapsearch of the
  // issuer's entry, which also shows whether a server answers at all.
  if (group.some((p) => p.entry.messageId === 'AMQ9646')) (['sslcrlnl-namelist', 'ldap-entry-dn'] as const).forEach((c) => crl.add(c));
  // REFRESH SECURITY TYPE(SSL) after changing the CRL sources.
  if (crl.size || tied.some((r) => r.crl)) crl.add(CRL_AFTER);
  let all = [...new Set(pointers.length ? [...crl, ...ids] : [...ids, ...crl])];
  // When several cases fit, the partner's log is the quickest way to tell them apart.
  if (tied.length > 1 && all.includes('partner-log')) all = ['partner-log', ...all.filter((c) => c !== 'partner-log')];
  return all.map((id) => ({ id, text: CHECKS[id] }));
}

/** Rows that describe the same failure (a seen row and the general rule it sits in) count once
 *  when deciding whether the logs point at one case. */
function caseKey(row: OutcomeRow): string {
  const w = row.when;
  const l = (x: readonly string[] | undefined) => (x ? [...x].sort().join(',') : '*');
  return [w.stage, w.tlsFailure ?? '', l(w.clientObserved), l(w.qmObserved), l(w.sslcauth)].join('|');
}

function summarise(rows: RankedRow[], alt: CauseAlternatives | undefined, rev: RevocationReadings | undefined): string {
  const s = summaryOf(rows, alt);
  if (!rev) return s;
  const [a, b] = rev.readings;
  const word = (r: typeof a) => (r!.source === 'ocsp' ? `by an OCSP responder (${r!.reason})` : `by a CRL (${r!.reason})`);
  return `${s}; revoked ${word(a)} or ${word(b)}: the log cannot tell (below)`;
}

function summaryOf(rows: RankedRow[], alt: CauseAlternatives | undefined): string {
  const top = rows[0];
  if (!top) return 'No case in the outcome table fits these entries; ocsplab does not guess beyond it.';
  const tied = rows.filter((r) => r.tiedWithBest);
  const cases = new Set(tied.map((r) => caseKey(rowById(r.id)!)));
  if (cases.size > 1) {
    const names = tied.slice(0, 3).map((r) => r.title);
    return (
      `${cases.size} different cases fit these entries equally well, so ocsplab does not pick one: ` +
      `${names.join(' / ')}${tied.length > 3 ? ' / ...' : ''}. The other side's log usually settles it.`
    );
  }
  let s = `${top.title} [${top.source}]`;
  if (alt) {
    const others = alt.causes.filter((c) => c.rows.length && !c.rows.includes(top.id));
    if (others.length) s += `; AMQ9716 cannot tell this from: ${others.map((c) => `(${c.cause}) ${c.plain}`).join(', ')}`;
    if (alt.otherReadings.some((o) => o.id !== top.id)) s += '; or from a problem that is not about revocation (below)';
  }
  return s;
}

/** An entry whose side no text or option showed goes on the side where the best row expects it,
 *  marked 'best row' so the report does not present it as read from the log. */
function placeByRow(group: Placed[], top: RowMatch | undefined, basis: Map<Placed, SideBasis | undefined>): void {
  if (!top) return;
  const fits = (id: string, s: Side) => expectsOn(top.row, top.clientType, s).some((x) => x.id === id);
  for (const p of group) {
    const id = p.entry.messageId;
    if (p.side || !id || fits(id, 'qm') === fits(id, 'client')) continue;
    p.side = fits(id, 'qm') ? 'qm' : 'client';
    basis.set(p, 'best row');
  }
}

function diagnoseIncident(
  group: Placed[],
  logsFrom: Side[],
  index: Map<Placed, number>,
  basis: Map<Placed, SideBasis | undefined>,
): Incident {
  const entries = group.map((p) => (p.side ? { ...p.entry, side: p.side } : p.entry));
  const notes: string[] = [];
  let matches = matchRows(entries, { logsFrom });
  const correlation = correlate(group);
  if (correlation?.correlated) {
    const fits = (side: Side) => new Set(matchRows(entries.filter((e) => e.side !== side)).map((m) => m.row.id));
    const [client, qm] = [fits('qm'), fits('client')];
    const both = matches.filter((m) => client.has(m.row.id) && qm.has(m.row.id));
    if (both.length) matches = both;
    else notes.push('no case fits both logs; the ranking below uses the entries as a whole');
  }
  const best = matches[0]?.score ?? 0;
  const pointers = crlPointers(entries);
  const revocation = revocationReadings(matches, pointers);
  // Offered beside the OCSP reading, not ranked as tied with it.
  const offered = new Set(revocation?.first === 'ocsp' ? revocation.readings.find((r) => r.source === 'crl')!.rows : []);
  const rows = matches.map((m) => rank(m, best, offered));
  placeByRow(group, matches[0], basis);
  const alternatives = causeAlternatives(group, matches, pointers);
  const sides = new Set(group.map((p) => p.side).filter(Boolean));
  if (sides.size < 2 && rows.filter((r) => r.tiedWithBest).length > 1)
    notes.push(`only the ${sides.has('qm') ? "queue manager's" : sides.has('client') ? "client's" : 'one'} side is given: add the other side's AMQERR01.LOG (--qm/--client FILE) to narrow this down`);
  const times = group.map((p) => p.entry.time).filter((t): t is string => !!t);
  const certificate = chainCertificate(group);
  const checks = checksOf(rows, alternatives, revocation, matches, group, pointers);
  if (certificate) {
    // The chain check goes first: the table's checks are about the partner's own certificate.
    const id: CheckId = certificate.role === 'root' ? 'chain-root' : 'chain-intermediate';
    checks.unshift({ id, text: CHECKS[id] });
  }
  const inc: Incident = {
    entries: group.map((p) => index.get(p)!).sort((a, b) => a - b),
    summary: withCertificate(summarise(rows, alternatives, revocation), certificate),
    rows,
    checks,
    notes,
  };
  if (certificate) inc.certificate = certificate;
  if (times.length) [inc.start, inc.end] = [times[0]!, times[times.length - 1]!];
  if (alternatives) inc.alternatives = alternatives;
  if (revocation) inc.revocation = revocation;
  if (correlation) inc.correlation = correlation;
  return inc;
}

function withCertificate(summary: string, c: CertificateAbout | undefined): string {
  if (!c) return summary;
  return summary.endsWith('.') ? `${summary} The entry is about ${c.plain}.` : `${summary}; the entry is about ${c.plain}`;
}

/** The first AMQ9633/AMQ9716 of an attempt whose details name a CA certificate (an intermediate
 *  or the root) rather than the partner's own: what the checks must then be about. */
function chainCertificate(group: Placed[]): CertificateAbout | undefined {
  const all = group.map((p) => p.entry);
  for (const p of group) {
    if (p.entry.messageId !== 'AMQ9633' && p.entry.messageId !== 'AMQ9716') continue;
    const c = certificateAbout(p.entry, p.side, all);
    if (c && c.role !== 'leaf') return c;
  }
  return undefined;
}

function explainEntry(p: Placed, input: ExplainInput, basis: SideBasis | undefined, all: readonly MqLogEntry[]): ExplainedEntry {
  const e = p.entry;
  const words = entryWords(e, p.side);
  const out: ExplainedEntry = { input: p.input, kind: e.kind, known: isKnownEntry(e), meaning: words.meaning };
  const copy = <K extends keyof ExplainedEntry & keyof MqLogEntry>(k: K) => {
    if (e[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = e[k];
  };
  (['time', 'channel', 'messageId', 'reasonCode', 'validationError', 'certificateDetails', 'probeId', 'text', 'cause'] as const).forEach(copy);
  const cert = certificateAbout(e, p.side, all);
  if (cert) out.certificate = cert;
  if (input.name) out.name = input.name;
  if (p.side) out.side = p.side;
  if (basis) out.sideBasis = basis;
  if (words.checking) out.checking = words.checking;
  if (words.validation) out.validation = words.validation;
  return out;
}

export function explain(inputs: ExplainInput[]): Diagnosis {
  const placed: Placed[] = [];
  const basis = new Map<Placed, SideBasis | undefined>();
  const logsFrom = new Set<Side>();
  inputs.forEach((input, i) => {
    if (input.side) logsFrom.add(input.side);
    for (const entry of parseErrlog(input.text)) {
      const where = placeEntry(entry, input);
      const p: Placed = { entry, input: i };
      if (where.side) p.side = where.side;
      if (where.basis === 'log header') logsFrom.add(where.side!);
      placed.push(p);
      basis.set(p, where.basis);
    }
  });
  const related = placed.filter((p) => isKnownEntry(p.entry));
  const notes: string[] = [];
  const unknownIds = [...new Set(placed.filter((p) => !isKnownEntry(p.entry) && p.entry.messageId).map((p) => p.entry.messageId!))];
  if (unknownIds.length) notes.push(`not TLS/OCSP messages ocsplab knows, left out: ${unknownIds.join(', ')}`);
  if (!related.length) return { found: false, entries: [], incidents: [], notes: [NOTHING_FOUND, ...notes] };

  inheritTimes(related);
  related.sort((a, b) => a.input - b.input || a.entry.offset - b.entry.offset);
  const index = new Map(related.map((p, i) => [p, i]));
  const groups = groupIncidents(related);
  if (groups.length > 1 && related.some((p) => !p.at))
    notes.push('entries without any timestamp were read with the latest attempt');
  const incidents = groups.map((g) => diagnoseIncident(g, [...logsFrom], index, basis));
  const all = related.map((p) => p.entry);
  const entries = related.map((p) => explainEntry(p, inputs[p.input]!, basis.get(p), all));
  return { found: true, entries, incidents, notes };
}

/** Exit status for a diagnosis: 0 a case fits, 3 nothing MQ-TLS related, 4 recognised but no case fits. */
export function exitCode(d: Diagnosis): number {
  if (!d.found) return 3;
  return d.incidents.some((i) => i.rows.length) ? 0 : 4;
}
