// Reading what a real MQ client and queue manager did in one attempt: the reason code from the
// sample client's transcript, and the AMQERR01.LOG entries written since the attempt started.
//
// NOT RUN AGAINST A REAL QUEUE MANAGER here; the transcript shapes come from the MQ samples'
// source (amqssslc, amqsput0: `printf("MQCONNX ended with reason code %d\n", ...)`).

import { open, stat } from 'node:fs/promises';
import { parseErrlog, type MqLogEntry } from '../mq/errlog.js';
import type { SideName, SideResult } from '../emulator/types.js';

export interface ClientOutcome {
  rc: number;
  /** The line the RC was read from, or why it is 0. */
  evidence: string;
}

// "MQCONNX ended with reason code 2393", "MQCONN ended with reason code 2393" and the newer
// samples' "MQCONNX ended with reason code MQRC_SSL_INITIALIZATION_ERROR [2393]".
const CONNECT_FAILED = /\bMQCONNX? ended with reason code (?:(\d+)|[A-Z_]+ \[(\d+)\])/;
const SAMPLE_START = /^Sample AMQS\w+ start\s*$/m;

/**
 * The MQCONN(X) reason code from a sample client's output. A sample that printed its start line and
 * no connect failure connected (rc 0), even if a later call (MQOPEN of a queue) failed: the drill is
 * about the channel. Anything else is a broken tool run, not an MQ outcome, and throws.
 */
export function parseClientTranscript(output: string, exitCode: number | null): ClientOutcome {
  const m = CONNECT_FAILED.exec(output);
  if (m) return { rc: Number(m[1] ?? m[2]), evidence: m[0] };
  if (SAMPLE_START.test(output)) return { rc: 0, evidence: 'no MQCONN(X) failure reported' };
  const tail = output.trim().split('\n').slice(-5).join('\n');
  throw new Error(`the MQ client did not run as expected (exit ${exitCode ?? 'signal'}): ${tail || '(no output)'}`);
}

/** Where a log file ends now, so an attempt reads only what it appended. */
export async function logMark(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0; // not written yet: everything in it later is new
  }
}

/** Text appended to `file` since `mark`; a file that shrank was rotated or recreated, so all of it. */
export async function readSince(file: string, mark: number): Promise<string> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch {
    return '';
  }
  try {
    const { size } = await fh.stat();
    const from = size < mark ? 0 : mark;
    const buf = Buffer.alloc(size - from);
    await fh.read(buf, 0, buf.length, from);
    return buf.toString('utf8');
  } finally {
    await fh.close();
  }
}

/**
 * Entries newer than the attempt start. The parser reads real MQ 9.1+ entries as they are (12-hour
 * clock, Time/ArithInsert/CommentInsert lines); an entry's exact Time(...) wins, otherwise MQ
 * stamps entries to the second in local time, so the start is rounded down. Entries whose time
 * could not be read are kept: the caller passes only text appended during the attempt.
 */
export function entriesSince(text: string, since: Date, side: SideName, dateOrder: 'dmy' | 'mdy'): MqLogEntry[] {
  const floor = Math.floor(since.getTime() / 1000) * 1000;
  return parseErrlog(text, { side, dateOrder }).filter((e) => {
    if (!e.at) return true;
    return e.isoTime ? e.at.getTime() >= since.getTime() : Math.floor(e.at.getTime() / 1000) * 1000 >= floor;
  });
}

export function sideResult(side: SideName, entries: MqLogEntry[], logFile: string): SideResult {
  return {
    side,
    entries,
    messageIds: entries.map((e) => e.messageId).filter((x): x is string => !!x),
    validationErrors: entries.map((e) => e.validationError).filter((x): x is number => x !== undefined),
    logFile,
  };
}
