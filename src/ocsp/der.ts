// A minimal DER reader and writer for the per-request path.
//
// pkijs/asn1js build full object trees (0.9 ms to parse one OCSP request); the responder only
// needs to walk a few known structures and glue pre-encoded pieces together, so this module works
// on offsets into the original buffer and never copies more than it returns.

export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

/** One tag-length-value found in a buffer; the value is buf[valueStart, end). */
export interface Tlv {
  tag: number;
  start: number;
  valueStart: number;
  end: number;
}

// No nesting limit is needed, and none is claimed: nothing here recurses. `children` reads one
// level, and the request parser descends only into the fixed positions of RFC 6960's structures
// (at most 7 levels), so 100,000 nested SEQUENCEs cost one header read each level the parser
// visits and nothing more (test/harden-fuzz.test.ts). A MAX_DEPTH constant used to stand here
// that no code enforced.

export function readTlv(buf: Uint8Array, offset: number, limit = buf.length): Tlv {
  if (offset + 2 > limit) throw new DerError(`truncated header at offset ${offset}`);
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw new DerError(`multi-byte tag at offset ${offset}`);
  let pos = offset + 1;
  const first = buf[pos++];
  let len: number;
  if (first < 0x80) {
    len = first;
  } else {
    const n = first & 0x7f;
    if (n === 0) throw new DerError(`indefinite length at offset ${offset}`);
    if (n > 4) throw new DerError(`length of ${n} octets at offset ${offset}`);
    if (pos + n > limit) throw new DerError(`truncated length at offset ${offset}`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos++];
    if (len < 0x80 || (n > 1 && buf[pos - n] === 0)) throw new DerError(`non-minimal length at offset ${offset}`);
  }
  const end = pos + len;
  if (end > limit) throw new DerError(`length ${len} at offset ${offset} runs past its container`);
  return { tag, start: offset, valueStart: pos, end };
}

/** The direct children of a constructed TLV. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  if ((parent.tag & 0x20) === 0) throw new DerError(`tag 0x${parent.tag.toString(16)} is not constructed`);
  const out: Tlv[] = [];
  let pos = parent.valueStart;
  while (pos < parent.end) {
    const t = readTlv(buf, pos, parent.end);
    out.push(t);
    pos = t.end;
  }
  return out;
}

/** Reads exactly one TLV spanning the whole buffer, with the expected tag. */
export function readWhole(buf: Uint8Array, tag: number): Tlv {
  const t = readTlv(buf, 0, buf.length);
  if (t.tag !== tag) throw new DerError(`expected tag 0x${tag.toString(16)}, found 0x${t.tag.toString(16)}`);
  if (t.end !== buf.length) throw new DerError(`${buf.length - t.end} trailing octets`);
  return t;
}

export function expectTag(t: Tlv, tag: number, what: string): Tlv {
  if (t.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, found 0x${t.tag.toString(16)}`);
  return t;
}

export function value(buf: Uint8Array, t: Tlv): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset + t.valueStart, t.end - t.valueStart);
}

export function whole(buf: Uint8Array, t: Tlv): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset + t.start, t.end - t.start);
}

/** Decodes an OBJECT IDENTIFIER value to dotted form. */
export function decodeOid(v: Uint8Array): string {
  if (v.length === 0) throw new DerError('empty OID');
  const parts: number[] = [];
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    n = n * 128 + (v[i] & 0x7f);
    if (n > Number.MAX_SAFE_INTEGER / 128) throw new DerError('OID arc too large');
    if ((v[i] & 0x80) === 0) {
      if (parts.length === 0) {
        const a = n < 80 ? Math.floor(n / 40) : 2;
        parts.push(a, n - a * 40);
      } else parts.push(n);
      n = 0;
    } else if (i === v.length - 1) throw new DerError('truncated OID');
  }
  return parts.join('.');
}

// ---- writer ----

function lengthBytes(len: number): number[] {
  if (len < 0x80) return [len];
  const out: number[] = [];
  while (len > 0) {
    out.unshift(len & 0xff);
    len = Math.floor(len / 256);
  }
  return [0x80 | out.length, ...out];
}

export function tlv(tag: number, ...parts: Uint8Array[]): Buffer {
  let len = 0;
  for (const p of parts) len += p.length;
  const hdr = lengthBytes(len);
  const out = Buffer.allocUnsafe(1 + hdr.length + len);
  out[0] = tag;
  for (let i = 0; i < hdr.length; i++) out[1 + i] = hdr[i];
  let pos = 1 + hdr.length;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

export const seq = (...parts: Uint8Array[]): Buffer => tlv(0x30, ...parts);
export const octetString = (v: Uint8Array): Buffer => tlv(0x04, v);
export const explicit = (n: number, ...parts: Uint8Array[]): Buffer => tlv(0xa0 | n, ...parts);
export const enumerated = (n: number): Buffer => tlv(0x0a, Uint8Array.of(n));
export const NULL = Buffer.from([0x05, 0x00]);

export function bitString(v: Uint8Array): Buffer {
  return tlv(0x03, Uint8Array.of(0), v);
}

export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const body: number[] = [];
  const push = (n: number) => {
    const tmp = [n & 0x7f];
    n = Math.floor(n / 128);
    while (n > 0) {
      tmp.unshift((n & 0x7f) | 0x80);
      n = Math.floor(n / 128);
    }
    body.push(...tmp);
  };
  push(arcs[0] * 40 + arcs[1]);
  for (const a of arcs.slice(2)) push(a);
  return tlv(0x06, Uint8Array.from(body));
}

/** INTEGER from unsigned big-endian magnitude bytes (a serial number). */
export function unsignedInteger(mag: Uint8Array): Buffer {
  let i = 0;
  while (i < mag.length - 1 && mag[i] === 0) i++;
  const m = mag.subarray(i);
  return m.length > 0 && m[0] & 0x80 ? tlv(0x02, Uint8Array.of(0), m) : tlv(0x02, m.length ? m : Uint8Array.of(0));
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** GeneralizedTime with whole seconds, as RFC 5280 requires. */
export function generalizedTime(d: Date): Buffer {
  const s =
    pad(d.getUTCFullYear(), 4) +
    pad(d.getUTCMonth() + 1) +
    pad(d.getUTCDate()) +
    pad(d.getUTCHours()) +
    pad(d.getUTCMinutes()) +
    pad(d.getUTCSeconds()) +
    'Z';
  return tlv(0x18, Buffer.from(s, 'latin1'));
}

/** UTCTime for 1950-2049, GeneralizedTime otherwise (RFC 5280 4.1.2.5). */
export function x509Time(d: Date): Buffer {
  const y = d.getUTCFullYear();
  if (y < 1950 || y > 2049) return generalizedTime(d);
  const s =
    pad(y % 100) + pad(d.getUTCMonth() + 1) + pad(d.getUTCDate()) + pad(d.getUTCHours()) + pad(d.getUTCMinutes()) + pad(d.getUTCSeconds()) + 'Z';
  return tlv(0x17, Buffer.from(s, 'latin1'));
}

/** Parses the value of a UTCTime (tag 0x17) or GeneralizedTime (0x18) with seconds and Z. */
export function parseTime(tag: number, text: string): Date {
  const m = tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(text);
  if (!m) throw new DerError(`bad time ${JSON.stringify(text)}`);
  let year = Number(m[1]);
  if (tag === 0x17) year += year < 50 ? 2000 : 1900;
  const d = new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  if (Number.isNaN(d.getTime())) throw new DerError(`bad time ${JSON.stringify(text)}`);
  return d;
}
