// `ocsplab drill` as a person runs it, in a child process (execFile, so nothing here blocks while
// the child's servers run): the shipped matrix passes in under 20 s, a wrong expectation fails
// with a diff, log paths and excerpts and exit 1, and a bad file is exit 2 naming the field.

import t, { type Test } from 'tap';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitUntil } from './helpers/wait.js';
import { tempDir } from './helpers/openssl.js';

const CLI = resolve(fileURLToPath(import.meta.url), '../../src/cli/main.js');

function drill(args: string[], cwd = process.cwd(), env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const start = Date.now();
  return new Promise((res) => {
    execFile(process.execPath, [CLI, 'drill', ...args], { cwd, timeout: 50_000, env: { ...process.env, NO_COLOR: '1', ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      res({ code, stdout: String(stdout), stderr: String(stderr), ms: Date.now() - start });
    });
  });
}

function temp(t: Test): string {
  const d = tempDir('ocsplab-drill-cli-');
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

t.test('a bad scenario file: exit 2, the file, scenario and field named', async (t) => {
  const dir = temp(t);
  writeFileSync(join(dir, 'bad.yaml'), 'lab: lab\nscenarios:\n  - id: x\n    steps: [{ responder: { ca: qm-ca, mode: sideways } }]\n    expect: { rc: 0 }\n');
  const r = await drill([join(dir, 'bad.yaml')]);
  t.equal(r.code, 2);
  t.match(r.stderr, /bad\.yaml: scenario "x": steps\[0\]\.responder\.mode: unknown mode "sideways"/);
  t.notOk(existsSync(join(dir, 'lab')), 'no lab generated for a file that does not validate');
  const u = await drill(['--report', 'pdf']);
  t.equal(u.code, 2);
  t.match(u.stderr, /--report pdf: use one of table, json, junit, html/);
});

t.test('a wrong expectation: exit 1, expected vs actual, each side\'s log path and excerpt; reports written', async (t) => {
  const dir = temp(t);
  writeFileSync(
    join(dir, 'wrong.yaml'),
    `lab: lab
scenarios:
  - id: wrong-on-purpose
    source: seed003-row2
    steps: [{ responder: { ca: qm-ca, mode: down } }]
    expect: { rc: 0, client: { nothing: true } }
  - id: right
    source: seed003-row1
    expect: { rc: 0 }
`,
  );
  const out = join(dir, 'reports');
  const r = await drill([join(dir, 'wrong.yaml'), '--out', out]);
  t.equal(r.code, 1, r.stderr);
  t.match(r.stdout, /wrong-on-purpose\s+seen\s+rc 0; client —\s+rc 2393; client AMQ9716.*FAIL/);
  t.match(r.stdout, /right\s+seen\s+rc 0\s+rc 0.*PASS/);
  t.match(r.stdout, /1\/2 passed, 1 failed/);
  t.match(r.stdout, /FAIL wrong-on-purpose\n/);
  t.match(r.stdout, /\n\s+rc\s+expected: 0\n\s+actual: 2393\n/);
  t.match(r.stdout, /\n\s+client\s+expected: nothing logged\n\s+actual: AMQ9716/);
  t.match(r.stdout, /client log: .*wrong-on-purpose\/client\/AMQERR01\.LOG\n(\s+\| .*\n)*\s+\| .*AMQ9716/, 'client log path and an excerpt');
  t.match(r.stdout, /qm log: .*wrong-on-purpose\/qm\/AMQERR01\.LOG/);
  const json = JSON.parse(readFileSync(join(out, 'drill.json'), 'utf8')) as { passed: boolean; counts: { fail: number } };
  t.equal(json.passed, false);
  t.equal(json.counts.fail, 1);
  t.match(readFileSync(join(out, 'drill.junit.xml'), 'utf8'), /<failure message="rc, client differ"/);
  t.match(readFileSync(join(out, 'drill.html'), 'utf8'), /id="wrong-on-purpose"/);
});

t.test('on the emulator: inferred and validation-error patterns hold; a multi-connect row shows its failing connect', async (t) => {
  const dir = temp(t);
  writeFileSync(
    join(dir, 'e.yaml'),
    `lab: lab
scenarios:
  - id: row4-patterns
    source: seed003-row4
    steps: [{ revoke: { cert: qm, reason: keyCompromise } }]
    expect: { rc: 2393, inferred: false, client: { messages: [AMQ9633], validationErrors: [575xxx] }, qm: { messages: [AMQ9633], validationErrors: [10xx] } }
  - id: warn-unknown-inferred
    source: policy-warn-unknown-client
    steps: [{ set: { side: client, OCSPAuthentication: WARN } }, { responder: { ca: qm-ca, mode: status unknown } }]
    expect: { rc: 0, inferred: true, client: { messages: [AMQ9717] } }
  - id: first-of-three-fails
    source: seed003-row2
    steps:
      - responder: { ca: qm-ca, mode: down }
      - connect: { expect: { rc: 0, inferred: true } }
      - responder: { ca: qm-ca, mode: up }
      - connect: { expect: { rc: 0, client: { validationErrors: [5751xx] } } }
      - connect: {}
    expect: { rc: 0 }
`,
  );
  const r = await drill([join(dir, 'e.yaml')]);
  t.equal(r.code, 1, r.stderr);
  t.match(r.stdout, /row4-patterns\s+seen\s+rc 2393; client AMQ9633 #575xxx; qm AMQ9633 #10xx\s+rc 2393; client AMQ9633 #575032; qm AMQ9633 #1042\s+\d+\s+PASS/);
  t.match(r.stdout, /warn-unknown-inferred\s+doc\*\s+.*PASS/);
  t.match(r.stdout, /first-of-three-fails\s+seen\s+connect 1\/3: rc 0\s+connect 1\/3: rc 2393; client AMQ9716\s+\d+\s+FAIL/);
  t.match(r.stdout, /connect 1\/3: inferred\s+expected: inferred .*\n\s+actual: not inferred .*row seed003-row2/);
  t.match(r.stdout, /connect 2\/3: client\.validationErrors\s+expected: 5751xx\n\s+actual: \(none\)/);
  t.match(r.stdout, /2\/3 passed, 1 failed/);
});

t.test('the shipped matrix (npm start): every row passes, under 20 s, lab clean afterwards', async (t) => {
  const dir = temp(t);
  // The same arguments as package.json's start script, with the lab and the reports moved here.
  const start = (JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  t.match(start, /drill --out lab\/report$/, 'npm start writes the reports to lab/report');
  const r = await drill(['--lab', join(dir, 'lab'), '--out', join(dir, 'out')]);
  t.equal(r.code, 0, r.stdout.slice(-3000) + r.stderr);
  t.ok(r.ms < 20_000, `ran in ${r.ms} ms`);
  t.match(r.stdout, /seed003-row1-all-good\s+seen\s+rc 0/);
  t.match(r.stdout, /(\d+)\/\1 passed in/);
  const json = JSON.parse(readFileSync(join(dir, 'out', 'drill.json'), 'utf8')) as { results: Array<{ id: string; status: string }> };
  t.ok(json.results.length >= 30);
  t.ok(json.results.every((x) => x.status === 'pass'));
  const html = readFileSync(join(dir, 'out', 'drill.html'), 'utf8');
  for (const id of ['seed003-row2-qm-ca-down', 'crl-ldap-no-entry-qm', 'chain-client-issuing-revoked'])
    t.match(html, id, `the HTML report holds ${id} (OCSP, CRL and chain matrices in one report)`);
  const index = readFileSync(join(dir, 'lab', 'client-ca', 'index.txt'), 'utf8') + readFileSync(join(dir, 'lab', 'qm-ca', 'index.txt'), 'utf8');
  t.notMatch(index, /^R\t/m, 'no certificate left revoked');
});

t.test('no slapd: the LDAP scenarios are skipped with what to install, the rest still run and pass', async (t) => {
  const dir = temp(t);
  // OCSPLAB_SLAPD names the binary; a path that does not exist is a machine without slapd.
  const r = await drill(['scenarios/mq-crl-matrix.yaml', '--lab', join(dir, 'lab'), '--out', join(dir, 'out')], process.cwd(), { OCSPLAB_SLAPD: join(dir, 'no-slapd') });
  t.equal(r.code, 0, `skips do not fail the run\n${r.stdout.slice(-2000)}${r.stderr}`);
  t.match(r.stdout, /crl-ldap-client-cert-revoked\s.*skipped: slapd not installed\s+\d+\s+SKIP/);
  t.match(r.stdout, /(\d+)\/27 passed, (\d+) skipped \(slapd \(OpenLDAP, for the lab's LDAP CRL server\) not installed: apt-get install slapd ldap-utils/);
  t.notMatch(r.stdout, /^(FAIL|ERROR) /m, 'no failure report for a skip');
  const json = JSON.parse(readFileSync(join(dir, 'out', 'drill.json'), 'utf8')) as { passed: boolean; counts: { pass: number; skip: number; total: number }; results: Array<{ id: string; status: string; skipped?: string }> };
  t.ok(json.passed);
  t.equal(json.counts.pass + json.counts.skip, json.counts.total);
  t.ok(json.counts.skip >= 8 && json.counts.pass >= 10, `${json.counts.pass} pass, ${json.counts.skip} skip`);
  t.ok(json.results.filter((x) => x.status === 'skip').every((x) => /apt-get install slapd/.test(x.skipped ?? '')));
  t.match(readFileSync(join(dir, 'out', 'drill.junit.xml'), 'utf8'), new RegExp(`skipped="${json.counts.skip}"`));
  t.match(readFileSync(join(dir, 'out', 'drill.html'), 'utf8'), /passed, \d+ skipped/);
  const only = await drill(['scenarios/mq-crl-matrix.yaml', '--filter', 'crl-ldap', '--lab', join(dir, 'lab')], process.cwd(), { OCSPLAB_SLAPD: join(dir, 'no-slapd') });
  t.equal(only.code, 1, 'a run that skipped everything proved nothing: exit 1');
});

t.test('Ctrl-C mid-scenario: exit 130 soon, the lab put back, nothing left running', async (t) => {
  const dir = temp(t);
  writeFileSync(
    join(dir, 'slow.yaml'),
    'lab: lab\nscenarios:\n  - id: long\n    source: seed003-row5\n    steps: [{ revoke: { cert: client } }, { responder: { ca: qm-ca, mode: blackhole } }, { wait: 30000 }]\n    expect: { rc: 0 }\n',
  );
  const child = spawn(process.execPath, [CLI, 'drill', join(dir, 'slow.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b) => (stderr += b));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  const index = join(dir, 'lab', 'client-ca', 'index.txt');
  const revoked = () => existsSync(index) && /^R\t/m.test(readFileSync(index, 'utf8'));
  await waitUntil(revoked);
  t.ok(revoked(), 'the scenario got as far as revoking');
  const sent = Date.now();
  child.kill('SIGINT');
  const code = await exited;
  t.equal(code, 130, stderr);
  t.ok(Date.now() - sent < 5000, `stopped ${Date.now() - sent} ms after Ctrl-C`);
  t.match(stderr, /interrupted; stopping the lab/);
  t.notMatch(readFileSync(index, 'utf8'), /^R\t/m, 'the revocation was undone');
});
