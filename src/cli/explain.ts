// `ocsplab explain`: reads MQ error text (AMQERR01.LOG, FFST, Java exception chain, reason codes)
// from files or stdin and says what went wrong and what to check. The reading and ranking live in
// src/explain/explain.ts; this file only gathers inputs and prints.

import { readdir, readFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Side } from '../mq/errlog.js';
import { explain, exitCode, NOTHING_FOUND, type ExplainInput } from '../explain/explain.js';
import { formatDiagnosis } from '../explain/format.js';
import { drillCases, drillScenario, drillYaml } from '../explain/drill-scenario.js';
import { rowById } from '../mq/outcomes.js';

const USAGE = `usage: ocsplab explain [options] [FILE ...]
Explains IBM MQ TLS/OCSP failures from error-log text: AMQERR01.LOG entries, FFST (FDC) text, a
Java exception chain (CC=2;RC=2397;AMQ9204...), or bare reason codes (2393, RC=2059, MQRC_...).
With no FILE (or FILE '-') it reads stdin. A FILE argument that is not a file but looks like a
reason code (e.g. 2393) is read as text. A directory is an MQ errors directory
(/var/mqm/qmgrs/QM1/errors, /var/mqm/errors): its AMQERR03/02/01.LOG, oldest first, and its FDCs.

options:
  --qm FILE          a file from the queue manager side (may be repeated)
  --client FILE      a file from the client side (may be repeated)
  --side qm|client   side of the FILE arguments (and stdin) that follow it
  --json             print the diagnosis as JSON
  --drill            print drill scenarios (YAML, for scenarios: in a drill file) that reproduce
                     each connection attempt: every case that fits as well as the best, and the
                     CRL reading of an AMQ9633 revocation beside the OCSP one
  -h, --help         this text

Give both sides' logs to narrow the diagnosis: entries close in time on the same channel are read
as one connection attempt and only cases that fit both logs are kept.

exit codes:
  0  explained: at least one case of the outcome table fits
  1  a file could not be read
  2  usage error
  3  nothing MQ-TLS related found
  4  MQ TLS entries recognised, but no case of the outcome table fits them (nothing is guessed)
`;

const LITERAL = /^(?:\d{1,5}|RC=\d{1,5}|MQRC_[A-Z0-9_]+)$/i;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

interface Source {
  path: string;
  side?: Side;
}

function sideOf(v: string | undefined): Side | undefined {
  const s = (v ?? '').toLowerCase();
  return s === 'qm' || s === 'client' ? s : undefined;
}

const OPTIONS = {
  qm: { type: 'string', multiple: true },
  client: { type: 'string', multiple: true },
  side: { type: 'string' },
  json: { type: 'boolean' },
  drill: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Flags = { json?: boolean; drill?: boolean; help?: boolean };

/** Flags, and the files in command-line order each with the side given for it. */
function parse(argv: string[]): { flags: Flags; list: Source[] } | string {
  const { values, tokens } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, tokens: true });
  const list: Source[] = [];
  let side: Side | undefined;
  for (const t of tokens) {
    if (t.kind === 'positional') list.push(side ? { path: t.value, side } : { path: t.value });
    else if (t.kind === 'option' && (t.name === 'qm' || t.name === 'client')) list.push({ path: t.value!, side: t.name });
    else if (t.kind === 'option' && t.name === 'side') {
      side = sideOf(t.value);
      if (!side) return `--side must be qm or client, not '${t.value}'`;
    }
  }
  if (!list.length) list.push(side ? { path: '-', side } : { path: '-' });
  return { flags: values, list };
}

/** A log file, or an error that says which file and why in words (not ENOENT: ...). */
async function readLog(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file (a side that logged nothing may have no AMQERR01.LOG yet)' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new Error(`cannot read ${path}: ${why}`);
  }
}

/** An errors directory's logs, in the order MQ wrote them: AMQERR03 (oldest) to 01, then FDCs. */
async function errorsDir(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  const logs = names.filter((n) => /^AMQERR0\d\.LOG$/i.test(n)).sort().reverse();
  const fdcs = names.filter((n) => /\.FDC$/i.test(n)).sort();
  if (!logs.length && !fdcs.length) throw new Error(`${dir} is a directory with no AMQERR0n.LOG or .FDC file (give an MQ errors directory or a file)`);
  return [...logs, ...fdcs].map((n) => join(dir, n));
}

async function load(list: Source[]): Promise<ExplainInput[]> {
  const inputs: ExplainInput[] = [];
  const expanded: Source[] = [];
  for (const s of list) {
    if (s.path !== '-' && existsSync(s.path) && statSync(s.path).isDirectory()) expanded.push(...(await errorsDir(s.path)).map((path) => ({ ...s, path })));
    else expanded.push(s);
  }
  for (const s of expanded) {
    const text = s.path === '-' ? await readStdin() : !existsSync(s.path) && LITERAL.test(s.path) ? s.path : await readLog(s.path);
    const input: ExplainInput = { text, name: s.path === '-' ? 'stdin' : s.path };
    if (s.side) input.side = s.side;
    inputs.push(input);
  }
  return inputs;
}

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    parsed = (e as Error).message;
  }
  if (typeof parsed === 'string') {
    process.stderr.write(`ocsplab explain: ${parsed}\n${USAGE}`);
    return 2;
  }
  const { flags, list } = parsed;
  if (flags.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let inputs: ExplainInput[];
  try {
    inputs = await load(list);
  } catch (e) {
    process.stderr.write(`ocsplab explain: ${(e as Error).message}\n`);
    return 1;
  }
  const d = explain(inputs);
  const code = exitCode(d);
  if (flags.drill) {
    const scenarios = drillCases(d).map((r) => drillScenario(rowById(r.id)!, r.clientType));
    if (!scenarios.length) {
      process.stderr.write(`ocsplab explain: ${d.found ? 'no case of the outcome table fits, so there is nothing to reproduce' : NOTHING_FOUND}\n`);
      return code;
    }
    process.stdout.write(drillYaml(scenarios));
    return code;
  }
  process.stdout.write(flags.json ? JSON.stringify(d, null, 2) + '\n' : formatDiagnosis(d));
  return code;
}
