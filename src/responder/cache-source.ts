// Caches whole signed responses for requests without a nonce (RFC 5019 style), keyed by the
// CertIDs asked. An entry is reused only while the index lines it was built from are unchanged,
// so a revocation invalidates exactly the answers it affects and a stale status is never served.

import type { CaSource } from './ca-source.js';
import type { Query, Reply, StatusSource } from './source.js';

export interface CacheOptions {
  /** Most entries kept; the oldest is dropped first. */
  maxEntries: number;
  /** How long an answer without nextUpdate is reused, in ms. */
  ttlMs: number;
}

export const DEFAULT_CACHE: CacheOptions = { maxEntries: 100_000, ttlMs: 60_000 };

interface Entry {
  /** The index lines the answer was built from. */
  basis: string;
  /** Index generation in which the basis was last found unchanged: same generation, no compare. */
  generation: number;
  /** The answer as served from the cache. */
  reply: Extract<Reply, { kind: 'ocsp' }>;
  /** Time after which the entry is rebuilt: half-way to nextUpdate, or the TTL. */
  refreshAt: number;
}

export class CacheSource implements StatusSource {
  private readonly entries = new Map<string, Entry>();
  /** Answers being signed: a request for the same CertIDs on the same index lines waits for that
   *  signature instead of making its own (a burst after a revocation signs once per key). */
  private readonly inflight = new Map<string, { basis: string; reply: Promise<Reply> }>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly inner: CaSource,
    private readonly o: CacheOptions = DEFAULT_CACHE,
  ) {}

  /** Synchronous on a hit; a miss waits for the signature. */
  answer(q: Query): Reply | Promise<Reply> {
    if (q.request.nonce || q.tweaks) return this.inner.answer(q);
    const ids = q.request.certIds;
    let key = ids[0].der.toString('latin1');
    for (let i = 1; i < ids.length; i++) key += ids[i].der.toString('latin1');
    const snap = this.inner.snapshot(q);
    const now = q.now.getTime();
    const hit = this.entries.get(key);
    let basis: string | undefined;
    if (hit && now < hit.refreshAt) {
      if (hit.generation === snap.generation) return this.served(hit);
      // The index changed: still good if the lines this answer rests on did not.
      basis = this.inner.basis(q, snap.db);
      if (basis === hit.basis) {
        hit.generation = snap.generation;
        return this.served(hit);
      }
    }
    basis ??= this.inner.basis(q, snap.db);
    const pending = this.inflight.get(key);
    if (pending && pending.basis === basis) {
      this.hits++;
      return pending.reply.then((r) => (r.kind === 'ocsp' && r.cacheable ? { ...r, cached: true } : r));
    }
    this.misses++;
    const reply = this.fill(key, basis, snap.generation, now, hit !== undefined, q);
    const mine = { basis, reply };
    this.inflight.set(key, mine);
    const done = () => {
      if (this.inflight.get(key) === mine) this.inflight.delete(key);
    };
    reply.then(done, done);
    return reply;
  }

  private served(e: Entry): Reply {
    this.hits++;
    return e.reply;
  }

  private async fill(key: string, basis: string, generation: number, now: number, replacing: boolean, q: Query): Promise<Reply> {
    const reply = await this.inner.answer(q);
    if (reply.kind !== 'ocsp' || !reply.cacheable) return reply;
    const refreshAt = reply.nextUpdate && reply.thisUpdate
      ? reply.thisUpdate.getTime() + (reply.nextUpdate.getTime() - reply.thisUpdate.getTime()) / 2
      : now + this.o.ttlMs;
    if (replacing) this.entries.delete(key);
    else if (this.entries.size >= this.o.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { basis, generation, reply: { ...reply, cached: true }, refreshAt });
    return reply;
  }

  clear(): void {
    this.entries.clear();
  }
}
