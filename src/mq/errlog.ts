// AMQERR01.LOG, both ways: the writer that lays entries out the way MQ does (the emulator's logs)
// and the parser that reads them back (the drill's live target, `ocsplab explain`, the tests), so
// the format is owned by one module. The entry type lives in log-entry.ts (FFST boxes, read by
// ffst.ts for this parser, are entries too) and is re-exported here.
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
import { LOG_WIDTH, type HeaderFields, type MqLogEntry, type Side } from './log-entry.js';
import {
  MESSAGES,
  REASON_CODES,
  fillTemplate,
  isMessageId,
  reasonByName,
  type MessageId,
  type MessageInserts,
  type Severity,
} from './catalog.js';
import { extractFfst } from './ffst.js';

export { LOG_WIDTH, type EntryKind, type HeaderFields, type MqLogEntry, type Side } from './log-entry.js';

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

// ---------------------------------------------------------------------------------------------
// Reading
//
// Reads MQ error text back into MqLogEntry records: real AMQERR01.LOG files, and the damaged forms
// people paste into write-ups (line breaks lost, '....' where lines were cut, curly quotes, bullet
// prefixes, FFST boxes on one line, Java exception chains, bare reason codes). Everything is
// found by pattern, never by line position, because the condensed forms have no reliable lines.
//
// The parser reports what the text says and nothing more: side is set only when the text shows
// it (a QMgr(...) header, a Java chain), and no outcome is guessed here (that is matchRows' job,
// in src/explain/match.ts).

export interface ParseOptions {
  /** How to read an ambiguous dd/dd/yyyy date; our writer uses 'dmy'. Unambiguous dates win. */
  dateOrder?: 'dmy' | 'mdy';
  /** Side to assume for entries whose text does not show it (e.g. a file the user named). */
  side?: Side;
}

// Programs that only run inside a queue manager installation (channel agents, listener, MCA).
const QM_PROGRAMS = /^(amqrmppa|amqcrsta|amqcrs6a|runmqchl|runmqlsr|amqzlaa0|amqzmuc0|amqzxma0|amqpcsea)/i;
// Entries without a footer (pasted logs) end after this many lines, so trailing prose stays out.
const MAX_OPEN_LINES = 25;

/** Same-length normalisation so offsets into the original text stay valid. */
function normalise(text: string): string {
  return text
    .replace(/[\u2018\u2019\u201a\u201b\u2032]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/\u00a0/g, ' ')
    .replace(/\r/g, ' ')
    .replace(/^[ \t]*(?:[-*>\u2022][ \t]+)+/gm, (m) => ' '.repeat(m.length));
}

