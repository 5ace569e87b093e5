// The embedded target: the MQ emulator in this process. Each connect starts a queue manager with
// the scenario's settings on a free loopback port, connects the client once, and stops it, so no
// setting of one connect can linger into the next.

import type { LabManifest } from '../ca/index.js';
import type { ClientConfig, ConnectResult, KeyRepository, QmConfig } from '../emulator/types.js';
import { QueueManager, connect, labEmulatorConfigs } from '../emulator/index.js';
import type { CaName, OcspUrlSetting } from './settings.js';
import type { ConnectRequest, Target } from './target.js';

/** The part of src/emulator/index.ts the drill uses (tests may hand in another). */
export interface EmulatorApi {
  QueueManager: { start(cfg: QmConfig): Promise<{ port: number; stop(): Promise<void> }> };
  connect(host: string, port: number, cfg: ClientConfig): Promise<ConnectResult>;
}

function url(setting: OcspUrlSetting, req: ConnectRequest, ca: CaName): string | undefined {
  if (setting === 'none') return undefined;
  return setting === 'lab' ? req.responderUrls[ca] : setting;
}

const trust = (lab: LabManifest, cas: CaName[]) => cas.map((c) => (c === 'qm-ca' ? lab.cas.qm.cacert : lab.cas.client.cacert));

/** Emulator configurations for one connect: the lab's (labEmulatorConfigs), with the scenario's
 *  settings laid over them. */
export function emulatorConfigs(req: ConnectRequest): { qm: QmConfig; client: ClientConfig } {
  const { lab, settings: s } = req;
  const base = labEmulatorConfigs(lab, req.logDirs);
  const qmOcsp = url(s.qm.AUTHINFO, req, 'client-ca');
  const qm: QmConfig = {
    ...base.qm,
    profile: s.qm.profile,
    sslcauth: s.qm.SSLCAUTH,
    cipherSpec: s.qm.CipherSpec,
    keyRepository: { ...base.qm.keyRepository, trust: trust(lab, s.qm.trust), ...(s.qm.certLabel !== undefined ? { label: s.qm.certLabel } : {}) },
    ocspAuthentication: s.qm.OCSPAuthentication,
    ocspCheckExtensions: s.qm.OCSPCheckExtensions,
    ocspTimeoutMs: s.qm.ocspTimeoutMs,
    host: '127.0.0.1',
    port: 0,
  };
  if (qmOcsp) qm.authinfoOcspUrl = qmOcsp;
  else delete qm.authinfoOcspUrl;
  const own = s.client.clientCert === 'none' ? undefined : lab.certs[s.client.clientCert];
  const clientRepo: KeyRepository = own ? { cert: own.chain, key: own.key, label: own.label, trust: trust(lab, s.client.trust) } : { trust: trust(lab, s.client.trust) };
  const clientOcsp = url(s.client.OCSPResponderURL, req, 'qm-ca');
  const certLabel = s.client.certLabel ?? own?.label;
  const client: ClientConfig = {
    ...base.client,
    type: s.client.clientType,
    cipherSpec: s.client.CipherSpec,
    keyRepository: clientRepo,
    ocspAuthentication: s.client.OCSPAuthentication,
    ocspCheckExtensions: s.client.OCSPCheckExtensions,
    ocspTimeoutMs: s.client.ocspTimeoutMs,
  };
  if (certLabel !== undefined) client.certLabel = certLabel;
  else delete client.certLabel;
  if (clientOcsp) client.ocspResponderUrl = clientOcsp;
  else delete client.ocspResponderUrl;
  return { qm, client };
}

export class EmbeddedTarget implements Target {
  readonly name = 'embedded MQ emulator';
  private readonly running = new Set<{ stop(): Promise<void> }>();

  constructor(private readonly emu: EmulatorApi) {}

  static async load(): Promise<EmbeddedTarget> {
    return new EmbeddedTarget({ QueueManager, connect });
  }

  async connect(req: ConnectRequest): Promise<ConnectResult> {
    const { qm, client } = emulatorConfigs(req);
    const server = await this.emu.QueueManager.start(qm);
    this.running.add(server);
    try {
      return await this.emu.connect('127.0.0.1', server.port, client);
    } finally {
      this.running.delete(server);
      await server.stop();
    }
  }

  /** Stops a queue manager left running by an interrupted connect. */
  async close(): Promise<void> {
    const left = [...this.running];
    this.running.clear();
    await Promise.allSettled(left.map((s) => s.stop()));
  }
}
