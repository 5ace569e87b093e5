// Drill files: what a valid file becomes, and that every mistake is reported with its file,
// scenario and field, all in one pass.

import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadDrill, parseDrill } from '../src/drill/load.js';
import { DrillSchemaError } from '../src/drill/schema.js';
import { DEFAULT_SETTINGS } from '../src/drill/settings.js';
import { OUTCOME_ROWS } from '../src/mq/outcomes.js';

function problems(text: string, path = '/x/drills/bad.yaml'): string[] {
  try {
    parseDrill(text, path);
  } catch (e) {
    if (e instanceof DrillSchemaError) return e.problems;
    throw e;
  }
  return [];
}

t.test('a valid file: defaults applied over the built-in ones, lab resolved against the file', async (t) => {
  const d = parseDrill(
    `lab: ../lab
defaults:
  qm: { OCSPAuthentication: warn, ocspTimeoutMs: 250 }
scenarios:
  - id: one
    source: seed003-row2
    steps:
      - responder: { ca: qm-ca, mode: slow 20 }
      - set: { side: client, clientType: Java, trust: qm-ca }
      - revoke: { cert: qm, reason: keyCompromise }
      - wait: 5
    expect: { rc: MQRC_SSL_INITIALIZATION_ERROR, client: { messages: [AMQ9716E] }, qm: { nothing: true } }
`,
    '/x/drills/ok.yaml',
  );
  t.equal(d.lab, '/x/lab');
  t.equal(d.defaults.qm.OCSPAuthentication, 'WARN', 'policy words are case-insensitive');
  t.equal(d.defaults.qm.ocspTimeoutMs, 250);
  t.equal(d.defaults.client.OCSPAuthentication, DEFAULT_SETTINGS.client.OCSPAuthentication, 'unset defaults stay built-in');
  const sc = d.scenarios[0]!;
  t.same(sc.source, { kind: 'seen', text: 'seed003-row2', row: 'seed003-row2' }, 'a row id brings its seen/doc/inferred kind');
  t.same(sc.steps[0], { kind: 'responder', ca: 'qm-ca', mode: { kind: 'slow', ms: 20 } });
  t.same(sc.steps[1], { kind: 'set', side: 'client', values: { clientType: 'Java', trust: ['qm-ca'] } });
  t.same(sc.expect, { rc: 2393, client: { messages: ['AMQ9716'] }, qm: { nothing: true } }, 'rc names and severity letters normalised');
});

t.test('every problem names file, scenario and field, all reported at once', async (t) => {
  const p = problems(`lab: lab
scenarios:
  - id: a
    steps:
      - responder: { ca: qm-ca, mode: sideways }
      - set: { side: qm, OCSPAuthentication: SOMETIMES, Colour: blue }
      - teleport: {}
    expect: { rc: 2393, client: { messages: [AMQ1234] } }
  - id: b
    source: folklore
    steps: [{ revoke: { cert: server } }]
  - id: a
    expect: { events: [{ qualifier: X }], elapsedMs: { max: soon } }
`);
  const want: Array<[string, RegExp]> = [
    ['a', /scenario "a": steps\[0\]\.responder\.mode: unknown mode "sideways"/],
    ['a', /scenario "a": steps\[1\]\.set\.OCSPAuthentication: qm\.OCSPAuthentication must be one of REQUIRED, WARN, OPTIONAL/],
    ['a', /scenario "a": steps\[1\]\.set\.Colour: unknown qm setting "Colour"/],
    ['a', /scenario "a": steps\[2\]: unknown step "teleport"/],
    ['a', /scenario "a": expect\.client\.messages\[0\]: "AMQ1234" is not a known message id/],
    ['b', /scenario "b": source: "folklore" is neither an outcome row id/],
    ['b', /scenario "b": steps\[0\]\.revoke\.cert: must be 'qm' or 'client'/],
    ['b', /scenario "b": expect: is required/],
    ['a', /scenario "a": id: is used by an earlier scenario/],
    ['a', /scenario "a": expect\.events\[0\]: must be \{reason/],
    ['a', /scenario "a": expect\.elapsedMs: must be \{min\?: ms, max\?: ms\}/],
  ];
  for (const [, re] of want) t.ok(p.some((l) => re.test(l)), `reported: ${re}`);
  t.ok(p.every((l) => l.startsWith('/x/drills/bad.yaml: ')), 'every line starts with the file');
  t.equal(p.length, want.length, `nothing else reported:\n${p.join('\n')}`);
});

t.test('file-level problems: missing lab, empty scenarios, bad defaults, YAML syntax', async (t) => {
  const p = problems(`defaults: { qm: { profile: zos }, server: {} }\nscenarios: []\n`);
  t.match(p.join('\n'), /bad\.yaml: lab: is required/);
  t.match(p.join('\n'), /bad\.yaml: scenarios: must be a non-empty list/);
  t.match(p.join('\n'), /bad\.yaml: defaults\.qm\.profile: qm\.profile must be one of distributed, nonstop/);
  t.match(p.join('\n'), /bad\.yaml: defaults\.server: unknown field/);
  const y = problems(`lab: x\nscenarios: [ {id: a\n`);
  t.match(y[0], /^\/x\/drills\/bad\.yaml: YAML: /, 'syntax errors name the file');
});

t.test('a missing file is reported as such', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ocsplab-drill-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await t.rejects(loadDrill(join(dir, 'nope.yaml')), /nope\.yaml: cannot read: ENOENT/);
  writeFileSync(join(dir, 'one.yaml'), 'lab: .\nscenarios: [{ id: x, expect: { rc: 0 } }]\n');
  const d = await loadDrill(join(dir, 'one.yaml'));
  t.equal(d.lab, resolve(dir));
  t.same(d.scenarios[0]!.steps, [], 'no steps: the runner connects once');
});

t.test('the shipped matrix: valid, every scenario cites a source, the grid and seed rows all covered', async (t) => {
  const d = await loadDrill(resolve('scenarios/mq-ocsp-matrix.yaml'));
  t.ok(d.scenarios.every((s) => s.source), 'every scenario cites a source');
  const cited = new Set(d.scenarios.map((s) => s.source?.row));
  const needed = OUTCOME_ROWS.filter((r) => /^(seed\d{3}-|policy-)/.test(r.id)).map((r) => r.id);
  t.equal(needed.length, 28, 'ten seed rows and the 18-cell grid');
  for (const id of needed) t.ok(cited.has(id), `cites ${id}`);
  t.ok(d.defaults.qm.ocspTimeoutMs <= 2000 && d.defaults.client.ocspTimeoutMs <= 2000, 'short OCSP timeouts in the embedded lab');
});
