// AMQERR01.LOG: the structured entry shared by the emulator (what it wrote), the drill runner and
// `ocsplab explain` (what it read), a writer that lays entries out the way MQ does, and the parser
// entry point (the reading rules live in knowledge-parse.ts).
//
// Layout written (as in mq-outcomes.md and real logs):
//   DD/MM/YYYY HH:MM:SS - Process(pid.tid) User(u) Program(p)
//                         Host(h) Installation(i)
//                         VRMF(v) QMgr(q)            <- QMgr only on queue manager logs
//   AMQnnnnE: title
//   <blank>
//   EXPLANATION:
//   text wrapped at 79 columns
//   ACTION:
//   text
//   ----- file.c : line ----------------------------  <- padded to 79 columns like MQ's

import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LOG_WIDTH } from './knowledge-layout.js';
import { MESSAGES, fillTemplate, type MessageId, type MessageInserts, type Severity } from './catalog.js';

export type Side = 'client' | 'qm';

/** message: an AMQnnnn log entry; ffst: an FDC box; java: one `CC=;RC=;AMQnnnn:` link of an
 *  exception chain; reason: a bare reason code (RC=, ReasonCd=, "reason code", MQRC_ name). */
export type EntryKind = 'message' | 'ffst' | 'java' | 'reason';

/** The Process/User/Program, Host/Installation and VRMF/QMgr lines of an entry's header. */
export interface HeaderFields {
  process?: string;
  user?: string;
  program?: string;
  /** Host(...) of the header: the machine that wrote the log. */
  host?: string;
  installation?: string;
  vrmf?: string;
  /** Set for queue manager logs; client logs have no QMgr(...). */
  qmgr?: string;
}

export interface MqLogEntry extends HeaderFields {
  kind: EntryKind;
  /** Which side wrote it, when the writer knew or the text shows it (QMgr header, Java chain). */
  side?: Side;
  /** Timestamp as written. */
  time?: string;
  /** The timestamp as a Date (local time, as MQ writes it) when it could be read. */
  at?: Date;
  /** MQ 9.1+ `Time(...)` header line as written: the entry's UTC time (then also in `at`). */
  isoTime?: string;
  /** MQ 9.1+ `ArithInsertN(...)` header lines, N-1 indexed; unset ones are 0 as in MQ. For
   *  AMQ9633 ArithInsert1 is the certificate validation error. */
  arithInserts?: number[];
  /** MQ 9.1+ `CommentInsertN(...)` header lines, N-1 indexed; unset ones are ''. */
  commentInserts?: string[];
  /** AMQnnnn without the severity letter. */
  messageId?: string;
  severity?: Severity;
  /** Title line text after `AMQnnnnX: `. */
  text?: string;
  explanation?: string;
  action?: string;
  channel?: string;
  /** The partner as the message names it ('to host ...', 'remote host is ...'). */
  remoteHost?: string;
  validationError?: number;
  certificateDetails?: string;
  cipherError?: string;
  cipherSpec?: string;
  /** A Java chain's innermost cause text, e.g. 'Broken pipe'. */
  cause?: string;
  reasonCode?: number;
  completionCode?: number;
  reasonQualifier?: string;
  probeId?: string;
  majorErrorcode?: string;
  minorErrorcode?: string;
  probeType?: string;
  comments?: string[];
  /** The `----- file : line` footer. */
  source?: { file: string; line: number };
  /** Character offset in the parsed text, so callers can keep entries in reading order. */
  offset: number;
  raw: string;
}

export interface LogHeader extends HeaderFields {
  time: Date;
}

export interface LogWrite extends LogHeader {
  messageId: MessageId;
  inserts?: MessageInserts;
}

export const ERRLOG_NAME = 'AMQERR01.LOG';
const INDENT = ' '.repeat(22);

function two(n: number): string {
  return String(n).padStart(2, '0');
}

export function formatLogTime(d: Date): string {
  return (
    `${two(d.getDate())}/${two(d.getMonth() + 1)}/${d.getFullYear()} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`
  );
}

/** Word-wraps each paragraph; words longer than the width (DNs) stay whole, as MQ leaves them. */
export function wrapText(text: string, width = LOG_WIDTH): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    if (para.trim() === '') {
      out.push('');
      continue;
    }
    let line = '';
    for (const word of para.split(/ +/)) {
      if (line && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    out.push(line);
  }
  return out;
}

export function formatFooter(file: string, line: number): string {
  return `----- ${file} : ${line} `.padEnd(LOG_WIDTH, '-');
}

export function formatEntry(w: LogWrite): string {
  const def = MESSAGES[w.messageId];
  const ins = w.inserts ?? {};
  const head2 = `${INDENT}Host(${w.host ?? 'localhost'}) Installation(${w.installation ?? 'Installation1'})`;
  const head3 = `${INDENT}VRMF(${w.vrmf ?? '9.3.0.0'})` + (w.qmgr !== undefined ? ` QMgr(${w.qmgr})` : '');
  const lines = [
    `${formatLogTime(w.time)} - Process(${w.process ?? '1.1'}) User(${w.user ?? 'mqm'}) ` +
      `Program(${w.program ?? (w.qmgr !== undefined ? 'amqrmppa' : 'ocsplab')})`,
    head2,
    head3,
    // MQ wraps long titles too (seed 001 shows one broken before the host insert).
    ...wrapText(`${w.messageId}${def.severity}: ${fillTemplate(def.title, ins)}`),
    '',
    'EXPLANATION:',
    ...wrapText(fillTemplate(def.explanation, ins)),
    'ACTION:',
    ...wrapText(fillTemplate(def.action, ins)),
    formatFooter(def.probe.file, def.probe.line),
  ];
  return lines.join('\n') + '\n';
}

/** Appends one entry to `<dir>/AMQERR01.LOG` (creating dir and file) and returns the file path. */
export async function appendEntry(dir: string, w: LogWrite): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, ERRLOG_NAME);
  await appendFile(path, formatEntry(w), 'utf8');
  return path;
}

export { LOG_WIDTH };
export { parseErrlog, type ParseOptions } from './knowledge-parse.js';
