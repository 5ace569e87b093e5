// Server-Sent Events on the admin port (GET /api/events): the console's one stream. The admin API
// publishes the responders' state when it changes and the live feed of requests; plugins added
// to the admin listener (the lab's routes) publish their own events on the same stream. Nothing
// is polled by the page: whatever changes is pushed.
//
// A stream that cannot keep up (its socket buffer full) misses feed batches until it drains;
// every other event is always written, so a slow page shows a thinner feed, never a stale state.

import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

export type EventPair = [event: string, data: unknown];

export class AdminEvents {
  /** Each open stream with the test its request passed: a stream whose session was logged out or
   *  expired is ended (the page then finds it must log in again), not left streaming. */
  private readonly streams = new Map<ServerResponse, () => boolean>();

  /** `allowed(req)`: the admin guard's rule, asked again for open streams. */
  constructor(private readonly allowed: (req: FastifyRequest) => boolean = () => true) {}
  private readonly snapshots: Array<() => Promise<EventPair[]> | EventPair[]> = [];
  private readonly starters: Array<() => () => void> = [];
  private stops: Array<() => void> = [];
  private heartbeat?: NodeJS.Timeout;

  /** Events sent to each new stream first (the current state of what a plugin shows). */
  onSnapshot(fn: () => Promise<EventPair[]> | EventPair[]): void {
    this.snapshots.push(fn);
  }

  /** Runs `start` while at least one stream is open; it returns its stop. */
  whileOpen(start: () => () => void): void {
    this.starters.push(start);
    if (this.streams.size) this.stops.push(start());
  }

  get listeners(): number {
    return this.streams.size;
  }

  publish(event: string, data: unknown): void {
    if (!this.streams.size) return;
    const text = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const s of this.streams.keys()) {
      if (event === 'feed' && s.writableNeedDrain) continue;
      s.write(text);
    }
  }

  /** Answers GET /api/events: takes the socket over from fastify and keeps it open. */
  async open(res: FastifyReply): Promise<void> {
    const raw = res.raw;
    // Headers fastify set on the reply (the guard's) are applied by hand once the reply is taken over.
    for (const [k, v] of Object.entries(res.getHeaders())) if (v !== undefined) raw.setHeader(k, v as string);
    res.hijack();
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    raw.write('retry: 1000\n\n');
    const first: EventPair[] = [];
    for (const f of this.snapshots) first.push(...(await f()));
    for (const [e, d] of first) raw.write(`event: ${e}\ndata: ${JSON.stringify(d)}\n\n`);
    if (raw.destroyed) return;
    const req = res.request;
    this.streams.set(raw, () => this.allowed(req));
    if (this.streams.size === 1) {
      this.stops = this.starters.map((s) => s());
      this.heartbeat = setInterval(() => {
        this.recheck();
        for (const s of this.streams.keys()) s.write(': keep-alive\n\n');
      }, 15_000);
      this.heartbeat.unref();
    }
    raw.once('close', () => this.drop(raw));
  }

  private drop(raw: ServerResponse): void {
    if (!this.streams.delete(raw) || this.streams.size) return;
    for (const stop of this.stops) stop();
    this.stops = [];
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  /** Ends the streams whose request would no longer be let in (logout now, session expiry at the
   *  next heartbeat). */
  recheck(): void {
    for (const [s, ok] of [...this.streams]) {
      if (ok()) continue;
      s.end();
      this.drop(s);
    }
  }

  /** Ends every stream (the port is closing). */
  closeAll(): void {
    for (const s of [...this.streams.keys()]) {
      s.end();
      this.drop(s);
    }
  }
}
