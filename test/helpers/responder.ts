// Starts an in-process responder on a free loopback port with its log lines captured.

import { Writable } from 'node:stream';
import { Responder, type ResponderOptions } from '../../src/responder/responder.js';

export interface TestResponder {
  responder: Responder;
  url: string;
  /** Parsed JSON log lines so far. */
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startResponder(o: Omit<ResponderOptions, 'port'> & { port?: number }): Promise<TestResponder> {
  const logs: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      cb();
    },
  });
  const responder = await Responder.create({ port: 0, logger: { level: 'info', stream }, ...o });
  await responder.start();
  return { responder, url: responder.url(), logs, close: () => responder.close() };
}
