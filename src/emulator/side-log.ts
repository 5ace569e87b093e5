// Writes what one side logs for an attempt: its messages from the outcome table, with inserts
// rendered from what it saw (peer certificate, OCSP URL, channel, host), into its error directory,
// and returns the entries as the parser reads them back (so a result always matches its file).

import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { appendEntry, formatEntry, parseErrlog, ERRLOG_NAME, type LogWrite, type MqLogEntry } from '../mq/errlog.js';
import { messageTitle } from '../mq/catalog.js';
import { formatFfst } from '../mq/ffst.js';
import { insertsFor, type RenderContext } from '../mq/inserts.js';
import type { ExpectedMessage } from '../mq/outcomes.js';
import type { SideName, SideResult } from './types.js';

export interface SideWriter {
  side: SideName;
  errorDir: string;
  /** QMgr(...) of a queue manager's log header; absent for a client. */
  qmgr?: string;
  /** A Java client keeps no AMQERR01.LOG: its messages are an exception chain. */
  java?: { rc: number };
}

/** The file a Java client's exception chain is kept in (MQ writes none; drills need one). */
export const JAVA_LOG_NAME = 'java-client.log';

async function writeJava(w: SideWriter, msgs: ExpectedMessage[], ctx: RenderContext, rc: number): Promise<{ file: string; entries: MqLogEntry[] }> {
  await mkdir(w.errorDir, { recursive: true });
  const file = join(w.errorDir, JAVA_LOG_NAME);
  // Outermost first, one "Caused by" link per message, as WAS prints the chain (seed 000).
  const text = msgs
    .map((m) => `Caused by: CC=2;RC=${rc};${m.id}: ${messageTitle(m.id, insertsFor(m, ctx))}${m.cause ? ` [[ ${m.cause}]]` : ''}\n`)
    .join('');
  if (text) await appendFile(file, text, 'utf8');
  return { file, entries: text ? parseErrlog(text, { side: 'client' }) : [] };
}

export async function writeSide(w: SideWriter, msgs: ExpectedMessage[], ctx: RenderContext, extra: Pick<SideResult, 'observed' | 'ocsp'>): Promise<SideResult> {
  let logFile = join(w.errorDir, ERRLOG_NAME);
  let entries: MqLogEntry[] = [];
  if (w.java) {
    const j = await writeJava(w, msgs, ctx, w.java.rc);
    logFile = j.file;
    entries = j.entries;
  } else {
    for (const m of msgs) {
      const entry: LogWrite = { time: new Date(), messageId: m.id, inserts: insertsFor(m, ctx), process: `${process.pid}.1` };
      if (w.qmgr !== undefined) entry.qmgr = w.qmgr;
      logFile = await appendEntry(w.errorDir, entry);
      entries.push(...parseErrlog(formatEntry(entry), { side: w.side }));
      // The FFST MQ cuts next to some entries (seed 003 row 2: XC022001 with the client's AMQ9716).
      if (m.ffst) {
        const text = formatFfst({
          time: entry.time,
          probeId: m.ffst.probeId,
          majorErrorcode: m.ffst.majorErrorcode,
          probeType: `MSG${m.id}`,
          probeDescription: `${m.id}E: ${messageTitle(m.id, entry.inserts)}`,
          comments: [entry.inserts?.details ?? '', m.ffst.comment2, ctx.channel ?? ''],
        });
        await appendFile(join(w.errorDir, `AMQ${process.pid}.0.FDC`), text, 'utf8');
      }
    }
  }
  const out: SideResult = {
    side: w.side,
    entries,
    messageIds: entries.map((e) => e.messageId).filter((x): x is string => !!x),
    validationErrors: entries.map((e) => e.validationError).filter((x): x is number => x !== undefined),
    logFile,
    ...extra,
  };
  return out;
}
