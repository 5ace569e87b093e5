// The admin port, opened the same way by the single-process responder, the multi-worker primary
// and `ocsplab lab up`: the bind rule (bind.ts), the limits, the guard (admin-guard.ts) and the
// routes are decided here only. Everything served on it — the admin API, /metrics, the login
// form, and whatever `extraRoutes` a caller adds (the lab console) — is registered below the
// root's guard hook, so the token and Origin rule applies to it by construction.

import type { FastifyPluginAsync, FastifyServerOptions } from 'fastify';
import { Listener, DEFAULT_SERVER_LIMITS } from './listener.js';
import { adminRoutes } from './admin-routes.js';
import { AdminGuard, adminGuard, loginRoutes } from './admin-guard.js';
import { AdminEvents } from './admin-events.js';
import { adminBindAddress } from './bind.js';
import type { ResponderControl } from './control.js';

/** What a plugin added to the admin port is given: the responders it drives and the event stream. */
export interface AdminContext {
  control: ResponderControl;
  events: AdminEvents;
}

export interface AdminListenerOptions {
  adminPort?: number;
  adminHost?: string;
  adminToken?: string;
  logger?: FastifyServerOptions['logger'];
  /** More routes on the admin port (the lab console); they get the same guard as the API. */
  extraRoutes?: Array<FastifyPluginAsync<AdminContext>>;
}

/** Checks the bind rule (throws before a port is opened); undefined when no admin port is asked for. */
export function checkAdminOptions(o: AdminListenerOptions): string | undefined {
  return o.adminPort === undefined ? undefined : adminBindAddress(o.adminHost, o.adminToken);
}

/** The admin listener for `control`, not yet open; undefined when no admin port is asked for. */
export function adminListener(o: AdminListenerOptions, control: ResponderControl): Listener | undefined {
  const host = checkAdminOptions(o);
  if (host === undefined) return undefined;
  const l = new Listener('admin', host, o.adminPort!, { ...DEFAULT_SERVER_LIMITS }, o.logger ?? false);
  const guard = new AdminGuard(o.adminToken);
  const events = new AdminEvents((req) => guard.check(req).ok);
  guard.onLogout = () => events.recheck();
  l.beforeClose.add(() => events.closeAll());
  // On the root, not inside a plugin: fastify runs a root hook for every route of every child.
  l.app.addHook('onRequest', adminGuard(guard));
  l.app.register(loginRoutes(guard));
  l.app.register(adminRoutes, { control, events });
  for (const plugin of o.extraRoutes ?? []) l.app.register(plugin, { control, events });
  return l;
}
