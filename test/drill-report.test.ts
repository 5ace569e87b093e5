// Multi-connect scenarios in the reports: the matrix row (table, HTML, and the JSON's shownConnect)
// shows the connect whose expectation failed first, says which one it is ("connect 1/3"), and falls
// back to the last connect with an expectation when all pass. A stub environment and target: no
// lab, no TLS, each connect's result scripted.

import t, { type Test } from 'tap';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { LabManifest } from '../src/ca/index.js';
import { parseDrill } from '../src/drill/load.js';
import { buildReport, type DrillReport } from '../src/drill/report.js';
import { renderHtml } from '../src/drill/report-html.js';
import { renderJson } from '../src/drill/report-json.js';
import { renderJunit } from '../src/drill/report-junit.js';
import { renderFailure, renderTable } from '../src/drill/report-table.js';
import { runDrills, type DrillEnv, type ScenarioResult } from '../src/drill/runner.js';
import type { ConnectRequest, Target } from '../src/drill/target.js';
import type { ConnectResult } from '../src/emulator/types.js';
import { tempDir } from './helpers/openssl.js';

const STUB_ENV: DrillEnv = {
  lab: { dir: '/nonexistent/lab' } as LabManifest,
  responderUrls: { 'qm-ca': 'http://127.0.0.1:1/', 'client-ca': 'http://127.0.0.1:2/' },
  setMode: async () => {},
  revoke: async () => {},
  restore: async () => {},
  reset: async () => {},
};

/** Answers each connect with the next scripted rc (2393 comes with the client's AMQ9716); 'throw' errors. */
class ScriptedTarget implements Target {
  readonly name = 'scripted';
  private n = 0;
  constructor(private readonly script: Array<number | 'throw'>) {}
  async connect(req: ConnectRequest): Promise<ConnectResult> {
    const next = this.script[this.n++ % this.script.length]!;
    if (next === 'throw') throw new Error('target exploded');
    const side = (s: 'client' | 'qm', ids: string[]) => ({ side: s, entries: [], messageIds: ids, validationErrors: [], logFile: join(req.logDirs[s], 'AMQERR01.LOG') });
    return { rc: next, channelStarted: next === 0, client: side('client', next ? ['AMQ9716'] : []), qm: side('qm', []), events: [], rowId: next ? 'seed003-row2' : 'seed003-row1', inferred: false, elapsedMs: 2 };
  }
  async close() {}
}

const THREE = (id: string, sc = '') => `  - id: ${id}
    source: seed003-row2
    steps:
      - responder: { ca: qm-ca, mode: down }
      - connect: { expect: { rc: 2393, client: { messages: [AMQ9716] } } }
      - responder: { ca: qm-ca, mode: up }
      - connect: { expect: { rc: 0, client: { nothing: true } } }
      - connect: {}
${sc}`;

