// Compares what a scenario expects with what the emulator returned. Only the returned result is
// read here: the outcome table never stands in for an actual value.

import type { ConnectResult, SideResult } from '../emulator/types.js';
import type { Expect, SideExpect } from './schema.js';
import { SIDES } from './settings.js';

export interface Mismatch {
  field: string;
  expected: string;
  actual: string;
}

const list = (xs: readonly (string | number)[]) => (xs.length ? xs.join(', ') : '(none)');
const norm = (id: string) => id.toUpperCase().replace(/^(AMQ\d{4})[IWEST]$/, '$1');

/** A validation error against an expected one: the same number, or a pattern ("575xxx") whose x's
 *  stand for any digit and whose other digits are the number's, position by position. */
export function validationErrorMatches(want: number | string, got: number): boolean {
  if (typeof want === 'number') return want === got;
  const g = String(got);
  return want.length === g.length && [...want].every((ch, i) => ch === 'x' || ch === g[i]);
}

export function sideMessages(s: SideResult): string[] {
  return s.messageIds.map(norm);
}

function compareSide(field: string, e: SideExpect, s: SideResult, out: Mismatch[]): void {
  const got = sideMessages(s);
  if (e.nothing) {
    if (s.entries.length || got.length) out.push({ field: `${field}`, expected: 'nothing logged', actual: list(got.length ? got : s.entries.map((x) => x.messageId ?? x.kind)) });
    return;
  }
  if (e.messages) {
    const want = e.messages.map(norm);
    const same = e.order === 'set' ? [...want].sort().join() === [...got].sort().join() : want.join() === got.join();
    if (!same) out.push({ field: `${field}.messages${e.order === 'set' ? ' (any order)' : ''}`, expected: list(want), actual: list(got) });
  }
  if (e.validationErrors) {
    const want = e.validationErrors;
    const same = want.length === s.validationErrors.length && want.every((w, i) => validationErrorMatches(w, s.validationErrors[i]!));
    if (!same) out.push({ field: `${field}.validationErrors`, expected: list(e.validationErrors), actual: list(s.validationErrors) });
  }
}

export function compare(e: Expect, r: ConnectResult): Mismatch[] {
  const out: Mismatch[] = [];
  if (e.rc !== undefined && e.rc !== r.rc) out.push({ field: 'rc', expected: String(e.rc), actual: String(r.rc) });
  if (e.channelStarted !== undefined && e.channelStarted !== r.channelStarted) out.push({ field: 'channelStarted', expected: String(e.channelStarted), actual: String(r.channelStarted) });
  for (const side of SIDES) {
    const se = e[side];
    if (se) compareSide(side, se, r[side], out);
  }
  if (e.events) {
    const fmt = (ev: { reason: number; qualifier?: string }) => (ev.qualifier ? `${ev.reason}/${ev.qualifier}` : String(ev.reason));
    const left = [...r.events];
    const missing = e.events.filter((want) => {
      const i = left.findIndex((got) => got.reason === want.reason && (want.qualifier === undefined || got.qualifier === want.qualifier));
      if (i < 0) return true;
      left.splice(i, 1);
      return false;
    });
    if (missing.length || left.length) out.push({ field: 'events', expected: list(e.events.map(fmt)), actual: list(r.events.map(fmt)) });
  }
  if (e.row !== undefined && e.row !== r.rowId) out.push({ field: 'row', expected: e.row, actual: r.rowId });
  if (e.inferred !== undefined && e.inferred !== r.inferred) {
    const word = (inf: boolean) => (inf ? 'inferred (the outcome rests on an inferred row)' : 'not inferred (seen or documented rows only)');
    out.push({ field: 'inferred', expected: word(e.inferred), actual: `${word(r.inferred)}, row ${r.rowId}` });
  }
  const b = e.elapsedMs;
  if (b && ((b.min !== undefined && r.elapsedMs < b.min) || (b.max !== undefined && r.elapsedMs > b.max))) {
    out.push({ field: 'elapsedMs', expected: `${b.min ?? 0}..${b.max ?? '∞'} ms`, actual: `${Math.round(r.elapsedMs)} ms` });
  }
  return out;
}

/** One line per side and RC, as the matrix shows an outcome. */
export function summarizeExpect(e: Expect | undefined): string {
  if (!e) return '-';
  const parts: string[] = [];
  if (e.rc !== undefined) parts.push(`rc ${e.rc}`);
  if (e.channelStarted !== undefined && e.rc === undefined) parts.push(e.channelStarted ? 'starts' : 'no start');
  for (const side of SIDES) {
    const s = e[side];
    if (!s) continue;
    const msgs = s.nothing ? '—' : [...(s.messages ?? []), ...(s.validationErrors ?? []).map((n) => `#${n}`)].join(' ') || '?';
    parts.push(`${side} ${msgs}`);
  }
  if (e.events?.length) parts.push(`event ${e.events.map((x) => x.reason).join(' ')}`);
  return parts.join('; ');
}

export function summarizeActual(r: ConnectResult | undefined, shape?: Expect): string {
  if (!r) return '-';
  const parts = [`rc ${r.rc}`];
  for (const side of SIDES) {
    // Show a side's actual log when the expectation talks about it, or when it has something.
    const s = r[side];
    const msgs = [...sideMessages(s), ...s.validationErrors.map((n) => `#${n}`)].join(' ');
    if (shape?.[side] || msgs) parts.push(`${side} ${msgs || '—'}`);
  }
  if (r.events.length) parts.push(`event ${r.events.map((x) => x.reason).join(' ')}`);
  return parts.join('; ');
}
