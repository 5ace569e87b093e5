// The responder as a library: load CAs, assemble each CA's chain of sources, open listeners.
// The CLI, the drill runner and the tests all start responders through this class.

import type { FastifyServerOptions } from 'fastify';
import { DEFAULT_REQUEST_LIMITS, type RequestLimits } from '../ocsp/request.js';
import type { StoreLogger } from '../index/store.js';
import { indexSerial } from '../index/line.js';
import { CacheSource, DEFAULT_CACHE, type CacheOptions } from './cache-source.js';
import { loadCa, type CaConfig, type LoadedCa } from './ca-loader.js';
import { Listener, DEFAULT_SERVER_LIMITS, type ServerLimits } from './listener.js';
import { healthRoutes, ocspHandler } from './ocsp-routes.js';
import { adminListener, checkAdminOptions } from './admin-listener.js';
import { DEFAULT_HOST } from './bind.js';
import { Router, type Route } from './router.js';
import { FaultSource } from './fault-source.js';
import { checkMode, crlHttpFault, formatMode, isCrlMode, ModeError, type Mode } from './modes.js';
import { crlDocFor } from './crl-source.js';
import { crlHandler } from './crl-routes.js';
import type { Reply, StatusSource } from './source.js';
import type { ControlState, Counters, ResponderControl } from './control.js';
import { ResponderMetrics } from './metrics.js';
import { RequestFeed } from './feed.js';

export interface ResponderOptions {
  cas: CaConfig[];
  /** Address to bind; 127.0.0.1 unless told otherwise. */
  host?: string;
  /** Port serving every CA (0 picks a free one). */
  port: number;
  unknownIssuer?: 'unauthorized' | 'unknown';
  requestLimits?: Partial<RequestLimits>;
  serverLimits?: Partial<ServerLimits>;
  cache?: Partial<CacheOptions> | false;
  /** Stop after this many answered requests (openssl -nrequest). */
  nrequest?: number;
  /** fastify/pino logger options, or false for silence. */
  logger?: FastifyServerOptions['logger'];
  /** Admin API port (0 picks one); none when undefined. */
  adminPort?: number;
  /** Admin API address; 127.0.0.1 unless told otherwise, and then a token is required. */
  adminHost?: string;
  adminToken?: string;
  /** Largest Cache-Control max-age on cacheable answers and CRLs, in seconds (--max-age). */
  maxAge?: number;
}

export type { Counters } from './control.js';

/** Target of a mode: a CA's name, or ALL for every listener and CA. */
export const ALL = '*';

const UP: Mode = { kind: 'up' };

export class Responder {
  readonly listeners: Listener[] = [];
  /** The admin API listener, when an admin port was asked for. */
  admin?: Listener;
  readonly counters: Counters = { requests: 0, byStatus: {}, byMode: {} };
  /** Prometheus metrics of this process (GET /metrics on the admin port). */
  readonly metrics: ResponderMetrics;
  /** Requests as they are answered, for the console's live feed. */
  readonly feed = new RequestFeed();
  /** Each CA's cache of signed responses, when caching is on. */
  private readonly caches = new Map<string, CacheSource>();
  private readonly modeMap = new Map<string, Mode>();
  /** CRL modes, held beside the OCSP ones: a CA can have its OCSP down and its CRL stale at once. */
  private readonly crlModeMap = new Map<string, Mode>();
  private closing?: Promise<void>;
  /** Resolves when the responder stops by itself (-nrequest reached). */
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  private constructor(
    readonly cas: LoadedCa[],
    private readonly router: Router,
    private readonly o: ResponderOptions,
  ) {
    this.done = new Promise((r) => (this.resolveDone = r));
    this.metrics = new ResponderMetrics({
      cas: () => this.cas.map((c) => ({ name: c.name, source: c.source, store: c.store, cache: this.caches.get(c.name) })),
      listeners: () => this.listeners,
      modes: () => this.state().modes,
    });
  }

  static async create(o: ResponderOptions): Promise<Responder> {
    if (o.cas.length === 0) throw new Error('no CA configured');
    checkAdminOptions(o);
    // Index messages go to the first listener's logger once it exists (the CAs load first).
    const logger: StoreLogger = { info: () => undefined, error: (m) => process.stderr.write(`${m}\n`) };
    const cas: LoadedCa[] = [];
    for (const c of o.cas) cas.push(await loadCa(c, logger));
    const names = new Set<string>();
    for (const c of cas) {
      if (names.has(c.name)) c.name = `${c.name}-${cas.indexOf(c) + 1}`;
      names.add(c.name);
    }
    // Each CA's chain: faults → cache → index; the whole router sits under the listener-wide faults.
    const routes: Route[] = [];
    const r = new Responder(cas, new Router(routes, o.unknownIssuer), o);
    for (const ca of cas) {
      const cached = o.cache === false ? ca.source : new CacheSource(ca.source, { ...DEFAULT_CACHE, ...o.cache });
      if (cached instanceof CacheSource) r.caches.set(ca.name, cached);
      routes.push({ ca: ca.source, source: new FaultSource(cached, () => r.mode(ca.name), ca.name) });
    }
    const top = new FaultSource(r.router, () => r.mode(ALL));
    r.admin = adminListener(o, r.control());
    const host = o.host ?? DEFAULT_HOST;
    r.addListener('main', host, o.port, top);
    for (const ca of cas) if (ca.config.port !== undefined) r.addListener(ca.name, host, ca.config.port, top);
    const appLog = r.listeners[0].app.log;
    if (o.logger) {
      logger.info = (m) => appLog.info(m);
      logger.error = (m) => appLog.error(m);
    }
    for (const ca of cas) for (const w of ca.warnings) appLog.warn(`${ca.name}: ${w}`);
    return r;
  }

