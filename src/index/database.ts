// A whole index.txt held in memory as its bytes, a line-start table and serial → line number.
//
// Why this shape: a million-line index is about 80 MB of text. Parsed entry objects would cost
// several hundred MB and seconds to build; the file's own bytes plus a Float64Array of line starts
// and one Map entry per serial cost about twice the file, load in well under a second, and let a
// changed file be applied by comparing bytes: only the lines that differ are parsed again, and
// the lines after them are moved by a typed-array loop. A lookup slices one line and parses it
// (about a microsecond).
//
// Every line is still checked at load, so a bad one is reported with its number before it is
// ever served: a fast byte check accepts the common valid V/E lines, and everything else goes
// through parseLine, the one full definition of a valid line.

import { IndexLineError, normalizeSerial, parseLine, type IndexEntry } from './line.js';

export interface IndexAttr {
  uniqueSubject: boolean;
  /** Every key = value pair as found, for writing back unchanged. */
  raw: Record<string, string>;
}

const NL = 0x0a;
const CR = 0x0d;
const TAB = 0x09;

/** Serial key of a line known to be valid: field 4, upper-case, no leading zeros. */
function serialKeyOf(buf: Buffer, start: number, end: number): string {
  let f = 0;
  let s = start;
  for (let i = start; i < end; i++) {
    if (buf[i] !== TAB) continue;
    if (++f === 3) s = i + 1;
    else if (f === 4) {
      // The common case (upper-case hex) without the string work normalizeSerial does.
      while (s < i - 1 && buf[s] === 0x30) s++;
      for (let k = s; k < i; k++) if (buf[k] >= 0x61) return normalizeSerial(buf.toString('latin1', s, i));
      return buf.toString('latin1', s, i);
    }
  }
  throw new IndexLineError('line vanished');
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/** True for a V or E line of the exact shape openssl writes; anything else goes to parseLine. */
function quickValid(buf: Buffer, start: number, end: number): boolean {
  const st = buf[start];
  if ((st !== 0x56 && st !== 0x45) || buf[start + 1] !== TAB) return false;
  let i = start + 2;
  const t0 = i;
  while (i < end && isDigit(buf[i])) i++;
  if ((i - t0 !== 12 && i - t0 !== 14) || buf[i] !== 0x5a || buf[i + 1] !== TAB || buf[i + 2] !== TAB) return false;
  i += 3;
  const s0 = i;
  while (i < end && isHex(buf[i])) i++;
  if (i === s0 || buf[i] !== TAB) return false;
  let tabs = 0;
  for (i++; i < end; i++) if (buf[i] === TAB) tabs++;
  return tabs === 1;
}

interface Line {
  start: number;
  end: number;
}

export class IndexDatabase {
  private constructor(
    private buf: Buffer,
    /** Start offset of every line (blank ones too), in file order. */
    private starts: Float64Array,
    private lineCount: number,
    private readonly bySerial: Map<string, number>,
  ) {}

  get size(): number {
    return this.bySerial.size;
  }

  static parse(data: string | Buffer, file = 'index.txt'): IndexDatabase {
    const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    // Sized from a guess of 80 bytes a line; grows if needed.
    const db = new IndexDatabase(buf, new Float64Array(Math.max(1024, (buf.length / 80) | 0)), 0, new Map());
    // One pass, no per-line objects: a million lines must not cost a million allocations.
    for (let s = 0; s < buf.length; ) {
      let e = buf.indexOf(NL, s);
      if (e < 0) e = buf.length;
      db.ensureCapacity(db.lineCount + 1);
      const i = db.lineCount++;
      db.starts[i] = s;
      const key = checkLine(buf, s, e, i + 1, file);
      if (key !== undefined) {
        const prev = db.bySerial.get(key);
        if (prev !== undefined) throw duplicate(buf, file, i, prev, { start: s, end: e });
        db.bySerial.set(key, i);
      }
      s = e + 1;
    }
    return db;
  }

  private ensureCapacity(n: number): void {
    if (n <= this.starts.length) return;
    const bigger = new Float64Array(Math.max(n, this.starts.length * 2));
    bigger.set(this.starts.subarray(0, this.lineCount));
    this.starts = bigger;
  }

  private lineEnd(i: number): number {
    let end = i + 1 < this.lineCount ? this.starts[i + 1] - 1 : this.buf.length;
    if (i + 1 >= this.lineCount && end > this.starts[i] && this.buf[end - 1] === NL) end--;
    return end > this.starts[i] && this.buf[end - 1] === CR ? end - 1 : end;
  }

  private lineText(i: number): string {
    return this.buf.toString('latin1', this.starts[i], this.lineEnd(i));
  }

  /** The line for a serial (any hex case, leading zeros allowed), or undefined. */
  line(serial: string): string | undefined {
    const i = this.bySerial.get(normalizeSerial(serial));
    return i === undefined ? undefined : this.lineText(i);
  }

  lookup(serial: string): IndexEntry | undefined {
    const l = this.line(serial);
    return l === undefined ? undefined : parseLine(l);
  }

  *entries(): IterableIterator<IndexEntry> {
    for (const i of [...this.bySerial.values()].sort((a, b) => a - b)) yield parseLine(this.lineText(i));
  }

  /**
   * Moves to new file content by re-reading only the lines that differ. Returns false when the
   * change adds or removes lines before the end (a full parse is then simpler); throws
   * IndexLineError, leaving this database untouched, when a changed line is bad.
   */
  update(next: Buffer, file = 'index.txt'): boolean {
    const old = this.buf;
    const prefix = commonPrefix(old, next);
    if (prefix === old.length && prefix === next.length) return true;
    const suffix = commonSuffix(old, next, prefix);
    // First changed line, and the end of the changed stretch in both versions, on line boundaries.
    const first = this.lineAt(prefix);
    const oldStop = lineStopAfter(old, old.length - suffix);
    const newStop = lineStopAfter(next, next.length - suffix);
    const start = this.starts[first] ?? old.length;
    const oldLines = splitLines(old, start, oldStop);
    const newLines = splitLines(next, start, newStop);
    const atEnd = oldStop >= old.length;
    if (oldLines.length !== newLines.length && !atEnd) return false;
    const newKeys = checkLines(next, newLines, first, file);
    // Serials leaving with the old lines, then a duplicate check against the lines that stay.
    const leaving = new Set<string>();
    for (const l of oldLines) if (l.end > l.start) leaving.add(serialKeyOf(old, l.start, trimCr(old, l)));
    const seen = new Map<string, number>();
    newKeys.forEach((k, j) => {
      if (k === undefined) return;
      const other = seen.get(k) ?? (leaving.has(k) ? undefined : this.bySerial.get(k));
      if (other !== undefined) throw duplicate(next, file, first + j, other, newLines[j]);
      seen.set(k, first + j);
    });
    for (const k of leaving) this.bySerial.delete(k);
    for (const [k, i] of seen) this.bySerial.set(k, i);
    const delta = next.length - old.length;
    const tail = first + oldLines.length;
    const moved = this.lineCount - tail;
    this.ensureCapacity(first + newLines.length + moved);
    if (newLines.length !== oldLines.length) this.starts.copyWithin(first + newLines.length, tail, this.lineCount);
    newLines.forEach((l, j) => (this.starts[first + j] = l.start));
    for (let i = first + newLines.length, n = first + newLines.length + moved; i < n; i++) this.starts[i] += delta;
    this.lineCount = first + newLines.length + moved;
    this.buf = next;
    return true;
  }

  /** Index of the line holding byte `offset` (the line count when past the end). */
  private lineAt(offset: number): number {
    let lo = 0;
    let hi = this.lineCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid] <= offset) lo = mid + 1;
      else hi = mid;
    }
    return Math.max(0, lo - 1);
  }
}

