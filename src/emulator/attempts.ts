// Connection attempts in flight, so that `connect` can return what the queue manager logged for
// the same attempt. Both sides run in one process (the drill runner's); the QM registers each TCP
// connection under its own port and the client's port, the client looks it up after the attempt.
// Nothing crosses the wire this way: the QM decides and logs on its own before it records.

import type { SideResult } from './types.js';
import type { QmProfile, Policy, SslCAuth, CertObservation, TlsFailure } from '../mq/outcomes.js';

export interface QmAttempt {
  side: SideResult;
  /** What the QM observed and was configured with, for the attempt's combined row. */
  view: { profile: QmProfile; policy: Policy; sslcauth: SslCAuth; observed?: CertObservation; tlsFailure?: TlsFailure };
  events: Array<{ reason: number; qualifier?: string; queue: string }>;
}

const pending = new Map<string, Promise<QmAttempt>>();
const key = (qmPort: number, clientPort: number) => `${qmPort}/${clientPort}`;

export function recordAttempt(qmPort: number, clientPort: number, p: Promise<QmAttempt>): void {
  const k = key(qmPort, clientPort);
  pending.set(k, p);
  // Forget it a while after it settles whether or not a client asked (a client may be external).
  void p.finally(() => setTimeout(() => pending.get(k) === p && pending.delete(k), 60_000).unref());
}

/** The QM's record of the attempt from `clientPort`, or undefined when no QM in this process saw it. */
export function takeAttempt(qmPort: number, clientPort: number): Promise<QmAttempt> | undefined {
  const k = key(qmPort, clientPort);
  const p = pending.get(k);
  pending.delete(k);
  return p;
}
