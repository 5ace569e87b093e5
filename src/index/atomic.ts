// Crash-safe replacement of the CA's database files, in the order `openssl ca` uses
// (apps/lib/apps.c save_index / rotate_index, save_serial / rotate_serial):
//   1. write FILE.new           2. FILE → FILE.old           3. FILE.new → FILE
// plus a lock file so two writers never interleave (openssl ca itself has none).
//
// Step 2 keeps the previous content as FILE.old with a hard link rather than a rename: the result
// on disk is the same as openssl's, but FILE never disappears, so a reader (the responder) or a
// crash between steps 2 and 3 always finds a complete FILE. `recoverInterrupted` also repairs the
// state openssl's own rename leaves when it dies between its two renames.

import { closeSync, copyFileSync, existsSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

export type WriteStep = 'write-new' | 'keep-old' | 'rename-in';

/** Called after each step; tests throw from it to simulate a process killed half-way. */
export type WriteHook = (step: WriteStep, file: string) => void;

let hook: WriteHook | undefined;

/** Installs (or clears) the failure-injection hook. Test use only. */
export function setWriteHook(h: WriteHook | undefined): void {
  hook = h;
}

function writeDurable(path: string, content: string | Buffer, mode?: number): void {
  const fd = openSync(path, 'w', mode);
  try {
    writeFileSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces one file through FILE.new and FILE.old. */
export function replaceFile(path: string, content: string | Buffer): void {
  writeDurable(`${path}.new`, content);
  hook?.('write-new', path);
  if (existsSync(path)) {
    try {
      unlinkSync(`${path}.old`);
    } catch {
      // no previous .old
    }
    try {
      linkSync(path, `${path}.old`);
    } catch {
      copyFileSync(path, `${path}.old`); // file systems without hard links
    }
  }
  hook?.('keep-old', path);
  renameSync(`${path}.new`, path);
  hook?.('rename-in', path);
}

/** Replaces several files; each one is atomic, in the order given (serial before index, as openssl). */
export function replaceFiles(files: ReadonlyArray<{ path: string; content: string | Buffer }>): void {
  for (const f of files) replaceFile(f.path, f.content);
}

/** Writes a file that is created once (a new certificate): whole or absent, never partial. */
export function writeNewFile(path: string, content: string | Buffer, mode = 0o644): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeDurable(tmp, content, mode);
  renameSync(tmp, path);
}

/**
 * Repairs a rotation cut short: FILE missing with FILE.new present means the new content was
 * complete (it is written and synced before any rename), so it is moved in; FILE missing with only
 * FILE.old means the process died after openssl's first rename and before it wrote .new — unlikely,
 * but the old content is the last good one. Returns what was done, for the caller to report.
 */
export function recoverInterrupted(path: string): string | undefined {
  if (existsSync(path)) return undefined;
  if (existsSync(`${path}.new`)) {
    renameSync(`${path}.new`, path);
    return `${path} was missing after an interrupted write; completed it from ${path}.new`;
  }
  if (existsSync(`${path}.old`)) {
    copyFileSync(`${path}.old`, path);
    return `${path} was missing after an interrupted write; restored it from ${path}.old`;
  }
  return undefined;
}

export class LockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockError';
  }
}

export interface LockOptions {
  /** How long a second writer waits for the first before giving up (ms). Default 3000. */
  waitMs?: number;
  pollMs?: number;
}

function holderAlive(text: string): boolean {
  const m = /^(\d+)@(.*)$/m.exec(text);
  if (!m || m[2] !== hostname()) return true; // another host's lock: cannot tell, so respect it
  try {
    process.kill(Number(m[1]), 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryAcquire(lockPath: string): boolean {
  try {
    const fd = openSync(lockPath, 'wx', 0o644);
    writeSync(fd, `${process.pid}@${hostname()}\n${new Date().toISOString()}\n`);
    closeSync(fd);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return false;
  }
}

function readLock(lockPath: string): string {
  try {
    return readFileSync(lockPath, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Runs `fn` holding `lockPath` (created exclusively). A second writer polls until the holder is
 * done or `waitMs` passes, then fails naming the holder. A lock left by a dead process on this host
 * is taken over, so a crash never wedges the CA.
 */
export async function withLock<T>(lockPath: string, fn: () => T | Promise<T>, o: LockOptions = {}): Promise<T> {
  const waitMs = o.waitMs ?? 3000;
  const pollMs = o.pollMs ?? 20;
  const deadline = Date.now() + waitMs;
  while (!tryAcquire(lockPath)) {
    const text = readLock(lockPath);
    if (text && !holderAlive(text)) {
      try {
        unlinkSync(lockPath);
      } catch {
        // someone else removed it first
      }
      continue;
    }
    if (Date.now() >= deadline) {
      const [who, since] = text.split('\n');
      throw new LockError(
        `${lockPath} is held by ${who || 'another process'}${since ? ` since ${since}` : ''}: another writer is changing this CA; ` +
          `waited ${waitMs} ms. Retry when it is done (delete the lock file only if that process is gone).`,
      );
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  try {
    return await fn();
  } finally {
    try {
      unlinkSync(lockPath);
    } catch {
      // already gone
    }
  }
}
