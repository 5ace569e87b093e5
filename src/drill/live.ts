// The live target: each connect runs the MQ sample client against a real queue manager (the
// docker-compose `mq` profile) and reads the outcome the way a person would: the client's reason
// code, and what each side appended to its AMQERR01.LOG during the attempt.
//
// NOT RUN AGAINST A REAL QUEUE MANAGER in this repository (no Docker engine where it was written).
// Command construction, transcript parsing and log slicing are tested with fixtures
// (test/drill-live.test.ts). Channel events (SYSTEM.ADMIN.CHANNEL.EVENT) are not read: `events`
// is always empty, so a scenario expecting one fails here rather than passing unchecked.

import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConnectResult } from '../emulator/types.js';
import { attemptCcdt, attemptClientIni, buildCommand, clientPlan, planVars, unsupportedSettings, type LiveConfig } from './live-config.js';
import { entriesSince, logMark, parseClientTranscript, readSince, sideResult } from './live-output.js';
import type { ConnectRequest, Target } from './target.js';

export interface RunResult {
  output: string;
  exitCode: number | null;
}

/** Runs argv with extra environment; tests hand in a fake. */
export type CommandRunner = (argv: string[], env: Record<string, string>, timeoutMs: number) => Promise<RunResult>;

export const spawnRunner: CommandRunner = (argv, env, timeoutMs) =>
  new Promise((resolve, reject) => {
    const [cmd, ...args] = argv;
    if (!cmd) return reject(new Error('empty client command'));
    // stdin closed at once: amqsputc then puts nothing and ends after MQOPEN.
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (e) => reject(new Error(`cannot run the MQ client ${cmd}: ${e.message}`)));
    child.on('close', (code) => resolve({ output, exitCode: code }));
  });

export class LiveTarget implements Target {
  readonly name: string;
  private attempt = 0;

  constructor(
    private readonly cfg: LiveConfig,
    private readonly run: CommandRunner = spawnRunner,
  ) {
    this.name = `live queue manager at ${cfg.conn}`;
  }

  async connect(req: ConnectRequest): Promise<ConnectResult> {
    const problems = unsupportedSettings(req.settings, req.lab);
    if (problems.length) throw new Error(`the live target cannot run this scenario without reconfiguring the queue manager: ${problems.join('; ')}`);
    const plan = clientPlan(req.settings, req.lab, this.cfg);
    const dir = join(this.cfg.workDir, `attempt-${process.pid}-${++this.attempt}`);
    await mkdir(dir, { recursive: true });
    const ini = join(dir, 'mqclient.ini');
    const ccdt = join(dir, 'ccdt.json');
    await writeFile(ini, attemptClientIni(plan), { mode: 0o600 });
    await writeFile(ccdt, attemptCcdt(plan));
    const argv = buildCommand(this.cfg.command, planVars(plan));
    const env = { MQCLNTCF: ini, MQCCDTURL: `file://${ccdt}` };

    // Marks first, then the clock: anything either side writes from here on belongs to this attempt.
    const marks = await Promise.all([logMark(this.cfg.clientErrlog), logMark(this.cfg.qmErrlog)]);
    const started = new Date();
    const t0 = performance.now();
    const ran = await this.run(argv, env, this.cfg.timeoutMs);
    const elapsedMs = performance.now() - t0;
    const outcome = parseClientTranscript(ran.output, ran.exitCode);
    await writeFile(join(dir, 'client-output.txt'), `$ ${argv.join(' ')}\n${ran.output}`);

    const [clientText, qmText] = await Promise.all([readSince(this.cfg.clientErrlog, marks[0]), readSince(this.cfg.qmErrlog, marks[1])]);
    // Kept next to the scenario's other logs, so reports and `ocsplab explain` can read them.
    await Promise.all([writeFile(join(req.logDirs.client, 'AMQERR01.LOG'), clientText), writeFile(join(req.logDirs.qm, 'AMQERR01.LOG'), qmText)]);
    const client = sideResult('client', entriesSince(clientText, started, 'client', this.cfg.dateOrder), this.cfg.clientErrlog);
    const qm = sideResult('qm', entriesSince(qmText, started, 'qm', this.cfg.dateOrder), this.cfg.qmErrlog);
    client.observed = outcome.evidence;
    return { rc: outcome.rc, channelStarted: outcome.rc === 0, client, qm, events: [], rowId: 'live', inferred: false, elapsedMs };
  }

  async close(): Promise<void> {}
}
