// `ocsplab lab up`: the embedded lab, kept running — the drill's lab (created on first use), its
// responders, an emulated queue manager, and the console with the admin API and /metrics on one
// admin port — until Ctrl-C, which stops everything it started.

import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LabEnv } from '../drill/lab-env.js';
import { adminListener } from '../responder/admin-listener.js';
import { readAdminToken } from '../responder/admin-token.js';
import { DEFAULT_HOST, adminBindAddress } from '../responder/bind.js';
import type { Listener } from '../responder/listener.js';
import { ConsoleDrill } from '../console/drill-run.js';
import { defaultScenarioDir, labConsole, newConsoleSettings } from '../console/lab-console.js';
import { labControl } from '../console/lab-control.js';
import { LabQueueManager } from '../console/lab-qm.js';

const USAGE = `usage: ocsplab lab up [--lab DIR] [--port N] [--depth 2|3] [--host ADDR] [--token-file FILE] [--scenarios DIR]
Brings the embedded lab up and keeps it running: both CAs' responders, an emulated queue manager,
and the console (a web page) with the admin API and /metrics on one port. Ctrl-C stops it all.

options:
  --lab DIR          the lab directory (default lab/drill, as the drill uses); created when missing
  --port N           the console / admin API port (default 2570; 0 picks a free one)
  --depth 2|3        a lab of chains (root -> (policy CA ->) issuing CA -> leaf), as ocsplab ca lab
  --host ADDR        where the console listens (default ${DEFAULT_HOST}); anywhere else needs a token
  --token-file FILE  require this admin token (login form or Authorization: Bearer); a FILE that
                     does not exist is created with a random token, mode 600. Also
                     OCSPLAB_ADMIN_TOKEN / OCSPLAB_ADMIN_TOKEN_FILE. On loopback none is needed.
  --scenarios DIR    the scenario files the console may run (default ./scenarios)
`;

export interface LabUpOptions {
  lab: string;
  port: number;
  /** 2 or 3: a lab of chains; default the one-level lab (or what DIR already holds). */
  depth?: number;
  host?: string;
  token?: string;
  scenarioDir?: string;
}

export interface LabUp {
  env: LabEnv;
  admin: Listener;
  qm: LabQueueManager;
  url: string;
  close(): Promise<void>;
}

/** Starts everything; throws (with nothing left running) when a part cannot start. */
export async function labUp(o: LabUpOptions): Promise<LabUp> {
  // The bind rule before anything starts, as the responder does.
  adminBindAddress(o.host, o.token);
  const env = await LabEnv.open(resolve(o.lab), o.depth);
  const qm = new LabQueueManager(env, join(env.lab.dir, 'console'));
  const drill = new ConsoleDrill(env, join(env.lab.dir, 'console'));
  let admin: Listener | undefined;
  const close = async () => {
    await admin?.dispose();
    await drill.close();
    await qm.close();
    await env.close();
  };
  try {
    const settings = newConsoleSettings(env.lab);
    await qm.ensure(settings);
    admin = adminListener(
      {
        adminPort: o.port,
        ...(o.host ? { adminHost: o.host } : {}),
        ...(o.token ? { adminToken: o.token } : {}),
        extraRoutes: [labConsole({ env, qm, drill, scenarioDir: o.scenarioDir ?? defaultScenarioDir(), settings })],
      },
      labControl(env, drill),
    )!;
    await admin.openPort();
  } catch (e) {
    await close();
    throw e;
  }
  return { env, admin, qm, url: `${admin.url}/`, close };
}

export async function main(argv: string[]): Promise<number> {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        lab: { type: 'string' },
        port: { type: 'string' },
        depth: { type: 'string' },
        host: { type: 'string' },
        'token-file': { type: 'string' },
        scenarios: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    process.stderr.write(`ocsplab lab: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals[0] !== 'up' || positionals.length > 1) {
    process.stderr.write(`ocsplab lab: ${positionals[0] ? `unknown subcommand '${positionals.join(' ')}'` : 'which? (up)'}\n${USAGE}`);
    return 2;
  }
  const port = values.port === undefined ? 2570 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`ocsplab lab: --port ${values.port}: a port number (0-65535)\n`);
    return 2;
  }
  const depth = values.depth === undefined ? undefined : Number(values.depth);
  if (depth !== undefined && ![1, 2, 3].includes(depth)) {
    process.stderr.write(`ocsplab lab: --depth ${values.depth}: 1, 2 or 3\n`);
    return 2;
  }
  let token: string | undefined;
  let tokenNote = 'none needed on loopback (--token-file FILE to require one)';
  try {
    const file = values['token-file'];
    if (file !== undefined && !existsSync(file)) {
      writeFileSync(file, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
      tokenNote = `${resolve(file)} (new, mode 600)`;
    } else if (file !== undefined) tokenNote = resolve(file);
    const read = readAdminToken({ ...(file !== undefined ? { file } : {}) });
    if (read.warning) process.stderr.write(`ocsplab lab: warning: ${read.warning}\n`);
    token = read.token;
    if (token && file === undefined) tokenNote = process.env.OCSPLAB_ADMIN_TOKEN !== undefined ? 'from OCSPLAB_ADMIN_TOKEN' : `${resolve(process.env.OCSPLAB_ADMIN_TOKEN_FILE!)}`;
  } catch (e) {
    process.stderr.write(`ocsplab lab: ${(e as Error).message}\n`);
    return 2;
  }
  let up: LabUp;
  try {
    up = await labUp({ lab: values.lab ?? 'lab/drill', port, ...(depth ? { depth } : {}), ...(values.host ? { host: values.host } : {}), ...(token ? { token } : {}), ...(values.scenarios ? { scenarioDir: resolve(values.scenarios) } : {}) });
  } catch (e) {
    process.stderr.write(`ocsplab lab: ${(e as Error).message}\n`);
    return /needs a token/.test((e as Error).message) ? 2 : 1;
  }
  const { env } = up;
  const out: string[] = [`ocsplab lab up: lab ${env.lab.dir} (${env.lab.chain.length} CAs)`];
  for (const c of env.lab.chain) {
    const url = env.responderUrls[c.name as keyof typeof env.responderUrls];
    out.push(`  responder ${c.name.padEnd(14)} ${url}  (OCSP; CRL ${url}/crl/${c.name}.crl)`);
  }
  out.push(`  queue manager  ${env.lab.mq.qmgr} (emulated), channel ${env.lab.mq.channel}, on 127.0.0.1:${up.qm.port}`);
  out.push(`  console        ${up.url}`);
  out.push(`  metrics        ${up.url}metrics`);
  out.push(`  admin token    ${tokenNote}`);
  out.push('Ctrl-C stops everything.');
  process.stdout.write(`${out.join('\n')}\n`);
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stdout.write('ocsplab lab: stopping...\n');
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await up.close();
  process.stdout.write('ocsplab lab: stopped; nothing left listening\n');
  return 0;
}
