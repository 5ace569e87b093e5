// A whole index.txt held in memory: serial → line, with every line checked at load.
//
// Lines are kept as text and parsed again on lookup (one split, about a microsecond) rather than
// held as objects: a million parsed entries would cost several hundred MB, a million strings far
// less. Validation still reads every line so a bad one is reported with its number at load time.

import { IndexLineError, normalizeSerial, parseLine, type IndexEntry } from './line.js';

export interface IndexAttr {
  uniqueSubject: boolean;
  /** Every key = value pair as found, for writing back unchanged. */
  raw: Record<string, string>;
}

export class IndexDatabase {
  private constructor(
    private readonly lines: Map<string, string>,
    readonly size: number,
  ) {}

  static parse(text: string, file = 'index.txt'): IndexDatabase {
    const lines = new Map<string, string>();
    let n = 0;
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      n++;
      let line = text.slice(start, end);
      start = end + 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') continue;
      let entry: IndexEntry;
      try {
        entry = parseLine(line);
      } catch (e) {
        if (e instanceof IndexLineError) throw new IndexLineError(`${file}:${n}: ${e.message}`, n, file);
        throw e;
      }
      const prev = lines.get(entry.serial);
      if (prev !== undefined) {
        const first = text.slice(0, text.indexOf(prev)).split('\n').length;
        throw new IndexLineError(`${file}:${n}: serial ${entry.serialText} already on line ${first}`, n, file);
      }
      lines.set(entry.serial, line);
    }
    return new IndexDatabase(lines, lines.size);
  }

  /** The line for a serial (any hex case, leading zeros allowed), or undefined. */
  line(serial: string): string | undefined {
    return this.lines.get(normalizeSerial(serial));
  }

  lookup(serial: string): IndexEntry | undefined {
    const l = this.line(serial);
    return l === undefined ? undefined : parseLine(l);
  }

  *entries(): IterableIterator<IndexEntry> {
    for (const l of this.lines.values()) yield parseLine(l);
  }
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