  private addListener(name: string, host: string, port: number, source: StatusSource): void {
    const limits = { ...DEFAULT_SERVER_LIMITS, ...this.o.serverLimits };
    const l = new Listener(name, host, port, limits, this.o.logger ?? false);
    const crl = crlHandler({
      lookup: (n) => {
        const ca = this.cas.find((c) => c.name === n);
        return ca && { origin: ca.crl, why: ca.crlWhy };
      },
      names: () => this.cas.map((c) => c.name),
      mode: (n) => this.crlMode(n),
      log: l.app.log,
      onHang: (socket) => l.hang(socket),
      onAnswered: (ca, what, mode, method, ms) => this.countCrl(ca, what, mode, method, ms),
      maxAge: this.o.maxAge,
    });
    const ocsp = ocspHandler({
      source,
      limits: { ...DEFAULT_REQUEST_LIMITS, ...this.o.requestLimits },
      bodyLimit: limits.bodyLimit,
      log: l.app.log,
      onAnswered: (reply, modes, method, ms) => this.count(reply, modes, method, ms),
      onHang: (socket) => l.hang(socket),
      maxAge: this.o.maxAge,
    });
    l.front = (req, res) => crl(req, res) || ocsp(req, res);
    l.app.register(healthRoutes);
    this.listeners.push(l);
  }

  /** The mode in force for a CA name or ALL. */
  mode(target: string): Mode {
    return this.modeMap.get(target) ?? UP;
  }

  /** The CRL mode for a CA: its own, else the one set for every CA. */
  crlMode(target: string): Mode {
    return this.crlModeMap.get(target) ?? this.crlModeMap.get(ALL) ?? UP;
  }

  /**
   * The CRL of a CA as its CRL mode makes it (expired, stale, another issuer's...), for whoever
   * publishes it elsewhere (the lab's LDAP server); modes about the connection (crl-down,
   * crl-blackhole) give the CRL itself. Undefined when the CA serves no CRL.
   */
  crlBytes(name: string, now = new Date()): Buffer | undefined {
    const ca = this.cas.find((c) => c.name === name);
    if (!ca?.crl) return undefined;
    return crlDocFor(ca.crl, crlHttpFault(this.crlMode(name)), now).der;
  }

  /** Every target with its mode, ALL first; `crl` when a CRL mode is set for it. */
  modes(): Array<{ target: string; mode: Mode; text: string; crl?: string }> {
    return [ALL, ...this.cas.map((c) => c.name)].map((target) => {
      const crl = this.crlModeMap.get(target);
      return { target, mode: this.mode(target), text: formatMode(this.mode(target)), ...(crl ? { crl: formatMode(crl) } : {}) };
    });
  }

  private checkTarget(target: string): string {
    if (target === ALL || target === 'all') return ALL;
    if (!this.cas.some((c) => c.name === target)) throw new ModeError(`no CA named "${target}" (served: ${this.cas.map((c) => c.name).join(', ')})`);
    return target;
  }

  /**
   * Sets a mode for a CA (by name) or for everything (ALL). "down" closes the affected ports so
   * clients are refused; any other mode reopens them unless something else keeps them down.
   */
  async setMode(target: string, mode: Mode | string): Promise<Mode> {
    const t = this.checkTarget(target);
    const m = checkMode(mode);
    const before = this.mode(t);
    const crlBefore = this.crlModeMap.get(t);
    if (m.kind === 'up') {
      this.modeMap.delete(t);
      this.crlModeMap.delete(t);
    } else if (m.kind === 'crl-up') this.crlModeMap.delete(t);
    else if (isCrlMode(m)) this.crlModeMap.set(t, m);
    else this.modeMap.set(t, m);
    if (crlBefore?.kind === 'crl-blackhole' && this.crlModeMap.get(t)?.kind !== 'crl-blackhole') for (const l of this.listeners) l.releaseHung();
    for (const l of this.listeners) {
      if (this.listenerDown(l)) await l.closePort();
      else if (!this.closing) await l.openPort();
    }
    if (before.kind === 'blackhole' && m.kind !== 'blackhole') for (const l of this.listeners) l.releaseHung();
    return m;
  }

