// Runs scenarios: each from a clean lab (responders up, certificates valid, default settings),
// steps in order, expectations checked against what the target returned. The lab is put back in
// a finally block, so a failed or crashed scenario never leaks its state into the next one.

import { exec } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConnectResult } from '../emulator/types.js';
import { formatMode } from '../responder/modes.js';
import { compare, type Mismatch } from './expect.js';
import type { LabEnv } from './lab-env.js';
import type { DrillFile, Expect, Scenario, SourceRef, Step } from './schema.js';
import { applySettings, cloneSettings, type Settings, type SideName } from './settings.js';
import { MissingTool, type Target } from './target.js';

export interface ConnectRecord {
  /** Index of the connect step (-1: the implicit one at the end). */
  step: number;
  expect?: Expect;
  result: ConnectResult;
  mismatches: Mismatch[];
}

export interface ScenarioResult {
  file: string;
  id: string;
  title?: string;
  source?: SourceRef;
  /** skip: a tool the scenario needs is not installed (`skipped` says which and how to get it). */
  status: 'pass' | 'fail' | 'error' | 'skip';
  elapsedMs: number;
  /** The expectation the matrix row shows: that of connect `shownConnect`. */
  expect?: Expect;
  /** Index (in the scenario's connects, from 0) of the connect the matrix row shows: the first whose
   *  expectation failed; else, when the run stopped on an error before a connect, that connect;
   *  else the last connect with an expectation. */
  shownConnect: number;
  /** How many connects the scenario has: its connect steps, or the one implicit connect. */
  connectCount: number;
  connects: ConnectRecord[];
  mismatches: Mismatch[];
  error?: string;
  skipped?: string;
  /** The tool whose absence skipped it (MissingTool.tool), for the table. */
  skippedTool?: string;
  /** What the steps did, for reports ("qm-ca down", "revoke client"). */
  actions: string[];
  logDirs: Record<SideName, string>;
}

/** What scenarios need from a lab: the embedded LabEnv, or live-env.ts's LiveEnv. CRL support
 *  (caches, the lab's LDAP server, `refresh`) is the embedded lab's only. */
export type DrillEnv = Pick<LabEnv, 'lab' | 'responderUrls' | 'setMode' | 'revoke' | 'restore' | 'reset'> & Partial<Pick<LabEnv, 'crlContext' | 'refresh'>>;

export interface RunOptions {
  env: DrillEnv;
  target: Target;
  /** Root of per-scenario AMQERR01.LOG directories. */
  logRoot: string;
  /** Applied over each file's defaults (`--set side.key=value`). */
  overrides?: Array<{ side: SideName; values: Record<string, unknown> }>;
  filter?: string;
  /** Leave the last scenario's state (revocations, modes) in place at the end. */
  keepLab?: boolean;
  signal?: AbortSignal;
  onStart?: (file: DrillFile, sc: Scenario) => void;
  onResult?: (r: ScenarioResult) => void;
  /** Upper bound for one connect, beyond both sides' OCSP timeouts. */
  connectGraceMs?: number;
}

export class AbortedError extends Error {
  constructor() {
    super('interrupted');
    this.name = 'AbortedError';
  }
}

export function matchesFilter(file: DrillFile, sc: Scenario, filter?: string): boolean {
  if (!filter) return true;
  const f = filter.toLowerCase();
  return [sc.id, sc.title ?? '', sc.source?.row ?? ''].some((t) => t.toLowerCase().includes(f));
}

/** What each connect of a scenario expects, in order; the scenario's `expect` goes to the last. */
export function plannedExpects(sc: Scenario): Array<Expect | undefined> {
  const list = sc.steps.flatMap((s) => (s.kind === 'connect' ? [s.expect] : []));
  if (!list.length) list.push(undefined);
  if (sc.expect) list[list.length - 1] = sc.expect;
  return list;
}

/** `connect 2/3` when a scenario has several connects, else undefined. */
export function connectLabel(n: number, count: number): string | undefined {
  return count > 1 ? `connect ${n + 1}/${count}` : undefined;
}

function shownIndex(planned: Array<Expect | undefined>, connects: ConnectRecord[], error: boolean): number {
  const failed = connects.findIndex((c) => c.mismatches.length > 0);
  if (failed >= 0) return failed;
  if (error && connects.length < planned.length) return connects.length;
  for (let i = planned.length - 1; i >= 0; i--) if (planned[i]) return i;
  return planned.length - 1;
}

