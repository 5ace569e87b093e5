// The HTML matrix page: one self-contained file (inline CSS, no scripts or external assets) that a
// person can open from a CI artifact. On top, the verdict; then the policy × cause grid drawn as a
// grid when the run has it; then every scenario as a row that unfolds into steps, expected vs
// actual, the log entries each side wrote and, on failure, the log excerpts.

import { summarizeActual } from './expect.js';
import { displayPath } from './load.js';
import { actualInferred, rowActual, rowExpected, shownConnect, skippedText, sourceText, STATUS_WORD, type DrillReport } from './report.js';
import { logExcerpt } from './report-table.js';
import type { ScenarioResult } from './runner.js';
import { SIDES } from './settings.js';

const esc = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#1d2330;background:#fafbfc}
h1{font-size:1.5rem;margin:0 0 .3rem}h2{font-size:1.1rem;margin:2rem 0 .6rem}
.verdict{display:inline-block;padding:.3rem .8rem;border-radius:6px;font-weight:600;color:#fff}
.ok{background:#1f883d}.bad{background:#cf222e}
.meta{color:#57606a;margin:.4rem 0 1rem}
table{border-collapse:collapse;width:100%;background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.06)}
th,td{border-bottom:1px solid #e1e4e8;padding:.45rem .6rem;text-align:left;vertical-align:top}
th{background:#f3f4f6;font-weight:600;font-size:.85rem;text-transform:uppercase;letter-spacing:.03em;color:#57606a}
tr.pass td.res{color:#1f883d;font-weight:600}tr.fail td.res,tr.error td.res{color:#cf222e;font-weight:700}
tr.fail,tr.error{background:#fff5f5}tr.skip td.res{color:#6e7781;font-weight:600}
code,pre{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
pre{background:#f6f8fa;border:1px solid #e1e4e8;border-radius:6px;padding:.6rem;overflow:auto;max-height:22rem}
.tag{display:inline-block;border-radius:10px;padding:0 .5rem;font-size:.78rem;font-weight:600}
.seen{background:#dafbe1;color:#116329}.doc{background:#ddf4ff;color:#0a3069}.inferred,.unknown{background:#fff8c5;color:#7d4e00}
.inf{color:#9a6700;font-weight:700;cursor:help}
details summary{cursor:pointer;color:#0969da}
.grid td{text-align:center;min-width:9rem}.grid td.side{text-align:left;font-weight:600}
.cell{border-radius:6px;padding:.35rem}.cell.pass{background:#dafbe1}.cell.fail,.cell.error{background:#ffebe9}
.diff td{border:none;padding:.1rem .6rem}.diff .exp{color:#116329}.diff .act{color:#cf222e}
.legend{color:#57606a;font-size:.85rem;margin-top:.5rem}
`;

function tag(kind: string): string {
  return `<span class="tag ${esc(kind === '?' ? 'unknown' : kind)}">${esc(kind === '?' ? 'no source' : kind)}</span>`;
}

function infMark(r: ScenarioResult): string {
  return actualInferred(r) ? ` <span class="inf" title="the emulator's outcome rests on an inferred row; a live queue manager wins">*</span>` : '';
}

function details(r: ScenarioResult): string {
  const parts: string[] = [];
  parts.push(`<p><b>Source:</b> ${esc(sourceText(r))}${r.title ? `<br><b>What:</b> ${esc(r.title)}` : ''}</p>`);
  if (r.actions.length) parts.push(`<p><b>Steps:</b> ${r.actions.map((a) => `<code>${esc(a)}</code>`).join(' → ')}</p>`);
  if (r.error) parts.push(`<p><b>Error:</b></p><pre>${esc(r.error)}</pre>`);
  if (r.mismatches.length) {
    parts.push(
      `<table class="diff">${r.mismatches
        .map((m) => `<tr><td><code>${esc(m.field)}</code></td><td class="exp">expected: ${esc(m.expected)}</td><td class="act">actual: ${esc(m.actual)}</td></tr>`)
        .join('')}</table>`,
    );
  }
  for (const [n, c] of r.connects.entries()) {
    const res = c.result;
    parts.push(`<p><b>Connect ${n + 1}:</b> rc ${res.rc}, channel ${res.channelStarted ? 'started' : 'not started'}, row <code>${esc(res.rowId)}</code>${res.inferred ? ' (inferred)' : ''}, ${Math.round(res.elapsedMs)} ms</p>`);
    for (const side of SIDES) {
      const s = res[side];
      const lines = s.entries.map((e) => `${e.messageId ? `${e.messageId}${e.severity ?? ''}` : e.kind}: ${e.text ?? e.majorErrorcode ?? ''}${e.validationError !== undefined ? ` [validation error ${e.validationError}]` : ''}`);
      const ocsp = s.ocsp ? ` — OCSP ${esc(s.ocsp.url)}: ${esc(s.ocsp.outcome)}${s.ocsp.detail ? ` (${esc(s.ocsp.detail)})` : ''} in ${Math.round(s.ocsp.ms)} ms` : '';
      parts.push(`<p>${side === 'qm' ? 'Queue manager' : 'Client'} log <code>${esc(displayPath(s.logFile))}</code>${ocsp}</p><pre>${esc(lines.join('\n') || '(nothing logged)')}</pre>`);
    }
    if (res.events.length) parts.push(`<p>Events: ${res.events.map((e) => `<code>${e.reason}${e.qualifier ? ` ${esc(e.qualifier)}` : ''}</code> on ${esc(e.queue)}`).join(', ')}</p>`);
  }
  if (r.skipped) parts.push(`<p><b>Skipped:</b> ${esc(r.skipped)}</p>`);
  if (r.status === 'fail' || r.status === 'error') {
    for (const side of SIDES) {
      const file = r.connects[r.connects.length - 1]?.result[side].logFile ?? `${r.logDirs[side]}/AMQERR01.LOG`;
      parts.push(`<p>${side} AMQERR01.LOG <code>${esc(displayPath(file))}</code> (last lines):</p><pre>${esc(logExcerpt(file, 40, false))}</pre>`);
    }
  }
  return parts.join('\n');
}

function row(r: ScenarioResult): string {
  return `<tr class="${r.status}" id="${esc(r.id)}">
<td><b>${esc(r.id)}</b>${r.title ? `<br><small>${esc(r.title)}</small>` : ''}</td>
<td>${tag(r.source?.kind ?? '?')}${infMark(r)}</td>
<td>${esc(rowExpected(r))}</td>
<td>${esc(rowActual(r))}</td>
<td style="text-align:right">${Math.round(r.elapsedMs)}</td>
<td class="res">${STATUS_WORD[r.status]}</td>
</tr>
<tr class="${r.status}"><td colspan="6"><details${r.status === 'pass' ? '' : ' open'}><summary>details</summary>${details(r)}</details></td></tr>`;
}

/** The policy × undetermined-cause grid, when the run holds scenarios citing those rows. */
function policyGrid(rep: DrillReport): string {
  const byRow = new Map(rep.results.filter((r) => r.source?.row?.startsWith('policy-')).map((r) => [r.source!.row!, r]));
  if (!byRow.size) return '';
  const policies = ['required', 'warn', 'optional'];
  const causes: Array<[string, string]> = [
    ['unreachable', 'a: unreachable'],
    ['unknown', 'b: unknown'],
    ['badsig', 'c: bad signature'],
  ];
  const body: string[] = [];
  for (const side of ['client', 'qm'] as const) {
    for (const [cause, label] of causes) {
      const cells = policies.map((p) => {
        const r = byRow.get(`policy-${p}-${cause}-${side}`);
        if (!r) return '<td>—</td>';
        const text = r.error ? 'error' : summarizeActual(shownConnect(r)?.result, r.expect);
        return `<td><a href="#${esc(r.id)}" style="color:inherit;text-decoration:none"><div class="cell ${r.status}">${esc(text)}${infMark(r)}</div></a></td>`;
      });
      body.push(`<tr><td class="side">${side === 'qm' ? 'QM checks client' : 'client checks QM'} — ${esc(label)}</td>${cells.join('')}</tr>`);
    }
  }
  return `<h2>Undetermined status × OCSPAuthentication</h2>
<table class="grid"><tr><th></th><th>REQUIRED</th><th>WARN</th><th>OPTIONAL</th></tr>${body.join('\n')}</table>`;
}

export function renderHtml(rep: DrillReport): string {
  const { total, pass, fail, error, skip } = rep.counts;
  const verdict = rep.passed ? (skip ? `${pass} of ${total} passed, ${skip} skipped` : `all ${total} passed`) : `${fail + error} of ${total} failed`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>ocsplab drill — ${esc(verdict)}</title><style>${CSS}</style></head>
<body>
<h1>ocsplab drill: MQ OCSP outcome matrix</h1>
<span class="verdict ${rep.passed ? 'ok' : 'bad'}">${esc(verdict)}</span>
<div class="meta">${pass} pass · ${fail} fail · ${error} error${skip ? ` · ${esc(skippedText(rep))}` : ''} · ${(rep.elapsedMs / 1000).toFixed(1)} s · ${esc(rep.target)} · ${esc(rep.files.join(', '))}${rep.filter ? ` · filter “${esc(rep.filter)}”` : ''} · ${esc(rep.startedAt)}</div>
${policyGrid(rep)}
<h2>Scenarios</h2>
<table>
<tr><th>Scenario</th><th>Source</th><th>Expected</th><th>Actual</th><th>ms</th><th>Result</th></tr>
${rep.results.map(row).join('\n')}
</table>
<p class="legend">Source: <b>seen</b> in a seed's error logs, <b>doc</b> IBM documentation, <b>inferred</b> our reading where no source shows it. <span class="inf">*</span> the emulator's outcome rests on an inferred row: a live queue manager wins over it. Actual values are what the emulator returned, never the table.</p>
</body></html>
`;
}
