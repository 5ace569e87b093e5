// Fastify plugin for the admin API: list CAs and modes, set or clear a mode, reload an index,
// read counters, and the event stream (state changes and the live feed of requests). Served on
// its own port, never on the OCSP port. Who may call it is decided before any route, by the
// admin listener's guard (admin-guard.ts).

import type { FastifyInstance } from 'fastify';
import { MODE_KINDS, ModeError } from './modes.js';
import type { ResponderControl } from './control.js';
import type { AdminEvents } from './admin-events.js';
import { metricsText } from './metrics.js';

export interface AdminOptions {
  control: ResponderControl;
  events: AdminEvents;
}

/** How often the state is compared with the last one pushed, while a stream is open (a mode
 *  changed by a drill or by `ctl` shows within this). */
const STATE_CHECK_MS = 500;

export async function adminRoutes(app: FastifyInstance, o: AdminOptions): Promise<void> {
  const c = o.control;
  const events = o.events;
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.setErrorHandler((e, _req, res) => {
    if (e instanceof ModeError) return res.code(400).send({ error: e.message });
    return res.code((e as { statusCode?: number }).statusCode ?? 500).send({ error: (e as Error).message });
  });

  let last = '';
  const pushState = async () => {
    const s = await c.state();
    const text = JSON.stringify(s);
    if (text === last) return;
    last = text;
    events.publish('state', s);
  };
  events.onSnapshot(async () => {
    const s = await c.state();
    last = JSON.stringify(s);
    return [['state', s]];
  });
  events.whileOpen(() => {
    const t = setInterval(() => void pushState().catch(() => undefined), STATE_CHECK_MS);
    const unwatch = c.watch((b) => events.publish('feed', b));
    return () => {
      clearInterval(t);
      unwatch();
    };
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/api/cas', () => c.state());
  app.get('/api/modes', async () => (await c.state()).modes);
  app.get('/api/mode-kinds', async () => MODE_KINDS);
  // Body: {"mode": "slow 500"} or {"kind": "slow", "ms": 500} or text/plain "slow 500".
  app.put<{ Params: { target: string }; Body: unknown }>('/api/modes/:target', async (req) => {
    const b = req.body as Record<string, unknown> | string | undefined;
    const mode = typeof b === 'string' ? b : b && typeof b === 'object' && 'mode' in b ? b.mode : b;
    const m = await c.setMode(decodeURIComponent(req.params.target), mode as never);
    const st = await c.state();
    void pushState().catch(() => undefined);
    return { target: req.params.target, mode: m, modes: st.modes };
  });
  app.delete<{ Params: { target: string } }>('/api/modes/:target', async (req) => {
    await c.clearMode(decodeURIComponent(req.params.target));
    void pushState().catch(() => undefined);
    return { target: req.params.target, modes: (await c.state()).modes };
  });
  app.post<{ Params: { target: string } }>('/api/reload/:target', async (req, res) => {
    const err = await c.reload(decodeURIComponent(req.params.target));
    return err ? res.code(409).send({ error: err }) : { reloaded: req.params.target, cas: (await c.state()).cas };
  });
  app.get('/api/counters', () => c.counters());
  app.get('/api/events', async (_req, res) => events.open(res));
  // Prometheus text format, every process's metrics summed (one responder or all its workers).
  app.get('/metrics', async (_req, res) => {
    const m = await metricsText(await c.metrics());
    return res.type(m.contentType).send(m.text);
  });
}
