// matchRows: which outcome rows a set of parsed log entries is consistent with, best first.
// Evidence for a row: a message id expected on the side that logged it, the same validation
// error, the same certificate-details form, the client's reason code, the FFST probe. Evidence
// against: a message the row says that side does not write, a different validation error or RC.
// A row that expects a message on a side we have a log from, and the log lacks it, loses a little.
// Entries whose side is unknown count for whichever side fits the row better. Something in the
// log that points at a CRL source (crl-reading.ts) counts for the CRL rows. Ties go to the OCSP
// reading when nothing points at CRLs (AMQ9633's text is the same for both; explain offers the
// CRL reading beside it) and to the CRL rows when something does, then to the better-sourced row
// (seen > doc > inferred), so a seed row outranks the general rule it sits in.

import type { MqLogEntry, Side } from '../mq/errlog.js';
import { isMessageId } from '../mq/catalog.js';
import { detailsForm } from '../mq/inserts.js';
import {
  CLIENT_TYPES,
  OUTCOME_ROWS,
  SOURCE_RANK,
  clientView,
  specificity,
  type ClientType,
  type ExpectedMessage,
  type OutcomeRow,
} from '../mq/outcomes.js';
import { crlPointers, isCrlRow } from './crl-reading.js';

export interface RowMatch {
  row: OutcomeRow;
  /** The client type under which the row fits best. */
  clientType: ClientType;
  score: number;
  evidence: string[];
  conflicts: string[];
  /** Points the score holds for CRL pointers in the log (0 when none, or not a CRL row): the
   *  score without them is what the log's messages alone say. */
  crlBonus: number;
}

/** What the CRL pointers of a log are worth to a CRL row: more than a detail, less than a message. */
export const CRL_POINTER_SCORE = 2;

interface Tally {
  score: number;
  evidence: string[];
  conflicts: string[];
}

/** Scores one observed message against one side's expected messages. */
function scoreMessage(e: MqLogEntry, expected: ExpectedMessage[], side: Side): Tally {
  const t: Tally = { score: 0, evidence: [], conflicts: [] };
  const want = expected.find((x) => x.id === e.messageId);
  if (!want) {
    if (e.messageId && isMessageId(e.messageId)) {
      t.score -= 2;
      t.conflicts.push(`${e.messageId} is not what the ${side} logs in this case`);
    }
    return t;
  }
  t.score += e.kind === 'ffst' ? 1 : 3;
  t.evidence.push(`${side} ${e.messageId}`);
  if (e.validationError !== undefined && want.validationError !== undefined) {
    if (e.validationError === want.validationError) {
      t.score += 4;
      t.evidence.push(`validation error ${e.validationError}`);
    } else {
      t.score -= 4;
      t.conflicts.push(`validation error ${e.validationError}, this case gives ${want.validationError}`);
    }
  }
  if (e.certificateDetails && want.details) {
    const form = detailsForm(e.certificateDetails);
    if (form === want.details) {
      t.score += 1;
      t.evidence.push(`certificate details in ${form} form`);
    } else t.score -= 1;
  }
  if (e.probeId && want.ffst) {
    if (e.probeId === want.ffst.probeId) {
      t.score += 2;
      t.evidence.push(`FFST probe ${e.probeId}`);
    }
  }
  if (e.cause && want.cause && e.cause.toLowerCase() === want.cause.toLowerCase()) {
    t.score += 1;
    t.evidence.push(`cause '${e.cause}'`);
  }
  return t;
}

