// Publishing a CA's CRL where IBM MQ looks for it: the `certificateRevocationList;binary` (and
// `authorityRevocationList;binary`) attribute of the LDAP entry named by the issuer DN, creating
// that entry and the ones above it (cRLDistributionPoint, organization, ...) when missing. Also
// the LDAP faults of the drills: the entry without a CRL, and no entry at all.

import { Attribute, Change, Client } from 'ldapts';
import { formatDn, ldapRdns, type LdapRdn } from './dn.js';
import { ARL_ATTRIBUTE, CRL_ATTRIBUTE, ldapCode, readRevocationList, type RevocationListKind } from './crl-fetch.js';

const NO_SUCH_ATTRIBUTE = 16;
const NO_SUCH_OBJECT = 32;
const OBJECT_CLASS_VIOLATION = 65;
const ALREADY_EXISTS = 68;

/** Structural object classes (core and cosine schema) for an entry named by an RDN of this type. */
const STRUCTURAL: Readonly<Record<string, string>> = {
  cn: 'cRLDistributionPoint',
  o: 'organization',
  ou: 'organizationalUnit',
  c: 'country',
  l: 'locality',
  st: 'locality',
  street: 'locality',
  dc: 'domain',
  uid: 'account',
};

export class LdapPublishError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LdapPublishError';
  }
}

/** The attributes of a new entry named by `rdn`; the CA's own entry must be able to hold CRLs. */
function newEntry(dn: string, rdn: LdapRdn, isCa: boolean): Record<string, string[]> {
  const structural = STRUCTURAL[rdn[0].type.toLowerCase()];
  if (!structural || rdn.some((a) => a.hex)) throw new LdapPublishError(`cannot create the LDAP entry ${dn}: no object class here for an entry named by ${rdn[0].type}; create it on the server first`);
  const classes = [structural];
  if (isCa && structural !== 'cRLDistributionPoint') classes.push('pkiCA');
  if (rdn.length > 1) classes.push('extensibleObject');
  const entry: Record<string, string[]> = { objectClass: classes };
  for (const a of rdn) (entry[a.type] ??= []).push(a.value);
  return entry;
}

export interface PublisherConnectOptions {
  url: string;
  /** Omitted: anonymous (enough for read). */
  bindDn?: string;
  password?: string;
  /** Connect and operation timeout (default 10 s). */
  timeoutMs?: number;
}

export class LdapCrlPublisher {
  constructor(readonly client: Client) {}

  /** A client on `url`, bound as bindDn when given (e.g. Slapd's rootDn and rootPassword). */
  static async connect(o: PublisherConnectOptions): Promise<LdapCrlPublisher> {
    const client = new Client({ url: o.url, connectTimeout: o.timeoutMs ?? 10_000, timeout: o.timeoutMs ?? 10_000, autoRebind: true });
    if (o.bindDn !== undefined) {
      try {
        await client.bind(o.bindDn, o.password ?? '');
      } catch (e) {
        await client.unbind().catch(() => undefined);
        throw e;
      }
    }
    return new LdapCrlPublisher(client);
  }

  /** Replaces the CA's CRL (and ARL when given) with these DER bytes; returns the entry's DN. */
  async publish(issuerNameDer: Buffer, crlDer: Buffer, o: { arl?: Buffer } = {}): Promise<string> {
    const changes = [new Change({ operation: 'replace', modification: new Attribute({ type: CRL_ATTRIBUTE, values: [crlDer] }) })];
    if (o.arl) changes.push(new Change({ operation: 'replace', modification: new Attribute({ type: ARL_ATTRIBUTE, values: [o.arl] }) }));
    const rdns = this.#rdns(issuerNameDer);
    const dn = formatDn(rdns);
    try {
      await this.client.modify(dn, changes);
    } catch (e) {
      if (ldapCode(e) === NO_SUCH_OBJECT) await this.#ensure(rdns, true);
      else if (ldapCode(e) === OBJECT_CLASS_VIOLATION) await this.client.modify(dn, new Change({ operation: 'add', modification: new Attribute({ type: 'objectClass', values: ['pkiCA'] }) }));
      else throw e;
      await this.client.modify(dn, changes);
    }
    return dn;
  }

  /** The entry stays (created if missing), its CRL goes (and its ARL with `arl`): MQ finds no CRL. */
  async removeCrl(issuerNameDer: Buffer, o: { arl?: boolean } = {}): Promise<string> {
    const rdns = this.#rdns(issuerNameDer);
    await this.#ensure(rdns, true);
    const dn = formatDn(rdns);
    for (const type of o.arl ? [CRL_ATTRIBUTE, ARL_ATTRIBUTE] : [CRL_ATTRIBUTE]) {
      try {
        await this.client.modify(dn, new Change({ operation: 'delete', modification: new Attribute({ type, values: [] }) }));
      } catch (e) {
        if (ldapCode(e) !== NO_SUCH_ATTRIBUTE) throw e;
      }
    }
    return dn;
  }

  /** Deletes the CA's entry (the ones above it stay): MQ's search finds no such object. */
  async removeEntry(issuerNameDer: Buffer): Promise<string> {
    const dn = formatDn(this.#rdns(issuerNameDer));
    try {
      await this.client.del(dn);
    } catch (e) {
      if (ldapCode(e) !== NO_SUCH_OBJECT) throw e;
    }
    return dn;
  }

  /** What MQ would fetch: the CRL (or ARL) DER, undefined when there is no entry or no value. */
  read(issuerNameDer: Buffer, kind: RevocationListKind = 'crl'): Promise<Buffer | undefined> {
    return readRevocationList(this.client, formatDn(this.#rdns(issuerNameDer)), kind);
  }

  async close(): Promise<void> {
    await this.client.unbind();
  }

  #rdns(issuerNameDer: Buffer): LdapRdn[] {
    const rdns = ldapRdns(issuerNameDer);
    if (rdns.length === 0) throw new LdapPublishError('the issuer name is empty: there is no LDAP entry to publish its CRL at');
    return rdns;
  }

  /** Adds the entry of `rdns` and, when its parent is missing, the parents first. */
  async #ensure(rdns: LdapRdn[], isCa: boolean): Promise<void> {
    const dn = formatDn(rdns);
    const add = () => this.client.add(dn, newEntry(dn, rdns[0], isCa));
    try {
      await add();
    } catch (e) {
      if (ldapCode(e) === ALREADY_EXISTS) return;
      if (ldapCode(e) !== NO_SUCH_OBJECT) throw e;
      if (rdns.length === 1) throw new LdapPublishError(`the LDAP server holds no database for ${dn}: add a suffix that contains it`);
      await this.#ensure(rdns.slice(1), false);
      await add();
    }
  }
}
