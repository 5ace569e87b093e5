// The entry every reader and writer of MQ's error texts shares: one AMQnnnn message of an
// AMQERR01.LOG, an FFST box, a link of a Java exception chain, or a bare reason code. It has a
// module of its own (importing only the catalog's Severity type) so that errlog.ts, which writes
// and parses AMQERR01.LOG, and ffst.ts, which writes FFST boxes and finds them for that parser,
// can both use it without importing each other.

import type { Severity } from './catalog.js';

// Column width of MQ's error log and FFST layouts: footers, FFST borders and wrapped text all end
// at column 79 in real logs, and the parser relies on the same constant.
export const LOG_WIDTH = 79;

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
