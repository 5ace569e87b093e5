// One HTTP exchange under one deadline, as MQ makes its OCSP and CDP requests: a fresh connection
// each time (agent: false: a kept-alive socket from an earlier check would hide a server that has
// since gone down), one timer over connect and answer, a cap on the body, non-200 as a failure.

import { request } from 'node:http';

export type Fetched = { ok: true; body: Buffer } | { ok: false; detail: string };

export function fetchOnce(url: string, o: { method: 'GET' | 'POST'; body?: Buffer; headers?: Record<string, string | number>; timeoutMs: number; maxBody: number; what: string }): Promise<Fetched> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (f: Fetched) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve(f);
    };
    const req = request(url, { method: o.method, agent: false, headers: o.headers }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > o.maxBody) finish({ ok: false, detail: `${o.what} body too large` });
        else chunks.push(c);
      });
      res.on('end', () => finish(res.statusCode === 200 ? { ok: true, body: Buffer.concat(chunks) } : { ok: false, detail: `HTTP ${res.statusCode}` }));
      res.on('error', (e) => finish({ ok: false, detail: e.message }));
    });
    const timer = setTimeout(() => finish({ ok: false, detail: `no answer within ${o.timeoutMs} ms` }), o.timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, detail: e.code ?? e.message }));
    req.end(o.body);
  });
}
