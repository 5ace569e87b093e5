// A drill run started from the console: one at a time, on the lab the console drives, results
// kept for the reports (the same HTML matrix, JSON and JUnit as `ocsplab drill --out`).

import { basename, join } from 'node:path';
import { EmbeddedTarget } from '../drill/embedded.js';
import type { LabEnv } from '../drill/lab-env.js';
import { loadDrill } from '../drill/load.js';
import { buildReport, rowActual, rowExpected, STATUS_WORD, type DrillReport } from '../drill/report.js';
import { AbortedError, matchesFilter, runDrills, type ScenarioResult } from '../drill/runner.js';
import { DrillSchemaError } from '../drill/schema.js';

export interface DrillRow {
  id: string;
  title?: string;
  status: ScenarioResult['status'] | 'running' | 'waiting';
  word: string;
  expected?: string;
  actual?: string;
  ms?: number;
}

export interface DrillStatus {
  state: 'idle' | 'running' | 'done' | 'stopped' | 'error';
  file?: string;
  filter?: string;
  total: number;
  rows: DrillRow[];
  counts?: DrillReport['counts'];
  passed?: boolean;
  elapsedMs?: number;
  error?: string;
}

export class ConsoleDrill {
  private status: DrillStatus = { state: 'idle', total: 0, rows: [] };
  private results: ScenarioResult[] = [];
  private startedAt = new Date();
  private t0 = 0;
  private aborter?: AbortController;
  private running?: Promise<void>;

  /** Told of every change (the console pushes it over the event stream). */
  onChange: (s: DrillStatus) => void = () => undefined;

  constructor(
    private readonly env: LabEnv,
    private readonly logRoot: string,
  ) {}

  get busy(): boolean {
    return this.status.state === 'running';
  }

  current(): DrillStatus {
    return this.status;
  }

  report(): DrillReport | undefined {
    if (!this.status.file) return undefined;
    return buildReport({
      startedAt: this.startedAt,
      elapsedMs: this.status.elapsedMs ?? performance.now() - this.t0,
      target: 'embedded MQ emulator (ocsplab lab up)',
      files: [this.status.file],
      ...(this.status.filter ? { filter: this.status.filter } : {}),
      results: this.results,
    });
  }

  /** Loads the file and starts the run; the rows fill in through onChange. */
  async start(path: string, filter?: string): Promise<DrillStatus> {
    if (this.busy) throw Object.assign(new Error('a drill is already running'), { statusCode: 409 });
    let file;
    try {
      file = await loadDrill(path);
    } catch (e) {
      if (e instanceof DrillSchemaError) throw Object.assign(new Error(`invalid scenario file: ${e.problems.join('; ')}`), { statusCode: 400 });
      throw e;
    }
    // A file written for another lab shape would fail on CA names this lab does not have.
    const depth = this.env.lab.depth;
    if (file.labDepth !== depth)
      throw Object.assign(new Error(`${basename(path)} is written for a lab of depth ${file.labDepth} (labDepth), and this console's lab has depth ${depth}: run it from ocsplab lab up${file.labDepth > 1 ? ` --depth ${file.labDepth}` : ''} on another lab directory, or with ocsplab drill`), { statusCode: 400 });
    const chosen = file.scenarios.filter((sc) => matchesFilter(file, sc, filter));
    if (!chosen.length) throw Object.assign(new Error(`no scenario of ${basename(path)} matches${filter ? ` "${filter}"` : ''}`), { statusCode: 400 });
    this.results = [];
    this.startedAt = new Date();
    this.t0 = performance.now();
    this.aborter = new AbortController();
    const rows: DrillRow[] = chosen.map((sc) => ({ id: sc.id, ...(sc.title ? { title: sc.title } : {}), status: 'waiting', word: '…' }));
    this.status = { state: 'running', file: path, ...(filter ? { filter } : {}), total: chosen.length, rows };
    this.onChange(this.status);
    const target = await EmbeddedTarget.load();
    this.running = runDrills([file], {
      env: this.env,
      target,
      logRoot: join(this.logRoot, 'drill-logs'),
      ...(filter ? { filter } : {}),
      signal: this.aborter.signal,
      onStart: (_f, sc) => {
        const row = rows.find((r) => r.id === sc.id);
        if (row) Object.assign(row, { status: 'running', word: 'RUNNING' });
        this.onChange(this.status);
      },
      onResult: (r) => {
        this.results.push(r);
        const row = rows.find((x) => x.id === r.id);
        if (row) Object.assign(row, { status: r.status, word: STATUS_WORD[r.status], expected: rowExpected(r), actual: rowActual(r, 200), ms: Math.round(r.elapsedMs) });
        this.onChange(this.status);
      },
    }).then(
      () => this.finish('done'),
      (e: unknown) => this.finish(e instanceof AbortedError ? 'stopped' : 'error', e instanceof AbortedError ? undefined : (e as Error).message),
    ).finally(() => target.close());
    return this.status;
  }

  private async finish(state: DrillStatus['state'], error?: string): Promise<void> {
    if (state === 'stopped') await this.env.reset().catch(() => undefined);
    const rep = this.report()!;
    this.status = { ...this.status, state, counts: rep.counts, passed: rep.passed, elapsedMs: Math.round(performance.now() - this.t0), ...(error ? { error } : {}) };
    for (const r of this.status.rows) if (r.status === 'running' || r.status === 'waiting') Object.assign(r, { status: 'waiting', word: state === 'stopped' ? 'STOPPED' : '—' });
    this.onChange(this.status);
  }

  stop(): void {
    this.aborter?.abort();
  }

  async close(): Promise<void> {
    this.stop();
    await this.running?.catch(() => undefined);
  }
}
