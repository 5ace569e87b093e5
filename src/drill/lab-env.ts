// The lab a drill runs against: the CA lab on disk and one in-process responder serving both CAs,
// each CA on its own free loopback port so `down` on one leaves the other answering. It owns the
// "clean state" every scenario starts from.

import { createLab, restore, revoke, status, type LabManifest } from '../ca/index.js';
import { Responder, ALL } from '../responder/responder.js';
import type { Mode } from '../responder/modes.js';
import { CA_NAMES, type CaName } from './settings.js';
import type { CertName } from './schema.js';

export class LabEnv {
  private closed = false;

  private constructor(
    readonly lab: LabManifest,
    readonly responder: Responder,
    readonly responderUrls: Record<CaName, string>,
  ) {}

  /** Generates the lab on first use (about a second), then starts its responders. */
  static async open(dir: string): Promise<LabEnv> {
    const { lab } = await createLab({ dir });
    const ca = (c: LabManifest['cas']['qm']) => ({ name: c.name, index: c.index, ca: c.cacert, rsigner: c.responder.signerCert, rkey: c.responder.signerKey, port: 0 });
    const responder = await Responder.create({ cas: [ca(lab.cas.qm), ca(lab.cas.client)], port: 0, logger: false });
    try {
      await responder.start();
    } catch (e) {
      await responder.close();
      throw e;
    }
    return new LabEnv(lab, responder, { 'qm-ca': responder.url('qm-ca'), 'client-ca': responder.url('client-ca') });
  }

  async setMode(ca: CaName | 'all', mode: Mode): Promise<void> {
    await this.responder.setMode(ca === 'all' ? ALL : ca, mode);
  }

  private certDir(cert: CertName): { dir: string; serial: string } {
    const c = this.lab.certs[cert];
    return { dir: this.lab.cas[cert].dir, serial: c.serial };
  }

  isRevoked(cert: CertName): boolean {
    const { dir, serial } = this.certDir(cert);
    return status(dir, serial).status === 'Revoked';
  }

  async revoke(cert: CertName, reason?: string): Promise<void> {
    const { dir, serial } = this.certDir(cert);
    await revoke({ dir, target: serial, ...(reason ? { reason } : {}) });
    // The store also watches the file; reloading now makes the very next request see it.
    this.responder.reload(this.lab.certs[cert].ca);
  }

  async restore(cert: CertName): Promise<void> {
    const { dir, serial } = this.certDir(cert);
    await restore({ dir, target: serial });
    this.responder.reload(this.lab.certs[cert].ca);
  }

  /** All responders up, both certificates valid: what every scenario starts from. */
  async reset(): Promise<void> {
    for (const t of [ALL, ...CA_NAMES]) if (this.responder.mode(t).kind !== 'up') await this.responder.clearMode(t);
    for (const cert of ['qm', 'client'] as const) if (this.isRevoked(cert)) await this.restore(cert);
  }

  /** Describes the state, for the reset test and for `--keep-lab` notes. */
  state(): { modes: Record<string, string>; revoked: CertName[] } {
    const modes: Record<string, string> = {};
    for (const m of this.responder.modes()) modes[m.target] = m.text;
    return { modes, revoked: (['qm', 'client'] as const).filter((c) => this.isRevoked(c)) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.responder.close();
  }
}
