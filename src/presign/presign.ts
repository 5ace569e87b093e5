// Pre-signed OCSP answers in a directory a static web server serves as is (RFC 5019 deployment):
//
//   DIR/get/<base64 request>      one per certificate: the GET path clients ask for (layout.ts)
//   DIR/serial/<ca>/<SERIAL>.der  the same answer, by serial, for people (a hard link: same bytes)
//   DIR/index.json                what was written: per CA, then one row per certificate
//
// Answers are signed by the responder's own CaSource (same status rules, signer, -rcid, --expired),
// for the nonce-less request RFC 5019 clients send. Every file is replaced atomically: written
// under DIR/.ocsplab-tmp-<pid> (this process's own, so removing it never touches a user's
// file), then renamed over the old one, so a server never reads half a file.
//
// --out is refused when it already holds anything that is not ours (get/, serial/, our
// index.json, our temporary directories): user files are never overwritten or removed.
//
// sync() keeps the directory current: it re-signs exactly the certificates whose index line
// changed (or which are new), deletes those that left the index, and re-signs every answer once
// `refreshFraction` (0.4) of its validity has passed, so none served is past half its validity
// while nextUpdate is still far (what RFC 5019 6.1 asks of pre-produced answers).

import { closeSync, existsSync, linkSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseRequest } from '../ocsp/request.js';
import { issuerHashes } from '../ocsp/cert.js';
import type { LoadedCa } from '../responder/ca-loader.js';
import { dirNameOf, getFileOf, sha1Request } from './layout.js';

export interface PresignOptions {
  out: string;
  cas: LoadedCa[];
  /** Clock in ms (tests move it); default Date.now. */
  now?: () => number;
  /** Signatures in flight at once (RSA signs on libuv's thread pool). */
  concurrency?: number;
  /** Fraction of an answer's validity after which it is re-signed; below 0.5. */
  refreshFraction?: number;
  log?: (line: string) => void;
}

/** One certificate's answer on disk. */
interface FileState {
  ca: number;
  issuer: number;
  serial: string;
  /** The serial as index.txt writes it (even-length hex): the per-serial file's name. */
  serialText: string;
  /** The index line it was signed from. */
  line: string;
  status: string;
  /** Path relative to the output directory ('/' inside the base64 kept as it is); the per-serial
   *  path and the URL are derived (bySerial(), urlOf()): 100,000 answers are held in memory. */
  get: string;
  bytes: number;
  thisUpdate: number;
  nextUpdate: number;
  refreshAt: number;
}

export interface SyncStats {
  /** Answers signed in this pass. */
  signed: number;
  /** Certificates whose line changed, that are new, that left the index, and that were due a refresh. */
  changed: number;
  added: number;
  removed: number;
  refreshed: number;
  /** Paths written (two per answer) and removed. */
  filesWritten: number;
  filesRemoved: number;
  /** Bytes written, counting each answer once (the per-serial file is a link to the same bytes). */
  bytes: number;
  ms: number;
}

export interface Totals {
  answers: number;
  /** Paths under get/ and serial/ (two per answer), and the index. */
  files: number;
  /** Bytes of distinct answer files (hard links count once) plus the index. */
  bytes: number;
  indexBytes: number;
}

const INDEX = 'index.json';
const FORMAT = 'ocsplab-presign/1';
const TMP_PREFIX = '.ocsplab-tmp-';

/** Whether `text` is an index.json that ocsplab presign wrote. */
function isOurIndex(text: string): boolean {
  try {
    return (JSON.parse(text) as { format?: unknown }).format === FORMAT;
  } catch {
    return false;
  }
}

/**
 * Refuses an output directory that holds anything presign did not write: a user's own files there
 * would be overwritten (index.json) or mixed with ours. Empty, missing, or a presign directory of
 * an earlier run (get/, serial/, our index.json, our temporary directories) are fine.
 */
export function checkOutDir(out: string): void {
  let names: string[];
  try {
    names = readdirSync(out);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') throw new Error(`--out ${out}: not a directory`);
    throw new Error(`--out ${out}: cannot read it (${(e as NodeJS.ErrnoException).code})`);
  }
  const foreign = names.filter((n) => {
    // lost+found: the root of a file system mounted for the answers is not a user's file.
    if (n === 'get' || n === 'serial' || n === 'lost+found' || n.startsWith(TMP_PREFIX)) return false;
    if (n === INDEX) {
      try {
        return !isOurIndex(readFileSync(join(out, n), 'utf8'));
      } catch {
        return true;
      }
    }
    return true;
  });
  if (foreign.length) {
    const shown = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? `, ... (${foreign.length} in all)` : '');
    throw new Error(`--out ${out} is not empty and is not a presign directory (it holds ${shown}); nothing was written: give a new or empty directory`);
  }
}

