// Hostile input for the OCSP request path: a seeded generator (so a failure can be replayed from
// the seed it prints) of random bytes, mutations of valid requests made by openssl, ASN.1 built to
// hurt a DER reader (deep nesting, lengths that lie or overflow), wrong content types and absurd
// GET paths. Used by test/harden-fuzz.test.ts against parseRequest and over HTTP.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './openssl.js';

/** mulberry32: small, fast and good enough to spread mutations; seeded for replay. */
export class Rng {
  private s: number;
  constructor(readonly seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

/** DER length octets, long form as needed (the generator may want non-minimal forms too). */
export function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.of(n);
  const out: number[] = [];
  while (n > 0) {
    out.unshift(n & 0xff);
    n = Math.floor(n / 256);
  }
  return Buffer.from([0x80 | out.length, ...out]);
}

/** Octets the DER length of `n` takes (1 for short form). */
function lengthSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x1000000 ? 4 : 5;
}

/** `depth` SEQUENCEs (or another constructed tag) inside each other, built inside out. */
export function deepNesting(depth: number, tag = 0x30, core: Buffer = Buffer.of(0x05, 0x00)): Buffer {
  // Lengths first, then one buffer written front to back with no per-level allocation: the fuzz
  // loop builds thousands of these, some 100,000 levels deep.
  const lens = new Float64Array(depth);
  let inner = core.length;
  for (let d = depth - 1; d >= 0; d--) {
    lens[d] = inner;
    inner += 1 + lengthSize(inner);
  }
  const out = Buffer.allocUnsafe(inner);
  let pos = 0;
  for (let d = 0; d < depth; d++) {
    out[pos++] = tag;
    const len = lens[d];
    const n = lengthSize(len) - 1;
    if (n === 0) out[pos++] = len;
    else {
      out[pos++] = 0x80 | n;
      for (let i = n - 1; i >= 0; i--) out[pos++] = Math.floor(len / 256 ** i) & 0xff;
    }
  }
  core.copy(out, pos);
  return out;
}

/** Indefinite-length nesting (BER, forbidden in DER): 30 80 30 80 ... with no end-of-contents. */
export function indefiniteNesting(depth: number): Buffer {
  const out = Buffer.alloc(depth * 2);
  for (let i = 0; i < depth; i++) {
    out[2 * i] = 0x30;
    out[2 * i + 1] = 0x80;
  }
  return out;
}

/** Offsets of every TLV header in a well-formed DER buffer (constructed ones walked into). */
export function tlvOffsets(der: Buffer): number[] {
  const out: number[] = [];
  const walk = (start: number, end: number) => {
    let p = start;
    while (p < end && p + 2 <= der.length) {
      out.push(p);
      const tag = der[p];
      let len = der[p + 1];
      let hdr = 2;
      if (len & 0x80) {
        const n = len & 0x7f;
        len = 0;
        for (let i = 0; i < n; i++) len = len * 256 + der[p + 2 + i];
        hdr += n;
      }
      if (tag & 0x20) walk(p + hdr, p + hdr + len);
      p += hdr + len;
    }
  };
  walk(0, der.length);
  return out;
}

/** Replaces the length of the TLV at `at` with `lenBytes`, keeping everything else. */
export function withLength(der: Buffer, at: number, lenBytes: Buffer): Buffer {
  const first = der[at + 1];
  const oldLen = first & 0x80 ? 1 + (first & 0x7f) : 1;
  return Buffer.concat([der.subarray(0, at + 1), lenBytes, der.subarray(at + 1 + oldLen)]);
}

/** Lengths that overflow, lie, or use forms DER forbids. */
const HOSTILE_LENGTHS: Buffer[] = [
  Buffer.of(0x84, 0xff, 0xff, 0xff, 0xff), // 4 GiB
  Buffer.of(0x84, 0x7f, 0xff, 0xff, 0xff),
  Buffer.of(0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), // 2^64: more octets than any reader should take
  Buffer.of(0xff), // length of 127 length octets
  Buffer.of(0x80), // indefinite
  Buffer.of(0x81, 0x05), // non-minimal
  Buffer.of(0x82, 0x00, 0x10), // non-minimal
  Buffer.of(0x00),
  Buffer.of(0x7f),
];

export type FuzzKind = 'random' | 'truncated' | 'bitflip' | 'length' | 'nested' | 'indefinite' | 'splice' | 'tiny';

export interface FuzzCase {
  kind: FuzzKind;
  body: Buffer;
}

/** Largest body a case may have (stays under the responder's 64 KiB limit unless asked). */
export interface FuzzOptions {
  maxBody?: number;
}

