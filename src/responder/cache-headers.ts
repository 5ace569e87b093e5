// HTTP cache headers for signed documents that say how long they hold (OCSP answers without a
// nonce, CRLs): RFC 5019 6.2 — ETag, Last-Modified at thisUpdate, max-age up to nextUpdate — in
// one place for both, so an HTTP cache in front treats them the same way. `maxAgeCap` (the
// responder's --max-age) bounds max-age and Expires, and with them how long a cache in front may
// keep an answer: how late it can show a revocation.

import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

export function addCacheHeaders(headers: OutgoingHttpHeaders, etag: string, thisUpdate: Date, nextUpdate: Date | undefined, now = Date.now(), maxAgeCap?: number): void {
  headers.etag = etag;
  headers['last-modified'] = thisUpdate.toUTCString();
  if (nextUpdate) {
    const toNext = Math.max(0, Math.floor((nextUpdate.getTime() - now) / 1000));
    const maxAge = maxAgeCap === undefined ? toNext : Math.min(toNext, maxAgeCap);
    headers['cache-control'] = `max-age=${maxAge}, public, no-transform, must-revalidate`;
    headers.expires = (maxAge < toNext ? new Date(now + maxAge * 1000) : nextUpdate).toUTCString();
  }
}

/** Answers 304 when the client holds this version; a 304 carries the same headers as the 200 (RFC 7232 4.1). */
export function notModified(req: IncomingMessage, res: ServerResponse, headers: OutgoingHttpHeaders): boolean {
  if (req.headers['if-none-match'] !== headers.etag) return false;
  res.writeHead(304, headers);
  res.end();
  return true;
}
