// The queue manager `ocsplab lab up` keeps running: the MQ emulator's queue manager on a loopback
// port, configured from the console's current settings (restarted when a queue manager setting
// changes), and the console's Connect: one emulated MQCONNX from a client with the current client
// settings, shown as MQ would show it — the reason code with its name, and what each side wrote
// to its AMQERR01.LOG during the attempt, as written.

import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { QueueManager, connect } from '../emulator/index.js';
import type { ConnectResult, QmConfig, SideResult } from '../emulator/types.js';
import { ERRLOG_NAME } from '../mq/errlog.js';
import { REASON_CODES } from '../mq/catalog.js';
import { emulatorConfigs } from '../drill/embedded.js';
import type { LabEnv } from '../drill/lab-env.js';
import type { ConnectRequest } from '../drill/target.js';
import type { Settings } from '../drill/settings.js';

/** Connect attempts whose client log directory is kept. */
const KEEP = 20;

export interface SideView {
  side: 'client' | 'qm';
  /** What this side appended to its log during the attempt, byte for byte. */
  log: string;
  logFile: string;
  messageIds: string[];
  observed?: string;
  ocsp?: SideResult['ocsp'];
  crl?: SideResult['crl'];
}

export interface ConnectView {
  n: number;
  at: string;
  rc: number;
  /** MQRC_... name and meaning from the catalog (undefined for a code it does not hold). */
  reason?: { name: string; meaning: string };
  channelStarted: boolean;
  rowId: string;
  inferred: boolean;
  elapsedMs: number;
  events: ConnectResult['events'];
  sides: SideView[];
  qm: { qmgr: string; channel: string; port: number };
  settings: Settings;
}

async function size(path: string): Promise<number> {
  return (await stat(path).catch(() => undefined))?.size ?? 0;
}

export class LabQueueManager {
  private running?: { qm: QueueManager; key: string };
  private n = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly env: LabEnv,
    /** Holds qm/ (the queue manager's error directory) and connects/<n>/client. */
    private readonly dir: string,
  ) {}

  get port(): number | undefined {
    return this.running?.qm.port;
  }

  private request(settings: Settings, n: number, crl: ConnectRequest['crl']): ConnectRequest {
    return {
      lab: this.env.lab,
      settings,
      responderUrls: this.env.responderUrls,
      logDirs: { qm: join(this.dir, 'qm'), client: join(this.dir, 'connects', String(n), 'client') },
      ...(crl ? { crl } : {}),
    };
  }

  /** Starts the queue manager with these settings, or restarts it when they changed. */
  async ensure(settings: Settings): Promise<number> {
    const crl = await this.env.crlContext(settings);
    return this.ensureConfig(emulatorConfigs(this.request(settings, 0, crl)).qm);
  }

  private async ensureConfig(qm: QmConfig): Promise<number> {
    // The CRL cache is the lab's own object, the same every time: not part of what changed.
    const key = JSON.stringify(qm, (k, v) => (k === 'crlCache' ? undefined : v));
    if (this.running?.key === key) return this.running.qm.port;
    const port = this.running?.qm.port ?? 0;
    await this.running?.qm.stop();
    this.running = undefined;
    await mkdir(qm.errorDir, { recursive: true });
    let started: QueueManager;
    try {
      started = await QueueManager.start({ ...qm, port });
    } catch {
      started = await QueueManager.start({ ...qm, port: 0 }); // the old port was taken meanwhile
    }
    this.running = { qm: started, key };
    return started.port;
  }

  /** One MQCONNX, one at a time. */
  connect(settings: Settings): Promise<ConnectView> {
    const run = this.queue.then(() => this.connectNow(settings));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async connectNow(settings: Settings): Promise<ConnectView> {
    const n = ++this.n;
    const crl = await this.env.crlContext(settings);
    const { qm, client } = emulatorConfigs(this.request(settings, n, crl));
    const port = await this.ensureConfig(qm);
    await rm(client.errorDir, { recursive: true, force: true });
    await mkdir(client.errorDir, { recursive: true });
    if (n > KEEP) await rm(join(this.dir, 'connects', String(n - KEEP)), { recursive: true, force: true });
    const qmLog = join(qm.errorDir, ERRLOG_NAME);
    const before = await size(qmLog);
    const result = await connect('127.0.0.1', port, client);
    const written = async (s: SideResult, from: number) => {
      const buf = await readFile(s.logFile).catch(() => Buffer.alloc(0));
      return (from > 0 && buf.length >= from ? buf.subarray(from) : buf).toString('utf8');
    };
    const view = (s: SideResult, log: string): SideView => ({
      side: s.side,
      log,
      logFile: s.logFile,
      messageIds: s.messageIds,
      ...(s.observed ? { observed: s.observed } : {}),
      ...(s.ocsp ? { ocsp: s.ocsp } : {}),
      ...(s.crl ? { crl: s.crl } : {}),
    });
    const reason = REASON_CODES[result.rc];
    return {
      n,
      at: new Date().toISOString(),
      rc: result.rc,
      ...(reason ? { reason: { name: reason.name, meaning: reason.meaning } } : {}),
      channelStarted: result.channelStarted,
      rowId: result.rowId,
      inferred: result.inferred,
      elapsedMs: Math.round(result.elapsedMs),
      events: result.events,
      sides: [view(result.client, await written(result.client, 0)), view(result.qm, result.qm.logFile === qmLog ? await written(result.qm, before) : await written(result.qm, 0))],
      qm: { qmgr: qm.qmgr, channel: qm.channel, port },
      settings,
    };
  }

  async close(): Promise<void> {
    await this.queue;
    await this.running?.qm.stop();
    this.running = undefined;
  }
}