function blank(s: string): string {
  return s.replace(/[^\n]/g, ' ');
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A title template as a regex over whitespace-flattened text; inserts become named groups. */
function titleRegex(template: string): { re: RegExp; names: string[] } {
  const names: string[] = [];
  let src = '';
  for (const part of template.split(/(\{\w+\})/)) {
    const m = /^\{(\w+)\}$/.exec(part);
    if (m) {
      names.push(m[1]!);
      src += "([^']*?)";
    } else {
      src += escapeRe(part).replace(/ /g, '\\s+');
    }
  }
  src = src.replace(/\\\.$/, '\\.?');
  return { re: new RegExp('^' + src), names };
}

const TITLES = new Map(Object.values(MESSAGES).map((d) => [d.id as string, titleRegex(d.title)]));

export function parseLogDate(date: string, time: string, order: 'dmy' | 'mdy' = 'dmy'): Date | undefined {
  const d = /^(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})$/.exec(date);
  const t = /^(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?\s*([AP]M)?$/i.exec(time.trim());
  if (!d || !t) return undefined;
  let [a, b, c] = [Number(d[1]), Number(d[2]), Number(d[3])];
  let year: number, month: number, day: number;
  if (d[1]!.length === 4) [year, month, day] = [a, b, c];
  else {
    year = c < 100 ? 2000 + c : c;
    const dmy = a > 12 || (b <= 12 && order === 'dmy');
    [day, month] = dmy ? [a, b] : [b, a];
  }
  let hour = Number(t[1]);
  if (t[5]) hour = (hour % 12) + (t[5].toUpperCase() === 'PM' ? 12 : 0);
  const ms = t[4] ? Number(t[4].slice(0, 3).padEnd(3, '0')) : 0;
  const out = new Date(year, month - 1, day, hour, Number(t[2]), Number(t[3]), ms);
  return Number.isNaN(out.getTime()) ? undefined : out;
}

interface Header {
  start: number;
  end: number;
  fields: Partial<MqLogEntry>;
}

// A header field is Key(value). MQ 9.1+ adds Time(...), ArithInsertN(...) and CommentInsertN(...)
// lines after VRMF/QMgr; keys carry digits, and comment inserts may hold parentheses of their own
// ("CommentInsert2(C:\Program Files\IBM\MQ (Installation1))"), so values nest two levels deep.
// A value whose parentheses do not balance (pasted with text cut out: "Host( Installation(I1)")
// is read as before, up to the first ')'.
const BALANCED = String.raw`(?:[^()\n]|\((?:[^()\n]|\([^()\n]*\))*\))*`;
const FIELD_VALUE = String.raw`(?:${BALANCED}(?=\))|[^)\n]*)`;
const FIELD = String.raw`[A-Za-z]\w*\(${FIELD_VALUE}\)`;
const HEADER = new RegExp(
  String.raw`(\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4})\s+(\d{1,2}:\d{2}:\d{2}(?:\s*[AP]M)?)\s+-\s+((?:${FIELD}\s*)+)`,
  'g',
);
const FIELDS = new RegExp(String.raw`([A-Za-z]\w*)\((${FIELD_VALUE})\)`, 'g');

const HEADER_KEYS: Record<string, keyof MqLogEntry> = {
  Process: 'process',
  User: 'user',
  Program: 'program',
  Host: 'host',
  Installation: 'installation',
  VRMF: 'vrmf',
  QMgr: 'qmgr',
};

/** Reads `Time(2026-11-24T13:23:45.123Z)`: MQ's exact UTC time, free of the locale's date order. */
function isoTime(v: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(v)) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** Puts insert n (1-based) in its slot; MQ leaves unset inserts as 0 and '', and so do we. */
function setInsert<T>(list: T[] | undefined, n: number, v: T, unset: T): T[] {
  const out = list ?? [];
  while (out.length < n - 1) out.push(unset);
  out[n - 1] = v;
  return out;
}

function parseHeader(m: RegExpExecArray, order: 'dmy' | 'mdy'): Header {
  const fields: Partial<MqLogEntry> = { time: `${m[1]} ${m[2]}` };
  const at = parseLogDate(m[1]!, m[2]!, order);
  if (at) fields.at = at;
  for (const kv of m[3]!.matchAll(FIELDS)) {
    const [key, value] = [kv[1]!, kv[2]!];
    const k = HEADER_KEYS[key];
    const ins = /^(Arith|Comment)Insert(\d)$/.exec(key);
    if (k) (fields as Record<string, string>)[k] = value;
    else if (key === 'Time') {
      const iso = isoTime(value);
      if (iso) [fields.at, fields.isoTime] = [iso, value];
    } else if (ins?.[1] === 'Arith' && /^-?\d+$/.test(value.trim())) {
      fields.arithInserts = setInsert(fields.arithInserts, Number(ins[2]), Number(value), 0);
    } else if (ins?.[1] === 'Comment') {
      fields.commentInserts = setInsert(fields.commentInserts, Number(ins[2]), value, '');
    }
  }
  if ((fields.qmgr && fields.qmgr.trim()) || QM_PROGRAMS.test(fields.program ?? '')) fields.side = 'qm';
  else if (fields.program) fields.side = 'client';
  return { start: m.index, end: m.index + m[0].length, fields };
}

function setIf<K extends keyof MqLogEntry>(e: MqLogEntry, k: K, v: MqLogEntry[K] | undefined): void {
  if (v !== undefined && v !== '') e[k] = v;
}

/** Reads inserts and evidence out of one entry's text (title plus explanation, flattened). */
function readBody(e: MqLogEntry, body: string): void {
  const flat = body.replace(/\s+/g, ' ').trim();
  const t = e.messageId ? TITLES.get(e.messageId) : undefined;
  const tm = t?.re.exec(flat);
  if (t && tm) {
    e.text = tm[0];
    t.names.forEach((n, i) => {
      const v = tm[i + 1];
      if (n === 'channel') setIf(e, 'channel', v);
      if (n === 'host') e.remoteHost = v ?? '';
      if (n === 'cipherSpec') setIf(e, 'cipherSpec', v);
    });
  } else {
    // No title match (elided or unknown message): keep the first line, up to any '....' cut.
    const first = (body.split('\n')[0] ?? '').split(/\s*\.{3,}/)[0] ?? '';
    e.text = first.replace(/\s+/g, ' ').trim().slice(0, 200);
  }
  if (!e.channel) setIf(e, 'channel', /\bchannel(?: is)?\s+'([^']*)'/i.exec(flat)?.[1]);
  if (e.remoteHost === undefined) {
    const h = /\bhost(?: is)?\s+'([^']*)'/i.exec(flat)?.[1];
    if (h !== undefined) e.remoteHost = h;
  }
  setIf(e, 'certificateDetails', /details of the certificate[^']*?\bare\s*'(.*?)'\s*(?:\.|$| )/i.exec(flat)?.[1]);
  const ve = /certificate validation error was\s+(\d+)/i.exec(flat);
  if (ve) e.validationError = Number(ve[1]);
  // MQ 9.1+ also carries AMQ9633's validation error as ArithInsert1, which survives when the
  // explanation was cut or is in another language.
  if (e.messageId === 'AMQ9633' && e.validationError === undefined && e.arithInserts?.[0]) e.validationError = e.arithInserts[0];
  setIf(e, 'cipherError', /CipherSpec error\s+'(SSLCIPH\(.*?\)\s*->\s*SSLCIPH\(.*?\))'/i.exec(flat)?.[1]);
  const ex = /EXPLANATION:\s*([\s\S]*?)(?:\s*ACTION:|$)/.exec(body);
  if (ex) setIf(e, 'explanation', ex[1]!.replace(/\s+/g, ' ').trim());
  const ac = /ACTION:\s*([\s\S]*)$/.exec(body);
  if (ac) setIf(e, 'action', ac[1]!.replace(/\s+/g, ' ').trim());
}

type Token =
  | { type: 'header'; start: number; end: number; header: Header }
  | { type: 'amq'; start: number; end: number; id: string; severity?: Severity }
  | { type: 'footer'; start: number; end: number; file?: string; line?: number };

function messageEntries(text: string, original: string, order: 'dmy' | 'mdy', stops: number[]): MqLogEntry[] {
  // An FFST is its own file in MQ, so a box pasted after an entry means that entry has ended.
  const tokens: Token[] = stops.map((at) => ({ type: 'footer', start: at, end: at }));
  for (const m of text.matchAll(HEADER)) {
    const h = parseHeader(m, order);
    tokens.push({ type: 'header', start: h.start, end: h.end, header: h });
  }
  for (const m of text.matchAll(/\bAMQ(\d{4})([IWEST])?:[ \t]*/g)) {
    const tok: Token = { type: 'amq', start: m.index, end: m.index + m[0].length, id: `AMQ${m[1]}` };
    if (m[2]) tok.severity = m[2] as Severity;
    tokens.push(tok);
  }
  for (const m of text.matchAll(/-{5} (\S+?\.\w+) : (\d+) -+|(?<![\w-])-{40,}(?![\w-])/g)) {
    const tok: Token = { type: 'footer', start: m.index, end: m.index + m[0].length };
    if (m[1]) [tok.file, tok.line] = [m[1], Number(m[2])];
    tokens.push(tok);
  }
  tokens.sort((a, b) => a.start - b.start);

  const out: MqLogEntry[] = [];
  let pending: Header | undefined;
  let open: { entry: MqLogEntry; bodyStart: number; start: number } | undefined;
  const close = (at: number, footer?: Token & { type: 'footer' }) => {
    if (!open) return;
    let end = at;
    const lines = text.slice(open.bodyStart, end).split('\n');
    if (!footer && lines.length > MAX_OPEN_LINES) end = open.bodyStart + lines.slice(0, MAX_OPEN_LINES).join('\n').length;
    readBody(open.entry, text.slice(open.bodyStart, end));
    if (footer?.file) open.entry.source = { file: footer.file, line: footer.line! };
    open.entry.raw = original.slice(open.start, footer ? footer.end : end).trim();
    out.push(open.entry);
    open = undefined;
  };
  for (const tok of tokens) {
    if (tok.type === 'header') {
      if (open && tok.start >= open.bodyStart) close(tok.start);
      pending = tok.header;
    } else if (tok.type === 'amq') {
      if (open && tok.start < open.bodyStart) continue;
      close(tok.start);
      const entry: MqLogEntry = { kind: 'message', messageId: tok.id, offset: tok.start, raw: '' };
      const sev = tok.severity ?? (isMessageId(tok.id) ? MESSAGES[tok.id].severity : undefined);
      if (sev) entry.severity = sev;
      let start = tok.start;
      if (pending && /^\s*$/.test(text.slice(pending.end, tok.start))) {
        Object.assign(entry, pending.fields);
        start = entry.offset = pending.start;
      }
      pending = undefined;
      open = { entry, bodyStart: tok.end, start };
    } else {
      if (open && tok.start >= open.bodyStart) close(tok.start, tok);
    }
  }
  close(text.length);
  return out;
}

function javaEntries(text: string): { entries: MqLogEntry[]; rest: string } {
  const entries: MqLogEntry[] = [];
  const seen = new Set<string>();
  const re = /CC=(\d+);RC=(\d+);(AMQ\d{4})([IWEST])?:\s*([^[\]\n]*?)\s*(?=\[|\n|$)/g;
  let rest = text;
  for (const m of text.matchAll(re)) {
    const after = text.slice(m.index + m[0].length, m.index + m[0].length + 200);
    const cause = /^\s*\[\[\s*(?!CC=)([^\]]*?)\s*\]/.exec(after)?.[1];
    const e: MqLogEntry = {
      kind: 'java',
      side: 'client',
      offset: m.index,
      raw: m[0],
      completionCode: Number(m[1]),
      reasonCode: Number(m[2]),
      messageId: m[3]!,
      text: m[5]!.trim(),
    };
    const sev = (m[4] as Severity | undefined) ?? (isMessageId(m[3]!) ? MESSAGES[m[3]!].severity : undefined);
    if (sev) e.severity = sev;
    if (cause) e.cause = cause;
    const host = /host\s+'([^']*)'/.exec(e.text!)?.[1];
    if (host !== undefined) e.remoteHost = host;
    // A chain repeats each nested exception as its own "Caused by"; one entry per distinct link.
    const key = `${e.messageId}|${e.reasonCode}|${e.text}|${e.cause ?? ''}`;
    rest = rest.slice(0, m.index) + blank(m[0]) + rest.slice(m.index + m[0].length);
    if (seen.has(key)) continue;
    seen.add(key);
    entries.push(e);
  }
  return { entries, rest };
}

