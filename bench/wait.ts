// What the load benches share: a free loopback port, waiting for a responder to answer, and wrk's
// latency figures in ms.

import { readFileSync } from 'node:fs';
import { request } from 'node:http';

/**
 * Waits until a responder answers a real OCSP request (`body`: the DER or a file of it) on a
 * connection it closes itself. Neither a bare TCP connect nor a kept-alive fetch: a connection the
 * client drops without a request sends `openssl ocsp -multi` into a busy loop (one of the bugs
 * ocsplab avoids), spoiling the run.
 */
export async function waitHttp(port: number, body: string | Buffer, ms = 15_000): Promise<void> {
  const der = typeof body === 'string' ? readFileSync(body) : body;
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent: false, headers: { 'content-type': 'application/ocsp-request', 'content-length': der.length, connection: 'close' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
      });
      req.on('error', () => resolve(false));
      req.end(der);
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`port ${port} did not answer`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

export { freeLoopbackPort as freePort } from '../src/net/free-port.js';

/** A wrk duration ("812.00us", "1.20ms", "2.01s") in ms. */
export function ms(text: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(text);
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
}
