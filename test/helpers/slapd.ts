// Test helpers around OpenLDAP's own client (ldap-utils' ldapsearch) as the independent reader of
// what src/ldap published, and checks that a stopped slapd left nothing behind (process, port).

import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { run, type RunResult } from './openssl.js';

/** Every ldapsearch result of the run, so a test can check no output held a secret. */
export const ldapOutputs: RunResult[] = [];

/** `ldapsearch -x` of one entry (base scope), LDIF unwrapped, anonymous as MQ reads. */
export async function ldapsearch(url: string, base: string, attrs: string[]): Promise<RunResult> {
  const r = await run('ldapsearch', ['-x', '-LLL', '-o', 'ldif-wrap=no', '-H', url, '-b', base, '-s', 'base', ...attrs]);
  ldapOutputs.push(r);
  return r;
}

/** The values of `attr` in LDIF (base64 `attr:: ` or plain `attr: `), as bytes. */
export function ldifValues(ldif: string, attr: string): Buffer[] {
  const out: Buffer[] = [];
  for (const line of ldif.split('\n')) {
    const m = /^([^:]+)(::?) ?(.*)$/.exec(line);
    if (!m || m[1].toLowerCase() !== attr.toLowerCase()) continue;
    out.push(m[2] === '::' ? Buffer.from(m[3], 'base64') : Buffer.from(m[3], 'utf8'));
  }
  return out;
}

/** True while the process exists and is not a zombie (a container's init may not reap it). */
export function alive(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(stat, 'latin1'));
  } catch {
    return false;
  }
}

/** True when nothing accepts a TCP connection on 127.0.0.1:port. */
export function portClosed(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      res(false);
    });
    s.once('error', () => res(true));
  });
}

/** Polls `cond` every 50 ms until it holds or `ms` pass; returns its last value. */
export async function eventually(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}
