// Who may use the admin port, in one function: adminGuard() is the onRequest hook of the admin
// listener's root, so every route registered there (the admin API, /metrics, the console and the
// lab's routes) goes through it by construction, whatever plugin adds it.
//
// The rule, after the bind rule (bind.ts: off loopback only with a token):
// - Without a token (loopback only), the Host header must name loopback too: a page elsewhere
//   that rebinds its own DNS name to 127.0.0.1 gets 403, not the API.
// - With a token, every request but /healthz, the login page and static assets needs it: as
//   `Authorization: Bearer <token>`, or the session cookie set by the login form (HttpOnly,
//   SameSite=Strict; it holds a random session id, never the token).
// - A state-changing request (anything but GET/HEAD/OPTIONS) with an Origin other than this
//   port's own, or that the browser marks cross-site (Sec-Fetch-Site), gets 403: no other page
//   can drive the lab through a visitor's browser (CSRF). Clients that send no Origin (ctl, curl)
//   are not browsers and are judged by the token alone.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isLoopback } from './bind.js';

export const SESSION_COOKIE = 'ocsplab_session';
const SESSION_MS = 12 * 3_600_000;
const MAX_SESSIONS = 100;
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Served to anyone who can reach the port: nothing here says or changes anything. */
const PUBLIC = /^\/(?:healthz|login|assets\/[\w.-]+)(?:\?.*)?$/;

export function tokenMatches(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function bearer(header: string | undefined): string {
  return header?.replace(/^Bearer\s+/i, '') ?? '';
}

function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** The host name of a Host header ("127.0.0.1:2570", "[::1]:2570", "localhost"). */
function hostName(host: string | undefined): string {
  if (!host) return '';
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const i = host.lastIndexOf(':');
  return i > 0 && host.indexOf(':') === i ? host.slice(0, i) : host;
}

export type Verdict = { ok: true } | { ok: false; code: 401 | 403; error: string; login?: boolean };

export class AdminGuard {
  /** Session id → expiry (ms). */
  private readonly sessions = new Map<string, number>();

  constructor(private readonly token?: string) {}

  get needsLogin(): boolean {
    return this.token !== undefined;
  }

  /** The whole rule for one request. */
  check(req: FastifyRequest): Verdict {
    const h = req.headers;
    if (!this.token && !isLoopback(hostName(h.host))) {
      return { ok: false, code: 403, error: `Host "${h.host ?? ''}" is not a loopback name: this admin port has no token, so it answers only to 127.0.0.1, localhost or [::1]` };
    }
    if (!SAFE.has(req.method)) {
      const origin = h.origin;
      const own = `http://${h.host ?? ''}`;
      if (origin !== undefined && origin !== own) return { ok: false, code: 403, error: `cross-origin ${req.method} refused: Origin ${origin} is not ${own}` };
      const site = h['sec-fetch-site'];
      if (site !== undefined && site !== 'same-origin' && site !== 'none') return { ok: false, code: 403, error: `${req.method} refused: the browser marks it ${site}` };
    }
    if (!this.token || PUBLIC.test(req.url)) return { ok: true };
    if (tokenMatches(bearer(h.authorization), this.token) || this.hasSession(cookie(h.cookie, SESSION_COOKIE))) return { ok: true };
    const page = req.method === 'GET' && /text\/html/.test(h.accept ?? '');
    return { ok: false, code: 401, error: 'admin token required (Authorization: Bearer <token>, or log in at /login)', login: page };
  }

  private hasSession(id: string | undefined): boolean {
    if (!id) return false;
    const until = this.sessions.get(id);
    if (until === undefined) return false;
    if (until < Date.now()) {
      this.sessions.delete(id);
      return false;
    }
    return true;
  }

  /** A new session id when `given` is the token. */
  login(given: string): string | undefined {
    if (!this.token || !tokenMatches(given, this.token)) return undefined;
    const id = randomBytes(32).toString('base64url');
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(id, Date.now() + SESSION_MS);
    return id;
  }

  /** Called when a session ends by logout, so that what it holds open is closed too. */
  onLogout?: () => void;

  logout(req: FastifyRequest): void {
    const id = cookie(req.headers.cookie, SESSION_COOKIE);
    if (id) this.sessions.delete(id);
    this.onLogout?.();
  }
}

/** The onRequest hook that applies the guard (registered on the admin listener's root). */
export function adminGuard(g: AdminGuard) {
  return async (req: FastifyRequest, res: FastifyReply) => {
    // same-origin, not no-referrer: under no-referrer Chromium sends `Origin: null` with a form
    // POST, and the login form (a same-origin POST) was refused as cross-origin. Other origins
    // still get no referrer.
    res.header('x-content-type-options', 'nosniff').header('referrer-policy', 'same-origin').header('x-frame-options', 'SAMEORIGIN');
    const v = g.check(req);
    if (v.ok) return;
    if (v.login) return res.code(303).header('location', '/login').send();
    return res.code(v.code).send({ error: v.error });
  };
}

const esc = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

function loginPage(message?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>ocsplab — log in</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem;color:#1d2330}
label{display:block;margin:.8rem 0 .3rem;font-weight:600}input{font:inherit;width:100%;padding:.4rem;box-sizing:border-box}
button{font:inherit;margin-top:1rem;padding:.4rem 1.2rem}.err{color:#cf222e}</style></head>
<body><main><h1>ocsplab console</h1>
<p>This admin port needs its token (the file <code>ocsplab lab up</code> printed, or <code>--admin-token-file</code>).</p>
${message ? `<p class="err" role="alert">${esc(message)}</p>` : ''}
<form method="post" action="/login"><label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Log in</button></form></main></body></html>
`;
}

/** GET/POST /login and POST /logout: the console's way to the session cookie. */
export function loginRoutes(g: AdminGuard) {
  return async (app: FastifyInstance) => {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
    const page = (res: FastifyReply, code: number, message?: string) =>
      res.code(code).type('text/html; charset=utf-8').header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'").send(loginPage(message));
    app.get('/login', async (_req, res) => (g.needsLogin ? page(res, 200) : res.code(303).header('location', '/').send()));
    app.post<{ Body: unknown }>('/login', async (req, res) => {
      const b = req.body as Record<string, unknown> | undefined;
      const given = typeof b?.token === 'string' ? b.token : '';
      const id = g.login(given);
      if (!id) return g.needsLogin ? page(res, 401, 'That is not the admin token.') : res.code(303).header('location', '/').send();
      res.header('set-cookie', `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MS / 1000}`);
      return res.code(303).header('location', '/').send();
    });
    app.post('/logout', async (req, res) => {
      g.logout(req);
      res.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
      return res.code(303).header('location', '/login').send();
    });
  };
}
