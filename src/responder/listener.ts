// One listening port backed by a fastify app, that can be closed and opened again at run time
// (a responder taken "down" must refuse connections exactly as a stopped process does).

import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { RequestHandler } from './ocsp-routes.js';

export interface ServerLimits {
  /** Largest request body accepted; larger gets 413 without being read. */
  bodyLimit: number;
  /** Whole request must arrive within this many ms (openssl -timeout). */
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Most header bytes (node's --max-http-header-size default is 16 KiB). */
  maxHeaderSize: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  bodyLimit: 64 * 1024,
  requestTimeoutMs: 10_000,
  headersTimeoutMs: 5_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderSize: 8 * 1024,
};

/**
 * How often node looks for connections past headersTimeout / requestTimeout. Node's default is
 * 30 s, so a client stalled mid-headers or mid-body held its socket up to 30 s past the configured
 * limit (test/harden-limits.test.ts measured 4 s+ for a 0.5 s limit). A fifth of the shortest
 * limit, capped at 1 s, keeps the overshoot small; the sweep walks only open connections.
 */
export function checkingInterval(l: Pick<ServerLimits, 'headersTimeoutMs' | 'requestTimeoutMs'>): number {
  const shortest = Math.min(...[l.headersTimeoutMs, l.requestTimeoutMs].filter((n) => n > 0), 5_000);
  return Math.max(10, Math.min(1_000, Math.floor(shortest / 5)));
}

/**
 * Answers a request node could not parse (408 time-out, 431 headers too large, 400) and closes.
 * Fastify's default handler sends the same status but without `Connection: close`, so a keep-alive
 * client put the socket back in its pool and its next request died with "socket hang up"
 * (test/harden-fuzz.test.ts hit this after a 431). Saying "close" lets the client retire it.
 */
function closeOnClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const code = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  if (socket.writable) socket.write(`HTTP/1.1 ${code} ${STATUS_CODES[code]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

export class Listener {
  readonly app: FastifyInstance;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  /** Requests in flight per socket: a port going down lets these finish (they arrived while up). */
  private readonly inFlight = new Map<Socket, number>();
  /** Sockets left unanswered on purpose (blackhole), closed when the mode ends. */
  private readonly hung = new Set<Socket>();
  private open = false;
  /** Requests that reached the application, and responses fully handed to the kernel. */
  readonly stats = { received: 0, answered: 0 };
  /** Port actually bound (resolved from 0 on first open, then kept so "up" reopens the same one). */
  port: number;
  /** Tried before fastify: a handler that takes the requests it wants (the OCSP endpoints). */
  front?: RequestHandler;
  /** Run when the port closes, before waiting for requests in flight: long-lived answers (the
   *  admin port's event streams) end here, so closing does not wait for them. */
  readonly beforeClose = new Set<() => void>();

  constructor(
    readonly name: string,
    readonly host: string,
    port: number,
    limits: ServerLimits,
    logger: FastifyServerOptions['logger'],
  ) {
    this.port = port;
    let server!: Server;
    this.app = Fastify({
      logger,
      // The OCSP handler logs one line per request itself (ocsp-routes.ts).
      logController: new LogController({ disableRequestLogging: true }),
      bodyLimit: limits.bodyLimit,
      clientErrorHandler: closeOnClientError,
      routerOptions: { maxParamLength: 65_536 },
      serverFactory: (handler) => {
        server = createServer(
          { maxHeaderSize: limits.maxHeaderSize, connectionsCheckingInterval: checkingInterval(limits) },
          (req: IncomingMessage, res: ServerResponse) => {
            this.track(req, res);
            if (!this.front?.(req, res)) handler(req, res);
          },
        );
        return server;
      },
    });
    this.server = server;
    this.server.requestTimeout = limits.requestTimeoutMs;
    this.server.headersTimeout = limits.headersTimeoutMs;
    this.server.keepAliveTimeout = limits.keepAliveTimeoutMs;
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => {
        this.sockets.delete(s);
        this.inFlight.delete(s);
        this.hung.delete(s);
      });
    });
  }

  /** Counts a request and holds its socket open while it is answered (see closePort). */
  private track(req: IncomingMessage, res: ServerResponse): void {
    const s = req.socket;
    this.stats.received++;
    this.inFlight.set(s, (this.inFlight.get(s) ?? 0) + 1);
    // One listener per request: 'close' follows 'finish' when the answer was handed over.
    res.once('close', () => {
      if (res.writableFinished) this.stats.answered++;
      const n = (this.inFlight.get(s) ?? 1) - 1;
      if (n > 0) this.inFlight.set(s, n);
      else this.inFlight.delete(s);
      if (!this.open && n <= 0) s.destroy();
    });
  }

  /** Remembers a socket whose request is left unanswered (blackhole). */
  hang(s: Socket): void {
    this.hung.add(s);
  }

  /** Ends every unanswered request: the blackhole is over. */
  releaseHung(): void {
    for (const s of this.hung) s.destroy();
    this.hung.clear();
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Connections open now (metrics). */
  get connections(): number {
    return this.sockets.size;
  }

  get url(): string {
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  async openPort(): Promise<void> {
    if (this.open) return;
    await this.app.ready();
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.server.once('error', onError);
      this.server.listen({ port: this.port, host: this.host }, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    const addr = this.server.address();
    if (addr && typeof addr === 'object') this.port = addr.port;
    this.open = true;
  }

  /**
   * Closes the port, so new connections are refused as if the process had stopped. Idle and
   * blackholed connections close now; a request already being answered gets its answer first.
   */
  async closePort(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const f of this.beforeClose) f();
    this.releaseHung();
    for (const s of this.sockets) if (!this.inFlight.has(s)) s.destroy();
    await closed;
  }

  async dispose(): Promise<void> {
    await this.closePort();
    await this.app.close();
  }
}
