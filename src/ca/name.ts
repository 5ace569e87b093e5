// X.500 names: parsed from openssl's `-subj` syntax, encoded to DER the way `openssl req -utf8`
// does (UTF8String, PrintableString for C, IA5String for emailAddress and DC), and read back from
// DER into the attribute list index.txt's subject field is written from.

import { children, decodeOid, oid, readWhole, seq, tlv, value } from '../ocsp/der.js';
import { encodeSubject } from '../index/line.js';
import { NAME_ATTRIBUTES } from '../ocsp/oids.js';

const BY_NAME: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(NAME_ATTRIBUTES).flatMap(([o, n]) => [
    [n.toLowerCase(), o],
    ...(n === 'ST' ? [['stateorprovincename', o]] : []),
    ...(n === 'CN' ? [['commonname', o]] : []),
    ...(n === 'O' ? [['organizationname', o]] : []),
    ...(n === 'OU' ? [['organizationalunitname', o]] : []),
    ...(n === 'C' ? [['countryname', o]] : []),
    ...(n === 'L' ? [['localityname', o]] : []),
  ]),
);

export interface NameAttribute {
  /** Dotted OID. */
  type: string;
  value: string;
}
/** A Name as RDNs, each a set of one or more attributes. */
export type NameSpec = NameAttribute[][];

export class NameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NameError';
  }
}

/** Parses `/C=JP/O=Example/CN=qm1` (openssl -subj): `\` escapes the next character, `+` joins an RDN. */
export function parseSubject(text: string): NameSpec {
  if (!text.startsWith('/')) throw new NameError(`subject ${JSON.stringify(text)} must start with '/' (e.g. /O=Lab/CN=qm1)`);
  const rdns: NameSpec = [];
  let cur: NameAttribute[] = [];
  let field = '';
  const flush = (sep: string) => {
    const eq = field.indexOf('=');
    if (eq <= 0) throw new NameError(`subject part ${JSON.stringify(field)} is not TYPE=value`);
    const typeName = field.slice(0, eq);
    const type = /^\d+(\.\d+)+$/.test(typeName) ? typeName : BY_NAME[typeName.toLowerCase()];
    if (!type) throw new NameError(`unknown subject attribute type ${JSON.stringify(typeName)}`);
    const v = field.slice(eq + 1);
    if (v === '') throw new NameError(`subject attribute ${typeName} has an empty value`);
    cur.push({ type, value: v });
    field = '';
    if (sep !== '+') {
      rdns.push(cur);
      cur = [];
    }
  };
  for (let i = 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) field += text[++i];
    else if (c === '/' || c === '+') flush(c);
    else field += c;
  }
  flush('/');
  return rdns;
}

/** A one-attribute name, the common case (`--cn NAME`). */
export function commonName(cn: string): NameSpec {
  return [[{ type: '2.5.4.3', value: cn }]];
}

function stringTag(type: string): number {
  if (type === '2.5.4.6' || type === '2.5.4.5') return 0x13; // PrintableString, as openssl forces for C
  if (type === '1.2.840.113549.1.9.1' || type === '0.9.2342.19200300.100.1.25') return 0x16; // IA5String
  return 0x0c; // UTF8String (string_mask = utf8only)
}

export function encodeName(name: NameSpec): Buffer {
  return seq(...name.map((rdn) => tlv(0x31, ...sortedSet(rdn.map((a) => seq(oid(a.type), tlv(stringTag(a.type), Buffer.from(a.value, 'utf8'))))))));
}

/** DER SET OF: elements in ascending order of their encodings. */
function sortedSet(parts: Buffer[]): Buffer[] {
  return [...parts].sort(Buffer.compare);
}

/** The attributes of a Name in DER, RDN by RDN, with short type names where openssl has one. */
function nameAttributes(nameDer: Buffer): Array<Array<{ type: string; value: Buffer }>> {
  const top = readWhole(nameDer, 0x30);
  return children(nameDer, top).map((set) =>
    children(nameDer, set).map((atvT) => {
      const [typeT, valT] = children(nameDer, atvT);
      const dotted = decodeOid(value(nameDer, typeT));
      return { type: NAME_ATTRIBUTES[dotted] ?? dotted, value: value(nameDer, valT) };
    }),
  );
}

/** The subject field of index.txt for a Name in DER. */
export function indexSubject(nameDer: Buffer): string {
  return encodeSubject(nameAttributes(nameDer));
}

/** The first CN of a Name in DER (a CA's display name), or undefined. */
export function derCommonName(nameDer: Buffer): string | undefined {
  return nameAttributes(nameDer)
    .flat()
    .find((a) => a.type === NAME_ATTRIBUTES['2.5.4.3'])
    ?.value.toString('utf8');
}

/** The CN of a name spec (for file names and labels). */
export function nameCommonName(name: NameSpec): string | undefined {
  return name.flat().find((a) => a.type === '2.5.4.3')?.value;
}
