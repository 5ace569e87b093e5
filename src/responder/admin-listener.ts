// The admin port, opened the same way by the single-process responder and the multi-worker
// primary: the bind rule (bind.ts), the limits and the routes are decided here only.

import type { FastifyServerOptions } from 'fastify';
import { Listener, DEFAULT_SERVER_LIMITS } from './listener.js';
import { adminRoutes } from './admin-routes.js';
import { adminBindAddress } from './bind.js';
import type { ResponderControl } from './control.js';

export interface AdminListenerOptions {
  adminPort?: number;
  adminHost?: string;
  adminToken?: string;
  logger?: FastifyServerOptions['logger'];
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
  l.app.register(adminRoutes, { control, token: o.adminToken });
  return l;
}
