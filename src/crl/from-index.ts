// The CRL entries an openssl CA database implies, exactly as `openssl ca -gencrl` picks them
// (apps/ca.c): every line of status R, with its reason, keyTime/CAkeyTime as invalidityDate and
// holdInstruction as the hold instruction code; V and E lines are not listed.

import type { IndexDatabase } from '../index/database.js';
import type { CrlEntrySpec } from './encode.js';

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
