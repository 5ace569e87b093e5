// `ocsplab drill`: runs scenario files against the embedded lab (CA lab + in-process responders +
// MQ emulator on loopback) and prints the outcome matrix. Exit 0 only when every expectation holds;
// 1 when one does not; 2 for usage or scenario-file errors; 130 when interrupted.

import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EmbeddedTarget } from '../drill/embedded.js';
import { LabEnv } from '../drill/lab-env.js';
import { LiveTarget } from '../drill/live.js';
import { liveConfigFromEnv } from '../drill/live-config.js';
import { LiveEnv } from '../drill/live-env.js';
import { displayPath, loadDrill } from '../drill/load.js';
import { buildReport, type DrillReport } from '../drill/report.js';
import { renderHtml } from '../drill/report-html.js';
import { renderJson } from '../drill/report-json.js';
import { renderJunit } from '../drill/report-junit.js';
import { ANSI, NO_COLOR, progressLine, renderFailure, renderTable } from '../drill/report-table.js';
import { AbortedError, matchesFilter, runDrills, type DrillEnv, type ScenarioResult } from '../drill/runner.js';
import { DrillSchemaError, type DrillFile } from '../drill/schema.js';
import { checkSetting, type SideName } from '../drill/settings.js';
import type { Target } from '../drill/target.js';

/** `npm start`: the OCSP matrix, the CRL one (HTTP CDPs and LDAP), then chains with intermediate CAs, in one table and report. */
const DEFAULT_FILES = ['scenarios/mq-ocsp-matrix.yaml', 'scenarios/mq-crl-matrix.yaml', 'scenarios/mq-chain-matrix.yaml'];
const FORMATS = ['table', 'json', 'junit', 'html'] as const;
type Format = (typeof FORMATS)[number];
const OUT_NAMES: Record<Format, string> = { table: 'drill.txt', json: 'drill.json', junit: 'drill.junit.xml', html: 'drill.html' };

const USAGE = `usage: ocsplab drill [FILES...] [options]
Runs MQ OCSP drill scenarios on the embedded lab and prints the outcome matrix.
FILES default to ${DEFAULT_FILES.join(' and ')}.

options:
  --filter TEXT        only scenarios whose id, title or source row contains TEXT
  --report FORMAT      table (default), json, junit, html; repeat or comma-separate
  --out DIR            write the reports to DIR (${Object.values(OUT_NAMES).join(', ')});
                       without --report, all four; the table is printed too
  --keep-lab           leave the last scenario's state (revocations) in the lab at the end
  --lab DIR            use this lab directory instead of the one the file names
  --set SIDE.KEY=VAL   override a default for every scenario, e.g. --set qm.ocspTimeoutMs=21000
  --no-color           no colours in the terminal output
  --target NAME        embedded (default): the MQ emulator in this process; live: a real queue
                       manager through the MQ sample client, configured by OCSPLAB_LIVE_* (see
                       README "Docker lab"; the compose profile mq sets them). Needs --lab.
exit: 0 every expectation held, 1 some did not, 2 usage or scenario-file error, 130 interrupted
`;

interface Args {
  files: string[];
  filter?: string;
  formats: Format[];
  out?: string;
  keepLab: boolean;
  lab?: string;
  overrides: Array<{ side: SideName; values: Record<string, unknown> }>;
  color: boolean;
  target: 'embedded' | 'live';
}

function parse(argv: string[]): Args | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      filter: { type: 'string' },
      report: { type: 'string', multiple: true },
      out: { type: 'string' },
      'keep-lab': { type: 'boolean' },
      lab: { type: 'string' },
      set: { type: 'string', multiple: true },
      'no-color': { type: 'boolean' },
      target: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const formats = (values.report ?? []).flatMap((r) => r.split(',')).map((r) => r.trim()) as Format[];
  for (const f of formats) if (!FORMATS.includes(f)) throw new Error(`--report ${f}: use one of ${FORMATS.join(', ')}`);
  const target = values.target ?? 'embedded';
  if (target !== 'embedded' && target !== 'live') throw new Error(`--target ${target}: use embedded or live`);
  if (target === 'live' && !values.lab) throw new Error('--target live needs --lab DIR (the lab the queue manager was configured from)');
  const overrides: Args['overrides'] = [];
  for (const s of values.set ?? []) {
    const m = /^(qm|client)\.(\w+)=(.*)$/.exec(s);
    if (!m) throw new Error(`--set ${s}: use SIDE.KEY=VALUE with SIDE qm or client`);
    const r = checkSetting(m[1] as SideName, m[2]!, m[3]);
    if ('error' in r) throw new Error(`--set ${s}: ${r.error}`);
    overrides.push({ side: m[1] as SideName, values: { [m[2]!]: r.value } });
  }
  return {
    files: positionals.length ? positionals : DEFAULT_FILES,
    ...(values.filter ? { filter: values.filter } : {}),
    formats: formats.length ? [...new Set(formats)] : values.out ? [...FORMATS] : ['table'],
    ...(values.out ? { out: values.out } : {}),
    keepLab: !!values['keep-lab'],
    ...(values.lab ? { lab: values.lab } : {}),
    overrides,
    color: !values['no-color'] && !process.env.NO_COLOR,
    target,
  };
}

