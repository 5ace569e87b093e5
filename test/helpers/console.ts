// For the console tests: `ocsplab lab up` as a child process, as a user starts it (its printed
// URLs read back), and Debian's Chromium through playwright-core, launched the way this machine
// needs it (no sandbox as root, no background networking: the closed network refuses it).

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Test } from 'tap';
import { waitUntil } from './wait.js';

export const CLI = join(process.cwd(), 'dist/src/cli/main.js');
export const CHROMIUM = process.env.OCSPLAB_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface LabUpChild {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
  console: string;
  responders: Record<string, string>;
  qmPort: number;
}

/** Starts `ocsplab lab up ARGS` and waits for its summary. */
export async function startLabUp(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<LabUpChild> {
  const child = spawn(process.execPath, [CLI, 'lab', 'up', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await waitUntil(() => /Ctrl-C stops everything/.test(out) || child.exitCode !== null, { every: 100 });
  if (!/Ctrl-C stops everything/.test(out)) {
    child.kill('SIGKILL');
    throw new Error(`lab up did not start: ${out}`);
  }
  const responders: Record<string, string> = {};
  for (const m of out.matchAll(/^ {2}responder (\S+)\s+(http:\/\/\S+)/gm)) responders[m[1]!] = m[2]!;
  return {
    child,
    out: () => out,
    exited,
    console: /^ {2}console\s+(\S+)/m.exec(out)![1]!,
    responders,
    qmPort: Number(/on 127\.0\.0\.1:(\d+)$/m.exec(out)![1]),
  };
}

/** True when a TCP connection to the port is accepted. */
export function listening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** False (and the test skipped, or failed where CI requires every tool) when Chromium or playwright-core is missing. */
export async function chromiumPresent(t: Test): Promise<boolean> {
  let why: string | undefined;
  if (!existsSync(CHROMIUM)) why = `${CHROMIUM} not installed: apt-get install chromium`;
  else {
    try {
      await import('playwright-core');
    } catch {
      why = 'playwright-core not installed: npm install --save-dev playwright-core';
    }
  }
  if (!why) return true;
  if (process.env.OCSPLAB_INTEROP_REQUIRE === '1') t.fail(why);
  else t.plan(0, why);
  return false;
}

/** Reads an event stream (GET /api/events) in the background until stop(), which gives all it read. */
export async function eventStream(url: string, headers: Record<string, string> = {}): Promise<{ res: Response; text: () => string; stop: () => Promise<string>; ended: Promise<void> }> {
  const ac = new AbortController();
  const res = await fetch(url, { signal: ac.signal, headers });
  let text = '';
  const reading = (async () => {
    const dec = new TextDecoder();
    try {
      for await (const c of res.body!) text += dec.decode(c as Uint8Array);
    } catch {
      /* aborted */
    }
  })();
  return {
    res,
    /** Settles when the server ends the stream (or stop() aborts it). */
    ended: reading,
    text: () => text,
    stop: async () => {
      ac.abort();
      await reading;
      return text;
    },
  };
}
