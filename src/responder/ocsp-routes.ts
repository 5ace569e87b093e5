// The OCSP endpoints: RFC 6960 appendix A over POST and GET, as a plain node:http handler that
// the listener tries before handing a request to fastify (which keeps the health routes, 404s and
// the admin API).
//
// Why not fastify routes: OCSP is one endpoint with one body type, and fastify's per-request
// machinery (router, content-type parser, Reply and Request objects, hooks, a child logger) was
// measurable on the hot path: without it the cached keep-alive path went from 13.5k to 16.5k
// req/s on one worker. The handler below does the same job with one body read, one lookup and one
// write. It enforces the limits fastify enforced (bodyLimit with 413 before reading,
// Connection: close on errors) itself.
//
// Logging policy (after cfssl): error level only for what an administrator can fix (bad index,
// missing file); a malformed client request is the client's problem and is logged at info with the
// other per-request lines, one line per request. Nothing secret reaches a log line: no key, no pass
// phrase, no token, no request headers.

import { createHash } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { MalformedRequest, parseRequest, type RequestLimits } from '../ocsp/request.js';
import { ERROR_RESPONSES } from '../ocsp/response.js';
import { ioTurn } from '../index/store.js';
import type { Reply, StatusSource } from './source.js';
import { addCacheHeaders, notModified } from './cache-headers.js';

export interface OcspHandlerOptions {
  source: StatusSource;
  limits: RequestLimits;
  /** Largest request body accepted; a larger one gets 413 without being read. */
  bodyLimit: number;
  log: FastifyBaseLogger;
  /** Called once per answered request (counters, metrics, the live feed, -nrequest), with the
   *  method and the ms from the whole request read to its answer. */
  onAnswered?: (r: Reply, modes: string[], method: string, ms: number) => void;
  /** Called with the socket of a request left unanswered on purpose (blackhole). */
  onHang?: (socket: import('node:net').Socket) => void;
  /** Largest Cache-Control max-age sent, in seconds (--max-age); default: up to nextUpdate. */
  maxAge?: number;
}