/** Files grouped by lab directory: one lab environment (responders) per group. */
function byLab(files: DrillFile[], lab?: string): Map<string, DrillFile[]> {
  const groups = new Map<string, DrillFile[]>();
  for (const f of files) {
    // --lab names the one-level lab; a file that wants chains gets a sibling directory of its own.
    const dir = lab ? (f.labDepth > 1 ? `${resolve(lab)}-depth${f.labDepth}` : resolve(lab)) : f.lab;
    groups.set(dir, [...(groups.get(dir) ?? []), f]);
  }
  return groups;
}

async function writeReports(a: Args, rep: DrillReport, table: string): Promise<string[]> {
  const render: Record<Format, () => string> = { table: () => table, json: () => renderJson(rep), junit: () => renderJunit(rep), html: () => renderHtml(rep) };
  if (!a.out) {
    // Without --out the chosen formats go to stdout; the table is already there when asked for.
    for (const f of a.formats) if (f !== 'table') process.stdout.write(render[f]());
    return [];
  }
  await mkdir(a.out, { recursive: true });
  const written: string[] = [];
  for (const f of a.formats) {
    const path = join(a.out, OUT_NAMES[f]);
    await writeFile(path, render[f]());
    written.push(displayPath(resolve(path)));
  }
  return written;
}

export async function main(argv: string[], makeTarget: () => Promise<Target> = EmbeddedTarget.load): Promise<number> {
  let a: Args;
  try {
    const p = parse(argv);
    if (p === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    a = p;
  } catch (e) {
    process.stderr.write(`ocsplab drill: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  let files: DrillFile[];
  try {
    files = await Promise.all(a.files.map(loadDrill));
  } catch (e) {
    if (e instanceof DrillSchemaError) {
      process.stderr.write(`ocsplab drill: invalid scenario file:\n  ${e.problems.join('\n  ')}\n`);
      return 2;
    }
    throw e;
  }
  const total = files.reduce((n, f) => n + f.scenarios.filter((sc) => matchesFilter(f, sc, a.filter)).length, 0);
  if (total === 0) {
    process.stderr.write(`ocsplab drill: no scenario matches${a.filter ? ` --filter ${a.filter}` : ''}\n`);
    return 1;
  }
  // The table's place is stdout; progress goes to a terminal's stderr so piped output stays clean.
  const tableOnStdout = a.formats.includes('table') || !!a.out;
  const paint = a.color && process.stdout.isTTY ? ANSI : NO_COLOR;
  const live = process.stderr.isTTY ? (a.color ? ANSI : NO_COLOR) : undefined;
  const aborter = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130); // a second Ctrl-C: stop waiting for the cleanup
    process.stderr.write('\nocsplab drill: interrupted; stopping the lab...\n');
    aborter.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const started = new Date();
  const t0 = performance.now();
  const results: ScenarioResult[] = [];
  let target: Target | undefined;
  let env: (DrillEnv & { close(): Promise<void> }) | undefined;
  // Live: one lab (--lab) on the compose volume, responders and queue manager run elsewhere.
  const liveCfg = a.target === 'live' ? liveConfigFromEnv(resolve(a.lab!)) : undefined;
  try {
    target = liveCfg ? new LiveTarget(liveCfg) : await makeTarget();
    for (const [labDir, group] of byLab(files, a.lab)) {
      if (aborter.signal.aborted) throw new AbortedError();
      const depths = new Set(group.map((f) => f.labDepth));
      if (depths.size > 1) throw new Error(`${labDir}: the files ${group.map((f) => f.path).join(', ')} want labs of different depths; give them different lab directories`);
      env = liveCfg ? LiveEnv.open(liveCfg) : await LabEnv.open(labDir, group[0]!.labDepth);
      await runDrills(group, {
        env,
        target,
        logRoot: join(labDir, 'drill-logs'),
        overrides: a.overrides,
        ...(a.filter ? { filter: a.filter } : {}),
        keepLab: a.keepLab,
        signal: aborter.signal,
        // A real QM waits out its own OCSP timeouts (seed 003 row 3: ~21 s), beyond the settings'.
        ...(liveCfg ? { connectGraceMs: liveCfg.timeoutMs } : {}),
        onResult: (r) => {
          results.push(r);
          if (live) process.stderr.write(progressLine(r, results.length, total, live));
        },
      });
      await env.close();
      env = undefined;
    }
  } catch (e) {
    if (e instanceof AbortedError) return 130;
    throw e;
  } finally {
    await target?.close();
    await env?.close();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
  const rep = buildReport({ startedAt: started, elapsedMs: performance.now() - t0, target: target?.name ?? 'none', files: files.map((f) => f.path), ...(a.filter ? { filter: a.filter } : {}), results });
  const table = renderTable(rep, NO_COLOR);
  if (tableOnStdout) {
    if (live && results.length) process.stderr.write('\n');
    process.stdout.write(paint === NO_COLOR ? table : renderTable(rep, paint));
    for (const r of results) if (r.status === 'fail' || r.status === 'error') process.stdout.write('\n' + renderFailure(r, paint));
  }
  const written = await writeReports(a, rep, table);
  if (written.length) process.stdout.write(`reports: ${written.join(', ')}\n`);
  if (a.keepLab) process.stdout.write(`lab kept as the last scenario left it: ${[...byLab(files, a.lab).keys()].map(displayPath).join(', ')}\n`);
  return rep.passed ? 0 : 1;
}

