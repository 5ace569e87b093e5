// A free TCP port on loopback, for a server that must be told its port before it starts (slapd,
// nginx, a responder process): bind port 0, read what the kernel gave, close. Another process may
// take it in between; callers that can bind port 0 themselves should.

import { createServer } from 'node:net';

export function freeLoopbackPort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}
