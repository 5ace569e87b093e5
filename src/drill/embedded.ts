// The embedded target: the MQ emulator in this process. Each connect starts a queue manager with
// the scenario's settings on a free loopback port, connects the client once, and stops it, so no
// setting of one connect can linger into the next.

import type { LabManifest } from '../ca/index.js';
import type { ClientConfig, ConnectResult, CrlConfig, KeyRepository, LdapServer, QmConfig } from '../emulator/types.js';
import { QueueManager, connect, labEmulatorConfigs } from '../emulator/index.js';
import { ldapConnames, qmOcspSetting, type CaName, type OcspUrlSetting, type SideName } from './settings.js';
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

/** host(port) as MQ writes a CONNAME (389 when the port is left out), or the lab's server. */
function ldapServer(conname: string, req: ConnectRequest): LdapServer {
  if (conname === 'lab') {
    if (!req.crl?.ldap) throw new Error("the settings name the lab's LDAP server, and the lab did not start one");
    return req.crl.ldap;
  }
  const m = /^([^()]+)(?:\((\d+)\))?$/.exec(conname)!;
  return { host: m[1]!, port: m[2] ? Number(m[2]) : 389 };
}

/** The CRL part of one side's configuration. */
function crlConfig(side: SideName, req: ConnectRequest, cdp: boolean): CrlConfig {
  const out: CrlConfig = {};
  if (cdp) out.cdpCheckExtensions = true;
  const ldap = ldapConnames(side, req.settings).map((c) => ldapServer(c, req));
  if (ldap.length) out.crlLdap = ldap;
  if (req.crl) {
    out.crlCache = req.crl.caches[side];
    out.urlMap = req.crl.urlMap;
  }
  return out;
}

/** The key repository's CA certificates: 'all' is every CA of the lab (roots and intermediates). */
function trust(lab: LabManifest, cas: CaName[]): string[] {
  const chain = lab.chain ?? [lab.cas.qm, lab.cas.client];
  return cas.flatMap((name) => {
    if (name === 'all') return chain.map((c) => c.cacert);
    const ca = chain.find((c) => c.name === name) ?? (name.endsWith('-expired') ? chain.find((c) => c.name === name.slice(0, -8)) : undefined);
    if (!ca) throw new Error(`trust: no CA named ${name} in the lab (it has ${chain.map((c) => c.name).join(', ')})`);
    if (name.endsWith('-expired')) {
      if (!ca.expiredCert) throw new Error(`trust: the lab has no expired copy of ${ca.name} (a chain lab makes one for each root)`);
      return [ca.expiredCert];
    }
    return [ca.cacert];
  });
}

/** What a side sends: its certificate and its CA certificates (full), its certificate alone (leaf),
 *  or its certificate and the cross-signed issuing CA certificate (cross; chain labs, client side). */
function sent(own: { name: string; cert: string; chain: string; crossChain?: string }, how: 'full' | 'leaf' | 'cross'): string {
  if (how === 'leaf') return own.cert;
  if (how === 'cross') {
    if (!own.crossChain) throw new Error(`sendChain cross: the lab has no cross-signed CA for the ${own.name} certificate (a chain lab makes one for the client side)`);
    return own.crossChain;
  }
  return own.chain;
}

/** Emulator configurations for one connect: the lab's (labEmulatorConfigs), with the scenario's
 *  settings laid over them. */
export function emulatorConfigs(req: ConnectRequest): { qm: QmConfig; client: ClientConfig } {
  const { lab, settings: s } = req;
  const base = labEmulatorConfigs(lab, req.logDirs);
  const qmOcsp = url(qmOcspSetting(s.qm), req, 'client-ca');
  const qm: QmConfig = {
    ...base.qm,
    profile: s.qm.profile,
    sslcauth: s.qm.SSLCAUTH,
    cipherSpec: s.qm.CipherSpec,
    keyRepository: { ...base.qm.keyRepository, cert: sent(lab.certs.qm, s.qm.sendChain), trust: trust(lab, s.qm.trust), ...(s.qm.certLabel !== undefined ? { label: s.qm.certLabel } : {}) },
    ocspAuthentication: s.qm.OCSPAuthentication,
    ocspCheckExtensions: s.qm.OCSPCheckExtensions,
    ocspTimeoutMs: s.qm.ocspTimeoutMs,
    ...crlConfig('qm', req, s.qm.CDPCheckExtensions),
    host: '127.0.0.1',
    port: 0,
  };
  if (qmOcsp) qm.authinfoOcspUrl = qmOcsp;
  else delete qm.authinfoOcspUrl;
  const own = s.client.clientCert === 'none' ? undefined : lab.certs[s.client.clientCert];
  const clientRepo: KeyRepository = own ? { cert: sent(own, s.client.sendChain), key: own.key, label: own.label, trust: trust(lab, s.client.trust) } : { trust: trust(lab, s.client.trust) };
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
    ...crlConfig('client', req, s.client.CDPCheckExtensions),
    ...(s.client.ClientRevocationChecks !== 'REQUIRED' ? { revocationChecks: s.client.ClientRevocationChecks } : {}),
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
