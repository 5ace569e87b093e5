// The interop table: cases down, clients across, then the notes that explain n/a, gap, skip and
// every failure in the client's own words.

import type { Cell, CellStatus, MatrixRun } from './runner.js';

const MARK: Record<CellStatus, string> = { pass: 'pass', fail: 'FAIL', skip: 'skip', 'n/a': 'n/a', gap: 'gap*' };

function pad(s: string, n: number): string {
  return s + ' '.repeat(Math.max(0, n - s.length));
}

export function formatTable(r: MatrixRun): string {
  const names = r.clients.map((c) => c.name);
  const first = Math.max(4, ...r.cases.map((c) => c.id.length));
  const widths = names.map((n) => Math.max(n.length, 5));
  const cell = (client: string, caseId: string) => r.cells.find((x) => x.client === client && x.case.id === caseId)!;
  const lines = [
    [pad('case', first), ...names.map((n, i) => pad(n, widths[i]))].join(' | '),
    [('-').repeat(first), ...widths.map((w) => '-'.repeat(w))].join('-|-'),
  ];
  for (const c of r.cases) lines.push([pad(c.id, first), ...names.map((n, i) => pad(MARK[cell(n, c.id).status], widths[i]))].join(' | '));

  const count = (s: CellStatus) => r.cells.filter((x) => x.status === s).length;
  lines.push('', `${r.cells.length} cells: ${count('pass')} pass, ${count('gap')} gap*, ${count('n/a')} n/a, ${count('skip')} skip, ${count('fail')} FAIL (${(r.ms / 1000).toFixed(1)} s)`);
  lines.push('gap* = the client does not check this; the cell asserts what it does instead (see notes)');

  const notes: string[] = [];
  for (const { name, unavailable } of r.clients) {
    const mine = r.cells.filter((x) => x.client === name);
    if (unavailable) {
      notes.push(`${name}: skipped — ${unavailable}`);
      continue;
    }
    const why = new Map<string, number>();
    for (const x of mine) if ((x.status === 'n/a' || x.status === 'gap') && x.note) why.set(`${x.status}: ${x.note}`, (why.get(`${x.status}: ${x.note}`) ?? 0) + 1);
    for (const [w, n] of why) notes.push(`${name}: ${w} (${n} cell${n > 1 ? 's' : ''})`);
    // Which method the client chose where the case left it open.
    const chosen = new Map<string, number>();
    for (const x of mine) if (!x.case.method && x.status !== 'n/a') for (const m of x.methods) chosen.set(m, (chosen.get(m) ?? 0) + 1);
    if (chosen.size) notes.push(`${name}: method chosen when free: ${[...chosen].map(([m, n]) => `${m} ×${n}`).join(', ')}`);
  }
  const fails = r.cells.filter((x) => x.status === 'fail');
  if (fails.length) {
    notes.push('', 'failures:');
    for (const f of fails) notes.push(describeFailure(f));
  }
  return [...lines, '', 'notes:', ...notes.map((n) => (n ? `  ${n}` : n))].join('\n');
}

export function describeFailure(f: Cell): string {
  const bad = f.checks.filter((k) => JSON.stringify(k.expected) !== JSON.stringify(k.actual));
  const what = bad.map((k) => `${k.what} expected ${JSON.stringify(k.expected)} got ${JSON.stringify(k.actual)}`).join('; ');
  return `${f.client} / ${f.case.id}: ${what} — ${f.observed?.detail ?? ''}`;
}