async function run(t: Test, yaml: string, script: Array<number | 'throw'>): Promise<{ rep: DrillReport; results: ScenarioResult[] }> {
  const dir = tempDir('ocsplab-drill-report-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = parseDrill(`lab: lab\nscenarios:\n${yaml}`, join(dir, 'd.yaml'));
  const results = await runDrills([file], { env: STUB_ENV, target: new ScriptedTarget(script), logRoot: join(dir, 'logs') });
  return { rep: buildReport({ startedAt: new Date(), elapsedMs: 10, target: 'scripted', files: [file.path], results }), results };
}

const tableRow = (rep: DrillReport, id: string) => renderTable(rep).split('\n').find((l) => l.startsWith(`${id} `)) ?? '';
const htmlRow = (rep: DrillReport, id: string) => [...renderHtml(rep).matchAll(/<tr class="\w+" id="([^"]+)">([\s\S]*?)<\/tr>/g)].find((m) => m[1] === id)?.[2] ?? '';

t.test('three connects failing at the first: the row shows connect 1/3, not the last', async (t) => {
  const { rep, results } = await run(t, THREE('first-fails', '    expect: { rc: 0 }\n'), [0, 0, 0]);
  const r = results[0]!;
  t.equal(r.status, 'fail');
  t.equal(r.shownConnect, 0, 'the first connect is the one shown');
  t.equal(r.connectCount, 3);
  t.same(r.expect, { rc: 2393, client: { messages: ['AMQ9716'] } }, "the shown expectation is connect 1's");
  t.same(r.mismatches.map((m) => m.field), ['connect 1/3: rc', 'connect 1/3: client.messages'], 'the details use the same label');

  const row = tableRow(rep, 'first-fails');
  t.match(row, /^first-fails\s+seen\s+connect 1\/3: rc 2393; client AMQ9716\s+connect 1\/3: rc 0; client —\s+\d+\s+FAIL$/, `table row: ${row}`);
  t.notMatch(row, /rc 0\s+rc 0/, 'not the last connect against itself');
  t.match(renderFailure(r), /emulator row \(connect 1\/3\): seed003-row1/);

  const cells = htmlRow(rep, 'first-fails');
  t.match(cells, /<td>connect 1\/3: rc 2393; client AMQ9716<\/td>\n<td>connect 1\/3: rc 0; client —<\/td>/, 'HTML row: expected and actual of connect 1');
  t.match(renderHtml(rep), /<code>connect 1\/3: rc<\/code><\/td><td class="exp">expected: 2393<\/td><td class="act">actual: 0/);

  const j = JSON.parse(renderJson(rep)) as { results: ScenarioResult[] };
  t.equal(j.results[0]!.shownConnect, 0, 'the JSON says which connect the row shows');
  t.match(renderJunit(rep), /<failure message="connect 1\/3: rc, connect 1\/3: client\.messages differ"/);
});

t.test('failing only at the second connect: connect 2/3', async (t) => {
  const { rep } = await run(t, THREE('second-fails', '    expect: { rc: 0 }\n'), [2393, 2393, 0]);
  t.match(tableRow(rep, 'second-fails'), /connect 2\/3: rc 0; client —\s+connect 2\/3: rc 2393; client AMQ9716\s+\d+\s+FAIL$/);
  t.match(htmlRow(rep, 'second-fails'), /<td>connect 2\/3: rc 0; client —<\/td>\n<td>connect 2\/3: rc 2393; client AMQ9716<\/td>/);
});

t.test('all passing: the last connect; without a scenario expect, the last connect that has one', async (t) => {
  const { rep, results } = await run(t, THREE('all-pass', '    expect: { rc: 0 }\n') + THREE('last-unchecked'), [2393, 0, 0]);
  t.same(results.map((r) => r.status), ['pass', 'pass']);
  t.match(tableRow(rep, 'all-pass'), /connect 3\/3: rc 0\s+connect 3\/3: rc 0\s+\d+\s+PASS$/);
  t.equal(results[1]!.shownConnect, 1, 'connect 3 has no expectation: connect 2 is shown');
  t.match(tableRow(rep, 'last-unchecked'), /connect 2\/3: rc 0; client —\s+connect 2\/3: rc 0; client —\s+\d+\s+PASS$/);
  t.match(htmlRow(rep, 'all-pass'), /<td>connect 3\/3: rc 0<\/td>\n<td>connect 3\/3: rc 0<\/td>/);
});

t.test('an error at the second connect: its expectation beside the error', async (t) => {
  const { rep, results } = await run(t, THREE('errors', '    expect: { rc: 0 }\n'), [2393, 'throw']);
  t.equal(results[0]!.status, 'error');
  t.equal(results[0]!.shownConnect, 1);
  t.match(tableRow(rep, 'errors'), /connect 2\/3: rc 0; client —\s+error: target exploded\s+\d+\s+ERROR$/);
});

t.test('one connect: no label', async (t) => {
  const { rep } = await run(t, `  - id: single\n    source: seed003-row1\n    expect: { rc: 2393 }\n`, [0]);
  t.match(tableRow(rep, 'single'), /^single\s+seen\s+rc 2393\s+rc 0\s+\d+\s+FAIL$/);
  t.notMatch(renderTable(rep), /connect \d/);
});
