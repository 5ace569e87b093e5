// openssl's own OCSP responder as a child process on a free loopback port, so tests can check our
// client side and our lab files against a responder we did not write.

import type { Test } from 'tap';
import { spawn } from 'node:child_process';
import { freePort } from './ca-tools.js';

/** Starts `openssl ocsp ARGS -port P -nrequest N`; resolves with its URL once it is listening. */
export async function opensslResponder(t: Test, args: string[], n: number): Promise<string> {
  const port = await freePort();
  const p = spawn('openssl', ['ocsp', ...args, '-port', String(port), '-nrequest', String(n)], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => p.kill());
  await new Promise<void>((res, rej) => {
    const onData = (b: Buffer) => /waiting for OCSP client connections/i.test(String(b)) && res();
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    p.once('exit', (c) => rej(new Error(`openssl ocsp exited ${c}`)));
  });
  return `http://127.0.0.1:${port}`;
}