const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError());
    const t = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(t);
      reject(new AbortedError());
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, rej) => (t = setTimeout(() => rej(new Error(`${what} did not finish within ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}

class ScenarioRun {
  readonly settings: Settings;
  readonly actions: string[] = [];
  readonly connects: ConnectRecord[] = [];

  constructor(
    private readonly o: RunOptions,
    file: DrillFile,
    readonly logDirs: Record<SideName, string>,
  ) {
    this.settings = cloneSettings(file.defaults);
    for (const ov of o.overrides ?? []) applySettings(this.settings, ov.side, ov.values);
  }

  async step(s: Step, i: number): Promise<void> {
    const { env } = this.o;
    switch (s.kind) {
      case 'responder':
        this.actions.push(`${s.ca} ${formatMode(s.mode)}`);
        return env.setMode(s.ca, s.mode);
      case 'revoke':
        this.actions.push(`revoke ${s.cert}`);
        return env.revoke(s.cert, s.reason);
      case 'restore':
        this.actions.push(`restore ${s.cert}`);
        return env.restore(s.cert);
      case 'set':
        this.actions.push(`${s.side} ${Object.entries(s.values).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`).join(' ')}`);
        return applySettings(this.settings, s.side, s.values);
      case 'wait':
        return sleep(s.ms, this.o.signal);
      case 'shell':
        this.actions.push(`shell`);
        return this.shell(s.cmd);
      case 'connect':
        return this.connect(i, s.expect);
      case 'refresh':
        this.actions.push(`refresh ${s.side}`);
        if (!env.refresh) throw new Error('refresh: this target has no CRL cache to empty (on a real QM: REFRESH SECURITY TYPE(SSL))');
        return env.refresh(s.side);
    }
  }

  /** For a live lab: the command sees the responders' URLs and the log directories. */
  private shell(cmd: string): Promise<void> {
    const { env } = this.o;
    const vars = {
      OCSPLAB_LAB: env.lab.dir,
      OCSPLAB_QM_CA_URL: env.responderUrls['qm-ca'],
      OCSPLAB_CLIENT_CA_URL: env.responderUrls['client-ca'],
      OCSPLAB_QM_LOG_DIR: this.logDirs.qm,
      OCSPLAB_CLIENT_LOG_DIR: this.logDirs.client,
    };
    return new Promise((resolve, reject) => {
      exec(cmd, { env: { ...process.env, ...vars }, timeout: 60_000, signal: this.o.signal }, (err, _out, stderr) =>
        err ? reject(new Error(`shell step failed (${err.code ?? err.signal ?? err.message}): ${cmd}${stderr ? `\n${stderr.trim()}` : ''}`)) : resolve(),
      );
    });
  }

  async connect(i: number, expect?: Expect): Promise<void> {
    const { env, target } = this.o;
    if (this.o.signal?.aborted) throw new AbortedError();
    this.actions.push('connect');
    const limit = this.settings.qm.ocspTimeoutMs + this.settings.client.ocspTimeoutMs + (this.o.connectGraceMs ?? 15_000);
    const settings = cloneSettings(this.settings);
    const crl = env.crlContext ? await env.crlContext(settings) : undefined;
    const result = await withTimeout(target.connect({ lab: env.lab, settings, responderUrls: env.responderUrls, logDirs: this.logDirs, ...(crl ? { crl } : {}) }), limit, 'connect');
    this.connects.push({ step: i, result, mismatches: expect ? compare(expect, result) : [], ...(expect ? { expect } : {}) });
  }
}

async function runScenario(o: RunOptions, file: DrillFile, sc: Scenario, last: boolean): Promise<ScenarioResult> {
  const base = join(o.logRoot, safeName(file.path.split('/').pop()!.replace(/\.ya?ml$/, '')), safeName(sc.id));
  const logDirs = { qm: join(base, 'qm'), client: join(base, 'client') };
  const started = performance.now();
  let run: ScenarioRun | undefined;
  let error: string | undefined;
  let skipped: MissingTool | undefined;
  try {
    await o.env.reset();
    await rm(base, { recursive: true, force: true });
    for (const d of Object.values(logDirs)) await mkdir(d, { recursive: true });
    run = new ScenarioRun(o, file, logDirs);
    for (const [i, s] of sc.steps.entries()) {
      if (o.signal?.aborted) throw new AbortedError();
      await run.step(s, i);
    }
    // A scenario without a connect step connects once at the end; its expect applies to the last one.
    if (!sc.steps.some((s) => s.kind === 'connect')) await run.connect(-1);
    const lastConnect = run.connects[run.connects.length - 1];
    if (sc.expect && lastConnect) {
      lastConnect.expect = sc.expect;
      lastConnect.mismatches = compare(sc.expect, lastConnect.result);
    }
  } catch (e) {
    if (e instanceof AbortedError || o.signal?.aborted) throw new AbortedError();
    if (e instanceof MissingTool) skipped = e;
    else error = (e as Error).message;
  } finally {
    if (!(o.keepLab && last)) await o.env.reset();
  }
  const connects = run?.connects ?? [];
  const planned = plannedExpects(sc);
  const mismatches = connects.flatMap((c, n) => {
    const label = connectLabel(n, planned.length);
    return c.mismatches.map((m) => (label ? { ...m, field: `${label}: ${m.field}` } : m));
  });
  const shownConnect = shownIndex(planned, connects, !!error);
  const shown = planned[shownConnect];
  return {
    file: file.path,
    id: sc.id,
    ...(sc.title ? { title: sc.title } : {}),
    ...(sc.source ? { source: sc.source } : {}),
    status: skipped ? 'skip' : error ? 'error' : mismatches.length ? 'fail' : 'pass',
    elapsedMs: performance.now() - started,
    ...(shown ? { expect: shown } : {}),
    shownConnect,
    connectCount: planned.length,
    connects,
    mismatches,
    ...(error ? { error } : {}),
    ...(skipped ? { skipped: skipped.message, skippedTool: skipped.tool } : {}),
    actions: run?.actions ?? [],
    logDirs,
  };
}

/** Runs every matching scenario of every file, in order. Throws AbortedError when interrupted. */
export async function runDrills(files: DrillFile[], o: RunOptions): Promise<ScenarioResult[]> {
  const todo = files.flatMap((f) => f.scenarios.filter((sc) => matchesFilter(f, sc, o.filter)).map((sc) => ({ f, sc })));
  const results: ScenarioResult[] = [];
  for (const [n, { f, sc }] of todo.entries()) {
    if (o.signal?.aborted) throw new AbortedError();
    o.onStart?.(f, sc);
    const r = await runScenario(o, f, sc, n === todo.length - 1);
    results.push(r);
    o.onResult?.(r);
  }
  return results;
}

