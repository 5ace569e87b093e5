// Starts `ocsplab ocsp` as a child process, as a user would, and waits until it serves.

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { waitUntil } from './wait.js';

export const CLI = join(process.cwd(), 'dist/src/cli/main.js');

export interface Started {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

/** Starts `ocsplab ocsp ARGS` and waits for openssl's "waiting for OCSP client connections" line. */
export async function startCli(args: string[], o: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Started> {
  const child = spawn(process.execPath, [CLI, 'ocsp', ...args], { cwd: o.cwd, env: o.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  if (o.input !== undefined) child.stdin!.end(o.input);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await waitUntil(() => /waiting for OCSP client connections/.test(out) || child.exitCode !== null, { every: 100 });
  if (!/waiting for OCSP client connections/.test(out)) throw new Error(`did not start: ${out}`);
  return { child, out: () => out, exited };
}
