// Shared by the CA tests (on top of helpers/openssl.ts): the CLI runner, a free loopback port and
// byte snapshots of a CA's database files.

import { spawn } from 'node:child_process';
import { readFileSync, rmSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { run, tempDir as makeTemp, type RunResult } from './openssl.js';

export { run, opensslQuery, type RunResult } from './openssl.js';

export const CLI = resolve(fileURLToPath(import.meta.url), '../../../src/cli/main.js');

/** A fresh directory removed when the test ends. */
export function tempDir(t: { teardown(fn: () => void): void }): string {
  const d = makeTemp('ocsplab-ca-');
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

export const openssl = (args: string[], cwd?: string): Promise<RunResult> => run('openssl', args, { cwd });

/** Runs `ocsplab ca ARGS` in a child process (several may run at once). */
export function cli(args: string[]): Promise<RunResult> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [CLI, 'ca', ...args]);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b) => (stdout += b));
    p.stderr.on('data', (b) => (stderr += b));
    p.on('close', (code) => res({ code: code ?? 1, stdout, stderr }));
  });
}

export { freeLoopbackPort as freePort } from '../../src/net/free-port.js';

/** Bytes of every database file of a CA directory (missing files as null), to prove nothing changed. */
export function snapshot(dir: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const f of ['index.txt', 'index.txt.old', 'index.txt.attr', 'index.txt.attr.old', 'serial', 'serial.old', 'index.txt.new', 'index.txt.lock']) {
    const p = join(dir, f);
    out[f] = existsSync(p) ? readFileSync(p).toString('base64') : null;
  }
  return out;
}

/** Fields of the index line for a serial. */
export function indexFields(dir: string, serial: string): string[] {
  const line = readFileSync(join(dir, 'index.txt'), 'latin1')
    .split('\n')
    .find((l) => l.split('\t')[3] === serial);
  if (!line) throw new Error(`serial ${serial} not in ${dir}/index.txt`);
  return line.split('\t');
}

/** Asserts a command succeeded; its output is only in the message when it did not. */
export function expectOk(t: Test, r: RunResult, what: string): void {
  t.equal(r.code, 0, r.code === 0 ? what : `${what}: ${r.stdout}${r.stderr}`);
}
