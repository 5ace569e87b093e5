// Several worker processes on one port (node:cluster), so signing uses every core. The primary
// holds no CA state: it starts the workers, restarts one that dies, and serves the admin API by
// asking every worker (a mode is set in all of them before the API answers).

import cluster, { type Worker } from 'node:cluster';
import type { Listener } from './listener.js';
import { adminListener, checkAdminOptions } from './admin-listener.js';
import { addCounters, type ControlState, type Counters, type ResponderControl } from './control.js';
import { checkMode, isCrlMode, type Mode } from './modes.js';
import { Responder, ALL, type ResponderOptions } from './responder.js';
import { resolveKeyPassins } from './ca-loader.js';
import { processMetrics, type MetricsJson } from './metrics.js';
import type { FeedBatch } from './feed.js';

type Call = { t: 'call'; id: number; op: 'state' | 'setMode' | 'clearMode' | 'reload' | 'counters' | 'metrics'; args: unknown[] };
/** feed: start (on) or stop sending the live feed's batches. */
/** start carries the modes in force, set before the worker listens: a replacement never serves a
 *  moment without them. */
type ToWorker = { t: 'start'; options: ResponderOptions; modes: Array<{ target: string; mode: Mode }> } | Call | { t: 'feed'; on: boolean };
type FromWorker =
  | { t: 'listening' }
  | { t: 'ready'; port: number }
  | { t: 'failed'; message: string }
  | { t: 'result'; id: number; value?: unknown; error?: string }
  | { t: 'feed'; batch: FeedBatch };

/** Turns every pass phrase source into the pass phrase itself, asking once on the terminal if
 *  needed: the workers have neither the terminal nor the primary's stdin. */
async function resolvePassins(o: ResponderOptions): Promise<ResponderOptions> {
  const cas = [];
  for (const ca of o.cas) cas.push(await resolveKeyPassins(ca));
  return { ...o, cas };
}

