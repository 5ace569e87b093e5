// The base StatusSource for one CA: looks certificates up in its index and signs the answer.

import { randomBytes } from 'node:crypto';
import { octetString, oid, seq, unsignedInteger } from '../ocsp/der.js';
import { OID, type HashName } from '../ocsp/oids.js';
import { hashAlgorithmId } from '../ocsp/signer.js';
import { buildResponse, type CertStatus, type ResponseSigner, type SingleResponseSpec } from '../ocsp/response.js';
import type { CertId } from '../ocsp/request.js';
import type { CertInfo } from '../ocsp/cert.js';
import { parseLine } from '../index/line.js';
import type { IndexSnapshot, IndexStore } from '../index/store.js';
import type { IndexDatabase } from '../index/database.js';
import type { Answered, Query, Reply, StatusSource } from './source.js';

export type ExpiredPolicy = 'good' | 'unknown' | 'revoked';

export interface CaSourceOptions {
  name: string;
  store: IndexStore;
  issuers: CertInfo[];
  signer: ResponseSigner;
  /** The same signer without certificates, for the no-certs fault. */
  signerNoCerts: ResponseSigner;
  /** nextUpdate distance in ms (-nmin / -ndays); undefined means no nextUpdate, as openssl. */
  nextUpdateMs?: number;
  /** Status for index lines marked E (expired): openssl silently leaves them out; we answer. */
  expired: ExpiredPolicy;
  /** Hash for CertIDs in responses (openssl -rcid); default echoes the request's. */
  rcid?: HashName;
  issuerHashes: Map<HashName, { name: Buffer; key: Buffer }[]>;
}

function encodeCertId(hash: HashName, name: Buffer, key: Buffer, serialHex: string): Buffer {
  const mag = Buffer.from(serialHex.length % 2 ? `0${serialHex}` : serialHex, 'hex');
  return seq(hashAlgorithmId(hash), octetString(name), octetString(key), unsignedInteger(mag));
}

function nextSerial(hex: string): string {
  return (BigInt(`0x${hex}`) + 1n).toString(16).toUpperCase();
}

export class CaSource implements StatusSource {
  readonly name: string;
  /** Responses signed (one signature each), read by the metrics at scrape time. */
  signatures = 0;

  constructor(private readonly o: CaSourceOptions) {
    this.name = o.name;
  }

  /** True when the CertID names one of this CA's issuer certificates (a few byte compares). */
  serves(c: CertId): boolean {
    const list = this.o.issuerHashes.get(c.hash);
    if (list) for (const x of list) if (x.key.equals(c.issuerKeyHash) && x.name.equals(c.issuerNameHash)) return true;
    return false;
  }

  /** The index snapshot an answer to this query is read from (one freshness check per turn). */
  snapshot(q: Query): IndexSnapshot {
    return this.o.store.current(q.turn);
  }

  /** What an answer depends on: the index lines of the serials asked. Same basis, same answer. */
  basis(q: Query, db: IndexDatabase): string {
    let s = '';
    for (const c of q.request.certIds) s += (this.serves(c) ? (db.line(c.serial) ?? '-') : 'foreign') + '\n';
    return s;
  }

  /** A certificate's status in one snapshot of the index (one freshness check per request). */
  status(c: CertId, db: IndexDatabase): CertStatus {
    if (!this.serves(c)) return { kind: 'unknown' };
    const line = db.line(c.serial);
    if (line === undefined) return { kind: 'unknown' };
    const e = parseLine(line);
    if (e.status === 'V') return { kind: 'good' };
    if (e.status === 'E') {
      return this.o.expired === 'revoked' ? { kind: 'revoked', time: e.expiry, reason: 5 } : { kind: this.o.expired };
    }
    const r = e.revocation!;
    return { kind: 'revoked', time: r.time, reason: r.reason, invalidityDate: r.invalidityDate, holdInstruction: r.holdInstruction };
  }

  /** Synchronous when the signer is (EC, Ed25519): no promise on the hot path. */
  answer(q: Query): Reply | Promise<Reply> {
    const t = q.tweaks ?? {};
    const thisUpdate = new Date(q.now.getTime() + (t.thisUpdateShift ?? 0));
    const nextIn = t.nextUpdateIn ?? this.o.nextUpdateMs;
    const nextUpdate = nextIn === undefined ? undefined : new Date(q.now.getTime() + nextIn);
    const answers: Answered[] = [];
    const db = this.snapshot(q).db;
    const singles: SingleResponseSpec[] = q.request.certIds.map((c) => {
      let status = this.status(c, db);
      if (t.forceStatus === 'revoked' && status.kind !== 'revoked') status = { kind: 'revoked', time: thisUpdate, reason: 0 };
      else if (t.forceStatus && t.forceStatus !== 'revoked') status = { kind: t.forceStatus };
      let certId = c.der;
      const hash = this.o.rcid ?? c.hash;
      if (t.wrongSerial || hash !== c.hash) {
        const own = this.serves(c) ? this.o.issuerHashes.get(hash)![0] : undefined;
        const name = own?.name ?? c.issuerNameHash;
        const key = own?.key ?? c.issuerKeyHash;
        certId = encodeCertId(own ? hash : c.hash, name, key, t.wrongSerial ? nextSerial(c.serial) : c.serial);
      }
      answers.push({ serial: c.serial, status: status.kind });
      return { certId, status, thisUpdate, nextUpdate };
    });
    const extensions: Buffer[] = [];
    const nonce = q.request.nonce;
    if (nonce && t.nonce !== 'omit') {
      extensions.push(t.nonce === 'wrong' ? seq(oid(OID.ocspNonce), octetString(octetString(randomBytes(nonce.value.length)))) : nonce.extension);
    }
    const own = t.noCerts ? this.o.signerNoCerts : this.o.signer;
    const signer = t.signer ? t.signer(own) : own;
    const reply = (der: Buffer): Reply => ({ kind: 'ocsp', der, status: 'successful', ca: this.name, answers, thisUpdate, nextUpdate, cacheable: !nonce });
    this.signatures++;
    const der = buildResponse(signer, { producedAt: thisUpdate, singles, extensions });
    return der instanceof Promise ? der.then(reply) : reply(der);
  }
}