function reasonEntries(text: string, bare: boolean): MqLogEntry[] {
  const found: MqLogEntry[] = [];
  const add = (code: number, offset: number, raw: string, extra: Partial<MqLogEntry> = {}) => {
    // One entry per code, except that a tool line with its own timestamp is a separate attempt
    // (seed 003 pastes five MQCONNX runs into one text; `explain` splits attempts by time).
    if (found.some((f) => f.reasonCode === code && (extra.time === undefined || f.time === extra.time))) return;
    found.push({ kind: 'reason', reasonCode: code, offset, raw, ...extra });
  };
  const tool =
    /(?:\[(\d{4}\/\d{2}\/\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)\][^[\]\n]*?)?(?:qmgr:(\S+)\s+)?CompCd=(\d+)\s+ReasonCd=(\d+)/g;
  for (const m of text.matchAll(tool)) {
    const extra: Partial<MqLogEntry> = { completionCode: Number(m[4]) };
    if (m[1]) {
      extra.time = `${m[1]} ${m[2]}`;
      const at = parseLogDate(m[1], m[2]!);
      if (at) extra.at = at;
    }
    if (m[3]) extra.qmgr = m[3];
    add(Number(m[5]), m.index, m[0], extra);
  }
  const patterns = [/reason code\s+(\d+)/gi, /\breason\s+'(\d+)'/gi, /\bmqrc\s+(\d+)/gi, /\bRC[=:]\s*(\d+)/g];
  for (const re of patterns) for (const m of text.matchAll(re)) add(Number(m[1]), m.index, m[0]);
  for (const m of text.matchAll(/\bMQR[CQ]_[A-Z0-9_]+\b/g)) {
    if (m[0] === 'MQRQ_SSL_UNKNOWN_REVOCATION') add(2552, m.index, m[0], { reasonQualifier: m[0] });
    else {
      const r = reasonByName(m[0]);
      if (r) add(r.code, m.index, m[0]);
    }
  }
  // Prose in forum posts: "struck with 2393, 2381 MQ Errors", "I got 2393 SSL Initialization error".
  for (const m of text.matchAll(/\b(2\d{3}(?:\s*,\s*2\d{3})*)\s+(?:MQ\s+)?(?:errors?\b|SSL\b)/gi)) {
    for (const c of m[1]!.matchAll(/\d{4}/g)) if (REASON_CODES[Number(c[0])]) add(Number(c[0]), m.index, m[0]);
  }
  if (bare) {
    for (const m of text.matchAll(/\d{1,5}/g)) if (REASON_CODES[Number(m[0])]) add(Number(m[0]), m.index, m[0]);
  }
  return found;
}

/** True when the whole input is just reason codes, e.g. `2393`, `RC=2397`, `2393, 2381`. */
function isBareReasonInput(text: string): boolean {
  return /^\s*(?:(?:MQRC|RC|reason(?: code)?)?\s*[=:]?\s*\d{1,5}\s*[,;]?\s*)+$/i.test(text);
}

export function parseErrlog(input: string, options: ParseOptions = {}): MqLogEntry[] {
  const order = options.dateOrder ?? 'dmy';
  const norm = normalise(input);
  const ffst = extractFfst(norm);
  const java = javaEntries(ffst.rest);
  const stops = ffst.entries.map((e) => e.offset);
  const messages = messageEntries(java.rest, input, order, stops);
  const reasons = reasonEntries(java.rest, isBareReasonInput(input));
  const all = [...ffst.entries, ...java.entries, ...messages, ...reasons].sort((a, b) => a.offset - b.offset);
  if (options.side) for (const e of all) e.side ??= options.side;
  return all;
}
