// Drill files: what a valid file becomes, and that every mistake is reported with its file,
// scenario and field, all in one pass.

import t from 'tap';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadDrill, parseDrill } from '../src/drill/load.js';
import { DrillSchemaError } from '../src/drill/schema.js';
import { DEFAULT_SETTINGS } from '../src/drill/settings.js';
import { OUTCOME_ROWS } from '../src/mq/outcomes.js';
import { tempDir } from './helpers/openssl.js';

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
    steps: [{ revoke: { cert: 'Server!' } }]
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
    ['b', /scenario "b": steps\[0\]\.revoke\.cert: must be 'qm', 'client' or a CA of the lab/],
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
  const dir = tempDir('ocsplab-drill-');
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

t.test('impossible bounds are refused: min above max, negative numbers', async (t) => {
  const p = problems(`lab: lab
scenarios:
  - id: never
    expect: { rc: 0, elapsedMs: { min: 2000, max: 1500 } }
  - id: inline-never
    steps:
      - connect: { expect: { rc: 0, elapsedMs: { min: 10, max: 9 } } }
  - id: negatives
    steps:
      - wait: -5
      - responder: { ca: qm-ca, mode: slow -5 }
      - responder: { ca: client-ca, mode: { kind: slow, ms: -1 } }
      - set: { side: qm, ocspTimeoutMs: -1 }
    expect: { rc: -1, elapsedMs: { min: -1 }, qm: { validationErrors: [-3] }, events: [{ reason: -2552 }] }
  - id: just-right
    expect: { rc: 0, elapsedMs: { min: 1500, max: 1500 } }
`);
  const want: RegExp[] = [
    /bad\.yaml: scenario "never": expect\.elapsedMs: min 2000 ms is above max 1500 ms: no connect can pass$/,
    /bad\.yaml: scenario "inline-never": steps\[0\]\.connect\.expect\.elapsedMs: min 10 ms is above max 9 ms/,
    /scenario "negatives": steps\[0\]\.wait: must be a number of ms \(0-600000\)/,
    /scenario "negatives": steps\[1\]\.responder\.mode: slow needs a delay in ms \(0-3600000\)/,
    /scenario "negatives": steps\[2\]\.responder\.mode: slow needs a delay in ms \(0-3600000\)/,
    /scenario "negatives": steps\[3\]\.set\.ocspTimeoutMs: qm\.ocspTimeoutMs must be a whole number of ms \(0-600000\)/,
    /scenario "negatives": expect\.rc: must be a reason code number/,
    /scenario "negatives": expect\.elapsedMs: must be \{min\?: ms, max\?: ms\}, each a whole number of ms \(0 or more\)/,
    /scenario "negatives": expect\.qm\.validationErrors\[0\]: -3 is neither a validation error number nor a pattern/,
    /scenario "negatives": expect\.events\[0\]: must be \{reason: number/,
  ];
  for (const re of want) t.ok(p.some((l) => re.test(l)), `reported: ${re}`);
  t.equal(p.length, want.length, `nothing else reported (min = max is a valid bound):\n${p.join('\n')}`);
});

t.test('inferred and validation-error patterns: accepted forms, and bad ones refused with id and field', async (t) => {
  const d = parseDrill(
    `lab: lab
scenarios:
  - id: ok
    expect: { inferred: true, client: { validationErrors: [575xxx, '5750XX', 23, '1042', x] } }
  - id: ok-inline
    steps: [{ connect: { expect: { rc: 0, inferred: false } } }]
`,
    '/x/drills/ok.yaml',
  );
  t.same(d.scenarios[0]!.expect, { inferred: true, client: { validationErrors: ['575xxx', '5750xx', 23, 1042, 'x'] } }, 'patterns lower-cased; digits-only strings are numbers');
  t.same(d.scenarios[1]!.steps[0], { kind: 'connect', expect: { rc: 0, inferred: false } });
  const p = problems(`lab: lab
scenarios:
  - id: bad
    expect:
      inferred: sometimes
      client: { validationErrors: [57a032, '575-xx', 0xx, '', true] }
      qm: { validationErrors: 575xxx }
  - id: bad-inline
    steps: [{ connect: { expect: { inferred: 1, qm: { validationErrors: ['5 7 5'] } } } }]
`);
  const want: RegExp[] = [
    /scenario "bad": expect\.inferred: must be true or false/,
    /scenario "bad": expect\.client\.validationErrors\[0\]: "57a032" is neither a validation error number nor a pattern of digits and x's like 575xxx/,
    /scenario "bad": expect\.client\.validationErrors\[1\]: "575-xx" is neither/,
    /scenario "bad": expect\.client\.validationErrors\[2\]: "0xx" is neither/,
    /scenario "bad": expect\.client\.validationErrors\[3\]: "" is neither/,
    /scenario "bad": expect\.client\.validationErrors\[4\]: true is neither/,
    /scenario "bad": expect\.qm\.validationErrors: must be a list of numbers or patterns like 575xxx/,
    /scenario "bad-inline": steps\[0\]\.connect\.expect\.inferred: must be true or false/,
    /scenario "bad-inline": steps\[0\]\.connect\.expect\.qm\.validationErrors\[0\]: "5 7 5" is neither/,
  ];
  for (const re of want) t.ok(p.some((l) => re.test(l)), `reported: ${re}`);
  t.equal(p.length, want.length, `nothing else reported:\n${p.join('\n')}`);
});
