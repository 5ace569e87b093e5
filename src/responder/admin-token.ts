// The admin API's bearer token, read the same way by `ocsplab ocsp`, `ocsplab ctl` and the live
// drill target: a flag, else a file, else OCSPLAB_ADMIN_TOKEN, else OCSPLAB_ADMIN_TOKEN_FILE.
// A file keeps the token out of the process list (`ps` shows every argument).

import { readFileSync } from 'node:fs';
import { warnSecretPermissions } from './ca-loader.js';

export interface AdminTokenSource {
  token?: string;
  file?: string;
}

export interface AdminToken {
  token?: string;
  /** A group- or world-readable token file. */
  warning?: string;
}

/** Throws when a named file can't be read or holds no token: an empty token means no authentication. */
export function readAdminToken(o: AdminTokenSource, env: Record<string, string | undefined> = process.env): AdminToken {
  if (o.token !== undefined) return { token: o.token };
  if (o.file !== undefined) return fromFile(o.file);
  if (env.OCSPLAB_ADMIN_TOKEN !== undefined) return env.OCSPLAB_ADMIN_TOKEN ? { token: env.OCSPLAB_ADMIN_TOKEN } : {};
  if (env.OCSPLAB_ADMIN_TOKEN_FILE !== undefined) return fromFile(env.OCSPLAB_ADMIN_TOKEN_FILE);
  return {};
}

function fromFile(file: string): AdminToken {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read the admin token file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  // One trailing newline is what `echo token > file` leaves; anything else is part of the token.
  const token = text.replace(/\r?\n$/, '');
  if (!token) throw new Error(`the admin token file ${file} is empty; an empty token would leave the admin API without authentication`);
  const warning = warnSecretPermissions(file);
  return warning ? { token, warning } : { token };
}
