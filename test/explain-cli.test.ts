// `ocsplab explain` as a child process: stdin, files with sides, a bare reason code, --json,
// --drill, --help and the exit codes it documents.
import t from 'tap';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { tempDir } from './helpers/openssl.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'dist/src/cli/main.js');
const FIX = join(ROOT, 'test/fixtures/mq');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function ocsplab(args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [MAIN, 'explain', ...args]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

/** With text on stdin (execFile cannot write stdin before exit, so spawn). */
function withStdin(args: string[], input: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [MAIN, 'explain', ...args]);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    p.stdin.end(input);
  });
}

t.test('both sides from files: seed 003 row 3', async (t) => {
  const r = await ocsplab(['--client', join(FIX, 'seed003-row3-client.txt'), '--qm', join(FIX, 'seed003-row3-qm.txt')]);
  t.equal(r.code, 0);
  t.match(r.stdout, /queue manager \(given\) · AMQ9716/);
  t.match(r.stdout, /both sides: client and queue manager entries read as one attempt/);
  t.match(r.stdout, /The QM cannot reach the responder of the client's CA \(REQUIRED\): it closes the connection \[seen\]/);
  t.match(r.stdout, /\(b\) the QM gets 'unknown' from the responder/);
  t.match(r.stdout, /DISPLAY AUTHINFO\(\*\) AUTHTYPE\(OCSP\) OCSPURL/);
  t.match(r.stdout, /SSLHTTPProxyName/);
});

t.test('--side applies to the files after it; --json', async (t) => {
  const r = await ocsplab(['--json', '--side', 'client', join(FIX, 'seed002-client.txt'), '--side', 'qm', join(FIX, 'seed002-qm.log')]);
  t.equal(r.code, 0);
  const d = JSON.parse(r.stdout);
  t.equal(d.found, true);
  t.equal(d.incidents[0].rows[0].id, 'seed002-no-client-cert');
  t.same(d.entries.map((e: { side: string; sideBasis: string }) => [e.side, e.sideBasis]), [['client', 'java chain'], ['qm', 'given']]);
});

t.test('stdin: a Java chain, a bare reason code, unrelated text', async (t) => {
  const java = await withStdin([], 'Caused by: CC=2;RC=2397;AMQ9771: SSL handshake failed. [[ Broken pipe], (,4=SSLSocket.startHandshake,5=default]\n');
  t.equal(java.code, 0);
  t.match(java.stdout, /client \(java chain\) · AMQ9771 \(Java\)/);
  t.match(java.stdout, /does not pick one/);
  const none = await withStdin([], 'The build is green and lunch is at noon.\n');
  t.equal(none.code, 3, 'exit 3');
  t.match(none.stdout, /^nothing MQ-TLS related found/);
  const rc = await ocsplab(['2393']);
  t.equal(rc.code, 0, 'a reason code on the command line');
  t.match(rc.stdout, /MQRC_SSL_INITIALIZATION_ERROR/);
  const unfit = await withStdin(['--json'], 'struck with 2393, 2381 MQ Errors\n');
  t.equal(unfit.code, 4, 'recognised but no case fits: exit 4');
  t.same(JSON.parse(unfit.stdout).incidents[0].rows, []);
});

t.test('--drill prints a scenario for the drill file', async (t) => {
  const r = await ocsplab(['--drill', '--client', join(FIX, 'seed003-row3-client.txt'), '--qm', join(FIX, 'seed003-row3-qm.txt')]);
  t.equal(r.code, 0);
  const [sc] = parse(r.stdout);
  t.equal(sc.id, 'explain-seed003-row3');
  t.same(sc.steps.at(-1), { connect: {} });
  t.same(sc.expect.qm, { messages: ['AMQ9716'] });
  const none = await withStdin(['--drill'], 'nothing here\n');
  t.equal(none.code, 3);
  t.match(none.stderr, /nothing MQ-TLS related found/);
});

t.test('usage: --help documents the exit codes; bad input is exit 1 or 2', async (t) => {
  const h = await ocsplab(['--help']);
  t.equal(h.code, 0);
  for (const line of [/0 +explained/, /3 +nothing MQ-TLS related found/, /4 +MQ TLS entries recognised/]) t.match(h.stdout, line);
  t.equal((await ocsplab(['--side', 'both', 'x'])).code, 2);
  t.equal((await ocsplab(['--bogus'])).code, 2);
  const missing = await ocsplab([join(FIX, 'no-such-file.log')]);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /cannot read .*no-such-file\.log: no such file/);
  const folder = await ocsplab([join(FIX, 'real')]);
  t.equal(folder.code, 1, 'a directory without MQ logs');
  t.match(folder.stderr, /is a directory with no AMQERR0n\.LOG or \.FDC file/);
});

t.test('an MQ errors directory: AMQERR03 to 01 (oldest first) and its FDCs, as if each were given', async (t) => {
  const dir = tempDir('ocsplab-errors-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // The seed's QM log split as MQ rotates it: the older half in AMQERR02.LOG.
  const qm = readFileSync(join(FIX, 'seed003-row3-qm.txt'), 'utf8');
  writeFileSync(join(dir, 'AMQERR01.LOG'), qm);
  writeFileSync(join(dir, 'AMQERR02.LOG'), '');
  writeFileSync(join(dir, 'notes.txt'), 'not read');
  const byDir = await ocsplab(['--json', '--client', join(FIX, 'seed003-row3-client.txt'), '--qm', dir]);
  const byFile = await ocsplab(['--json', '--client', join(FIX, 'seed003-row3-client.txt'), '--qm', join(dir, 'AMQERR01.LOG')]);
  t.equal(byDir.code, 0);
  const best = (o: string) => (JSON.parse(o) as { incidents: Array<{ rows: Array<{ id: string }> }> }).incidents.map((i) => i.rows[0]?.id);
  t.same(best(byDir.stdout), best(byFile.stdout), 'the same diagnosis as the file itself');
  t.match(byDir.stdout, /AMQERR01\.LOG/);
  t.notMatch(byDir.stdout, /notes\.txt/, 'only MQ logs and FDCs are read');
});