interface Work {
  key: string;
  ca: number;
  issuer: number;
  serial: string;
  serialText: string;
  line: string;
}

/** The URL path of a get/ file: the base64 again (index.html dropped), percent-encoded. */
const urlOf = (get: string) => encodeURIComponent(get.slice('get/'.length).replace(/index\.html$/, ''));

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class Presigner {
  private readonly files = new Map<string, FileState>();
  private readonly generations: number[];
  private readonly dirs = new Set<string>();
  private readonly now: () => number;
  private readonly fraction: number;
  private readonly concurrency: number;
  private readonly log: (line: string) => void;
  private tmpCount = 0;
  private linkOk = true;
  private running: Promise<SyncStats> | undefined;
  private again = false;
  private indexBytes = 0;
  private started = false;
  /** Each CA's issuers' SHA-1 name and key hashes (the CertIDs asked). */
  private readonly sha1: Array<Array<{ name: Buffer; key: Buffer }>>;
  /**
   * The `turn` this pass read each index in: answers signed in the pass ask with it, so the store
   * answers from the very snapshot the pass compared (no second stat, no newer line half-way).
   * Far above ioTurn()'s numbers, which count event-loop turns from 0.
   */
  private turn = 2 ** 40;
  private readonly caDirs: string[];
  /** This process's temporary directory inside the output directory. */
  private readonly tmpDir: string;

  constructor(private readonly o: PresignOptions) {
    this.now = o.now ?? Date.now;
    this.fraction = o.refreshFraction ?? 0.4;
    if (!(this.fraction > 0 && this.fraction < 0.5)) throw new Error('refreshFraction must be between 0 and 0.5');
    this.concurrency = o.concurrency ?? 32;
    this.log = o.log ?? (() => undefined);
    this.generations = o.cas.map(() => -1);
    this.caDirs = o.cas.map((ca) => dirNameOf(ca.name));
    this.tmpDir = join(o.out, `${TMP_PREFIX}${process.pid}`);
    this.sha1 = o.cas.map((ca) => ca.issuers.map((i) => issuerHashes(i).sha1));
    const seen = new Map<string, string>();
    for (const ca of o.cas) {
      const d = dirNameOf(ca.name);
      if (seen.has(d)) throw new Error(`CAs "${seen.get(d)}" and "${ca.name}" would share the directory serial/${d}: give them different --name`);
      seen.set(d, ca.name);
    }
  }

  /** Totals of what is on disk now. */
  totals(): Totals {
    let bytes = 0;
    for (const f of this.files.values()) bytes += f.bytes;
    return { answers: this.files.size, files: this.files.size * 2 + 1, bytes: bytes + this.indexBytes, indexBytes: this.indexBytes };
  }

  /** The earliest time a refresh is due, in ms, or undefined with nothing written. */
  nextRefresh(): number | undefined {
    let t: number | undefined;
    for (const f of this.files.values()) if (t === undefined || f.refreshAt < t) t = f.refreshAt;
    return t;
  }

  /**
   * Brings the directory up to date with the indexes; passes never overlap (a call during a pass
   * runs one more pass after it). The first pass also removes what an earlier run's index.json
   * listed and this run does not write.
   */
  sync(): Promise<SyncStats> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = async (): Promise<SyncStats> => {
      try {
        let s = await this.pass();
        while (this.again) {
          this.again = false;
          s = await this.pass();
        }
        return s;
      } finally {
        this.running = undefined;
      }
    };
    this.running = run();
    return this.running;
  }

  private async pass(): Promise<SyncStats> {
    const t0 = performance.now();
    // Committed only when the pass is complete: a pass that fails half-way (disk full, a directory
    // in the way) is done again from the same comparison, so no change it carried is lost.
    const first = !this.started;
    const seen = [...this.generations];
    const stats: SyncStats = { signed: 0, changed: 0, added: 0, removed: 0, refreshed: 0, filesWritten: 0, filesRemoved: 0, bytes: 0, ms: 0 };
    const now = this.now();
    const work: Work[] = [];
    const gone: string[] = [];
    const turn = ++this.turn;
    this.o.cas.forEach((ca, ci) => {
      const snap = ca.store.current(turn);
      const nIssuers = ca.issuers.length;
      if (snap.generation !== this.generations[ci]) {
        seen[ci] = snap.generation;
        const present = new Set<string>();
        for (const e of snap.db.entries()) {
          const line = snap.db.line(e.serial)!;
          for (let ii = 0; ii < nIssuers; ii++) {
            const key = `${ci}\t${ii}\t${e.serial}`;
            present.add(key);
            const had = this.files.get(key);
            if (had && had.line === line) continue;
            if (had) stats.changed++;
            else stats.added++;
            work.push({ key, ca: ci, issuer: ii, serial: e.serial, serialText: e.serialText.toUpperCase(), line });
          }
        }
        for (const [key, f] of this.files) if (f.ca === ci && !present.has(key)) gone.push(key);
      }
    });
    const queued = new Set(work.map((w) => w.key));
    const leaving = new Set(gone);
    for (const [key, f] of this.files) {
      if (f.refreshAt <= now && !queued.has(key) && !leaving.has(key)) {
        stats.refreshed++;
        work.push({ key, ca: f.ca, issuer: f.issuer, serial: f.serial, serialText: f.serialText, line: f.line });
      }
    }
    if (first) {
      checkOutDir(this.o.out);
      this.removeDeadTmp();
      mkdirSync(this.tmpDir, { recursive: true });
    }
    const stale = first ? this.previousFiles() : [];
    await this.signAll(work, stats);
    for (const key of gone) {
      const f = this.files.get(key)!;
      this.files.delete(key);
      stats.removed++;
      stats.filesRemoved += this.remove(f.get) + this.remove(this.bySerial(f));
    }
    if (first) {
      const kept = new Set<string>();
      for (const f of this.files.values()) kept.add(f.get).add(this.bySerial(f));
      for (const p of stale) if (!kept.has(p)) stats.filesRemoved += this.remove(p);
    }
    if (first || work.length || gone.length) this.writeIndex(now);
    stats.signed = work.length;
    stats.ms = performance.now() - t0;
    seen.forEach((g, ci) => (this.generations[ci] = g));
    this.started = true;
    return stats;
  }

  /** Signs and writes each item, `concurrency` signatures at a time. */
  private async signAll(work: Work[], stats: SyncStats): Promise<void> {
    let next = 0;
    let yielded = performance.now();
    const worker = async () => {
      while (next < work.length) {
        // EC and Ed25519 sign on the event loop, synchronously: without a turn now and then, a pass
        // of thousands would hold it for seconds, and Ctrl-C (or the watch) would wait for its end.
        if (performance.now() - yielded > 20) {
          await new Promise((r) => setImmediate(r));
          yielded = performance.now();
          if (next >= work.length) return; // the other workers took the rest meanwhile
        }
        const w = work[next++];
        const ca = this.o.cas[w.ca];
        const h = this.sha1[w.ca][w.issuer];
        const request = sha1Request(h.name, h.key, w.serial);
        const at = this.now();
        const a = ca.source.answer({ request: parseRequest(request), now: new Date(at), turn: this.turn });
        const reply = a instanceof Promise ? await a : a;
        if (reply.kind !== 'ocsp' || !reply.thisUpdate || !reply.nextUpdate) throw new Error(`${ca.name}: serial ${w.serial}: the CA answered without a nextUpdate`);
        const thisUpdate = reply.thisUpdate.getTime();
        const nextUpdate = reply.nextUpdate.getTime();
        // Not path.join: it would fold a '//' inside the base64, and index.json must show the request.
        const get = `get/${getFileOf(request)}`;
        this.put(reply.der, get, this.bySerial(w));
        stats.filesWritten += 2;
        stats.bytes += reply.der.length;
        this.files.set(w.key, {
          ca: w.ca,
          issuer: w.issuer,
          serial: w.serial,
          serialText: w.serialText,
          line: w.line,
          status: reply.answers?.[0]?.status ?? 'unknown',
          get,
          bytes: reply.der.length,
          thisUpdate,
          nextUpdate,
          refreshAt: thisUpdate + (nextUpdate - thisUpdate) * this.fraction,
        });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.concurrency, work.length)) }, worker));
  }

  /**
   * Writes the answer once and renames it into both places (a second link, or a copy where the
   * file system has no hard links). Synchronous on purpose: creating a file costs the kernel far
   * more than signing costs us (about 1 ms on a busy VM's ext4, 35 µs on tmpfs), and creates run
   * in parallel on libuv's pool cost more system time still (measured: they contend for the
   * directory), so one at a time, beside the RSA signatures running on the pool.
   */
  private put(der: Buffer, ...paths: string[]): void {
    const tmp = paths.map(() => join(this.tmpDir, `${this.tmpCount++}`));
    writeFileSync(tmp[0], der, { mode: 0o644 });
    for (let i = 1; i < tmp.length; i++) {
      if (this.linkOk) {
        try {
          linkSync(tmp[0], tmp[i]);
          continue;
        } catch {
          this.linkOk = false;
        }
      }
      writeFileSync(tmp[i], der, { mode: 0o644 });
    }
    try {
      paths.forEach((p, i) => {
        const abs = join(this.o.out, p);
        const d = dirname(abs);
        if (!this.dirs.has(d)) {
          mkdirSync(d, { recursive: true });
          this.dirs.add(d);
        }
        try {
          renameSync(tmp[i], abs);
        } catch (e) {
          // The directory may have gone or been replaced since it was made: once more, made anew.
          this.dirs.delete(d);
          mkdirSync(d, { recursive: true });
          this.dirs.add(d);
          renameSync(tmp[i], abs);
        }
      });
    } catch (e) {
      for (const t of tmp) rmSync(t, { force: true });
      throw e;
    }
  }

  private bySerial(f: { ca: number; issuer: number; serialText: string }): string {
    return `serial/${this.caDirs[f.ca]}/${f.serialText}${f.issuer ? `.${f.issuer + 1}` : ''}.der`;
  }

  /** Removes one written file; 1 when it was there. */
  private remove(rel: string): number {
    try {
      unlinkSync(join(this.o.out, rel));
      return 1;
    } catch {
      return 0;
    }
  }

  /** Paths an earlier run's index.json listed (none when there is no readable one of ours). */
  private previousFiles(): string[] {
    const p = join(this.o.out, INDEX);
    if (!existsSync(p)) return [];
    try {
      const old = JSON.parse(readFileSync(p, 'utf8')) as { format?: string; cas?: Array<{ serialDir: string }>; fields?: string[]; files?: unknown[][] };
      if (old.format !== FORMAT || !old.files || !old.fields) return [];
      const gi = old.fields.indexOf('get');
      const fi = old.fields.indexOf('file');
      return old.files.flatMap((r) => [r[gi], r[fi]]).filter((x): x is string => typeof x === 'string' && !x.includes('..'));
    } catch {
      return [];
    }
  }

  private writeIndex(now: number): void {
    const cas = this.o.cas.map((ca, ci) => {
      const sha1 = this.sha1[ci];
      let count = 0;
      for (const f of this.files.values()) if (f.ca === ci) count++;
      return {
        name: ca.name,
        index: ca.config.index,
        serialDir: `serial/${this.caDirs[ci]}`,
        issuers: sha1.map((h) => ({ nameHash: h.name.toString('hex'), keyHash: h.key.toString('hex') })),
        answers: count,
      };
    });
    const sorted = [...this.files.values()].sort(
      (a, b) => a.ca - b.ca || a.serial.length - b.serial.length || (a.serial < b.serial ? -1 : a.serial > b.serial ? 1 : 0) || a.issuer - b.issuer,
    );
    const j = JSON.stringify;
    // One answer a line: a 100,000-line index makes a file people can still grep. Written in
    // pieces of about 1 MB, not built as one string (it is some 35 MB at that size).
    const head = [
      '{',
      ` "format": ${j(FORMAT)},`,
      ` "written": ${j(iso(now))},`,
      ` "serve": ${j('serve get/ at the OCSP URL: a GET for <OCSP URL>/<url> maps to get/<request>; answers are application/ocsp-response')},`,
      ` "cas": [\n  ${cas.map((c) => j(c)).join(',\n  ')}\n ],`,
      ` "fields": ${j(['ca', 'serial', 'status', 'thisUpdate', 'nextUpdate', 'bytes', 'get', 'file', 'url'])},`,
      ` "files": [`,
    ].join('\n');
    const tmp = join(this.tmpDir, 'index');
    const fd = openSync(tmp, 'w', 0o644);
    let bytes = 0;
    const put = (text: string) => {
      const b = Buffer.from(text);
      writeSync(fd, b);
      bytes += b.length;
    };
    try {
      put(head);
      let chunk = '';
      sorted.forEach((f, i) => {
        chunk += `${i ? ',' : ''}\n  ${j([this.o.cas[f.ca].name, f.serialText, f.status, iso(f.thisUpdate), iso(f.nextUpdate), f.bytes, f.get, this.bySerial(f), urlOf(f.get)])}`;
        if (chunk.length > 1 << 20) put(chunk), (chunk = '');
      });
      put(`${chunk}${sorted.length ? '\n ' : ''}]\n}\n`);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(this.o.out, INDEX));
    this.indexBytes = bytes;
  }

  /** Temporary directories of earlier runs that were killed (SIGKILL, a crash): theirs by name, and
   *  their process is gone. */
  private removeDeadTmp(): void {
    let names: string[] = [];
    try {
      names = readdirSync(this.o.out);
    } catch {
      return;
    }
    for (const n of names) {
      const m = /^\.ocsplab-tmp-(\d+)$/.exec(n);
      if (!m || Number(m[1]) === process.pid) continue;
      try {
        process.kill(Number(m[1]), 0);
        continue; // alive: another presign on the same directory
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ESRCH') continue;
      }
      rmSync(join(this.o.out, n), { recursive: true, force: true });
    }
  }

  /** Removes this process's temporary directory (nothing is left in it between passes; on a signal
   *  mid-pass, at most a file written and not yet renamed). Never anything else. */
  close(): void {
    rmSync(this.tmpDir, { recursive: true, force: true });
  }
}
