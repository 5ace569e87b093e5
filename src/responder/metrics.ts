// Prometheus metrics of one responder process (prom-client), and the one way they are served:
// every process gives its metrics as prom-client JSON (ResponderControl.metrics), and the admin
// port aggregates the list with AggregatorRegistry.aggregate, one process or many workers alike.
//
// The hot path pays for counting only, never for labels: prom-client's Counter#labels() child
// binds the label object but hashes it again on every inc() (prom-client 15: a string built from
// the label values per call), so requests are counted in cells found by nested Map lookups of
// strings the responder already has (CA, method, status, mode), and the cells are copied into
// prom-client counters when /metrics is scraped (their collect()). Cache hits and misses,
// signatures and index reloads are plain numbers their owners already keep, read the same way.
// The latency histograms count into an array (Histogram#observe builds a label object, hashes it
// and allocates a closure per call: about 200 ns, measured here) and give prom-client the same
// series at scrape time (CountedHistogram#get).

import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValue, type MetricValueWithName } from 'prom-client';
import type { CacheSource } from './cache-source.js';
import type { CaSource } from './ca-source.js';
import type { IndexStore } from '../index/store.js';
import type { Reply } from './source.js';

export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** What the metrics read at scrape time. */
export interface MetricsSources {
  cas(): Array<{ name: string; source: CaSource; store: IndexStore; cache?: CacheSource }>;
  listeners(): Array<{ name: string; connections: number }>;
  modes(): Array<{ target: string; mode: string; crl?: string }>;
}

interface Cell {
  n: number;
  labels: Record<string, string>;
}

type Level<T> = Map<string, T>;

/** Seconds: from a cache hit (µs) to a blackholed or slow answer. */
const BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * A prom-client histogram without labels whose observations are counted in place: record() is a
 * few compares and three additions. At scrape time it gives the registry the series prom-client's
 * own Histogram gives (cumulative _bucket with le, +Inf, _sum, _count): Histogram#get() and the
 * registry's text output both read getForPromString(), which this class answers from its counts
 * (test/metrics.test.ts compares text and JSON with prom-client's Histogram fed the same values).
 */
export class CountedHistogram extends Histogram<string> {
  private readonly bounds: number[];
  private readonly counts: Float64Array;
  private total = 0;
  private n = 0;

  constructor(name: string, help: string, buckets: number[], registry: Registry) {
    super({ name, help, buckets, registers: [registry] });
    this.bounds = [...buckets].sort((a, b) => a - b);
    this.counts = new Float64Array(buckets.length);
  }

  record(v: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > b[i]!) i++;
    if (i < b.length) this.counts[i]!++;
    this.total += v;
    this.n++;
  }

  async getForPromString(): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
    const self = this as unknown as { name: string; help: string; type: never; aggregator: never };
    const bucket = `${self.name}_bucket`;
    // The value objects prom-client's Histogram builds (setValuePair), in its order.
    const pair = (labels: object, value: number, metricName: string, exemplar?: null) => ({ labels, sharedLabels: {}, value, metricName, exemplar }) as never;
    const values: Array<MetricValueWithName<string>> = [];
    let acc = 0;
    this.bounds.forEach((le, i) => {
      acc += this.counts[i]!;
      values.push(pair({ le }, acc, bucket, null));
    });
    values.push(pair({ le: '+Inf' }, this.n, bucket, null));
    values.push(pair({}, this.total, `${self.name}_sum`));
    values.push(pair({}, this.n, `${self.name}_count`));
    return { name: self.name, help: self.help, type: self.type, values, aggregator: self.aggregator } as never;
  }
}

let processRegistry: Registry | undefined;
/** Process metrics (CPU, memory, event loop, GC), one set per process, started at the first scrape. */
export async function processMetrics(): Promise<MetricsJson> {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry.getMetricsAsJSON();
}

/** The Prometheus text of several processes' metrics, summed (or max/min where a metric says). */
export async function metricsText(all: MetricsJson[]): Promise<{ contentType: string; text: string }> {
  const reg = AggregatorRegistry.aggregate(all);
  return { contentType: reg.contentType, text: await reg.metrics() };
}

export class ResponderMetrics {
  readonly registry = new Registry();
  /** ca → method → status key → mode → cell. */
  private readonly ocspCells: Level<Level<Level<Level<Cell>>>> = new Map();
  /** ca → result → mode → cell. */
  private readonly crlCells: Level<Level<Level<Cell>>> = new Map();
  private readonly ocspSeconds: CountedHistogram;
  private readonly crlSeconds: CountedHistogram;