/** One hostile body, of a kind chosen at random (weights favour mutations of valid requests). */
export function fuzzCase(rng: Rng, valid: readonly Buffer[], o: FuzzOptions = {}): FuzzCase {
  const max = o.maxBody ?? 60_000;
  const v = rng.pick(valid);
  const r = rng.int(100);
  if (r < 15) return { kind: 'random', body: rng.bytes(1 + rng.int(rng.next() < 0.9 ? 300 : Math.min(max, 20_000))) };
  if (r < 20) {
    // Random bytes behind a plausible SEQUENCE header, so the reader gets past the first octet.
    const tail = rng.bytes(rng.int(200));
    return { kind: 'random', body: Buffer.concat([Buffer.of(0x30), derLength(tail.length), tail]) };
  }
  if (r < 35) return { kind: 'truncated', body: v.subarray(0, rng.int(v.length)) };
  if (r < 60) {
    const b = Buffer.from(v);
    const flips = 1 + rng.int(rng.next() < 0.7 ? 2 : 16);
    for (let i = 0; i < flips; i++) b[rng.int(b.length)] ^= 1 << rng.int(8);
    return { kind: 'bitflip', body: b };
  }
  if (r < 75) {
    const offs = tlvOffsets(v);
    const at = rng.pick(offs);
    const len = rng.next() < 0.7 ? rng.pick(HOSTILE_LENGTHS) : derLength(rng.int(70_000));
    return { kind: 'length', body: withLength(v, at, len) };
  }
  if (r < 82) {
    // Deep nesting: the outer shape is a request's (SEQUENCE of SEQUENCE ...), so the parser
    // walks in as far as it ever would; each level costs 4 octets at most.
    const depth = 1 + rng.int(Math.floor((max - 16) / 4));
    return { kind: 'nested', body: deepNesting(depth, rng.next() < 0.8 ? 0x30 : rng.pick([0xa0, 0xa2, 0x31, 0x24])) };
  }
  if (r < 85) return { kind: 'indefinite', body: indefiniteNesting(1 + rng.int(Math.floor(max / 2))) };
  if (r < 95) {
    // A valid request with a random slice replaced, duplicated or removed.
    const a = rng.int(v.length);
    const b = a + rng.int(v.length - a + 1);
    const choice = rng.int(3);
    const mid = choice === 0 ? rng.bytes(rng.int(40)) : choice === 1 ? Buffer.concat([v.subarray(a, b), v.subarray(a, b)]) : Buffer.alloc(0);
    return { kind: 'splice', body: Buffer.concat([v.subarray(0, a), mid, v.subarray(b)]) };
  }
  return { kind: 'tiny', body: rng.bytes(rng.int(8)) }; // shorter than 8 bytes: openssl's hang
}

/**
 * Content types a client might send (or not): the responder judges a body by its bytes, whatever
 * its declared type. `wellFormed: false` marks header values that are not a media type at all;
 * fastify refuses those with 415 before any route runs, which is a fine answer too.
 */
export const CONTENT_TYPES: ReadonlyArray<{ type: string | undefined; wellFormed: boolean }> = [
  { type: 'application/ocsp-request', wellFormed: true },
  { type: undefined, wellFormed: true },
  { type: 'application/json', wellFormed: true },
  { type: 'text/plain; charset=utf-8', wellFormed: true },
  { type: 'application/x-www-form-urlencoded', wellFormed: true },
  { type: 'multipart/form-data; boundary=xyz', wellFormed: true },
  { type: 'application/ocsp-request; charset=\u00ff', wellFormed: true },
  { type: '*/*', wellFormed: false },
  { type: ';;;;', wellFormed: false },
  { type: 'a'.repeat(2000), wellFormed: false },
];

/** GET paths no client should send; each must get malformedRequest or a 4xx, never a crash. */
export function absurdGetPath(rng: Rng): string {
  const junk = () => rng.bytes(1 + rng.int(40)).toString('base64');
  switch (rng.int(14)) {
    case 0:
      return '/' + 'A'.repeat(1 + rng.int(7000)); // long but under the header limit
    case 1:
      return '/' + 'A'.repeat(9000 + rng.int(20_000)); // over the 8 KiB header limit: 431
    case 2:
      return '/' + '%'.repeat(1 + rng.int(50)) + junk();
    case 3:
      return '/%ZZ%' + junk();
    case 4:
      return '/../../../../etc/passwd';
    case 5:
      return '/' + '/'.repeat(rng.int(3000));
    case 6:
      return '/%00%00' + encodeURIComponent(junk());
    case 7:
      return '/' + encodeURIComponent('\u202e\ud83d\ude00' + junk());
    case 8:
      return '/MA' + '='.repeat(rng.int(100)); // base64 of 0x30 then padding
    case 9:
      return '/' + encodeURIComponent(Buffer.concat([Buffer.of(0x30), rng.bytes(rng.int(300))]).toString('base64'));
    case 10:
      return '/ocsp/' + junk() + '?' + 'x='.repeat(rng.int(500));
    case 11:
      return '/' + 'a/'.repeat(1 + rng.int(1500)) + junk();
    case 12:
      return '/' + encodeURIComponent(deepNesting(1 + rng.int(1000)).toString('base64'));
    default:
      return '/%' + rng.bytes(2).toString('hex') + '%u0041' + '%c0%af'.repeat(rng.int(50));
  }
}

/**
 * Valid requests made by openssl (not by our own encoder, so the mutations start from bytes a real
 * client sends): with and without nonce, SHA-1 and SHA-256 CertIDs, one and several certificates.
 */
export async function opensslRequests(issuer: string, certs: string[], dir: string): Promise<Buffer[]> {
  const variants: string[][] = [
    ['-cert', certs[0]],
    ['-no_nonce', '-cert', certs[0]],
    ['-sha256', '-cert', certs[0]],
    ['-no_nonce', '-sha256', '-cert', certs[0]],
    certs.flatMap((c) => ['-cert', c]),
    ['-serial', '0x7FFFFFFFFFFFFFFFFFFF'],
    ['-nonce', '-sha384', '-cert', certs[certs.length - 1]],
  ];
  const out: Buffer[] = [];
  for (const [i, args] of variants.entries()) {
    const file = join(dir, `req-${i}.der`);
    const r = await run('openssl', ['ocsp', '-issuer', issuer, ...args, '-reqout', file]);
    if (r.code !== 0) throw new Error(`openssl ocsp -reqout ${args.join(' ')}: ${r.stderr}`);
    out.push(readFileSync(file));
  }
  return out;
}
