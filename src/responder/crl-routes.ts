// CRLs over HTTP beside OCSP, on the same port: GET /crl/<ca>.crl (DER, application/pkix-crl, the
// form CRL Distribution Points name) and /crl/<ca>.pem. Cache headers after RFC 5019 6.2 applied to
// CRLs: ETag and Last-Modified (thisUpdate), max-age up to nextUpdate, and 304 with the same headers
// as the 200 (RFC 7232 4.1) on a conditional GET or HEAD: If-None-Match (a list, weak comparison,
// '*'), else If-Modified-Since no earlier than thisUpdate (RFC 7232 3.3, 6) — what CRL fetchers
// such as Windows CryptoAPI, curl -z and HTTP caches revalidating without an ETag send.

import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { crlToPem } from '../crl/encode.js';
import { crlDocFor, type CrlDoc, type CrlOrigin } from './crl-source.js';
import { crlHttpFault, ldapFault, LDAP_MODE_HEADER, type Mode } from './modes.js';
import type { RequestHandler } from './ocsp-routes.js';
import { addCacheHeaders } from './cache-headers.js';

/** Whether a conditional request holds this version (RFC 7232 6: If-None-Match decides when sent). */
export function crlNotModified(req: Pick<IncomingMessage, 'headers'>, etag: string, thisUpdate: Date): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) {
    const strip = (e: string) => e.trim().replace(/^W\//, '');
    return inm.split(',').some((e) => e.trim() === '*' || strip(e) === strip(etag));
  }
  const ims = req.headers['if-modified-since'];
  if (ims === undefined) return false;
  const t = Date.parse(ims);
  // An unreadable date is ignored (RFC 7232 3.3); HTTP dates have whole seconds, as thisUpdate.
  // A date after the server's clock is invalid (RFC 7232 3.3), so it is ignored too.
  return !Number.isNaN(t) && t <= Date.now() && thisUpdate.getTime() <= t;
}

export interface CrlHandlerOptions {
  /** The CA of a name, with its CRL origin (undefined: the CA serves no CRL, and why). */
  lookup(name: string): { origin?: CrlOrigin; why?: string } | undefined;
  /** The CA names served, for the 404 of a name that is not one of them. */
  names?(): string[];
  /** The CRL mode in force for a CA (its own, else the one for every CA). */
  mode(name: string): Mode;
  log: FastifyBaseLogger;
  onHang?: (socket: Socket) => void;
  /** Largest Cache-Control max-age sent, in seconds (--max-age); default: up to nextUpdate. */
  maxAge?: number;
  onAnswered?: (ca: string, what: string, mode: string | undefined, method: string, ms: number) => void;
}

const PATH = /^\/crl\/([^/?]+)\.(crl|der|pem)(?:\?.*)?$/;

export function crlHandler(o: CrlHandlerOptions): RequestHandler {
  const text = (res: ServerResponse, code: number, body: string) => {
    res.writeHead(code, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const m = PATH.exec(req.url ?? '');
    if (!m) return false;
    const t0 = performance.now();
    let name: string;
    try {
      name = decodeURIComponent(m[1]);
    } catch {
      text(res, 400, 'bad CA name\n');
      return true;
    }
    const ca = o.lookup(name);
    const mode = o.mode(name);
    const faulted = crlHttpFault(mode);
    const done = (what: string) => {
      const ms = performance.now() - t0;
      o.log.info({ method: req.method, ca: name, crl: what, mode: faulted, ms: Math.round(ms * 1000) / 1000 }, 'crl');
      o.onAnswered?.(name, what, faulted, req.method!, ms);
    };
    if (!ca) {
      const served = o.names?.() ?? [];
      text(res, 404, `no CA named ${name} here${served.length ? ` (CRLs here: ${served.map((n) => `/crl/${n}.crl`).join(', ')})` : ''}\n`);
      done('http-404');
      return true;
    }
    if (!ca.origin) {
      text(res, 404, `${name} serves no CRL: ${ca.why ?? 'no CA key and no --crl file'}\n`);
      done('http-404');
      return true;
    }
    if (faulted === 'crl-down') {
      req.socket.destroy();
      done('dropped');
      return true;
    }
    if (faulted === 'crl-blackhole') {
      o.onHang?.(req.socket);
      done('hang');
      return true;
    }
    const now = new Date();
    const doc: CrlDoc = crlDocFor(ca.origin, faulted, now);
    const pem = m[2] === 'pem';
    const body = pem ? Buffer.from(crlToPem(doc.der), 'latin1') : doc.der;
    const etag = pem ? `${doc.etag.slice(0, -1)}-pem"` : doc.etag;
    const headers: OutgoingHttpHeaders = { 'content-type': pem ? 'application/x-pem-file' : 'application/pkix-crl' };
    const ldap = ldapFault(mode);
    if (ldap) headers[LDAP_MODE_HEADER] = ldap;
    addCacheHeaders(headers, etag, doc.thisUpdate, doc.nextUpdate, now.getTime(), o.maxAge);
    if (crlNotModified(req, etag, doc.thisUpdate)) {
      res.writeHead(304, headers);
      res.end();
      done('not-modified');
      return true;
    }
    headers['content-length'] = body.length;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
    done(doc.number !== undefined ? `number ${doc.number}` : 'served');
    return true;
  };
}
