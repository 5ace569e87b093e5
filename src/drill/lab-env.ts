// The lab a drill runs against: the CA lab on disk and one in-process responder serving both CAs,
// each CA on its own free loopback port so `down` on one leaves the other answering. It owns the
// "clean state" every scenario starts from.
//
// CRLs: the responder serves each CA's CRL beside its OCSP (the CDP in the lab's certificates),
// each side of the channel keeps a CRL cache for the scenario (emptied by `refresh`), and the lab's
// LDAP server (OpenLDAP's slapd, started the first time a scenario names it) holds each CA's CRL
// in the entry of its DN, published again before every connect as the responder builds it. The
// LDAP modes act on that server: ldap-down stops it (for every CA: one server holds both), and
// ldap-no-entry leaves the CA's entry without a CRL.

import { join } from 'node:path';
import { createLab, restore, revoke, status, type LabManifest } from '../ca/index.js';
import { Responder, ALL } from '../responder/responder.js';
import type { Mode } from '../responder/modes.js';
import { CrlCache } from '../emulator/crl-client.js';
import type { LdapServer } from '../emulator/types.js';
import { Slapd } from '../ldap/slapd.js';
import { LdapCrlPublisher } from '../ldap/crl-publisher.js';
import { readCertificates } from '../ocsp/cert.js';
import { readFileSync } from 'node:fs';
import { CA_NAMES, ldapConnames, SIDES, type CaName, type Settings, type SideName } from './settings.js';
import type { CertName } from './schema.js';
import type { LabCrl } from './target.js';

/** The suffix of the lab CAs' DNs (/O=ocsplab lab/CN=...). */
const LAB_SUFFIX = 'o=ocsplab lab';

export class LabEnv {
  private closed = false;
  private readonly caches: Record<SideName, CrlCache> = { qm: new CrlCache(), client: new CrlCache() };
  private ldap?: { slapd: Slapd; publisher?: LdapCrlPublisher };
  private readonly ldapModes = new Map<CaName, 'ldap-down' | 'ldap-no-entry'>();

  private constructor(
    readonly lab: LabManifest,
    readonly responder: Responder,
    readonly responderUrls: Record<CaName, string>,
  ) {}

  /** Generates the lab on first use (about a second), then starts its responders. */
  static async open(dir: string): Promise<LabEnv> {
    const { lab } = await createLab({ dir });
    // OCSP from the delegated signer; CRLs signed with the CA key, as a CA publishes them.
    const ca = (c: LabManifest['cas']['qm']) => ({ name: c.name, index: c.index, ca: c.cacert, rsigner: c.responder.signerCert, rkey: c.responder.signerKey, crlKey: c.cakey, port: 0 });
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
    const targets = ca === 'all' ? CA_NAMES : [ca];
    if (mode.kind === 'ldap-down' || mode.kind === 'ldap-no-entry') for (const t of targets) this.ldapModes.set(t, mode.kind);
    else if (mode.kind === 'up' || mode.kind === 'crl-up' || mode.kind.startsWith('crl-')) for (const t of targets) this.ldapModes.delete(t);
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

  /** REFRESH SECURITY TYPE(SSL): the side forgets the CRLs it fetched. */
  async refresh(side: SideName | 'both'): Promise<void> {
    for (const s of side === 'both' ? SIDES : [side]) this.caches[s].clear();
  }

  /** All responders up, both certificates valid, empty CRL caches, the LDAP server up: what every
   *  scenario starts from. */
  async reset(): Promise<void> {
    for (const t of [ALL, ...CA_NAMES]) if (this.responder.mode(t).kind !== 'up' || this.responder.crlMode(t).kind !== 'up') await this.responder.clearMode(t);
    for (const cert of ['qm', 'client'] as const) if (this.isRevoked(cert)) await this.restore(cert);
    this.ldapModes.clear();
    await this.refresh('both');
  }

  /** What a connect needs for CRLs; starts and fills the LDAP server when the settings name it. */
  async crlContext(settings: Settings): Promise<LabCrl> {
    const slash = (u: string) => (u.endsWith('/') ? u : `${u}/`);
    const urlMap: Record<string, string> = {};
    for (const c of [this.lab.cas.qm, this.lab.cas.client]) urlMap[slash(c.responder.url)] = slash(this.responderUrls[c.name]);
    const ctx: LabCrl = { caches: this.caches, urlMap };
    if (SIDES.some((s) => ldapConnames(s, settings).includes('lab'))) ctx.ldap = await this.ldapServer();
    return ctx;
  }

  /** The lab's LDAP server as the modes want it, with each CA's current CRL (or none). */
  private async ldapServer(): Promise<LdapServer> {
    if (!this.ldap) {
      if (!Slapd.installed()) throw new Error("this scenario reads CRLs from the lab's LDAP server, and slapd is not installed: apt-get install slapd (OpenLDAP)");
      this.ldap = { slapd: await Slapd.start({ dir: join(this.lab.dir, 'ldap'), suffixes: [LAB_SUFFIX] }) };
    }
    const l = this.ldap;
    const down = [...this.ldapModes.values()].includes('ldap-down');
    if (down) {
      if (l.slapd.running) {
        await l.publisher?.close();
        l.publisher = undefined;
        await l.slapd.stop();
      }
    } else {
      if (!l.slapd.running) await l.slapd.restart();
      l.publisher ??= await LdapCrlPublisher.connect({ url: l.slapd.url, bindDn: l.slapd.rootDn, password: l.slapd.rootPassword });
      for (const c of [this.lab.cas.qm, this.lab.cas.client]) {
        const issuer = readCertificates(readFileSync(c.cacert))[0]!.subjectDer;
        const der = this.ldapModes.get(c.name) === 'ldap-no-entry' ? undefined : this.responder.crlBytes(c.name);
        if (der) await l.publisher.publish(issuer, der);
        else await l.publisher.removeCrl(issuer).catch(() => undefined);
      }
    }
    return { host: '127.0.0.1', port: l.slapd.port };
  }

  /** Describes the state, for the reset test and for `--keep-lab` notes. */
  state(): { modes: Record<string, string>; revoked: CertName[] } {
    const modes: Record<string, string> = {};
    for (const m of this.responder.modes()) modes[m.target] = m.crl ? `${m.text}; ${m.crl}` : m.text;
    return { modes, revoked: (['qm', 'client'] as const).filter((c) => this.isRevoked(c)) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ldap?.publisher?.close();
    await this.ldap?.slapd.stop();
    await this.responder.close();
  }
}
