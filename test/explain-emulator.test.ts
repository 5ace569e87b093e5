// Issue 11's round trip through the real emulator: the shipped drill matrix runs in-process (lab,
// responders, TLS queue manager and client), and each scenario's own log files, read the way a user
// would pass them (--client AMQERR01.LOG or java-client.log, --qm AMQERR01.LOG), explain back to the
// row the emulator applied, or to a row whose logs look the same. A scenario that logged nothing
// on either side is a channel that started: explain must not invent a TLS problem for it.
import t from 'tap';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedTarget } from '../src/drill/embedded.js';
import { LabEnv } from '../src/drill/lab-env.js';
import { loadDrill } from '../src/drill/load.js';
import { runDrills, type ScenarioResult } from '../src/drill/runner.js';
import { ERRLOG_NAME } from '../src/mq/errlog.js';
import { explain, NOTHING_FOUND, type ExplainInput } from '../src/explain/explain.js';
import { OUTCOME_ROWS, clientView, rowById, type ClientType, type OutcomeRow, type SideLog } from '../src/mq/outcomes.js';
import { JAVA_LOG_NAME } from '../src/emulator/side-log.js';
import { tempDir } from './helpers/openssl.js';

const MATRIX = fileURLToPath(new URL('../../scenarios/mq-ocsp-matrix.yaml', import.meta.url));

/** What a row's logs show on both sides (ids, validation errors, details), as the round-trip test
 *  compares rows; the RC is left out because only the logs are given here. */
function shows(r: OutcomeRow, clientType: ClientType): string {
  const ids = (l: SideLog) => l.messages.map((m) => `${m.id}/${m.validationError ?? ''}/${m.details ?? ''}`).join(' ');
  return JSON.stringify([ids(clientView(r, clientType).log), ids(r.outcome.qm)]);
}

function readIf(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/** The scenario's files as a user names them: --client (a Java client's chain, or a C client's
 *  AMQERR01.LOG) and --qm. A log with nothing in it is still given: "the QM logged nothing" is
 *  evidence too (it tells a client-only failure from seed 001's label typo). */
function inputsOf(r: ScenarioResult, clientType: ClientType): ExplainInput[] {
  const client = join(r.logDirs.client, clientType === 'Java' ? JAVA_LOG_NAME : ERRLOG_NAME);
  const qm = join(r.logDirs.qm, ERRLOG_NAME);
  return [
    { side: 'client', name: client, text: readIf(client) },
    { side: 'qm', name: qm, text: readIf(qm) },
  ];
}

let results: ScenarioResult[] = [];
const work = tempDir('ocsplab-explain-emu-');

t.before(async () => {
  const env = await LabEnv.open(join(work, 'lab'));
  const target = await EmbeddedTarget.load();
  try {
    results = await runDrills([await loadDrill(MATRIX)], { env, target, logRoot: join(work, 'logs') });
  } finally {
    await target.close();
    await env.close();
  }
});
t.teardown(() => rmSync(work, { recursive: true, force: true }));

t.test('the matrix ran through the emulator', async (t) => {
  t.ok(results.length >= 30, `${results.length} scenarios`);
  t.same(results.filter((r) => r.status !== 'pass').map((r) => `${r.id}: ${r.error ?? r.mismatches.map((m) => m.field).join(', ')}`), [], 'every scenario passed');
});

t.test("each scenario's logs explain back to its row", async (t) => {
  let explained = 0;
  let silent = 0;
  for (const r of results) {
    const clientType: ClientType = r.connects[0]!.result.client.logFile.endsWith(JAVA_LOG_NAME) ? 'Java' : 'C';
    const inputs = inputsOf(r, clientType);
    // The connect whose entries are in the files: the last one that logged anything (a scenario
    // that revokes, connects, restores and connects again logs only on the first).
    const logged = r.connects.filter((c) => c.result.client.entries.length || c.result.qm.entries.length);
    const diag = explain(inputs);
    if (!logged.length) {
      t.same(inputs.map((i) => i.text.trim()), ['', ''], `${r.id}: nothing in its log files`);
      t.notOk(diag.found, `${r.id}: channel starts, nothing to explain`);
      t.same(diag.notes, [NOTHING_FOUND], `${r.id}: says so`);
      silent++;
      continue;
    }
    const res = logged[logged.length - 1]!.result;
    const applied = rowById(res.rowId)!;
    t.ok(diag.found, `${r.id}: recognised`);
    t.equal(diag.incidents.length, logged.length, `${r.id}: one incident per attempt that logged`);
    const best = diag.incidents[diag.incidents.length - 1]!.rows.filter((x) => x.tiedWithBest);
    const same = (x: { id: string; clientType: ClientType }) =>
      x.id === applied.id || shows(OUTCOME_ROWS.find((o) => o.id === x.id)!, x.clientType) === shows(applied, clientType);
    t.ok(best.some((x) => x.id === applied.id), `${r.id}: the applied row ${applied.id} is among the best: ${best.map((x) => x.id).join(', ')}`);
    // Every row tied with it logs what this scenario logged: the logs cannot tell them apart.
    t.same(best.filter((x) => !same(x)).map((x) => x.id), [], `${r.id}: the top-ranked rows all show these logs`);
    explained++;
  }
  t.ok(explained >= 20, `${explained} scenarios with logs explained back`);
  t.ok(silent >= 5, `${silent} channel-starts scenarios with nothing to explain`);
});
