// The CRL entries an openssl CA database implies, exactly as `openssl ca -gencrl` picks them
// (apps/ca.c): every line of status R, with its reason, keyTime/CAkeyTime as invalidityDate and
// holdInstruction as the hold instruction code; V and E lines are not listed.

import type { KeyObject } from 'node:crypto';
import type { IndexDatabase } from '../index/database.js';
import type { CertInfo } from '../ocsp/cert.js';
import type { HashName } from '../ocsp/oids.js';
import { signatureScheme } from '../ocsp/signer.js';
import { buildCrl, type CrlEntrySpec } from './encode.js';
import { CRL_OID } from './oids.js';

export function crlEntriesOf(db: IndexDatabase): CrlEntrySpec[] {
  const out: CrlEntrySpec[] = [];
  for (const e of db.entries()) {
    if (e.status !== 'R' || !e.revocation) continue;
    const r = e.revocation;
    out.push({
      serial: e.serial,
      revocationDate: r.time,
      ...(r.reason !== undefined ? { reason: r.reason } : {}),
      ...(r.invalidityDate ? { invalidityDate: r.invalidityDate } : {}),
      ...(r.holdInstruction ? { holdInstruction: r.holdInstruction } : {}),
    });
  }
  return out;
}

export interface IndexCrlSpec {
  db: IndexDatabase;
  /** The CA certificate: issuer name and, from its subjectKeyIdentifier, the CRL's AKI. */
  cert: CertInfo;
  key: KeyObject;
  md: HashName;
  thisUpdate: Date;
  nextUpdate: Date;
  number?: bigint;
}

/** The signed CRL for a database: the one builder `ocsplab ca gencrl` and the responder share. */
export function crlFromIndex(o: IndexCrlSpec): Buffer {
  const ski = o.cert.extensions.get(CRL_OID.subjectKeyIdentifier);
  // extnValue is an OCTET STRING holding the key id: skip its two header bytes.
  const authorityKeyId = ski ? ski.value.subarray(2) : undefined;
  return buildCrl(
    { issuerDer: o.cert.subjectDer, thisUpdate: o.thisUpdate, nextUpdate: o.nextUpdate, number: o.number, authorityKeyId, entries: crlEntriesOf(o.db) },
    signatureScheme(o.key, o.md),
  );
}