  /**
   * A port is closed when everything is down, when it is a CA's own port and that CA is down, or
   * when it is the shared port and every CA on it is down (one CA served: its down closes the port).
   */
  /** This responder as the admin API sees it. */
  control(): ResponderControl {
    return {
      state: async () => this.state(),
      setMode: (t, m) => this.setMode(t, m),
      clearMode: (t) => this.clearMode(t),
      reload: async (t) => this.reload(t),
      counters: async () => this.counters,
      metrics: async () => [await this.metrics.json()],
      watch: (fn) => this.feed.subscribe(fn),
    };
  }

  state(): ControlState {
    return {
      modes: this.modes().map((m) => ({ target: m.target, mode: m.text, ...(m.crl ? { crl: m.crl } : {}) })),
      workers: 1,
      cas: this.cas.map((c) => {
        const snap = c.store.current();
        return {
          name: c.name,
          mode: formatMode(this.mode(c.name)),
          crlMode: formatMode(this.crlMode(c.name)),
          crl: c.crl ? c.crl.describe : `none (${c.crlWhy})`,
          index: c.store.path,
          entries: snap.db.size,
          generation: snap.generation,
          urls: this.listeners.filter((l) => l.name === 'main' || l.name === c.name).map((l) => ({ url: l.url, open: l.isOpen })),
        };
      }),
    };
  }

  private listenerDown(l: Listener): boolean {
    if (this.mode(ALL).kind === 'down') return true;
    if (l.name !== 'main') return this.mode(l.name).kind === 'down';
    return this.cas.every((c) => this.mode(c.name).kind === 'down');
  }

  clearMode(target: string): Promise<Mode> {
    return this.setMode(target, UP);
  }

  /** Re-reads a CA's index now; returns the error text when the file is bad. */
  reload(target: string): string | undefined {
    const t = this.checkTarget(target);
    const errors = this.cas.filter((c) => t === ALL || c.name === t).map((c) => c.store.reload());
    return errors.filter(Boolean).join('\n') || undefined;
  }

  private countCrl(ca: string, what: string, mode: string | undefined, method: string, ms: number): void {
    const result = what.startsWith('number') ? 'served' : what;
    const k = `crl-${result}`;
    this.counters.byStatus[k] = (this.counters.byStatus[k] ?? 0) + 1;
    const mk = mode ?? 'up';
    this.counters.byMode[mk] = (this.counters.byMode[mk] ?? 0) + 1;
    this.metrics.crl(ca, result, mk, ms / 1000);
    if (this.feed.active && this.feed.take()) this.feed.add({ at: Date.now(), kind: 'crl', ca, method, status: result, mode: mk, ms: Math.round(ms * 1000) / 1000, answer: 'fixed' });
  }

  private count(r: Reply, modes: string[], method: string, ms: number): void {
    this.counters.requests++;
    const a = r.kind === 'ocsp' && r.status === 'successful' ? r.answers : undefined;
    const k = a ? (a.length === 1 ? a[0].status : a.map((x) => x.status).join(',')) : r.kind === 'ocsp' ? r.status : r.kind === 'http' ? `http-${r.code}` : r.kind;
    this.counters.byStatus[k] = (this.counters.byStatus[k] ?? 0) + 1;
    const mk = modes.length ? modes.join(',') : 'up';
    this.counters.byMode[mk] = (this.counters.byMode[mk] ?? 0) + 1;
    this.metrics.ocsp(r, method, k, mk, ms / 1000);
    if (this.feed.active && this.feed.take()) {
      const answers = r.kind === 'ocsp' ? r.answers : undefined;
      this.feed.add({
        at: Date.now(),
        kind: 'ocsp',
        ca: r.ca ?? '',
        method,
        ...(answers ? { serial: answers.map((x) => indexSerial(x.serial)).join(',') } : {}),
        status: k,
        mode: mk,
        ms: Math.round(ms * 1000) / 1000,
        answer: a ? (r.kind === 'ocsp' && r.cached ? 'cached' : 'signed') : 'fixed',
      });
    }
    if (this.o.nrequest !== undefined && this.counters.requests >= this.o.nrequest) {
      // Let the reply go out before closing.
      setImmediate(() => void this.close());
    }
  }

  async start(): Promise<this> {
    for (const l of this.listeners) await l.openPort();
    await this.admin?.openPort();
    for (const ca of this.cas) ca.store.watch();
    return this;
  }

  /** URL of the shared port, or of a CA's own port. */
  url(name = 'main'): string {
    const l = this.listeners.find((x) => x.name === name);
    if (!l) throw new Error(`no listener ${name}`);
    return l.url;
  }

  get port(): number {
    return this.listeners[0].port;
  }

  async close(): Promise<void> {
    this.closing ??= (async () => {
      this.feed.close();
      for (const l of this.listeners) await l.dispose();
      await this.admin?.dispose();
      for (const ca of this.cas) ca.store.close();
      this.resolveDone();
    })();
    return this.closing;
  }
}