function trimCr(buf: Buffer, l: Line): number {
  return l.end > l.start && buf[l.end - 1] === CR ? l.end - 1 : l.end;
}

/** Lines (without their '\n') that start in [from, to). */
function splitLines(buf: Buffer, from: number, to: number): Line[] {
  const out: Line[] = [];
  let s = from;
  while (s < to) {
    let e = buf.indexOf(NL, s);
    if (e < 0 || e > buf.length) e = buf.length;
    out.push({ start: s, end: e });
    s = e + 1;
  }
  return out;
}

/** Checks one line [start, end); its serial key, or undefined when blank. `n` is its 1-based number. */
function checkLine(buf: Buffer, start: number, lineEnd: number, n: number, file: string): string | undefined {
  const end = lineEnd > start && buf[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
  if (end === start) return undefined;
  if (quickValid(buf, start, end)) return serialKeyOf(buf, start, end);
  try {
    return parseLine(buf.toString('latin1', start, end)).serial;
  } catch (e) {
    if (e instanceof IndexLineError) throw new IndexLineError(`${file}:${n}: ${e.message}`, n, file);
    throw e;
  }
}

/** Checks lines; returns each line's serial key (undefined for blank lines). `base` numbers them. */
function checkLines(buf: Buffer, lines: Line[], base: number, file: string): Array<string | undefined> {
  return lines.map((l, j) => checkLine(buf, l.start, l.end, base + j + 1, file));
}

function duplicate(buf: Buffer, file: string, line: number, firstLine: number, l: Line): IndexLineError {
  const text = buf.toString('latin1', l.start, trimCr(buf, l));
  return new IndexLineError(`${file}:${line + 1}: serial ${text.split('\t')[3]} already on line ${firstLine + 1}`, line + 1, file);
}

/** Offset just past the '\n' that ends the line holding `offset` (or the end of the buffer). */
function lineStopAfter(buf: Buffer, offset: number): number {
  if (offset > 0 && buf[offset - 1] === NL) return offset;
  const e = buf.indexOf(NL, offset);
  return e < 0 ? buf.length : e + 1;
}

const CHUNK = 1 << 16;

function commonPrefix(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  // Native compares over large chunks, then bytes inside the first chunk that differs.
  while (i + CHUNK <= n && a.compare(b, i, i + CHUNK, i, i + CHUNK) === 0) i += CHUNK;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

function commonSuffix(a: Buffer, b: Buffer, prefix: number): number {
  const n = Math.min(a.length, b.length) - prefix;
  let k = 0;
  while (k + CHUNK <= n && a.compare(b, b.length - k - CHUNK, b.length - k, a.length - k - CHUNK, a.length - k) === 0) k += CHUNK;
  while (k < n && a[a.length - 1 - k] === b[b.length - 1 - k]) k++;
  return k;
}

/** Parses index.txt.attr ("unique_subject = yes"); openssl treats a missing file as defaults. */
export function parseAttr(text: string | undefined): IndexAttr {
  const raw: Record<string, string> = {};
  for (const line of (text ?? '').split(/\r?\n/)) {
    const m = /^\s*([^=#\s]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) raw[m[1]] = m[2];
  }
  const u = (raw.unique_subject ?? 'yes').toLowerCase();
  return { uniqueSubject: !['no', 'n', 'false', 'f', '0', 'off'].includes(u), raw };
}
