// A watched index.txt: always answers from the newest complete content on disk.
//
// "No stale answers" is enforced by a stat before answering: the file's inode, size, mtime and
// ctime form a version key, and a different key means re-read before answering. A directory
// watch (not a file watch: `openssl ca` replaces the file by rename, which a file watch loses) starts
// that re-read as soon as the change happens, so the request that follows rarely pays for it, and
// also catches a same-size rewrite inside one mtime tick.
//
// One stat per event-loop turn, not per request: requests handled in the same poll phase all
// arrived before that phase began, so a stat taken during it already sees every write that
// finished before any of them was sent (see ioTurn). Under load that is one stat for a batch.
//
// A bad file never replaces a good one: a parse error or a missing file is logged once per version
// and the last good database keeps answering.

import { readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { IndexDatabase, parseAttr, type IndexAttr } from './database.js';
import { IndexLineError } from './line.js';

export interface StoreLogger {
  info(msg: string): void;
  error(msg: string): void;
}

export interface IndexSnapshot {
  db: IndexDatabase;
  attr: IndexAttr;
  /** Increments on every successful reload. */
  generation: number;
  loadedAt: Date;
  /** The file's ctime (ns) for this content: the same in every process reading the file, which
   *  its own clock is not (signed CRLs take their times and numbers from it). */
  changedNs: bigint;
}

function versionKey(path: string): string | undefined {
  const st = statSync(path, { bigint: true, throwIfNoEntry: false });
  return st ? `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}` : undefined;
}

/** The ctime a version key was made from (its last field). */
const ctimeOfKey = (key: string): bigint => BigInt(key.slice(key.lastIndexOf(':') + 1));

let turn = 0;
let turnEnding = false;

/**
 * The number of the current event-loop turn, for a caller in an I/O callback (a request just
 * read). It changes in the check phase right after the poll phase, so two requests given the same
 * number were both read in one poll phase, after the kernel had their bytes: a freshness check
 * made for the first was made after the second was sent. Not for timers or setImmediate callbacks,
 * which run outside the poll phase (they pass no turn and always stat).
 */
export function ioTurn(): number {
  if (!turnEnding) {
    turnEnding = true;
    setImmediate(() => {
      turn++;
      turnEnding = false;
    });
  }
  return turn;
}

function readAttr(path: string): string | undefined {
  try {
    return readFileSync(`${path}.attr`, 'utf8');
  } catch {
    return undefined;
  }
}

export class IndexStore {
  private snap: IndexSnapshot;
  private key: string | undefined;
  /** Version key of the last content that failed, so a bad file is reported once, not per request. */
  private failedKey: string | undefined;
  private dirty = false;
  /** The ioTurn in which the file was last found unchanged. */
  private checkedTurn = -1;
  private watcher: FSWatcher | undefined;
  /** Successful re-reads since start, and re-reads that kept the old index (metrics). */
  reloads = 0;
  reloadErrors = 0;

  /** Loads the file now; throws IndexLineError (file and line) or a file error at start-up. */
  constructor(
    readonly path: string,
    private readonly log: StoreLogger,
  ) {
    const key = versionKey(path);
    if (key === undefined) throw new Error(`${path}: no such file`);
    this.snap = { db: IndexDatabase.parse(readFileSync(path), path), attr: parseAttr(readAttr(path)), generation: 1, loadedAt: new Date(), changedNs: ctimeOfKey(key) };
    this.key = key;
  }

  /** Starts the directory watch that reloads ahead of the next request. */
  watch(): this {
    if (this.watcher) return this;
    const name = basename(this.path);
    try {
      this.watcher = watch(dirname(this.path), { persistent: false }, (_ev, file) => {
        if (file === null || file === name || file === `${name}.attr`) {
          this.dirty = true;
          setImmediate(() => this.current());
        }
      });
      this.watcher.on('error', () => undefined);
    } catch {
      // No watch support (some network file systems): the per-read stat still keeps answers fresh.
    }
    return this;
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  /**
   * The newest good snapshot, re-reading first when the file changed since the last read.
   * @param turn the caller's ioTurn(), when it is answering a request just read; a check already
   *   made in that turn then stands. Without it, the file is always checked.
   */
  current(turn?: number): IndexSnapshot {
    if (turn !== undefined && turn === this.checkedTurn && !this.dirty) return this.snap;
    const key = versionKey(this.path);
    if (key === undefined) {
      if (this.failedKey !== 'missing') {
        this.failedKey = 'missing';
        this.log.error(`${this.path}: file is missing; still answering from the index loaded at ${this.snap.loadedAt.toISOString()}`);
      }
      return this.snap;
    }
    if ((key === this.key || key === this.failedKey) && !this.dirty) {
      this.checkedTurn = turn ?? -1;
      return this.snap;
    }
    this.dirty = false;
    this.checkedTurn = -1;
    this.reload(key);
    return this.snap;
  }

  /** Forces a re-read (admin API); returns the error text when the file is bad. */
  reload(key = versionKey(this.path)): string | undefined {
    if (key === undefined) return `${this.path}: no such file`;
    let data: Buffer;
    try {
      data = readFileSync(this.path);
    } catch (e) {
      this.failedKey = key;
      this.reloadErrors++;
      const msg = `${this.path}: ${(e as Error).message}; keeping the previous index`;
      this.log.error(msg);
      return msg;
    }
    try {
      // Apply only the lines that changed when the change allows; otherwise parse it all.
      const db = this.snap.db.update(data, this.path) ? this.snap.db : IndexDatabase.parse(data, this.path);
      const generation = this.snap.generation + 1;
      this.snap = { db, attr: parseAttr(readAttr(this.path)), generation, loadedAt: new Date(), changedNs: ctimeOfKey(key) };
      this.key = key;
      this.failedKey = undefined;
      this.reloads++;
      this.log.info(`${this.path}: loaded ${db.size} entries (generation ${generation})`);
      return undefined;
    } catch (e) {
      if (!(e instanceof IndexLineError)) throw e;
      this.failedKey = key;
      this.reloadErrors++;
      const msg = `${e.message}; keeping the index loaded at ${this.snap.loadedAt.toISOString()}`;
      this.log.error(msg);
      return msg;
    }
  }
}
