// The StatusSource interface between HTTP and data (after cfssl's Source and Boulder's layered
// sources): the HTTP plugin decodes a request and asks a source for a Reply; index lookup, fault
// injection and caching are separate sources wrapping one another.

import type { OcspRequest } from '../ocsp/request.js';
import type { CertStatus, ResponseSigner } from '../ocsp/response.js';
import type { ResponseStatusName } from '../ocsp/oids.js';

/** Adjustments a fault layer asks of the signing source; an empty object means a normal answer. */
export interface Tweaks {
  /** Answer this status for every certificate. */
  forceStatus?: CertStatus['kind'];
  /** Replaces the CA's signer (wrong signer, corrupted signature). */
  signer?: (own: ResponseSigner) => ResponseSigner;
  /** Milliseconds added to thisUpdate/producedAt ("future"). */
  thisUpdateShift?: number;
  /** nextUpdate this many ms from now (negative: already past, "stale"). */
  nextUpdateIn?: number;
  nonce?: 'omit' | 'wrong';
  noCerts?: boolean;
  /** Answer for a serial other than the one asked. */
  wrongSerial?: boolean;
}

export interface Query {
  request: OcspRequest;
  now: Date;
  tweaks?: Tweaks;
  /** Modes that applied on the way in, for logs and counters. */
  modes?: string[];
  /** ioTurn() when the request was read: lets the index skip a second stat in the same turn. */
  turn?: number;
}

/** What one certificate was answered with, for logs and counters. */
export interface Answered {
  serial: string;
  status: CertStatus['kind'];
}

export type Reply =
  | {
      kind: 'ocsp';
      der: Buffer;
      status: ResponseStatusName;
      /** The CA that answered, when the request reached one. */
      ca?: string;
      answers?: Answered[];
      thisUpdate?: Date;
      nextUpdate?: Date;
      /** True when the same bytes may be served to anyone asking the same thing (no nonce). */
      cacheable?: boolean;
      /** Set by the cache layer when the bytes were served from it. */
      cached?: boolean;
    }
  /** An HTTP answer that is not an OCSP response (fault modes: http-error, garbage, empty). */
  | { kind: 'http'; code: number; body: Buffer; ca?: string; note: string }
  /** Never answer; the connection stays open until the client gives up (blackhole). */
  | { kind: 'hang'; ca?: string }
  /** Close the connection without an answer (a CA taken down on a port it shares). */
  | { kind: 'drop'; ca?: string };

export interface StatusSource {
  answer(q: Query): Reply | Promise<Reply>;
}
