// Fastify plugin for the admin API: list CAs and modes, set or clear a mode, reload an index,
// read counters. Served on its own port, never on the OCSP port.

import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ModeError } from './modes.js';
import type { ResponderControl } from './control.js';

export interface AdminOptions {
  control: ResponderControl;
  /** When set, every /api request needs `Authorization: Bearer <token>`. */
  token?: string;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.replace(/^Bearer\s+/i, '') ?? '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

export async function adminRoutes(app: FastifyInstance, o: AdminOptions): Promise<void> {
  const c = o.control;
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.addHook('onRequest', async (req, res) => {
    if (o.token && req.url.startsWith('/api') && !tokenMatches(req.headers.authorization, o.token)) {
      return res.code(401).send({ error: 'admin token required (Authorization: Bearer <token>)' });
    }
  });
  app.setErrorHandler((e, _req, res) => {
    if (e instanceof ModeError) return res.code(400).send({ error: e.message });
    return res.code((e as { statusCode?: number }).statusCode ?? 500).send({ error: (e as Error).message });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/api/cas', () => c.state());
  app.get('/api/modes', async () => (await c.state()).modes);
  // Body: {"mode": "slow 500"} or {"kind": "slow", "ms": 500} or text/plain "slow 500".
  app.put<{ Params: { target: string }; Body: unknown }>('/api/modes/:target', async (req) => {
    const b = req.body as Record<string, unknown> | string | undefined;
    const mode = typeof b === 'string' ? b : b && typeof b === 'object' && 'mode' in b ? b.mode : b;
    const m = await c.setMode(decodeURIComponent(req.params.target), mode as never);
    return { target: req.params.target, mode: m, modes: (await c.state()).modes };
  });
  app.delete<{ Params: { target: string } }>('/api/modes/:target', async (req) => {
    await c.clearMode(decodeURIComponent(req.params.target));
    return { target: req.params.target, modes: (await c.state()).modes };
  });
  app.post<{ Params: { target: string } }>('/api/reload/:target', async (req, res) => {
    const err = await c.reload(decodeURIComponent(req.params.target));
    return err ? res.code(409).send({ error: err }) : { reloaded: req.params.target, cas: (await c.state()).cas };
  });
  app.get('/api/counters', () => c.counters());
}
