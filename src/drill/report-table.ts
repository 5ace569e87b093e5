// The terminal matrix: scenario × source × expected × actual × result, and the failure details
// (expected vs actual, and where each side's AMQERR01.LOG is with its last lines).

import { readFileSync } from 'node:fs';
import { displayPath } from './load.js';
import { actualInferred, rowActual, rowExpected, shownConnect, skippedText, sourceKind, STATUS_WORD, type DrillReport } from './report.js';
import { connectLabel, type ScenarioResult } from './runner.js';
import { SIDES } from './settings.js';

export interface Paint {
  ok(s: string): string;
  bad(s: string): string;
  dim(s: string): string;
}
export const NO_COLOR: Paint = { ok: (s) => s, bad: (s) => s, dim: (s) => s };
export const ANSI: Paint = { ok: (s) => `\x1b[32m${s}\x1b[0m`, bad: (s) => `\x1b[31m${s}\x1b[0m`, dim: (s) => `\x1b[2m${s}\x1b[0m` };

export function renderTable(rep: DrillReport, paint: Paint = NO_COLOR): string {
  const head = ['SCENARIO', 'SOURCE', 'EXPECTED', 'ACTUAL', 'MS', 'RESULT'];
  const rows = rep.results.map((r) => [
    r.id,
    sourceKind(r) + (actualInferred(r) ? '*' : ''),
    rowExpected(r),
    rowActual(r, 60),
    String(Math.round(r.elapsedMs)),
    STATUS_WORD[r.status],
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[], color?: (s: string) => string) =>
    cells
      .map((v, i) => {
        const cell = i === 4 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!);
        return i === cells.length - 1 && color ? color(cell.trimEnd()) : cell;
      })
      .join('  ')
      .trimEnd();
  const out = [line(head), line(widths.map((w) => '-'.repeat(w)))];
  rep.results.forEach((r, i) => out.push(line(rows[i]!, r.status === 'pass' ? paint.ok : r.status === 'skip' ? paint.dim : paint.bad)));
  const { total, pass, fail, error } = rep.counts;
  out.push('');
  out.push(`source: seen = in a seed's logs, doc = IBM documentation, inferred = our reading; * = the emulator's outcome rests on an inferred row (a live queue manager wins)`);
  const skipped = skippedText(rep);
  const verdict = `${pass}/${total} passed${fail ? `, ${fail} failed` : ''}${error ? `, ${error} errors` : ''}${skipped ? `, ${skipped}` : ''} in ${(rep.elapsedMs / 1000).toFixed(1)} s (${rep.target})`;
  out.push(rep.passed ? paint.ok(verdict) : paint.bad(verdict));
  return out.join('\n') + '\n';
}

// The lines of an AMQERR01.LOG entry that say what happened: its time, its title, the validation
// error and an FFST's probe; the explanation text is left to the file itself.
const TELLING = /^\d\d\/\d\d\/\d{4} \d\d:|^AMQ\d{4}[IWEST]:|validation error was|Probe Id|Major Errorcode|Caused by|RC=\d/;

/** The telling lines of a log's last entries (at most `n`), or a note when there is no log. */
export function logExcerpt(path: string, n = 12, tellingOnly = true): string {
  if (!path) return '(this side wrote no log)';
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return '(no log written)';
  }
  const lines = text.trimEnd().split('\n');
  const telling = tellingOnly ? lines.filter((l) => TELLING.test(l.trim())) : [];
  return (telling.length ? telling : lines).slice(-n).join('\n');
}

export function renderFailure(r: ScenarioResult, paint: Paint = NO_COLOR): string {
  const out = [paint.bad(`${STATUS_WORD[r.status]} ${r.id}`) + (r.title ? ` — ${r.title}` : '')];
  out.push(`  file: ${displayPath(r.file)}`);
  if (r.actions.length) out.push(`  steps: ${r.actions.join(' → ')}`);
  if (r.error) out.push(`  error: ${r.error.replace(/\n/g, '\n         ')}`);
  if (r.mismatches.length) {
    const w = Math.max(...r.mismatches.map((m) => m.field.length));
    for (const m of r.mismatches) {
      out.push(`  ${m.field.padEnd(w)}  expected: ${m.expected}`);
      out.push(`  ${' '.repeat(w)}    actual: ${m.actual}`);
    }
  }
  const c = shownConnect(r);
  const label = connectLabel(r.shownConnect, r.connectCount);
  if (c) out.push(`  emulator row${label ? ` (${label})` : ''}: ${c.result.rowId}${c.result.inferred ? ' (inferred)' : ''}, ${Math.round(c.result.elapsedMs)} ms`);
  const last = r.connects[r.connects.length - 1];
  for (const side of SIDES) {
    const file = last?.result[side].logFile ?? `${r.logDirs[side]}/AMQERR01.LOG`;
    out.push(`  ${side} log: ${displayPath(file)}`);
    out.push(
      logExcerpt(file)
        .split('\n')
        .map((l) => paint.dim(`    | ${l}`))
        .join('\n'),
    );
  }
  return out.join('\n') + '\n';
}

/** One progress line per finished scenario. */
export function progressLine(r: ScenarioResult, n: number, total: number, paint: Paint = NO_COLOR): string {
  const word = r.status === 'pass' ? paint.ok('pass') : paint.bad(r.status);
  const w = String(total).length;
  return `[${String(n).padStart(w)}/${total}] ${word.padEnd(4)} ${r.id} ${paint.dim(`(${Math.round(r.elapsedMs)} ms)`)}\n`;
}
