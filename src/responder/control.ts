// What the admin API drives: one responder in this process, or a cluster of worker processes
// behind the primary (cluster.ts). Both answer the same questions the same way.

import type { Mode } from './modes.js';
import type { MetricsJson } from './metrics.js';
import type { FeedBatch } from './feed.js';

export interface CaState {
  name: string;
  mode: string;
  /** The CRL mode in force ("up" when none). */
  crlMode?: string;
  /** Where /crl/<name>.crl comes from: "signed from the index", "file PATH" or "none (why)". */
  crl?: string;
  index: string;
  entries: number;
  generation: number;
  urls: Array<{ url: string; open: boolean }>;
}

export interface ControlState {
  modes: Array<{ target: string; mode: string; crl?: string }>;
  cas: CaState[];
  workers: number;
}

export interface Counters {
  requests: number;
  /** By OCSP response status, or certificate status for successful answers, or hang/drop/http. */
  byStatus: Record<string, number>;
  /** By mode that applied ("up" when none). */
  byMode: Record<string, number>;
}

export interface ResponderControl {
  state(): Promise<ControlState>;
  setMode(target: string, mode: Mode | string): Promise<Mode>;
  clearMode(target: string): Promise<Mode>;
  /** Re-reads indexes now; the error text when a file is bad. */
  reload(target: string): Promise<string | undefined>;
  counters(): Promise<Counters>;
  /** This responder's Prometheus metrics as prom-client JSON: one list per process (the admin
   *  port aggregates them), so one process and many workers are served the same way. */
  metrics(): Promise<MetricsJson[]>;
  /** Calls `fn` with each batch of the live feed of requests until the returned function is called. */
  watch(fn: (b: FeedBatch) => void): () => void;
}

export function addCounters(a: Counters, b: Counters): Counters {
  const sum = (x: Record<string, number>, y: Record<string, number>) => {
    const out = { ...x };
    for (const [k, v] of Object.entries(y)) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  return { requests: a.requests + b.requests, byStatus: sum(a.byStatus, b.byStatus), byMode: sum(a.byMode, b.byMode) };
}
