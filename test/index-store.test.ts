// The watched index and the answer cache on top of it: when a change to index.txt is seen, and
// that a cached answer is reused across unrelated changes but never after its own line changes.

import t, { type Test } from 'tap';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { issue, revoke, restore } from '../src/ca/index.js';
import { ioTurn } from '../src/index/store.js';
import { loadCa, type LoadedCa } from '../src/responder/ca-loader.js';
import { CacheSource } from '../src/responder/cache-source.js';
import { FaultSource } from '../src/responder/fault-source.js';
import { parseRequest } from '../src/ocsp/request.js';
import { buildOcspRequest, decodeOcspResponse } from '../src/ocsp/verify.js';
import { readCertificates, type CertInfo } from '../src/ocsp/cert.js';
import { readFileSync } from 'node:fs';
import type { Query, Reply } from '../src/responder/source.js';
import { ecCaWithLeaf } from './helpers/ec-ca.js';
import { tempDir } from './helpers/openssl.js';

const nextTurn = () => new Promise((r) => setImmediate(r));
const quiet = { info: () => undefined, error: () => undefined };

async function fixture(t: Test) {
  const base = tempDir('ocsplab-store-');
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const { ca, leaf, issuer, cert } = await ecCaWithLeaf(base, 'store test CA');
  const other = await issue({ dir: ca.dir, cn: 'other', key: 'ec-p256' });
  const loaded: LoadedCa = await loadCa({ index: ca.index, ca: ca.cacert, rkey: ca.cakey }, quiet);
  t.teardown(() => loaded.store.close());
  return { ca, leaf, issuer, cert, other, loaded };
}

function statusOf(r: Reply): string | undefined {
  return r.kind === 'ocsp' ? decodeOcspResponse(r.der).basic?.singles[0].status : undefined;
}

function query(cert: CertInfo, issuer: CertInfo, o: { nonce?: boolean; turn?: number } = {}): Query {
  const der = buildOcspRequest(cert, issuer, { nonce: o.nonce ? undefined : false }).der;
  return { request: parseRequest(der), now: new Date(), turn: o.turn };
}

t.test('without a turn every read checks the file: a revocation is seen by the very next read', async (t) => {
  const f = await fixture(t);
  const before = f.loaded.store.current().generation;
  await revoke({ dir: f.ca.dir, target: f.leaf.certPath, reason: 'keyCompromise' });
  const after = f.loaded.store.current();
  t.equal(after.generation, before + 1, 'reloaded on the next read');
  t.equal(after.db.lookup(f.cert.serial)?.status, 'R');
});

t.test('within one I/O turn the first check stands; the next turn sees the change', async (t) => {
  const f = await fixture(t);
  const turn = ioTurn();
  t.equal(ioTurn(), turn, 'same turn, same number');
  const first = f.loaded.store.current(turn);
  // A write in the middle of a turn, which no client can cause: its requests were read before it.
  await revoke({ dir: f.ca.dir, target: f.leaf.certPath });
  // revoke() awaited, so the turn may have ended: only compare when it has not.
  if (ioTurn() === turn) t.equal(f.loaded.store.current(turn).generation, first.generation, 'same turn: the check made in it stands');
  await nextTurn();
  const later = ioTurn();
  t.not(later, turn, 'a new turn after the check phase');
  const seen = f.loaded.store.current(later);
  t.equal(seen.db.lookup(f.cert.serial)?.status, 'R', 'next turn: revocation seen');
  t.ok(seen.generation > first.generation);
});

t.test('cache: reused across unrelated index changes, rebuilt when its own line changes', async (t) => {
  const f = await fixture(t);
  const cache = new CacheSource(f.loaded.source);
  const ask = async () => statusOf(await cache.answer(query(f.cert, f.issuer)));

  t.equal(await ask(), 'good');
  t.equal(await ask(), 'good');
  t.same({ hits: cache.hits, misses: cache.misses }, { hits: 1, misses: 1 }, 'second ask served from the cache');

  // Another certificate is revoked: the index generation moves, this answer's line does not.
  const otherCert = readCertificates(readFileSync(f.other.certPath))[0];
  await revoke({ dir: f.ca.dir, target: otherCert.serial });
  t.equal(await ask(), 'good');
  t.equal(await ask(), 'good');
  t.same({ hits: cache.hits, misses: cache.misses }, { hits: 3, misses: 1 }, 'unrelated revocation: still served from the cache');
  t.equal(statusOf(await cache.answer(query(otherCert, f.issuer))), 'revoked', 'the other certificate is answered revoked');

  // Its own line changes: never served stale, then cached again.
  await revoke({ dir: f.ca.dir, target: f.leaf.certPath, reason: 'superseded' });
  t.equal(await ask(), 'revoked', 'own revocation: rebuilt');
  t.equal(await ask(), 'revoked');
  await restore({ dir: f.ca.dir, target: f.leaf.certPath });
  t.equal(await ask(), 'good', 'restored: rebuilt');
  t.same({ hits: cache.hits, misses: cache.misses }, { hits: 4, misses: 4 });

  // A nonce bypasses the cache: each answer is signed for its request.
  t.equal(statusOf(await cache.answer(query(f.cert, f.issuer, { nonce: true }))), 'good');
  t.equal(cache.misses + cache.hits, 8, 'nonce requests are not counted as cache traffic');
});

t.test('an answer delayed past its turn (slow mode) checks the index again', async (t) => {
  const f = await fixture(t);
  const slow = new FaultSource(f.loaded.source, () => ({ kind: 'slow', ms: 150 }), f.loaded.name);
  const turn = ioTurn();
  f.loaded.store.current(turn); // a check made in the request's turn, as a batch-mate would
  const pending = slow.answer(query(f.cert, f.issuer, { nonce: true, turn }));
  await revoke({ dir: f.ca.dir, target: f.leaf.certPath });
  t.equal(statusOf(await pending), 'revoked', 'revoked while the answer waited: the answer says so');
});

t.test('cache: a burst of misses for the same certificate signs once; a changed line does not join', async (t) => {
  const f = await fixture(t);
  let signed = 0;
  const counting = new Proxy(f.loaded.source, {
    get(target, p, r) {
      const v = Reflect.get(target, p, r);
      if (p !== 'answer') return typeof v === 'function' ? v.bind(target) : v;
      return (q: Query) => (signed++, target.answer(q));
    },
  });
  const cache = new CacheSource(counting);
  // 20 at once, before any answer is back (metrics saw 5 signatures for such a burst).
  const burst = await Promise.all(Array.from({ length: 20 }, () => cache.answer(query(f.cert, f.issuer))));
  t.equal(signed, 1, 'one signature for the burst');
  t.ok(burst.every((r) => statusOf(r) === 'good'));
  t.same({ hits: cache.hits, misses: cache.misses }, { hits: 19, misses: 1 }, 'the joiners count as served from the cache');
  t.ok(burst.slice(1).every((r) => r.kind === 'ocsp' && r.cached), 'and say so (feed: cached)');
  // A request read after its line changed must not take the answer being signed from before.
  const before = cache.answer(query(f.cert, f.issuer));
  t.equal(statusOf(await before), 'good');
  await revoke({ dir: f.ca.dir, target: f.leaf.certPath });
  const [a, b] = await Promise.all([cache.answer(query(f.cert, f.issuer)), cache.answer(query(f.cert, f.issuer))]);
  t.same([statusOf(a), statusOf(b)], ['revoked', 'revoked'], 'after the revocation: revoked, signed once more');
  t.equal(signed, 2);
});