  constructor(src: MetricsSources) {
    const r = this.registry;
    const fromCells = (counter: Counter<string>, cells: () => Iterable<Cell>) => {
      counter.reset();
      for (const c of cells()) counter.inc(c.labels, c.n);
    };
    const self = this;
    new Counter({
      name: 'ocsplab_ocsp_requests_total',
      help: 'OCSP requests answered, by CA, HTTP method, OCSP response status (or http-NNN, hang, drop), certificate status and mode in force',
      labelNames: ['ca', 'method', 'response_status', 'cert_status', 'mode'],
      registers: [r],
      collect() {
        fromCells(this, () => self.ocspCellList());
      },
    });
    new Counter({
      name: 'ocsplab_crl_requests_total',
      help: 'CRL requests (GET /crl/<ca>.crl|.pem), by CA, result (served, not-modified, dropped, hang, http-404) and CRL mode',
      labelNames: ['ca', 'result', 'mode'],
      registers: [r],
      collect() {
        fromCells(this, () => self.crlCellList());
      },
    });
    this.ocspSeconds = new CountedHistogram('ocsplab_ocsp_request_duration_seconds', 'Time from a whole OCSP request read to its answer handed to the socket', BUCKETS, r);
    this.crlSeconds = new CountedHistogram('ocsplab_crl_request_duration_seconds', 'Time to answer a CRL request', BUCKETS, r);
    const perCa = (name: string, help: string, read: (c: ReturnType<MetricsSources['cas']>[number]) => number | undefined, gauge = false) => {
      const o = {
        name,
        help,
        labelNames: ['ca'],
        registers: [r],
        collect(this: Counter<string> | Gauge<string>) {
          this.reset();
          for (const c of src.cas()) {
            const v = read(c);
            if (v === undefined) continue;
            if (this instanceof Gauge) this.set({ ca: c.name }, v);
            else this.inc({ ca: c.name }, v);
          }
        },
      };
      // A gauge every worker reports alike (index size, load time): the largest, not the sum.
      return gauge ? new Gauge({ ...o, aggregator: 'max' }) : new Counter(o);
    };
    perCa('ocsplab_cache_hits_total', 'Answers served from the cache of signed responses (requests without a nonce)', (c) => c.cache?.hits);
    perCa('ocsplab_cache_misses_total', 'Cacheable requests that had to be signed (not cached yet, or their index lines changed)', (c) => c.cache?.misses);
    perCa('ocsplab_signatures_total', 'OCSP responses signed', (c) => c.source.signatures);
    perCa('ocsplab_index_reloads_total', 'Times index.txt was read again after a change', (c) => c.store.reloads);
    perCa('ocsplab_index_reload_errors_total', 'Re-reads of index.txt that failed (bad line, unreadable); the last good index kept answering', (c) => c.store.reloadErrors);
    perCa('ocsplab_index_last_good_load_timestamp_seconds', 'When the index now answering was loaded (Unix time)', (c) => c.store.current().loadedAt.getTime() / 1000, true);
    perCa('ocsplab_index_entries', 'Lines in the index now answering', (c) => c.store.current().db.size, true);
    new Gauge({
      name: 'ocsplab_open_connections',
      help: 'TCP connections open on the OCSP ports, by listener (main: the shared port; a CA name: its own port)',
      labelNames: ['listener'],
      registers: [r],
      collect() {
        this.reset();
        for (const l of src.listeners()) this.set({ listener: l.name }, l.connections);
      },
    });
    new Gauge({
      name: 'ocsplab_mode_info',
      help: 'The mode in force (1) per target (* is every CA) and kind (ocsp, crl)',
      labelNames: ['target', 'kind', 'mode'],
      aggregator: 'max',
      registers: [r],
      collect() {
        this.reset();
        for (const m of src.modes()) {
          this.set({ target: m.target, kind: 'ocsp', mode: m.mode }, 1);
          if (m.crl) this.set({ target: m.target, kind: 'crl', mode: m.crl }, 1);
        }
      },
    });
  }

  /**
   * Counts one OCSP answer. `key` is the responder's status key (certificate status when
   * successful, else the response status), `mode` its mode key: strings it builds anyway.
   */
  ocsp(r: Reply, method: string, key: string, mode: string, seconds: number): void {
    const ca = r.ca ?? '';
    let a = this.ocspCells.get(ca);
    if (!a) this.ocspCells.set(ca, (a = new Map()));
    let b = a.get(method);
    if (!b) a.set(method, (b = new Map()));
    let c = b.get(key);
    if (!c) b.set(key, (c = new Map()));
    let cell = c.get(mode);
    if (!cell) {
      const ok = r.kind === 'ocsp' && r.status === 'successful';
      const response = r.kind === 'ocsp' ? r.status : r.kind === 'http' ? `http-${r.code}` : r.kind;
      c.set(mode, (cell = { n: 0, labels: { ca: ca || 'none', method, response_status: response, cert_status: ok ? key : 'none', mode } }));
    }
    cell.n++;
    this.ocspSeconds.record(seconds);
  }

  crl(ca: string, result: string, mode: string, seconds: number): void {
    let a = this.crlCells.get(ca);
    if (!a) this.crlCells.set(ca, (a = new Map()));
    let b = a.get(result);
    if (!b) a.set(result, (b = new Map()));
    let cell = b.get(mode);
    if (!cell) b.set(mode, (cell = { n: 0, labels: { ca, result, mode } }));
    cell.n++;
    this.crlSeconds.record(seconds);
  }

  private *ocspCellList(): Iterable<Cell> {
    for (const a of this.ocspCells.values()) for (const b of a.values()) for (const c of b.values()) yield* c.values();
  }

  private *crlCellList(): Iterable<Cell> {
    for (const a of this.crlCells.values()) for (const b of a.values()) yield* b.values();
  }

  /** This process's metrics with its process metrics, as prom-client JSON (one element of metricsText's list). */
  async json(): Promise<MetricsJson> {
    return [...(await this.registry.getMetricsAsJSON()), ...(await processMetrics())];
  }
}
