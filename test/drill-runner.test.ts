// The runner with a stub target (no TLS): every scenario starts from a clean lab whatever the
// previous one did or how it ended, steps reach the responder and the CA, and each report format
// renders the run. The lab and its responders are real.

import t from 'tap';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LabEnv } from '../src/drill/lab-env.js';
import { parseDrill } from '../src/drill/load.js';
import { buildReport } from '../src/drill/report.js';
import { renderHtml } from '../src/drill/report-html.js';
import { renderJson } from '../src/drill/report-json.js';
import { renderJunit } from '../src/drill/report-junit.js';
import { renderFailure, renderTable } from '../src/drill/report-table.js';
import { runDrills, type DrillEnv, type ScenarioResult } from '../src/drill/runner.js';
import type { ConnectRequest, Target } from '../src/drill/target.js';
import type { ConnectResult, SideResult } from '../src/emulator/types.js';
import { emulatorConfigs } from '../src/drill/embedded.js';
import { validationErrorMatches } from '../src/drill/expect.js';
import type { LabManifest } from '../src/ca/index.js';
import { tempDir } from './helpers/openssl.js';

const side = (s: 'qm' | 'client', dir: string, ids: string[] = [], ve: number[] = []): SideResult => ({
  side: s,
  entries: [],
  messageIds: ids,
  validationErrors: ve,
  logFile: join(dir, 'AMQERR01.LOG'),
});

/** Records what each connect saw; answers rc 2393 + AMQ9716 when the QM CA is down, else 0. */
class StubTarget implements Target {
  readonly name = 'stub';
  seen: Array<{ modes: Record<string, string>; revoked: string[]; req: ConnectRequest }> = [];
  closed = 0;
  constructor(private readonly env: () => LabEnv) {}
  async connect(req: ConnectRequest): Promise<ConnectResult> {
    const st = this.env().state();
    this.seen.push({ ...st, req });
    if (req.settings.client.certLabel === 'explode') throw new Error('emulator exploded');
    const down = st.modes['qm-ca'] === 'down';
    return {
      rc: down ? 2393 : 0,
      channelStarted: !down,
      client: side('client', req.logDirs.client, down ? ['AMQ9716'] : []),
      qm: side('qm', req.logDirs.qm),
      events: [],
      rowId: down ? 'seed003-row2' : 'seed003-row1',
      inferred: false,
      elapsedMs: 3,
    };
  }
  async close() {
    this.closed++;
  }
}

const FILE = `lab: lab
scenarios:
  - id: messes-up-and-fails
    source: seed003-row2
    steps:
      - responder: { ca: qm-ca, mode: down }
      - responder: { ca: client-ca, mode: bad-signature }
      - revoke: { cert: client }
      - revoke: { cert: qm }
      - set: { side: qm, OCSPAuthentication: WARN, SSLCAUTH: OPTIONAL }
      - set: { side: client, certLabel: wrong }
    expect: { rc: 0, client: { messages: [AMQ9716] } }
  - id: clean-after-failure
    source: seed003-row1
    expect: { rc: 0, channelStarted: true, client: { nothing: true } }
  - id: messes-up-and-errors
    source: 'inferred: a target that throws'
    steps:
      - revoke: { cert: qm }
      - responder: { ca: all, mode: blackhole }
      - set: { side: client, certLabel: explode }
    expect: { rc: 0 }
  - id: clean-after-error
    source: seed003-row1
    expect: { rc: 0 }
  - id: two-connects
    source: seed003-row2
    steps:
      - responder: { ca: qm-ca, mode: down }
      - connect: { expect: { rc: 2393, client: { messages: [AMQ9716] } } }
      - responder: { ca: qm-ca, mode: up }
      - connect: {}
    expect: { rc: 0 }
`;

