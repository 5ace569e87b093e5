// Where a listener may bind, in one place. Every path that opens a port calls these: the
// single-process responder, the multi-worker primary, and whatever the admin port grows (the
// console and metrics are served on it). A rule here is a rule everywhere.

/** Servers bind here unless told otherwise. */
export const DEFAULT_HOST = '127.0.0.1';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+)$/i;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/**
 * The admin API (and anything served beside it) changes what the responder answers, so off
 * loopback it needs a token: `mode all status good` from anyone would make every revoked
 * certificate answer good. Returns the address to bind; throws before anything is opened.
 */
export function adminBindAddress(host: string | undefined, token: string | undefined): string {
  const h = host ?? DEFAULT_HOST;
  if (!isLoopback(h) && !token) {
    throw new Error(`admin API on ${h} needs a token (--admin-token-file, --admin-token, OCSPLAB_ADMIN_TOKEN[_FILE] or adminToken[File] in the config); it binds to ${DEFAULT_HOST} otherwise`);
  }
  return h;
}
