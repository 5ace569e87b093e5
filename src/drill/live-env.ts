// The lab a live drill runs against: the CA lab on the shared volume (revoke/restore with the CA
// library, as `ocsplab ca` does) and one running responder per CA driven through its admin API
// (as `ocsplab ctl` does). It offers what the runner needs from LabEnv, so scenarios run unchanged.
//
// NOT RUN AGAINST A REAL QUEUE MANAGER here (see README, "Docker lab"); tested against in-process
// responders on loopback (test/drill-live-env.test.ts).

import { loadLab, restore, revoke, status, type LabManifest } from '../ca/index.js';
import { formatMode, type Mode } from '../responder/modes.js';
import type { CertName } from './schema.js';
import { CA_NAMES as NAMES } from './settings.js';

/** A live lab is the one-level lab of the compose file. */
type CaName = 'qm-ca' | 'client-ca';
const CA_NAMES = NAMES as readonly CaName[];
import type { LiveConfig } from './live-config.js';

type Fetch = typeof fetch;

/** One responder's admin API, with the bearer token the compose lab generates. */
export class AdminClient {
  constructor(
    readonly url: string,
    private readonly token?: string,
    private readonly fetchFn: Fetch = fetch,
  ) {}

  async call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await this.fetchFn(`${this.url.replace(/\/+$/, '')}${path}`, {
        method,
        headers: { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (e) {
      throw new Error(`cannot reach the admin API at ${this.url}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`);
    }
    const data = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${this.url}${path}: ${String(data.error ?? `HTTP ${res.status}`)}`);
    return data;
  }

  setMode(target: string, mode: Mode): Promise<unknown> {
    return this.call('PUT', `/api/modes/${encodeURIComponent(target)}`, { mode: formatMode(mode) });
  }

  clearMode(target: string): Promise<unknown> {
    return this.call('DELETE', `/api/modes/${encodeURIComponent(target)}`);
  }

  reload(target: string): Promise<unknown> {
    return this.call('POST', `/api/reload/${encodeURIComponent(target)}`);
  }

  async modes(): Promise<Array<{ target: string; mode: string }>> {
    return ((await this.call('GET', '/api/modes')) as unknown as Array<{ target: string; mode: string }>) ?? [];
  }
}

export class LiveEnv {
  readonly responderUrls: Record<CaName, string>;

  constructor(
    readonly lab: LabManifest,
    readonly admins: Record<CaName, AdminClient>,
  ) {
    // The URLs the lab baked into certificates and the QM's AUTHINFO: the compose service names.
    this.responderUrls = { 'qm-ca': lab.cas.qm.responder.url, 'client-ca': lab.cas.client.responder.url };
  }

  static open(cfg: LiveConfig, fetchFn: Fetch = fetch): LiveEnv {
    const admin = (ca: CaName) => new AdminClient(cfg.admin[ca], cfg.adminToken, fetchFn);
    return new LiveEnv(loadLab(cfg.lab), { 'qm-ca': admin('qm-ca'), 'client-ca': admin('client-ca') });
  }

  /** Each responder serves one CA, so `all` is '*' on both. */
  async setMode(ca: string, mode: Mode): Promise<void> {
    if (ca !== 'all' && ca !== 'qm-ca' && ca !== 'client-ca') throw new Error(`no CA named ${ca} in the live lab (qm-ca, client-ca)`);
    if (ca === 'all') await Promise.all(CA_NAMES.map((c) => this.admins[c].setMode('*', mode)));
    else await this.admins[ca].setMode(ca, mode);
  }

  private certDir(cert: CertName): { dir: string; serial: string; ca: CaName } {
    if (cert !== 'qm' && cert !== 'client') throw new Error(`${cert}: the live lab revokes only its two leaf certificates (qm, client)`);
    const c = this.lab.certs[cert];
    return { dir: this.lab.cas[cert].dir, serial: c.serial, ca: c.ca as CaName };
  }

  isRevoked(cert: CertName): boolean {
    const { dir, serial } = this.certDir(cert);
    return status(dir, serial).status === 'Revoked';
  }

  async revoke(cert: CertName, reason?: string): Promise<void> {
    const { dir, serial, ca } = this.certDir(cert);
    await revoke({ dir, target: serial, ...(reason ? { reason } : {}) });
    // The responder watches index.txt too; reloading makes the very next OCSP request see it.
    await this.admins[ca].reload(ca);
  }

  async restore(cert: CertName): Promise<void> {
    const { dir, serial, ca } = this.certDir(cert);
    await restore({ dir, target: serial });
    await this.admins[ca].reload(ca);
  }

  /** Both responders up, both certificates valid. */
  async reset(): Promise<void> {
    for (const ca of CA_NAMES) {
      const admin = this.admins[ca];
      for (const m of await admin.modes()) if (m.mode !== 'up') await admin.clearMode(m.target);
    }
    for (const cert of ['qm', 'client'] as const) if (this.isRevoked(cert)) await this.restore(cert);
  }

  /** Nothing runs in this process; the responders belong to compose. */
  async close(): Promise<void> {}
}
