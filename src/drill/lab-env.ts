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
import { createLab, restore, revoke, status, type LabCa, type LabManifest } from '../ca/index.js';
import { Responder, ALL } from '../responder/responder.js';
import type { Mode } from '../responder/modes.js';
import { CrlCache } from '../emulator/crl-client.js';
import type { LdapServer } from '../emulator/types.js';
import { Slapd } from '../ldap/slapd.js';
import { LdapCrlPublisher } from '../ldap/crl-publisher.js';
import { readCertificates } from '../ocsp/cert.js';
import { readFileSync } from 'node:fs';
import { ldapConnames, SIDES, type CaName, type Settings, type SideName } from './settings.js';
import type { CertName } from './schema.js';
import { MissingTool, type LabCrl } from './target.js';

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

  /** Generates the lab on first use (about a second; `depth` 2 or 3 for chains), then starts one
   *  responder serving every CA of it, each CA also on a free port of its own. */
  static async open(dir: string, depth?: number): Promise<LabEnv> {
    const { lab } = await createLab({ dir, ...(depth ? { depth } : {}) });
    // OCSP from the delegated signer; CRLs signed with the CA key, as a CA publishes them.
    const ca = (c: LabCa) => ({ name: c.name, index: c.index, ca: c.cacert, rsigner: c.responder.signerCert, rkey: c.responder.signerKey, crlKey: c.cakey, port: 0 });
    const responder = await Responder.create({ cas: lab.chain.map(ca), port: 0, logger: false });
    try {
      await responder.start();
    } catch (e) {
      await responder.close();
      throw e;
    }
    return new LabEnv(lab, responder, Object.fromEntries(lab.chain.map((c) => [c.name, responder.url(c.name)])));
  }

  /** The lab's CAs by name, root first on each side. */
  get caNames(): string[] {
    return this.lab.chain.map((c) => c.name);
  }

  private checkCa(name: string): LabCa {
    const ca = this.lab.chain.find((c) => c.name === name);
    if (!ca) throw new Error(`no CA named ${name} in the lab ${this.lab.dir} (it has ${this.caNames.join(', ')})`);
    return ca;
  }

  async setMode(ca: CaName | 'all', mode: Mode): Promise<void> {
    if (ca !== 'all') this.checkCa(ca);
    const targets = ca === 'all' ? this.caNames : [ca];
    if (mode.kind === 'ldap-down' || mode.kind === 'ldap-no-entry') for (const t of targets) this.ldapModes.set(t, mode.kind);
    else if (mode.kind === 'up' || mode.kind === 'crl-up' || mode.kind.startsWith('crl-')) for (const t of targets) this.ldapModes.delete(t);
    await this.responder.setMode(ca === 'all' ? ALL : ca, mode);
  }

  /** Where a certificate's status lives: a leaf in its issuing CA's index, a CA's in its issuer's. */
  private certDir(cert: CertName): { dir: string; serial: string; ca: string } {
    if (cert === 'qm' || cert === 'client') return { dir: this.lab.cas[cert].dir, serial: this.lab.certs[cert].serial, ca: this.lab.certs[cert].ca };
    // <ca>-cross: the cross-signed certificate of a CA, kept by the root that cross-signed it.
    const cross = this.lab.chain.find((c) => c.crossCert && `${c.name}-cross` === cert);
    if (cross) return { dir: this.checkCa(cross.crossIssuer!).dir, serial: cross.crossSerial!, ca: cross.crossIssuer! };
    const ca = this.checkCa(cert);
    if (!ca.issuer || !ca.serial) throw new Error(`${cert} is a root: no issuer keeps its status, so it cannot be revoked`);
    return { dir: this.checkCa(ca.issuer).dir, serial: ca.serial, ca: ca.issuer };
  }

  /** Every certificate a scenario may revoke: the two leaves and each CA below a root. */
  private revocable(): CertName[] {
    return ['qm', 'client', ...this.lab.chain.filter((c) => c.issuer).map((c) => c.name), ...this.lab.chain.filter((c) => c.crossCert).map((c) => `${c.name}-cross`)];
  }

  isRevoked(cert: CertName): boolean {
    const { dir, serial } = this.certDir(cert);
    return status(dir, serial).status === 'Revoked';
  }

  async revoke(cert: CertName, reason?: string): Promise<void> {
    const { dir, serial, ca } = this.certDir(cert);
    await revoke({ dir, target: serial, ...(reason ? { reason } : {}) });
    // The store also watches the file; reloading now makes the very next request see it.
    this.responder.reload(ca);
  }

  async restore(cert: CertName): Promise<void> {
    const { dir, serial, ca } = this.certDir(cert);
    await restore({ dir, target: serial });
    this.responder.reload(ca);
  }

  /** REFRESH SECURITY TYPE(SSL): the side forgets the CRLs it fetched. */
  async refresh(side: SideName | 'both'): Promise<void> {
    for (const s of side === 'both' ? SIDES : [side]) this.caches[s].clear();
  }

  /** All responders up, both certificates valid, empty CRL caches, the LDAP server up: what every
   *  scenario starts from. */
  async reset(): Promise<void> {
    for (const t of [ALL, ...this.caNames]) if (this.responder.mode(t).kind !== 'up' || this.responder.crlMode(t).kind !== 'up') await this.responder.clearMode(t);
    for (const cert of this.revocable()) if (this.isRevoked(cert)) await this.restore(cert);
    this.ldapModes.clear();
    await this.refresh('both');
  }

  /** What a connect needs for CRLs; starts and fills the LDAP server when the settings name it. */
  async crlContext(settings: Settings): Promise<LabCrl> {
    const slash = (u: string) => (u.endsWith('/') ? u : `${u}/`);
    const urlMap: Record<string, string> = {};
    for (const c of this.lab.chain) urlMap[slash(c.responder.url)] = slash(this.responderUrls[c.name]!);
    const ctx: LabCrl = { caches: this.caches, urlMap };
    if (SIDES.some((s) => ldapConnames(s, settings).includes('lab'))) ctx.ldap = await this.ldapServer();
    return ctx;
  }

  /** The lab's LDAP server as the modes want it, with each CA's current CRL (or none). */
  private async ldapServer(): Promise<LdapServer> {
    if (!this.ldap) {
      if (!Slapd.installed()) throw new MissingTool('slapd', "OpenLDAP, for the lab's LDAP CRL server", 'apt-get install slapd ldap-utils, or OCSPLAB_SLAPD=/path/to/slapd');
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
      for (const c of this.lab.chain) {
        const issuer = this.subjectOf(c);
        const der = this.ldapModes.get(c.name) === 'ldap-no-entry' ? undefined : this.responder.crlBytes(c.name);
        if (der) await l.publisher.publish(issuer, der);
        else await l.publisher.removeCrl(issuer).catch(() => undefined);
      }
    }
    return { host: '127.0.0.1', port: l.slapd.port };
  }

  private readonly subjects = new Map<string, Buffer>();

  /** A CA's subject Name (its LDAP entry), read from its certificate once, not on every connect. */
  private subjectOf(c: LabCa): Buffer {
    let s = this.subjects.get(c.name);
    if (!s) this.subjects.set(c.name, (s = readCertificates(readFileSync(c.cacert))[0]!.subjectDer));
    return s;
  }

  /** Describes the state, for the reset test and for `--keep-lab` notes. */
  state(): { modes: Record<string, string>; revoked: CertName[] } {
    const modes: Record<string, string> = {};
    for (const m of this.responder.modes()) modes[m.target] = m.crl ? `${m.text}; ${m.crl}` : m.text;
    return { modes, revoked: this.revocable().filter((c) => this.isRevoked(c)) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ldap?.publisher?.close();
    await this.ldap?.slapd.stop();
    await this.responder.close();
  }
}
