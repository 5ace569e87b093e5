// Fastify plugin for the OCSP endpoints: RFC 6960 appendix A over POST and GET, plus health.
//
// Logging policy (after cfssl): error level only for what an administrator can fix (bad index,
// missing file); a malformed client request is the client's problem and is logged at info with the
// other per-request lines, one line per request. Nothing secret reaches a log line: no key, no pass
// phrase, no token, no request headers.

import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MalformedRequest, parseRequest, type RequestLimits } from '../ocsp/request.js';
import { ERROR_RESPONSES } from '../ocsp/response.js';
import type { Reply, StatusSource } from './source.js';

export interface OcspRoutesOptions {
  source: StatusSource;
  limits: RequestLimits;
  /** Called once per answered request (counters, -nrequest). */
  onAnswered?: (r: Reply, modes: string[]) => void;
  /** Called with the socket of a request left unanswered on purpose (blackhole). */
  onHang?: (socket: import('node:net').Socket) => void;
}

const OCSP_RESPONSE = 'application/ocsp-response';

/** Turns a GET path into request bytes: base64, URL-encoded, possibly behind a path prefix. */
export function decodeGetPath(rawUrl: string): Buffer | undefined {
  const q = rawUrl.indexOf('?');
  let path = (q < 0 ? rawUrl : rawUrl.slice(0, q)).replace(/^\/+/, '');
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

export async function ocspRoutes(app: FastifyInstance, o: OcspRoutesOptions): Promise<void> {
  // Any content type: some clients send none, or a wrong one; the bytes decide.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  // Decided once: building the log object per request costs more than the request when unused.
  const infoOn = (app.log as { isLevelEnabled?: (l: string) => boolean }).isLevelEnabled?.('info') ?? false;

  const respond = async (req: FastifyRequest, res: FastifyReply, der: Buffer | undefined, method: string) => {
    const t0 = performance.now();
    let r: Reply;
    let note: string | undefined;
    const modes: string[] = [];
    if (der === undefined || der.length === 0) {
      r = { kind: 'ocsp', der: ERROR_RESPONSES.malformedRequest, status: 'malformedRequest' };
      note = der === undefined ? 'GET path is not a base64 OCSP request' : 'empty body';
    } else {
      try {
        r = await o.source.answer({ request: parseRequest(der, o.limits), now: new Date(), modes });
      } catch (e) {
        if (!(e instanceof MalformedRequest)) throw e;
        r = { kind: 'ocsp', der: ERROR_RESPONSES.malformedRequest, status: 'malformedRequest' };
        note = e.message;
      }
    }
    const ms = performance.now() - t0;
    logLine(req, r, method, ms, modes, note);
    o.onAnswered?.(r, modes);
    if (r.kind === 'hang') {
      res.hijack(); // never answer; the socket closes when the client or the listener gives up
      o.onHang?.(req.raw.socket);
      return;
    }
    if (r.kind === 'drop') {
      res.hijack();
      req.raw.socket.destroy();
      return;
    }
    if (r.kind === 'http') {
      return res.code(r.code).header('content-type', OCSP_RESPONSE).send(r.body);
    }
    res.header('content-type', OCSP_RESPONSE);
    if (method === 'GET' && r.cacheable && r.thisUpdate) {
      // RFC 5019 6.2: let HTTP caches keep a nonce-less answer until nextUpdate.
      const etag = `"${createHash('sha1').update(r.der).digest('hex')}"`;
      res.header('etag', etag).header('last-modified', r.thisUpdate.toUTCString());
      if (r.nextUpdate) {
        const maxAge = Math.max(0, Math.floor((r.nextUpdate.getTime() - Date.now()) / 1000));
        res.header('cache-control', `max-age=${maxAge}, public, no-transform, must-revalidate`).header('expires', r.nextUpdate.toUTCString());
      }
      // A 304 carries the same headers as the 200 would (RFC 7232 4.1).
      if (req.headers['if-none-match'] === etag) return res.code(304).send();
    }
    return res.send(r.der);
  };

  function logLine(req: FastifyRequest, r: Reply, method: string, ms: number, modes: string[], note?: string) {
    if (!infoOn) return;
    const answers = r.kind === 'ocsp' ? r.answers : undefined;
    req.log.info(
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

  // openssl answers a bare "GET /" with 200 as a health check; /healthz is the usual spelling.
  app.get('/', async (_req, res) => res.type('text/plain').send('OK\n'));
  app.get('/healthz', async (_req, res) => res.send({ status: 'ok' }));
  app.get('/*', (req, res) => respond(req, res, decodeGetPath(req.raw.url ?? ''), 'GET'));
  app.post('/*', (req, res) => respond(req, res, req.body as Buffer | undefined, 'POST'));
}
