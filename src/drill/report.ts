// The run as one value every report format renders, and the bits they share.

import { summarizeActual, summarizeExpect } from './expect.js';
import { connectLabel, type ConnectRecord, type ScenarioResult } from './runner.js';
import { displayPath } from './load.js';

export interface DrillReport {
  tool: 'ocsplab drill';
  startedAt: string;
  elapsedMs: number;
  target: string;
  files: string[];
  filter?: string;
  passed: boolean;
  counts: { total: number; pass: number; fail: number; error: number; skip: number };
  results: ScenarioResult[];
}

export function buildReport(o: { startedAt: Date; elapsedMs: number; target: string; files: string[]; filter?: string; results: ScenarioResult[] }): DrillReport {
  const count = (s: ScenarioResult['status']) => o.results.filter((r) => r.status === s).length;
  const counts = { total: o.results.length, pass: count('pass'), fail: count('fail'), error: count('error'), skip: count('skip') };
  return {
    tool: 'ocsplab drill',
    startedAt: o.startedAt.toISOString(),
    elapsedMs: Math.round(o.elapsedMs),
    target: o.target,
    files: o.files.map(displayPath),
    ...(o.filter ? { filter: o.filter } : {}),
    // An empty selection proves nothing: it does not pass. Skipped scenarios (a tool not
    // installed) do not fail the run; the verdict names them.
    passed: counts.pass > 0 && counts.pass + counts.skip === counts.total,
    counts,
    results: o.results,
  };
}

/** seen/doc/inferred of the scenario's source, '?' when it cites none. */
export function sourceKind(r: ScenarioResult): string {
  return r.source?.kind ?? '?';
}

/** True when the outcome the emulator produced rests on an inferred row (a live QM wins). */
export function actualInferred(r: ScenarioResult): boolean {
  return r.connects.some((c) => c.result.inferred);
}

export function sourceText(r: ScenarioResult): string {
  return r.source ? (r.source.row ? `${r.source.kind} (${r.source.row})` : `${r.source.kind}: ${r.source.text}`) : 'no source cited';
}

export const STATUS_WORD: Record<ScenarioResult['status'], string> = { pass: 'PASS', fail: 'FAIL', error: 'ERROR', skip: 'SKIP' };

/** "2 skipped (slapd not installed: apt-get install slapd ldap-utils)", or '' when none was. */
export function skippedText(rep: DrillReport): string {
  if (!rep.counts.skip) return '';
  const why = [...new Set(rep.results.flatMap((r) => (r.skipped ? [r.skipped] : [])))];
  return `${rep.counts.skip} skipped (${why.join('; ')})`;
}

/** The connect a scenario's row shows (see ScenarioResult.shownConnect); undefined when it did not run. */
export function shownConnect(r: ScenarioResult): ConnectRecord | undefined {
  return r.connects[r.shownConnect];
}

/** `connect 1/3: ` when the scenario has several connects, so the row says which one it shows. */
function prefix(r: ScenarioResult): string {
  const label = connectLabel(r.shownConnect, r.connectCount);
  return label ? `${label}: ` : '';
}

/** The row's EXPECTED cell: the shown connect's expectation. */
export function rowExpected(r: ScenarioResult): string {
  return prefix(r) + summarizeExpect(r.expect);
}

/** The row's ACTUAL cell: what the shown connect returned, or the error (its first line, cut to `errorChars`). */
export function rowActual(r: ScenarioResult, errorChars = Infinity): string {
  if (r.error) return `error: ${r.error.split('\n')[0]!.slice(0, errorChars)}`;
  // The tool's name only: the verdict line says how to install it.
  if (r.skipped) return `skipped: ${r.skippedTool ?? 'a tool'} not installed`;
  const c = shownConnect(r);
  return c ? prefix(r) + summarizeActual(c.result, r.expect) : '-';
}
