// The responder as a library: load CAs, assemble each CA's chain of sources, open listeners.
// The CLI, the drill runner and the tests all start responders through this class.

import type { FastifyServerOptions } from 'fastify';
import { DEFAULT_REQUEST_LIMITS, type RequestLimits } from '../ocsp/request.js';
import type { StoreLogger } from '../index/store.js';
import { CacheSource, DEFAULT_CACHE, type CacheOptions } from './cache-source.js';
import { loadCa, type CaConfig, type LoadedCa } from './ca-loader.js';
import { Listener, DEFAULT_SERVER_LIMITS, type ServerLimits } from './listener.js';
import { ocspRoutes } from './ocsp-routes.js';
import { Router, type Route } from './router.js';
import type { Reply, StatusSource } from './source.js';

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
}

export interface Counters {
  requests: number;
  byStatus: Record<string, number>;
}

export class Responder {
  readonly listeners: Listener[] = [];
  readonly counters: Counters = { requests: 0, byStatus: {} };
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
  }

  static async create(o: ResponderOptions): Promise<Responder> {
    if (o.cas.length === 0) throw new Error('no CA configured');
    // Index messages go to the first listener's logger once it exists (the CAs load first).
    const logger: StoreLogger = { info: () => undefined, error: (m) => process.stderr.write(`${m}\n`) };
    const cas: LoadedCa[] = [];
    for (const c of o.cas) cas.push(await loadCa(c, logger));
    const names = new Set<string>();
    for (const c of cas) {
      if (names.has(c.name)) c.name = `${c.name}-${cas.indexOf(c) + 1}`;
      names.add(c.name);
    }
    const routes: Route[] = cas.map((ca) => ({ ca: ca.source, source: o.cache === false ? ca.source : new CacheSource(ca.source, { ...DEFAULT_CACHE, ...o.cache }) }));
    const r = new Responder(cas, new Router(routes, o.unknownIssuer), o);
    const host = o.host ?? '127.0.0.1';
    r.addListener('main', host, o.port, r.router);
    for (const ca of cas) if (ca.config.port !== undefined) r.addListener(ca.name, host, ca.config.port, r.router);
    const appLog = r.listeners[0].app.log;
    if (o.logger) {
      logger.info = (m) => appLog.info(m);
      logger.error = (m) => appLog.error(m);
    }
    for (const ca of cas) for (const w of ca.warnings) appLog.warn(`${ca.name}: ${w}`);
    return r;
  }

  private addListener(name: string, host: string, port: number, source: StatusSource): void {
    const l = new Listener(name, host, port, { ...DEFAULT_SERVER_LIMITS, ...this.o.serverLimits }, this.o.logger ?? false);
    l.app.register(ocspRoutes, {
      source,
      limits: { ...DEFAULT_REQUEST_LIMITS, ...this.o.requestLimits },
      onAnswered: (reply) => this.count(reply),
    });
    this.listeners.push(l);
  }

  private count(r: Reply): void {
    this.counters.requests++;
    const k = r.kind === 'ocsp' ? r.status : r.kind;
    this.counters.byStatus[k] = (this.counters.byStatus[k] ?? 0) + 1;
    if (this.o.nrequest !== undefined && this.counters.requests >= this.o.nrequest) {
      // Let the reply go out before closing.
      setImmediate(() => void this.close());
    }
  }

  async start(): Promise<this> {
    for (const l of this.listeners) await l.openPort();
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
      for (const l of this.listeners) await l.dispose();
      for (const ca of this.cas) ca.store.close();
      this.resolveDone();
    })();
    return this.closing;
  }
}
