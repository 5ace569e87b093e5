// A free TCP port on loopback, for a server that must be told its port before it starts (slapd,
// nginx, a responder process): bind it, close it, hand it over. Another process may take it in
// between; callers that can bind port 0 themselves should.
//
// The port is picked below the kernel's ephemeral range (Linux: 32768-60999), not by binding port
// 0: a port from that range is also what every outgoing connection gets as its local port, so in
// the moment before the server binds it, any client socket opened meanwhile (a test making
// thousands of requests beside) could take it. Below the range only another chooser like this
// one can, one time in some thousands.

import { createServer } from 'node:net';

const LOW = 20_000;
const HIGH = 32_767;

function tryPort(port: number): Promise<number | undefined> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(undefined));
    s.listen(port, '127.0.0.1', () => {
      const got = (s.address() as { port: number }).port;
      s.close(() => res(got));
    });
  });
}

export async function freeLoopbackPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await tryPort(LOW + Math.floor(Math.random() * (HIGH - LOW + 1)));
    if (port !== undefined) return port;
  }
  // A range that busy: let the kernel choose.
  const port = await tryPort(0);
  if (port === undefined) throw new Error('no free TCP port on 127.0.0.1');
  return port;
}