/** Handles a request and returns true, or returns false to leave it to the next handler. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

const OCSP_RESPONSE = 'application/ocsp-response';
const MALFORMED: Reply = { kind: 'ocsp', der: ERROR_RESPONSES.malformedRequest, status: 'malformedRequest' };
const NO_MODES: string[] = [];

/** A request target without its query string. */
function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** Turns a GET path into request bytes: base64, URL-encoded, possibly behind a path prefix. */
export function decodeGetPath(rawUrl: string): Buffer | undefined {
  let path = pathOf(rawUrl).replace(/^\/+/, '');
  // decodeURIComponent, not a query decoder: '+' is a base64 digit here, never a space.
  try {
    path = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  // Base64 may itself contain '/', so try the whole path first, then drop leading segments
  // (a responder URL with a path, like http://host/ocsp/<request>).
  for (let p = path; ; ) {
    const b64 = p.replace(/\s/g, '');
    if (/^[A-Za-z0-9+/_-]+=*$/.test(b64) && b64.length >= 8) {
      const der = Buffer.from(b64.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
      if (der.length > 0 && der[0] === 0x30) return der;
    }
    const i = p.indexOf('/');
    if (i < 0) return undefined;
    p = p.slice(i + 1);
  }
}

/** GET paths that are not OCSP requests: openssl answers a bare "GET /" as a health check. */
function isHealthPath(url: string): boolean {
  const path = pathOf(url);
  return path === '/' || path === '/healthz';
}

export function ocspHandler(o: OcspHandlerOptions): RequestHandler {
  // Decided once: building the log object per request costs more than the request when unused.
  const infoOn = (o.log as { isLevelEnabled?: (l: string) => boolean }).isLevelEnabled?.('info') ?? false;

  function reject(res: ServerResponse, code: number, text: string): void {
    // Close: the rest of an oversized body is never read, so the connection cannot be reused.
    res.writeHead(code, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text), connection: 'close' });
    res.end(text);
  }

  /** Collects a POST body up to the limit, then answers it. */
  function readBody(req: IncomingMessage, res: ServerResponse): void {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > o.bodyLimit) {
      return reject(res, 413, `request body of ${declared} bytes is over the ${o.bodyLimit}-byte limit\n`);
    }
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > o.bodyLimit) {
        req.off('data', onData).off('end', onEnd);
        return reject(res, 413, `request body over the ${o.bodyLimit}-byte limit\n`);
      }
      if (first === undefined) first = chunk;
      else (more ??= [first]).push(chunk);
    };
    const onEnd = () => run(req, res, more ? Buffer.concat(more, size) : (first ?? Buffer.alloc(0)), 'POST');
    req.on('data', onData).on('end', onEnd);
  }

  function run(req: IncomingMessage, res: ServerResponse, der: Buffer | undefined, method: string): void {
    answer(req, res, der, method).catch((e: unknown) => {
      o.log.error({ err: e }, 'ocsp: failed to send an answer');
      res.destroy();
    });
  }

  async function answer(req: IncomingMessage, res: ServerResponse, der: Buffer | undefined, method: string): Promise<void> {
    const t0 = performance.now();
    let r: Reply = MALFORMED;
    let note: string | undefined;
    let modes = NO_MODES;
    let failed = false;
    if (der === undefined || der.length === 0) {
      note = der === undefined ? 'GET path is not a base64 OCSP request' : 'empty body';
    } else {
      try {
        const request = parseRequest(der, o.limits);
        modes = [];
        const a = o.source.answer({ request, now: new Date(), modes, turn: ioTurn() });
        r = a instanceof Promise ? await a : a;
      } catch (e) {
        if (e instanceof MalformedRequest) note = e.message;
        else {
          // A bug, not the client's fault: say so in the log and answer internalError.
          o.log.error({ err: e }, 'ocsp: failed to answer');
          r = { kind: 'ocsp', der: ERROR_RESPONSES.internalError, status: 'internalError' };
          note = 'internal error';
          failed = true;
        }
      }
    }
    const ms = performance.now() - t0;
    if (infoOn) logLine(r, method, ms, modes, note);
    o.onAnswered?.(r, modes, method, ms);
    send(req, res, r, method, failed ? 500 : 200);
  }

  function send(req: IncomingMessage, res: ServerResponse, r: Reply, method: string, code: number): void {
    if (r.kind === 'hang') {
      o.onHang?.(req.socket); // never answer; the socket closes when the client or the listener gives up
      return;
    }
    if (r.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (r.kind === 'http') {
      res.writeHead(r.code, { 'content-type': OCSP_RESPONSE, 'content-length': r.body.length });
      res.end(r.body);
      return;
    }
    const headers: OutgoingHttpHeaders = { 'content-type': OCSP_RESPONSE };
    if (method === 'GET' && r.cacheable && r.thisUpdate) {
      // RFC 5019 6.2: let HTTP caches keep a nonce-less answer until nextUpdate.
      addCacheHeaders(headers, `"${createHash('sha1').update(r.der).digest('hex')}"`, r.thisUpdate, r.nextUpdate, Date.now(), o.maxAge);
      if (notModified(req, res, headers)) return;
    }
    headers['content-length'] = r.der.length;
    res.writeHead(code, headers);
    res.end(r.der);
  }

  function logLine(r: Reply, method: string, ms: number, modes: string[], note?: string) {
    const answers = r.kind === 'ocsp' ? r.answers : undefined;
    o.log.info(
      {
        method,
        ca: r.ca,
        serial: answers?.map((a) => a.serial).join(','),
        status: r.kind === 'ocsp' ? (answers?.map((a) => a.status).join(',') ?? r.status) : r.kind === 'http' ? `http ${r.code}` : 'no answer',
        mode: modes.length ? modes.join(',') : undefined,
        cached: r.kind === 'ocsp' && r.cached ? true : undefined,
        ms: Math.round(ms * 1000) / 1000,
        note,
      },
      'ocsp',
    );
  }

  return (req, res) => {
    if (req.method === 'POST') {
      readBody(req, res);
      return true;
    }
    if (req.method === 'GET' && !isHealthPath(req.url ?? '/')) {
      run(req, res, decodeGetPath(req.url ?? ''), 'GET');
      return true;
    }
    return false;
  };
}

/** The routes left to fastify on an OCSP port: health checks. */
export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/', async (_req, res) => res.type('text/plain').send('OK\n'));
  app.get('/healthz', async (_req, res) => res.send({ status: 'ok' }));
}
