// FFST (First Failure Symptom Report, AMQnnnn.n.FDC) boxes: writing one, and finding them in text.
// MQ writes an FFST next to some error-log entries; for revocation the client's AMQ9716 comes with
// probe XC022001 / rrcE_SSL_REVOCATION_CHECK_REQUIRED (seed 003). Boxes are read cell by cell
// (split on '|') so the same code reads a real multi-line FDC and a write-up that pasted the box
// onto one line with '....' where rows were cut.

import { LOG_WIDTH, type MqLogEntry } from './log-entry.js';
import { isMessageId, MESSAGES } from './catalog.js';

export interface FfstWrite {
  time: Date;
  host?: string;
  program?: string;
  probeId: string;
  majorErrorcode: string;
  minorErrorcode?: string;
  probeType?: string;
  probeDescription?: string;
  comments?: string[];
}

const BORDER = '+' + '-'.repeat(LOG_WIDTH - 2) + '+';
const LABEL_WIDTH = 18;

function row(text: string): string {
  return `| ${text.padEnd(LOG_WIDTH - 4)} |`;
}

/** Cuts a value into pieces of at most `room` characters, at a space (dropped) or after a comma
 *  (kept), so the parser can join them back exactly; only an unbroken run is cut mid-word. */
function pieces(value: string, first: number, room: number): string[] {
  const out: string[] = [];
  let rest = value;
  let width = first;
  while (rest.length > width) {
    const window = rest.slice(0, width + 1);
    const sp = window.lastIndexOf(' ');
    const comma = window.lastIndexOf(',', width - 1);
    if (sp > 0 && sp >= comma) {
      out.push(rest.slice(0, sp));
      rest = rest.slice(sp + 1);
    } else if (comma > 0) {
      out.push(rest.slice(0, comma + 1));
      rest = rest.slice(comma + 1);
    } else {
      out.push(rest.slice(0, width));
      rest = rest.slice(width);
    }
    width = room;
  }
  out.push(rest);
  return out;
}

/** One labelled field, continued on further rows when long (as MQ does for DNs). */
function field(label: string, value: string): string[] {
  const inner = LOG_WIDTH - 4;
  const [first = '', ...more] = pieces(value, inner - LABEL_WIDTH - 4, inner);
  return [row(`${label.padEnd(LABEL_WIDTH)} :- ${first}`), ...more.map(row)];
}

export function formatFfst(f: FfstWrite): string {
  const lines = [
    BORDER,
    row(''),
    row('IBM MQ First Failure Symptom Report'),
    row('========================================='),
    row(''),
    ...field('Date/Time', f.time.toISOString()),
    ...field('Host Name', f.host ?? 'localhost'),
    ...field('Program Name', f.program ?? 'ocsplab'),
    ...field('Probe Id', f.probeId),
    ...field('Major Errorcode', f.majorErrorcode),
    ...field('Minor Errorcode', f.minorErrorcode ?? 'OK'),
    ...field('Probe Type', f.probeType ?? 'MSGAMQ0000'),
    ...field('Probe Severity', '2'),
    ...field('Probe Description', f.probeDescription ?? ''),
    ...(f.comments ?? []).flatMap((c, i) => field(`Comment${i + 1}`, c)),
    row(''),
    BORDER,
  ];
  return lines.join('\n') + '\n';
}

const BOX = /\+-{10,}\+([\s\S]*?First Failure Symptom Report[\s\S]*?)\+-{10,}\+/g;

/** Joins the pieces of a value MQ wrapped over several box rows. A wrap inside a DN usually
 *  falls at a comma, where no space belongs; elsewhere it replaced a space. */
function joinPieces(pieces: string[]): string {
  let out = '';
  for (const p of pieces) {
    if (!out) out = p;
    else if (/[,=]$/.test(out) || /^[,=]/.test(p)) out += p;
    else out += ' ' + p;
  }
  return out.trim();
}

function boxFields(body: string): Map<string, string> {
  const fields = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const cellRaw of body.split('|')) {
    const cell = cellRaw.trim();
    if (!cell || /^\.{2,}$/.test(cell) || /^=+$/.test(cell)) continue;
    const m = /^([A-Za-z][A-Za-z0-9 /]*?)\s*:-\s*(.*)$/.exec(cell);
    if (m) {
      current = [];
      fields.set(m[1]!.trim(), current);
      if (m[2]) current.push(m[2].trim());
    } else if (current) {
      current.push(cell);
    }
  }
  return new Map([...fields].map(([k, v]) => [k, joinPieces(v)]));
}

/** Finds FFST boxes; returns their entries and the text with the boxes blanked out (same length,
 *  so offsets stay valid) so that the AMQ message quoted in a box is not read twice. */
export function extractFfst(text: string): { entries: MqLogEntry[]; rest: string } {
  const entries: MqLogEntry[] = [];
  const rest = text.replace(BOX, (whole: string, body: string, offset: number) => {
    const f = boxFields(body);
    const get = (k: string) => f.get(k) || undefined;
    const comments = ['Comment1', 'Comment2', 'Comment3'].map((k) => f.get(k) ?? '');
    while (comments.length && !comments[comments.length - 1]) comments.pop();
    const description = get('Probe Description');
    const typeId = /MSG(AMQ\d{4})/.exec(get('Probe Type') ?? '')?.[1];
    const descId = /(AMQ\d{4})/.exec(description ?? '')?.[1];
    const messageId = typeId ?? descId;
    const channel =
      /channel\s+'([^']*)'/.exec(description ?? '')?.[1] ??
      (comments[2] && /^[A-Za-z0-9._%/?]+$/.test(comments[2]) ? comments[2] : undefined);
    const details = comments.find((c) => c.includes('[Class=]'));
    const entry: MqLogEntry = {
      kind: 'ffst',
      offset,
      raw: whole,
      probeId: get('Probe Id'),
      majorErrorcode: get('Major Errorcode'),
      minorErrorcode: get('Minor Errorcode'),
      probeType: get('Probe Type'),
      comments,
      time: get('Date/Time'),
      host: get('Host Name'),
      program: get('Program Name'),
      qmgr: get('QueueManager'),
    };
    if (messageId) {
      entry.messageId = messageId;
      if (isMessageId(messageId)) entry.severity = MESSAGES[messageId].severity;
    }
    if (description) entry.text = description.replace(/^AMQ\d{4}[IWEST]?:\s*/, '');
    if (channel) entry.channel = channel;
    if (details) entry.certificateDetails = details;
    for (const k of Object.keys(entry) as (keyof MqLogEntry)[]) if (entry[k] === undefined) delete entry[k];
    entries.push(entry);
    return whole.replace(/[^\n]/g, ' ');
  });
  return { entries, rest };
}
