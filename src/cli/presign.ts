// `ocsplab presign --out DIR`: every certificate's nonce-less answer, signed ahead of time, in a
// directory a static web server serves as is (src/presign). Takes the CA options of `ocsplab ocsp`
// (several CAs, --config); --watch keeps the directory current until stopped.

import { existsSync, watch, type FSWatcher } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadCa, type LoadedCa } from '../responder/ca-loader.js';
import { Presigner, type SyncStats } from '../presign/presign.js';
import { parseOcspArgs } from './ocsp-args.js';

export const PRESIGN_USAGE = `usage: ocsplab presign --out DIR [--watch] -index index.txt -CA cacert.pem [-rkey key] [-ndays N | -nmin N] ...

Signs, for every serial in each index, the answer to a request without a nonce, and writes:
  DIR/get/<base64 request>      the RFC 5019 GET path (standard base64; its '/' are directories):
                                serve DIR/get at the OCSP URL with any static web server
  DIR/serial/<ca>/<SERIAL>.der  the same answer by serial, for people (a hard link, same bytes)
  DIR/index.json                per CA, then one row per answer: serial, status, thisUpdate,
                                nextUpdate, bytes, paths and the URL-encoded GET path

presign options:
  --out DIR          where to write (created if missing)
  --watch            keep running: an index change re-signs exactly the answers it affects, every
                     answer is re-signed before half its validity has passed; files are replaced
                     atomically (write, then rename)
  --concurrency N    signatures in flight at once (default 32)

A pre-signed answer needs a nextUpdate: give -nmin or -ndays per CA (default -ndays 1).
CA options, as ocsplab ocsp takes them (several CAs: repeat the group; or --config FILE):
  -index -CA -rsigner -rkey -passin -rother -rmd -rsigopt -rcid -nmin -ndays -resp_no_certs
  -resp_key_id --name --expired
`;

/** Options of `ocsplab ocsp` that mean nothing when nothing is served. */
const SERVING = new Set(['port', 'timeout', 'nrequest', 'multi', 'workers', 'host', 'ca-port', 'admin-port', 'admin-host', 'admin-token', 'admin-token-file', 'max-age', 'crl', 'crl-key', 'crl-passin', 'crl-days', 'crl-hours', 'unknown-issuer', 'badsig', 'log-level', 'ignore_err', 'text', 'resp_text']);

interface PresignArgs {
  out?: string;
  watch: boolean;
  concurrency: number;
  help: boolean;
  rest: string[];
  ignored: string[];
}

function splitArgs(argv: string[]): PresignArgs {
  const a: PresignArgs = { watch: false, concurrency: 32, help: false, rest: [], ignored: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const name = arg.replace(/^--?/, '');
    const eq = name.indexOf('=');
    const key = eq < 0 ? name : name.slice(0, eq);
    const value = () => (eq >= 0 ? name.slice(eq + 1) : argv[++i]);
    if (!arg.startsWith('-')) a.rest.push(arg);
    else if (key === 'out') {
      a.out = value();
      if (!a.out) throw new Error('--out needs a directory');
    } else if (key === 'watch') a.watch = true;
    else if (key === 'concurrency') {
      const v = value();
      if (!/^\d+$/.test(v ?? '') || Number(v) < 1) throw new Error(`--concurrency: expected a whole number >= 1, got "${v}"`);
      a.concurrency = Number(v);
    } else if (key === 'help' || key === 'h') a.help = true;
    else {
      if (SERVING.has(key)) a.ignored.push(arg);
      a.rest.push(arg);
    }
  }
  return a;
}

function describe(s: SyncStats): string {
  const parts = [`${s.changed} changed`, `${s.added} added`, `${s.removed} removed`, `${s.refreshed} re-signed before half their validity`];
  return `${parts.join(', ')}: ${s.signed} signed, ${s.filesWritten} files written, ${s.filesRemoved} removed, ${s.bytes} bytes, ${s.ms.toFixed(0)} ms`;
}

