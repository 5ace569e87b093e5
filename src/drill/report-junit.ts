// JUnit XML for CI: one testsuite per drill file, one testcase per scenario; a failed expectation
// is a <failure> with the expected/actual diff, a scenario that could not run is an <error>.

import { displayPath } from './load.js';
import { sourceText, type DrillReport } from './report.js';
import type { ScenarioResult } from './runner.js';

export function xmlEscape(s: string): string {
  // Characters XML 1.0 forbids are dropped; log excerpts may hold anything.
  return s.replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD]/gu, '').replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const secs = (ms: number) => (ms / 1000).toFixed(3);

function testcase(r: ScenarioResult, suite: string): string {
  const head = `    <testcase classname="${xmlEscape(suite)}" name="${xmlEscape(r.id)}" time="${secs(r.elapsedMs)}">`;
  const props = `      <properties><property name="source" value="${xmlEscape(sourceText(r))}"/></properties>`;
  const body: string[] = [props];
  if (r.status === 'fail') {
    const diff = r.mismatches.map((m) => `${m.field}: expected ${m.expected}, actual ${m.actual}`).join('\n');
    body.push(`      <failure message="${xmlEscape(r.mismatches.map((m) => m.field).join(', ') + ' differ')}" type="expectation">${xmlEscape(diff)}</failure>`);
  } else if (r.status === 'skip') {
    body.push(`      <skipped message="${xmlEscape(r.skipped ?? 'skipped')}"/>`);
  } else if (r.status === 'error') {
    body.push(`      <error message="${xmlEscape(r.error!.split('\n')[0]!)}" type="error">${xmlEscape(r.error!)}</error>`);
  }
  if (r.status === 'fail' || r.status === 'error') body.push(`      <system-out>${xmlEscape(`qm log: ${r.logDirs.qm}/AMQERR01.LOG\nclient log: ${r.logDirs.client}/AMQERR01.LOG`)}</system-out>`);
  return [head, ...body, '    </testcase>'].join('\n');
}

export function renderJunit(rep: DrillReport): string {
  const byFile = new Map<string, ScenarioResult[]>();
  for (const r of rep.results) byFile.set(r.file, [...(byFile.get(r.file) ?? []), r]);
  const suites = [...byFile].map(([file, rs]) => {
    const name = displayPath(file);
    const n = (s: ScenarioResult['status']) => rs.filter((r) => r.status === s).length;
    const time = rs.reduce((t, r) => t + r.elapsedMs, 0);
    return [
      `  <testsuite name="${xmlEscape(name)}" tests="${rs.length}" failures="${n('fail')}" errors="${n('error')}" skipped="${n('skip')}" time="${secs(time)}" timestamp="${rep.startedAt.slice(0, 19)}">`,
      ...rs.map((r) => testcase(r, name)),
      '  </testsuite>',
    ].join('\n');
  });
  const { total, fail, error } = rep.counts;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="ocsplab drill" tests="${total}" failures="${fail}" errors="${error}" time="${secs(rep.elapsedMs)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
