// The emulated channel's own flows: one JSON line each way after the TLS handshake, standing in
// for MQ's initial data (TSH/ID) exchange. What a real GSKit or OpenSSL peer says with a TLS alert
// inside the handshake, our peer says in its first flow instead, because node:tls completes the
// handshake before either side has judged the other's certificate (rejectUnauthorized: false).

import type { Duplex } from 'node:stream';

/** MQ's product identifiers as the ID flow carries them: C client (MQMM) or Java (MQJB). */
export type Product = 'MQMM' | 'MQJB';

export type Flow =
  /** Client → QM: the channel it wants and its CipherSpec (MQ's ID flow). */
  | { flow: 'id'; channel: string; cipherSpec: string; product: Product }
  /** Client → QM instead of the ID flow: the TLS alert GSKit sends when it rejects the QM's
   *  certificate (42 bad_certificate, seen as 1042 on a NonStop QM in seed 003 row 4). */
  | { flow: 'alert'; alert: number }
  /** QM → client: the channel starts. */
  | { flow: 'start' }
  /** QM → client: a negotiation error MQ reports in its status flow (no TLS alert): a missing
   *  client certificate under SSLCAUTH(REQUIRED), a CipherSpec the channel does not accept, or a
   *  plain-text flow on a TLS channel. */
  | { flow: 'reject'; kind: 'negotiation' | 'cipherspec'; error?: string };

export function sendFlow(s: Duplex, f: Flow): void {
  s.write(JSON.stringify(f) + '\n');
}

/** Flows at most this long; anything longer is not ours. */
const MAX_LINE = 4096;

/** The next flow, or 'closed' when the peer ends (or breaks) the connection first. */
export function readFlow(s: Duplex): Promise<Flow | 'closed'> {
  return new Promise((resolve) => {
    let buf = '';
    const done = (r: Flow | 'closed') => {
      s.off('data', onData);
      s.off('close', onClose);
      s.off('end', onClose);
      s.off('error', onClose);
      resolve(r);
    };
    const onData = (d: Buffer) => {
      buf += d.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) {
        if (buf.length > MAX_LINE) done('closed');
        return;
      }
      try {
        done(JSON.parse(buf.slice(0, nl)) as Flow);
      } catch {
        done('closed');
      }
    };
    const onClose = () => done('closed');
    s.on('data', onData);
    s.once('close', onClose);
    s.once('end', onClose);
    s.once('error', onClose);
  });
}