t.test('runner: clean state per scenario after failures and errors; reports of the run', async (t) => {
  const dir = tempDir('ocsplab-drill-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = parseDrill(FILE, join(dir, 'drill.yaml'));
  const env = await LabEnv.open(file.lab);
  t.teardown(() => env.close());
  const target = new StubTarget(() => env);
  const progress: string[] = [];
  const results = await runDrills([file], { env, target, logRoot: join(dir, 'logs'), onResult: (r) => progress.push(`${r.id}:${r.status}`) });
  t.same(progress, ['messes-up-and-fails:fail', 'clean-after-failure:pass', 'messes-up-and-errors:error', 'clean-after-error:pass', 'two-connects:pass']);

  const [messy, afterFail, , afterError, two] = target.seen;
  t.same(messy!.modes, { '*': 'up', 'qm-ca': 'down', 'client-ca': 'bad-signature' }, 'steps reached the responder');
  t.same(messy!.revoked, ['qm', 'client'], 'steps reached the CA');
  t.equal(messy!.req.settings.qm.OCSPAuthentication, 'WARN');
  for (const [what, s] of [['after a failed scenario', afterFail!], ['after an errored one', afterError!]] as const) {
    t.same(s.modes, { '*': 'up', 'qm-ca': 'up', 'client-ca': 'up' }, `${what}: responders up`);
    t.same(s.revoked, [], `${what}: certificates restored`);
    t.same(s.req.settings, file.defaults, `${what}: settings back to the defaults`);
  }
  t.equal(two!.modes['qm-ca'], 'down', 'first connect of a two-connect scenario');
  t.same(env.state(), { modes: { '*': 'up', 'qm-ca': 'up', 'client-ca': 'up' }, revoked: [] }, 'clean at the end of the run');

  const fail = results[0]!;
  t.same(fail.mismatches, [{ field: 'rc', expected: '0', actual: '2393' }], 'the diff names field, expected and actual');
  t.match(results[2]!.error, /emulator exploded/);
  t.equal(results[4]!.connects.length, 2);
  t.same(results[4]!.connects[0]!.mismatches, [], 'inline expect of the first connect holds');

  const rep = buildReport({ startedAt: new Date(), elapsedMs: 1234, target: 'stub', files: [file.path], results });
  t.equal(rep.passed, false);
  t.same(rep.counts, { total: 5, pass: 3, fail: 1, error: 1, skip: 0 });

  t.test('table and failure details', async (t) => {
    const table = renderTable(rep);
    t.match(table, /SCENARIO\s+SOURCE\s+EXPECTED\s+ACTUAL\s+MS\s+RESULT/);
    t.match(table, /messes-up-and-fails\s+seen\s+rc 0; client AMQ9716\s+rc 2393; client AMQ9716\s+\d+\s+FAIL/);
    t.match(table, /messes-up-and-errors\s+inferred\s+rc 0\s+error: emulator exploded/);
    t.match(table, /3\/5 passed, 1 failed, 1 errors/);
    const f = renderFailure(fail);
    t.match(f, /rc\s+expected: 0\n\s+actual: 2393/);
    t.match(f, /client log: .*AMQERR01\.LOG\n\s+\| \(no log written\)/, 'log paths and excerpts of each side');
    t.match(f, /steps: qm-ca down → client-ca bad-signature → revoke client → revoke qm/);
  });

  t.test('JSON parses back to the run', async (t) => {
    const j = JSON.parse(renderJson(rep)) as { passed: boolean; counts: unknown; results: ScenarioResult[] };
    t.equal(j.passed, false);
    t.same(j.counts, rep.counts);
    t.same(j.results.map((r) => r.id), results.map((r) => r.id));
    t.same(j.results[0]!.mismatches, fail.mismatches);
    t.equal(j.results[0]!.connects[0]!.result.rc, 2393, 'actual results are in the JSON');
  });

  t.test('JUnit XML structure', async (t) => {
    const x = renderJunit(rep);
    t.match(x, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="ocsplab drill" tests="5" failures="1" errors="1" time="1\.234">/);
    const suites = x.match(/<testsuite [^>]*>/g) ?? [];
    t.equal(suites.length, 1);
    t.match(suites[0], /tests="5" failures="1" errors="1" skipped="0"/);
    const cases = x.match(/<testcase [^>]*>[\s\S]*?<\/testcase>/g) ?? [];
    t.equal(cases.length, 5);
    t.match(cases[0], /<failure message="rc differ" type="expectation">rc: expected 0, actual 2393<\/failure>/);
    t.match(cases[2], /<error message="emulator exploded" type="error">/);
    t.notMatch(cases[1], /<failure|<error/);
    // Balanced tags and nothing unescaped from the scenarios' text.
    for (const tag of ['testsuites', 'testsuite', 'testcase', 'properties']) t.equal((x.match(new RegExp(`<${tag}[ >]`, 'g')) ?? []).length, (x.match(new RegExp(`</${tag}>`, 'g')) ?? []).length, `${tag} balanced`);
    t.notMatch(x.replace(/<[^>]*>/g, ''), /[<>]/, 'no stray angle brackets in text');
  });

  t.test('HTML page: self-contained, one row per scenario with its result', async (t) => {
    const h = renderHtml(rep);
    t.match(h, /^<!doctype html>/);
    t.notMatch(h, /<script|<link|src="http|href="http/, 'no external assets or scripts');
    for (const r of results) t.match(h, new RegExp(`<tr class="${r.status}" id="${r.id}">`), `row for ${r.id}`);
    t.match(h, /2 of 5 failed/);
    t.match(h, /expected: 0<\/td><td class="act">actual: 2393/);
  });
});

t.test('keepLab leaves the last scenario\'s state; the embedded configs follow the settings', async (t) => {
  const dir = tempDir('ocsplab-drill-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = parseDrill(`lab: lab\nscenarios:\n  - id: last\n    steps: [{ revoke: { cert: qm } }, { responder: { ca: client-ca, mode: down } }]\n    expect: { rc: 0 }\n`, join(dir, 'd.yaml'));
  const env = await LabEnv.open(file.lab);
  t.teardown(() => env.close());
  const target = new StubTarget(() => env);
  await runDrills([file], { env, target, logRoot: join(dir, 'logs'), keepLab: true });
  t.same(env.state().revoked, ['qm'], 'revocation kept');
  await env.reset();
  t.same(env.state(), { modes: { '*': 'up', 'qm-ca': 'up', 'client-ca': 'up' }, revoked: [] }, 'reset cleans it');

  const req = target.seen[0]!.req;
  const none = { ...req, settings: { ...req.settings, client: { ...req.settings.client, clientCert: 'none' as const, OCSPResponderURL: 'none' } } };
  const c = emulatorConfigs(req);
  t.equal(c.qm.authinfoOcspUrl, env.responderUrls['client-ca'], "the QM asks the client CA's responder");
  t.equal(c.client.ocspResponderUrl, env.responderUrls['qm-ca'], "the client asks the QM CA's responder");
  t.equal(c.client.keyRepository.cert, env.lab.certs.client.chain);
  t.equal(c.qm.ocspTimeoutMs, file.defaults.qm.ocspTimeoutMs);
  const n = emulatorConfigs(none);
  t.equal(n.client.keyRepository.cert, undefined, 'no personal certificate');
  t.equal(n.client.ocspResponderUrl, undefined, 'no MQAIR URL');
});

t.test('shell steps see the lab through the environment; a failing one is an error with its stderr', async (t) => {
  const dir = tempDir('ocsplab-drill-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'seen.txt');
  const file = parseDrill(
    `lab: lab
scenarios:
  - id: ok
    steps: [{ shell: 'echo "$OCSPLAB_QM_CA_URL $OCSPLAB_CLIENT_LOG_DIR" > ${out}' }]
    expect: { rc: 0 }
  - id: broken
    steps: [{ revoke: { cert: qm } }, { shell: 'echo nope >&2; exit 3' }]
    expect: { rc: 0 }
`,
    join(dir, 'd.yaml'),
  );
  const env = await LabEnv.open(file.lab);
  t.teardown(() => env.close());
  const results = await runDrills([file], { env, target: new StubTarget(() => env), logRoot: join(dir, 'logs') });
  t.equal(readFileSync(out, 'utf8').trim(), `${env.responderUrls['qm-ca']} ${results[0]!.logDirs.client}`);
  t.equal(results[0]!.status, 'pass');
  t.equal(results[1]!.status, 'error');
  t.match(results[1]!.error, /shell step failed \(3\): echo nope >&2; exit 3\nnope/);
  t.same(env.state().revoked, [], 'put back after the error');
});

t.test('expect inferred and validation-error patterns: pass and fail against what the target returned', async (t) => {
  const dir = tempDir('ocsplab-drill-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const env: DrillEnv = {
    lab: { dir } as LabManifest,
    responderUrls: { 'qm-ca': 'http://127.0.0.1:1/', 'client-ca': 'http://127.0.0.1:2/' },
    setMode: async () => {},
    revoke: async () => {},
    restore: async () => {},
    reset: async () => {},
  };
  // Seed 003 row 4's validation errors (client 575032, QM 1042); inferred when the client's label says so.
  const target: Target = {
    name: 'stub',
    async connect(req) {
      const inferred = req.settings.client.certLabel === 'inferred';
      return {
        rc: 2393,
        channelStarted: false,
        client: side('client', req.logDirs.client, ['AMQ9633'], [575032]),
        qm: side('qm', req.logDirs.qm, ['AMQ9633'], [1042]),
        events: [],
        rowId: inferred ? 'policy-warn-unknown-client' : 'seed003-row4',
        inferred,
        elapsedMs: 3,
      };
    },
    async close() {},
  };
  const inferredStep = `[{ set: { side: client, certLabel: inferred } }]`;
  const file = parseDrill(
    `lab: lab
scenarios:
  - id: range-pass
    expect: { client: { validationErrors: [575xxx] }, qm: { validationErrors: [10xx] } }
  - id: range-pass-narrow
    expect: { client: { validationErrors: [5750xx] }, qm: { validationErrors: [1042] } }
  - id: range-fail-digit
    expect: { client: { validationErrors: [5751xx] } }
  - id: range-fail-length
    expect: { client: { validationErrors: [575xx] }, qm: { validationErrors: [1xxxx] } }
  - id: range-fail-count
    expect: { qm: { validationErrors: [10xx, 23] } }
  - id: inferred-true-pass
    steps: ${inferredStep}
    expect: { inferred: true }
  - id: inferred-false-pass
    expect: { inferred: false }
  - id: inferred-true-fail
    expect: { inferred: true }
  - id: inferred-false-fail
    steps: ${inferredStep}
    expect: { inferred: false }
`,
    join(dir, 'd.yaml'),
  );
  const results = await runDrills([file], { env, target, logRoot: join(dir, 'logs') });
  const by = new Map(results.map((r) => [r.id, r]));
  for (const id of ['range-pass', 'range-pass-narrow', 'inferred-true-pass', 'inferred-false-pass']) t.equal(by.get(id)!.status, 'pass', `${id} passes`);
  t.same(by.get('range-fail-digit')!.mismatches, [{ field: 'client.validationErrors', expected: '5751xx', actual: '575032' }], 'a digit differs');
  t.same(
    by.get('range-fail-length')!.mismatches,
    [
      { field: 'client.validationErrors', expected: '575xx', actual: '575032' },
      { field: 'qm.validationErrors', expected: '1xxxx', actual: '1042' },
    ],
    'an x stands for one digit: the length must match',
  );
  t.same(by.get('range-fail-count')!.mismatches, [{ field: 'qm.validationErrors', expected: '10xx, 23', actual: '1042' }], 'one pattern per validation error');
  t.same(
    by.get('inferred-true-fail')!.mismatches,
    [{ field: 'inferred', expected: 'inferred (the outcome rests on an inferred row)', actual: 'not inferred (seen or documented rows only), row seed003-row4' }],
    'expected inferred, got a seen row',
  );
  t.same(
    by.get('inferred-false-fail')!.mismatches,
    [{ field: 'inferred', expected: 'not inferred (seen or documented rows only)', actual: 'inferred (the outcome rests on an inferred row), row policy-warn-unknown-client' }],
    'expected not inferred, got an inferred outcome',
  );
  t.match(renderFailure(by.get('inferred-false-fail')!), /inferred\s+expected: not inferred .*\n\s+actual: inferred .*row policy-warn-unknown-client/);

  // The matching itself, with the examples of issue 15.
  t.ok(validationErrorMatches('575xxx', 575032));
  t.ok(validationErrorMatches('5750xx', 575023));
  t.notOk(validationErrorMatches('5750xx', 575123));
  t.notOk(validationErrorMatches('575xxx', 57503));
  t.ok(validationErrorMatches(23, 23));
  t.notOk(validationErrorMatches(23, 230));
});
