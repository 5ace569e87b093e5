// Reading a CA's CRL (or ARL) from LDAP the way IBM MQ's GSKit does for AUTHTYPE(CRLLDAP): a
// base-scope search of the entry named by the issuer DN for the `;binary` attribute. Shared by the
// publisher (read back) and by whoever plays MQ (an anonymous fetch).

import { Client, type Entry } from 'ldapts';
import { ldapDn } from './dn.js';

export const CRL_ATTRIBUTE = 'certificateRevocationList;binary';
export const ARL_ATTRIBUTE = 'authorityRevocationList;binary';
export type RevocationListKind = 'crl' | 'arl';

const NO_SUCH_OBJECT = 32;

/** The result code of an LDAP error from ldapts (undefined for a socket error or anything else). */
export function ldapCode(e: unknown): number | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function attributeOf(entry: Entry, type: string): Buffer | undefined {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === type.toLowerCase());
  const v = key === undefined ? undefined : entry[key];
  const first = Array.isArray(v) ? v[0] : v;
  return Buffer.isBuffer(first) ? first : undefined;
}

/** The DER at the entry `dn` (first value), or undefined when there is no such entry or no value. */
export async function readRevocationList(client: Client, dn: string, kind: RevocationListKind = 'crl'): Promise<Buffer | undefined> {
  const type = kind === 'crl' ? CRL_ATTRIBUTE : ARL_ATTRIBUTE;
  try {
    const { searchEntries } = await client.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes: [type], explicitBufferAttributes: [type] });
    return searchEntries[0] ? attributeOf(searchEntries[0], type) : undefined;
  } catch (e) {
    if (ldapCode(e) === NO_SUCH_OBJECT) return undefined;
    throw e;
  }
}

export interface FetchOptions {
  /** ldap://host:port */
  url: string;
  /** The issuer Name in DER (the entry is its LDAP DN), or the DN itself. */
  issuer: Buffer | string;
  kind?: RevocationListKind;
  /** Connect and operation timeout (default 5 s). */
  timeoutMs?: number;
}

/** An anonymous fetch, as MQ makes it: rejects when the server cannot be reached. */
export async function fetchLdapCrl(o: FetchOptions): Promise<Buffer | undefined> {
  const client = new Client({ url: o.url, connectTimeout: o.timeoutMs ?? 5000, timeout: o.timeoutMs ?? 5000 });
  try {
    return await readRevocationList(client, typeof o.issuer === 'string' ? o.issuer : ldapDn(o.issuer), o.kind);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}
