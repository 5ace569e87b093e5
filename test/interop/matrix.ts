// The interop matrix, defined once: signer configurations (one CA each, all served by one
// responder), and the cases every client is run on. Both the tap test (test/interop.test.ts) and
// the table runner (test/interop/run.ts) read it from here.

export type KeyAlg = 'rsa' | 'ec';
export type FaultMode = 'bad-signature' | 'wrong-signer' | 'stale' | 'wrong-nonce';
export type LeafKind = 'good' | 'revoked' | 'unknown';
export type Outcome = 'good' | 'revoked' | 'unknown' | 'rejected' | 'error';

/** How a CA's responses are signed: the dimensions RSA/EC, CA/delegated, byName/byKey. */
export interface SignerConfig {
  id: string;
  key: KeyAlg;
  signer: 'ca' | 'delegated';
  responderId: 'byName' | 'byKey';
  /** Reason given when revoking this CA's "revoked" leaf; a different one per CA, so a client
   *  that reports a reason cannot pass by echoing a constant. Words as openssl ca -crl_reason. */
  reason: string;
}

export const SIGNERS: readonly SignerConfig[] = [
  { id: 'rsa-ca-name', key: 'rsa', signer: 'ca', responderId: 'byName', reason: 'keyCompromise' },
  { id: 'rsa-del-key', key: 'rsa', signer: 'delegated', responderId: 'byKey', reason: 'cessationOfOperation' },
  { id: 'ec-ca-key', key: 'ec', signer: 'ca', responderId: 'byKey', reason: 'affiliationChanged' },
  { id: 'ec-del-name', key: 'ec', signer: 'delegated', responderId: 'byName', reason: 'superseded' },
];

/** A CA of the lab: a signer configuration, and for fault cases the mode it is held in. */
export interface LabCaSpec extends SignerConfig {
  base: string;
  mode?: FaultMode;
}

export interface Case {
  id: string;
  /** Lab CA answering this case (a SignerConfig id, or `<id>+<mode>` for a fault CA). */
  ca: string;
  leaf: LeafKind;
  nonce: boolean;
  certIdHash: 'sha1' | 'sha256';
  /** HTTP method to use; undefined lets the client choose (the JDK does anyway). */
  method?: 'POST' | 'GET';
  fault?: FaultMode;
}

const FAULTS: readonly FaultMode[] = ['bad-signature', 'wrong-signer', 'stale', 'wrong-nonce'];
/** Faults run against a CA-signed RSA responder and a delegated EC one. */
const FAULT_BASES = ['rsa-ca-name', 'ec-del-name'];

/** Request shapes, pairwise over nonce × CertID hash × method, asked about the revoked leaf
 *  (the answer with the most to get right: status, time, reason). */
const SHAPES: ReadonlyArray<Pick<Case, 'nonce' | 'certIdHash' | 'method'>> = [
  { nonce: true, certIdHash: 'sha1', method: 'POST' },
  { nonce: true, certIdHash: 'sha256', method: 'GET' },
  { nonce: false, certIdHash: 'sha256', method: 'POST' },
  { nonce: false, certIdHash: 'sha1', method: 'GET' },
];

function shapeName(s: Pick<Case, 'nonce' | 'certIdHash' | 'method'>): string {
  return `${s.method ?? 'any'} ${s.certIdHash} ${s.nonce ? 'nonce' : 'no-nonce'}`;
}

export function labCas(): LabCaSpec[] {
  const out: LabCaSpec[] = SIGNERS.map((s) => ({ ...s, base: s.id }));
  for (const base of FAULT_BASES) {
    const s = SIGNERS.find((x) => x.id === base)!;
    for (const mode of FAULTS) out.push({ ...s, id: `${base}+${mode}`, base, mode });
  }
  return out;
}

export function cases(): Case[] {
  const out: Case[] = [];
  // Statuses: every signer configuration, in the request most clients send by default.
  for (const s of SIGNERS) {
    for (const leaf of ['good', 'revoked', 'unknown'] as const) out.push({ id: `${s.id} ${leaf}`, ca: s.id, leaf, nonce: false, certIdHash: 'sha1' });
  }
  for (const s of SIGNERS) {
    for (const shape of SHAPES) out.push({ id: `${s.id} revoked ${shapeName(shape)}`, ca: s.id, leaf: 'revoked', ...shape });
  }
  // Faults: a good certificate, which a client must still refuse to call good. Only wrong-nonce
  // needs a nonce in the request; the others are asked without one so every client can take part.
  for (const base of FAULT_BASES) {
    for (const fault of FAULTS) {
      out.push({ id: `${base} fault ${fault}`, ca: `${base}+${fault}`, leaf: 'good', nonce: fault === 'wrong-nonce', certIdHash: 'sha1', fault });
    }
  }
  return out;
}

export function signerOf(c: Case): SignerConfig {
  return SIGNERS.find((s) => s.id === c.ca.split('+')[0])!;
}

export interface Expected {
  outcome: Outcome;
  /** For revoked: the reason, compared with reasonKey(). */
  reason?: string;
}

export function expected(c: Case): Expected {
  if (c.fault) return { outcome: 'rejected' };
  if (c.leaf === 'revoked') return { outcome: 'revoked', reason: signerOf(c).reason };
  return { outcome: c.leaf };
}

/** Reason names compared across clients: keyCompromise, KEY_COMPROMISE and key_compromise are one. */
export function reasonKey(r: string): string {
  return r.replace(/[_\s]/g, '').toLowerCase();
}