export async function main(argv: string[]): Promise<number> {
  let args: PresignArgs;
  let cfg;
  try {
    args = splitArgs(argv);
    if (args.help) {
      process.stdout.write(PRESIGN_USAGE);
      return 0;
    }
    if (!args.out) throw new Error('--out DIR is required');
    cfg = parseOcspArgs(args.rest);
  } catch (e) {
    process.stderr.write(`ocsplab presign: ${(e as Error).message}\n\n${PRESIGN_USAGE}\n(see also: ocsplab ocsp --help)\n`);
    return 2;
  }
  for (const f of new Set(args.ignored)) process.stderr.write(`note: ${f}: serving option, nothing to do for presign\n`);
  for (const ca of cfg.cas) {
    if (ca.nmin === undefined && ca.ndays === undefined) {
      ca.ndays = 1;
      process.stderr.write(`note: ${ca.name ?? ca.index}: no -nmin/-ndays; a pre-signed answer needs a nextUpdate: -ndays 1\n`);
    }
  }
  const out = resolve(args.out);
  const quiet = { info: () => undefined, error: (m: string) => process.stderr.write(`presign: ${m}\n`) };
  const cas: LoadedCa[] = [];
  try {
    for (const c of cfg.cas) cas.push(await loadCa(c, quiet));
  } catch (e) {
    for (const ca of cas) ca.store.close();
    process.stderr.write(`ocsplab presign: ${(e as Error).message}\n`);
    return 1;
  }
  for (const ca of cas) for (const w of ca.warnings) process.stderr.write(`presign: warning: ${ca.name}: ${w}\n`);
  const log = (m: string) => process.stderr.write(`presign: ${m}\n`);
  const p = new Presigner({ out, cas, concurrency: args.concurrency, log });
  const closeAll = () => {
    p.close();
    for (const ca of cas) ca.store.close();
  };
  // Ctrl-C or SIGTERM before the watch loop (a first pass over a large index takes a while): every
  // file is written and renamed in one synchronous step, so between them nothing is half done;
  // remove the temporary directory and stop. index.json stays the one of the last complete pass.
  const interrupted = (sig: NodeJS.Signals) => {
    closeAll();
    const index = existsSync(`${out}/index.json`) ? `${out}/index.json is from the last complete pass` : 'no pass was complete, so there is no index.json yet';
    log(`${sig}: stopped before the pass was complete; no temporary files left; ${index}`);
    process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const stopEarly = () => {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  };
  try {
    const s = await p.sync();
    const t = p.totals();
    log(`wrote ${t.answers} answers for ${cas.length} CA${cas.length === 1 ? '' : 's'} into ${out} in ${s.ms.toFixed(0)} ms: ${t.files} files, ${t.bytes} bytes (index.json ${t.indexBytes})`);
  } catch (e) {
    stopEarly();
    closeAll();
    process.stderr.write(`ocsplab presign: ${(e as Error).message}\n`);
    return 1;
  }
  stopEarly();
  if (!args.watch) {
    closeAll();
    return 0;
  }
  return watchLoop(p, cas, log, closeAll);
}

/** Re-syncs on a change of an index's directory (debounced), and once a second for refreshes. */
async function watchLoop(p: Presigner, cas: LoadedCa[], log: (m: string) => void, closeAll: () => void): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  let failed = false;
  const run = () => {
    timer = undefined;
    p.sync().then(
      (s) => {
        if (s.signed || s.removed) log(describe(s));
        failed = false;
      },
      (e: Error) => {
        if (!failed) log(`error: ${e.message}; retrying`);
        failed = true;
      },
    );
  };
  const soon = () => {
    if (timer === undefined) timer = setTimeout(run, 20);
  };
  const watchers: FSWatcher[] = [];
  for (const dir of new Set(cas.map((c) => dirname(resolve(c.config.index))))) {
    try {
      watchers.push(watch(dir, { persistent: false }, soon).on('error', () => undefined));
    } catch {
      /* no watch support: the once-a-second pass still sees every change */
    }
  }
  const tick = setInterval(soon, 1000);
  const next = p.nextRefresh();
  log(`watching ${cas.map((c) => c.config.index).join(', ')}; next re-signing at ${next === undefined ? '-' : new Date(next).toISOString()}`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  // A second Ctrl-C while the last pass finishes (a large index takes seconds) stops at once, and
  // still leaves no temporary files: between two synchronous writes nothing is half done.
  const hard = (sig: NodeJS.Signals) => {
    closeAll();
    log(`${sig} again: stopped during a pass; no temporary files left`);
    process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
  };
  process.on('SIGINT', hard);
  process.on('SIGTERM', hard);
  clearInterval(tick);
  if (timer) clearTimeout(timer);
  for (const w of watchers) w.close();
  await p.sync().catch(() => undefined);
  closeAll();
  return 0;
}