function scoreRow(row: OutcomeRow, clientType: ClientType, entries: MqLogEntry[], logsFrom: Side[], pointers: string[]): RowMatch {
  const view = clientView(row, clientType);
  const expected: Record<Side, ExpectedMessage[]> = { client: view.log.messages, qm: row.outcome.qm.messages };
  const total: Tally = { score: 0, evidence: [], conflicts: [] };
  const add = (t: Tally) => {
    total.score += t.score;
    total.evidence.push(...t.evidence);
    total.conflicts.push(...t.conflicts);
  };
  const seenKeys = new Set<string>();
  const observedOn: Record<Side, Set<string>> = { client: new Set(), qm: new Set() };
  const sidesWithLogs = new Set<Side>(logsFrom);
  for (const e of entries) {
    if (e.kind === 'reason' || (e.kind === 'java' && e.reasonCode !== undefined)) {
      const key = `rc:${e.reasonCode}`;
      if (!seenKeys.has(key)) {
        seenKeys.add(key);
        add(scoreReason(row, view.rc, e.reasonCode!));
      }
    }
    if (!e.messageId) continue;
    const key = `${e.kind === 'ffst' ? 'ffst' : 'msg'}:${e.side ?? '?'}:${e.messageId}:${e.validationError ?? ''}`;
    if (seenKeys.has(key)) continue;
    seenKeys.add(key);
    const sides: Side[] = e.side ? [e.side] : ['client', 'qm'];
    const best = sides
      .map((s) => ({ s, t: scoreMessage(e, expected[s], s) }))
      .sort((a, b) => b.t.score - a.t.score)[0]!;
    add(best.t);
    if (e.side) sidesWithLogs.add(e.side);
    if (best.t.score > 0) observedOn[best.s].add(e.messageId);
  }
  for (const s of sidesWithLogs) {
    for (const x of expected[s]) {
      if (!observedOn[s].has(x.id)) {
        total.score -= 1;
        total.conflicts.push(`the ${s} log lacks ${x.id}`);
      }
    }
  }
  let crlBonus = 0;
  if (pointers.length && isCrlRow(row) && total.evidence.length) {
    crlBonus = CRL_POINTER_SCORE;
    total.score += crlBonus;
    total.evidence.push(`the log points at a CRL source: ${pointers.join('; ')}`);
  }
  return { row, clientType, ...total, crlBonus };
}

function scoreReason(row: OutcomeRow, rc: number, observed: number): Tally {
  if (observed === 2552) {
    return row.outcome.events.some((e) => e.reason === 2552)
      ? { score: 3, evidence: ['Channel SSL Warning event 2552'], conflicts: [] }
      : { score: -1, evidence: [], conflicts: ['2552 is raised only under WARN'] };
  }
  if (observed === rc) return { score: 2, evidence: [`reason code ${rc}`], conflicts: [] };
  return { score: -2, evidence: [], conflicts: [`reason code ${observed}, this case gives ${rc}`] };
}

export interface MatchOptions {
  rows?: readonly OutcomeRow[];
  /** Sides whose whole log was given, even if it came out empty: an empty QM log then counts
   *  against rows that expect the QM to write something (seed 003 row 2 vs a label typo). */
  logsFrom?: Side[];
}

/** Rows consistent with the entries, best first; empty when nothing MQ-TLS related was found. */
export function matchRows(entries: MqLogEntry[], options: MatchOptions = {}): RowMatch[] {
  const out: RowMatch[] = [];
  const pointers = crlPointers(entries);
  for (const row of options.rows ?? OUTCOME_ROWS) {
    const best = CLIENT_TYPES.map((ct) => scoreRow(row, ct, entries, options.logsFrom ?? [], pointers))
      .sort((a, b) => b.score - a.score)[0]!;
    if (best.score > 0 && best.evidence.length > 0) out.push(best);
  }
  // At equal scores: OCSP before CRL unless the log points at CRLs.
  const crlWeight = pointers.length ? 1 : -1;
  const crl = (m: RowMatch) => (isCrlRow(m.row) ? crlWeight : 0);
  return out.sort(
    (a, b) =>
      b.score - a.score ||
      crl(b) - crl(a) ||
      SOURCE_RANK[b.row.source.kind] - SOURCE_RANK[a.row.source.kind] ||
      specificity(b.row) - specificity(a.row),
  );
}
