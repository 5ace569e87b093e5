// The text report of `ocsplab explain`: per entry what it says, then per connection attempt the
// cases it fits (each tagged with where the table knows it from) and what to check next.

import { NOTHING_FOUND, type Diagnosis, type ExplainedEntry, type Incident } from './explain.js';

const SIDE_WORD = { client: 'client', qm: 'queue manager' } as const;
/** Rows shown per attempt in text; --json lists all. */
const ROWS_SHOWN = 6;

function entryLine(e: ExplainedEntry, n: number): string[] {
  const side = e.side ? `${SIDE_WORD[e.side]} (${e.sideBasis})` : 'side not shown';
  const what = e.messageId ? `${e.messageId}${e.kind === 'ffst' ? ' FFST' : e.kind === 'java' ? ' (Java)' : ''}` : `reason ${e.reasonCode}`;
  const head = [side, what, e.time, e.channel ? `channel ${e.channel}` : undefined, e.name].filter(Boolean).join(' · ');
  const out = [`  [${n}] ${head}`, `      ${e.meaning}`];
  if (e.validation) out.push(`      ${e.validation}`);
  if (e.certificateDetails) out.push(`      certificate: ${e.certificateDetails}`);
  if (e.certificate) out.push(`      about: ${e.certificate.plain} [${e.certificate.role}: ${e.certificate.basis}]`);
  if (e.cause) out.push(`      cause: ${e.cause}`);
  if (e.checking) out.push(`      ${e.side === 'qm' ? 'queue manager' : 'client'} was checking: ${e.checking}`);
  return out;
}

function incidentLines(inc: Incident, n: number, total: number): string[] {
  const when = inc.start ? ` (${inc.start === inc.end ? inc.start : `${inc.start} to ${inc.end}`})` : '';
  const out = [total > 1 ? `Attempt ${n}${when}: entries ${inc.entries.map((i) => i + 1).join(', ')}` : `Diagnosis${when}`];
  if (inc.correlation) out.push(`  both sides: ${inc.correlation.note}`);
  out.push(`  ${inc.summary}`);
  if (inc.rows.length) {
    out.push('  Consistent with (best first; seen = shown by a seed log, doc = IBM documentation, inferred = our reading):');
    inc.rows.slice(0, ROWS_SHOWN).forEach((r, i) => {
      const tie =
        i > 0 && r.tiedWithBest
          ? ' (as good as the first)'
          : r.crl && inc.revocation?.readings.some((x) => x.source === 'crl' && x.rows.includes(r.id)) && inc.revocation.first === 'ocsp'
            ? ' (the CRL reading of the same log, below)'
            : '';
      out.push(`   ${i + 1}. [${r.source}] ${r.title}${tie}`);
      out.push(`      row ${r.id}, score ${r.score}, ${r.clientType === 'Java' ? 'Java' : 'C'} client; ${r.sourceText}`);
      if (r.evidence.length) out.push(`      fits: ${r.evidence.join('; ')}`);
      if (r.conflicts.length) out.push(`      against: ${r.conflicts.join('; ')}`);
    });
    if (inc.rows.length > ROWS_SHOWN) out.push(`   ... ${inc.rows.length - ROWS_SHOWN} more with weaker fits (--json lists all)`);
  }
  const alt = inc.alternatives;
  if (alt) {
    out.push(`  AMQ9716 on the ${SIDE_WORD[alt.side]} side: ${alt.note}`);
    for (const c of alt.causes) {
      out.push(`    (${c.cause}) ${alt.side === 'qm' ? 'the QM' : 'the client'} ${c.plain}: ${c.rows.length ? c.rows.join(', ') : 'no row fits the rest of the log'}`);
      if (c.crl) out.push(`        ${c.crl}`);
    }
    for (const o of alt.otherReadings) out.push(`    or: ${o.title} (${o.id})`);
  }
  const rev = inc.revocation;
  if (rev) {
    out.push(`  AMQ9633 on the ${SIDE_WORD[rev.side]} side: ${rev.note}`);
    for (const r of rev.readings) out.push(`    (${r.reason}) ${r.source === 'ocsp' ? 'OCSP' : 'CRL'}: ${r.plain}: ${r.rows.join(', ')}`);
  }
  if (inc.checks.length) {
    out.push('  Check next:');
    for (const c of inc.checks) out.push(`    - ${c.text}`);
  }
  for (const note of inc.notes) out.push(`  note: ${note}`);
  return out;
}

export function formatDiagnosis(d: Diagnosis): string {
  if (!d.found) return [`${NOTHING_FOUND}.`, ...d.notes.filter((n) => n !== NOTHING_FOUND).map((n) => `note: ${n}`)].join('\n') + '\n';
  const out = ['Entries'];
  d.entries.forEach((e, i) => out.push(...entryLine(e, i + 1)));
  d.incidents.forEach((inc, i) => out.push('', ...incidentLines(inc, i + 1, d.incidents.length)));
  for (const n of d.notes) out.push(`note: ${n}`);
  return out.join('\n') + '\n';
}
