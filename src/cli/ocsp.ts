// `ocsplab ocsp`: the responder, started the way `openssl ocsp` is.

import { availableParallelism } from 'node:os';
import { ALL, Responder, type ResponderOptions } from '../responder/responder.js';
import { ClusterPrimary } from '../responder/cluster.js';
import type { ControlState } from '../responder/control.js';
import { OCSP_USAGE, parseOcspArgs } from './ocsp-args.js';

export async function main(argv: string[]): Promise<number> {
  let cfg;
  try {
    cfg = parseOcspArgs(argv);
  } catch (e) {
    process.stderr.write(`ocsplab ocsp: ${(e as Error).message}\n\n${OCSP_USAGE}`);
    return 2;
  }
  if (cfg.help) {
    process.stdout.write(OCSP_USAGE);
    return 0;
  }
  for (const n of cfg.notes) process.stderr.write(`note: ${n}\n`);
  if (cfg.adminTokenWarning) process.stderr.write(`ocsplab ocsp: warning: ${cfg.adminTokenWarning}\n`);
  const options: ResponderOptions = {
    cas: cfg.cas,
    host: cfg.host,
    port: cfg.port,
    unknownIssuer: cfg.unknownIssuer,
    nrequest: cfg.nrequest,
    serverLimits: cfg.timeoutSec ? { requestTimeoutMs: cfg.timeoutSec * 1000 } : undefined,
    logger: { level: cfg.logLevel },
    adminPort: cfg.adminPort,
    adminHost: cfg.adminHost,
    adminToken: cfg.adminToken,
    maxAge: cfg.maxAge,
  };
  // -nrequest counts one process's requests, as openssl's does.
  const workers = cfg.nrequest !== undefined ? 1 : (cfg.workers ?? availableParallelism());
  if (workers > 1) return runCluster(options, workers, cfg.badsig);
  let responder: Responder;
  try {
    responder = await Responder.create(options);
    if (cfg.badsig) await responder.setMode(ALL, 'bad-signature');
    await responder.start();
  } catch (e) {
    process.stderr.write(`ocsplab ocsp: ${(e as Error).message}\n`);
    return 1;
  }
  const listening = responder.listeners.map((l) => `${l.name === 'main' ? '' : `${l.name} `}listening on ${l.url}`);
  return serve(responder.state(), listening, responder.admin?.url, responder);
}

/** Prints what is served (openssl's last line included, scripts wait for it) and runs until stopped. */
async function serve(st: ControlState, listening: string[], admin: string | undefined, server: { close(): Promise<void>; done: Promise<void> }): Promise<number> {
  for (const ca of st.cas) process.stderr.write(`ocsp: serving ${ca.name} (${ca.index}, ${ca.entries} entries)\n`);
  for (const l of listening) process.stderr.write(`ocsp: ${l}\n`);
  if (admin) process.stderr.write(`ocsp: admin API on ${admin} (ocsplab ctl --admin ${admin} status)\n`);
  process.stderr.write('ocsp: waiting for OCSP client connections...\n');
  const stop = () => void server.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await server.done;
  return 0;
}

async function runCluster(options: ResponderOptions, workers: number, badsig: boolean): Promise<number> {
  let primary: ClusterPrimary;
  try {
    primary = await ClusterPrimary.start(options, workers, process.argv[1]);
    if (badsig) await primary.setMode(ALL, 'bad-signature');
  } catch (e) {
    process.stderr.write(`ocsplab ocsp: ${(e as Error).message}\n`);
    return 1;
  }
  return serve(await primary.state(), [`${workers} workers listening on http://${options.host}:${primary.port}`], primary.admin?.url, primary);
}