/** Runs in a worker: waits for its options, serves, answers the primary's calls. */
export function runWorker(): void {
  let responder: Responder | undefined;
  let unwatch: (() => void) | undefined;
  /** Calls that arrive while the worker starts (a mode set meanwhile), answered once it serves. */
  let early: Call[] | undefined = [];
  const send = (m: FromWorker) => process.send?.(m);
  const answer = async (m: Call) => {
    const c = responder!.control();
    try {
      const value = await (c[m.op] as (...a: unknown[]) => Promise<unknown>)(...m.args);
      send({ t: 'result', id: m.id, value });
    } catch (e) {
      send({ t: 'result', id: m.id, error: (e as Error).message });
    }
  };
  process.on('message', async (m: ToWorker) => {
    if (m.t === 'feed') {
      unwatch?.();
      unwatch = m.on && responder ? responder.feed.subscribe((batch) => send({ t: 'feed', batch })) : undefined;
      return;
    }
    if (m.t === 'start') {
      try {
        responder = await Responder.create(m.options);
        for (const { target, mode } of m.modes) await responder.control().setMode(target, mode);
        await responder.start();
        send({ t: 'ready', port: responder.port });
      } catch (e) {
        send({ t: 'failed', message: (e as Error).message });
        process.exit(1);
      }
      const calls = early!;
      early = undefined;
      for (const c of calls) await answer(c);
      return;
    }
    if (m.t === 'call') {
      if (early) early.push(m);
      else await answer(m);
    }
  });
  // Messages sent before this listener existed would be lost: say when to send the options.
  send({ t: 'listening' });
  const stop = () => void responder?.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

export class ClusterPrimary implements ResponderControl {
  private readonly workers = new Set<Worker>();
  /** Resolves when a worker's message listener exists: what is sent before it would be lost. */
  private readonly listening = new WeakMap<Worker, Promise<void>>();
  private readonly pending = new Map<number, { worker: Worker; resolve(v: unknown): void; reject(e: Error): void }>();
  /** Modes in force, given to every worker it starts (a replacement too): OCSP and CRL slots per target, as Responder keeps them. */
  private readonly modes = new Map<string, { target: string; mode: Mode }>();
  /** Listeners of the live feed; the workers send it only while there are some. */
  private readonly watchers = new Set<(b: FeedBatch) => void>();
  private nextId = 1;
  private stopping = false;
  admin?: Listener;
  port = 0;
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  private constructor(
    private readonly options: ResponderOptions,
    private readonly count: number,
  ) {
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  static async start(o: ResponderOptions, count: number, script: string): Promise<ClusterPrimary> {
    // The bind rule before anything starts: a refused admin address must not leave workers serving.
    checkAdminOptions(o);
    // Workers accept on the shared socket themselves: the default round-robin passes every
    // connection from the primary over IPC, which caps short-lived connections at a few hundred/s.
    cluster.schedulingPolicy = cluster.SCHED_NONE;
    cluster.setupPrimary({ exec: script, args: ['__worker'] });
    // Workers serve OCSP only: the admin API and its token stay in the primary.
    const options = await resolvePassins({ ...o, adminPort: undefined, adminHost: undefined, adminToken: undefined });
    const p = new ClusterPrimary(options, count);
    try {
      await Promise.all(Array.from({ length: count }, () => p.fork()));
    } catch (e) {
      // A worker that cannot start (a key it cannot decrypt, a bad index) stops them all: the
      // others would serve a configuration that is not the one asked for, or fail the same way.
      await p.close();
      throw e;
    }
    p.admin = adminListener(o, p);
    await p.admin?.openPort();
    return p;
  }

  private fork(): Promise<void> {
    const w = cluster.fork();
    this.workers.add(w);
    let heard!: () => void;
    let ready = false;
    this.listening.set(w, new Promise<void>((r) => (heard = r)));
    return new Promise((resolve, reject) => {
      w.on('message', (m: FromWorker) => {
        if (m.t === 'listening') {
          w.send({ t: 'start', options: this.options, modes: [...this.modes.values()] } satisfies ToWorker);
          heard(); // calls go after the start message (the promise's callbacks run after this)
        } else if (m.t === 'ready') {
          ready = true;
          this.port = m.port;
          if (this.watchers.size) w.send({ t: 'feed', on: true } satisfies ToWorker);
          resolve();
        } else if (m.t === 'feed') {
          for (const f of this.watchers) f(m.batch);
        } else if (m.t === 'failed') reject(new Error(m.message));
        else if (m.t === 'result') {
          const p = this.pending.get(m.id);
          this.pending.delete(m.id);
          if (m.error !== undefined) p?.reject(new Error(m.error));
          else p?.resolve(m.value);
        }
      });
      w.on('exit', (code) => {
        this.workers.delete(w);
        if (!ready) reject(new Error(`worker ${w.process.pid} exited (${code}) before it served`));
        // Calls it will never answer: nothing to wait for (its replacement starts with the modes).
        for (const [id, p] of this.pending) {
          if (p.worker !== w) continue;
          this.pending.delete(id);
          p.resolve(undefined);
        }
        if (this.stopping) {
          if (this.workers.size === 0) this.resolveDone();
          return;
        }
        if (!ready) {
          // A replacement that cannot start would only fail again: serve with the workers left.
          process.stderr.write(`ocsp: a replacement worker could not start; ${this.workers.size} left\n`);
          if (this.workers.size === 0) void this.close();
          return;
        }
        // A worker that died is replaced, with the modes in force.
        process.stderr.write(`ocsp: worker ${w.process.pid} exited; starting another\n`);
        this.fork().catch((e: Error) => process.stderr.write(`ocsp: ${e.message}\n`));
      });
    });
  }

  private call(w: Worker, op: Call['op'], args: unknown[]): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { worker: w, resolve, reject });
      // After the start message: the worker holds calls that arrive while it starts.
      void this.listening.get(w)!.then(() => {
        if (!w.isConnected()) return; // gone: its exit answers the call
        w.send({ t: 'call', id, op, args } satisfies ToWorker, (e) => {
          // A worker that died before the exit event: answered as if it exited.
          if (e && this.pending.delete(id)) resolve(undefined);
        });
      });
    });
  }

  /** Every live worker's answer; a worker that died meanwhile gives none. */
  private async broadcast(op: Call['op'], args: unknown[]): Promise<unknown[]> {
    return (await Promise.all([...this.workers].map((w) => this.call(w, op, args)))).filter((v) => v !== undefined);
  }

  async state(): Promise<ControlState> {
    const s = (await this.call([...this.workers][0], 'state', [])) as ControlState;
    return { ...s, workers: this.workers.size };
  }

  async setMode(target: string, mode: Mode | string): Promise<Mode> {
    const m = checkMode(mode);
    const [applied] = (await this.broadcast('setMode', [target, m])) as Mode[];
    const key = target === 'all' ? ALL : target;
    if (m.kind === 'up' || m.kind === 'crl-up') this.modes.delete(`crl:${key}`);
    if (m.kind === 'up') this.modes.delete(key);
    else if (isCrlMode(m)) {
      if (m.kind !== 'crl-up') this.modes.set(`crl:${key}`, { target: key, mode: m });
    } else this.modes.set(key, { target: key, mode: m });
    return applied;
  }

  clearMode(target: string): Promise<Mode> {
    return this.setMode(target, 'up');
  }

  async reload(target: string): Promise<string | undefined> {
    const errors = (await this.broadcast('reload', [target])) as Array<string | undefined>;
    return errors.find(Boolean);
  }

  async counters(): Promise<Counters> {
    const all = (await this.broadcast('counters', [])) as Counters[];
    return all.reduce(addCounters, { requests: 0, byStatus: {}, byMode: {} });
  }

  /** Every worker's metrics and the primary's own process metrics, for the admin port to sum. */
  async metrics(): Promise<MetricsJson[]> {
    const all = (await this.broadcast('metrics', [])) as MetricsJson[][];
    return [...all.flat(), await processMetrics()];
  }

  watch(fn: (b: FeedBatch) => void): () => void {
    this.watchers.add(fn);
    if (this.watchers.size === 1) for (const w of this.workers) w.send({ t: 'feed', on: true } satisfies ToWorker);
    return () => {
      if (!this.watchers.delete(fn) || this.watchers.size) return;
      for (const w of this.workers) if (w.isConnected()) w.send({ t: 'feed', on: false } satisfies ToWorker);
    };
  }

  async close(): Promise<void> {
    if (this.stopping) return this.done;
    this.stopping = true;
    await this.admin?.dispose();
    for (const w of this.workers) w.process.kill('SIGTERM');
    if (this.workers.size === 0) this.resolveDone();
    return this.done;
  }
}
