// An X.500 Name in DER as an LDAP DN string (RFC 4514): MQ looks a CA's CRL up in LDAP under the
// entry named by the certificate's issuer, so the publisher must name that entry the same way.
// RDNs in reverse order (most specific first), LDAP short names where RFC 4514 or OpenLDAP's core
// schema has one, dotted OID with the BER value in hex (#...) otherwise.

import { children, decodeOid, readWhole, value, whole } from '../ocsp/der.js';
import { NAME_ATTRIBUTES } from '../ocsp/oids.js';

/** LDAP names (RFC 4514 section 3, and those OpenLDAP's core.schema knows) of Name attribute
 *  types: openssl's short names, but RFC 4514 spells street STREET. */
const LDAP_NAMES: Readonly<Record<string, string>> = { ...NAME_ATTRIBUTES, '2.5.4.9': 'STREET' };

export interface LdapAva {
  /** LDAP short name (CN, O, ...) or dotted OID. */
  type: string;
  /** The value as text; when `hex`, the RFC 4514 `#` form of the BER value, used as it is. */
  value: string;
  hex: boolean;
}
/** One RDN: one or more attributes joined by `+`. */
export type LdapRdn = LdapAva[];

/** Decodes the string types a certificate name uses; undefined for anything else. */
function decodeString(tag: number, v: Buffer): string | undefined {
  switch (tag) {
    case 0x0c: // UTF8String
      return v.toString('utf8');
    case 0x12: // NumericString
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x1a: // VisibleString
    case 0x14: // TeletexString: read as latin1, as certificate tools do
      return v.toString('latin1');
    case 0x1e: // BMPString, UTF-16BE
      return v.length % 2 ? undefined : Buffer.from(v).swap16().toString('utf16le');
    default:
      return undefined;
  }
}

/** The RDNs of a Name in DER, in LDAP order (the last RDN of the DER first). */
export function ldapRdns(nameDer: Buffer): LdapRdn[] {
  const top = readWhole(nameDer, 0x30);
  return children(nameDer, top)
    .map((set) =>
      children(nameDer, set).map((atv): LdapAva => {
        const [typeT, valT] = children(nameDer, atv);
        const oid = decodeOid(value(nameDer, typeT));
        const name = LDAP_NAMES[oid];
        const text = name ? decodeString(valT.tag, value(nameDer, valT)) : undefined;
        if (name && text !== undefined) return { type: name, value: text, hex: false };
        return { type: name ?? oid, value: `#${whole(nameDer, valT).toString('hex')}`, hex: true };
      }),
    )
    .reverse();
}

/** RFC 4514 section 2.4 escaping of one attribute value. */
export function escapeDnValue(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (',+"\\<>;='.includes(c)) out += `\\${c}`;
    else if ((c === '#' || c === ' ') && i === 0) out += `\\${c}`;
    else if (c === ' ' && i === v.length - 1) out += '\\ ';
    else if (c < ' ' || c === '\x7f') out += `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += c;
  }
  return out;
}

/** RDNs (in LDAP order) as a DN string. */
export function formatDn(rdns: LdapRdn[]): string {
  return rdns.map((rdn) => rdn.map((a) => `${a.type}=${a.hex ? a.value : escapeDnValue(a.value)}`).join('+')).join(',');
}

/** The LDAP DN of a Name in DER, e.g. `CN=ocsplab QM CA,O=ocsplab lab` for /O=ocsplab lab/CN=ocsplab QM CA. */
export function ldapDn(nameDer: Buffer): string {
  return formatDn(ldapRdns(nameDer));
}
