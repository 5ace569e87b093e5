// Where a CA's CRL comes from, one class per origin (after the StatusSource layering): signed from
// the watched index when the responder holds the CA key, or a CRL file served as it is. Both
// answer `current()` with the bytes and the times the HTTP layer turns into cache headers.
//
// Index CRLs are rebuilt when the index generation moves, so the fetch after a revoke lists it, and
// before half their validity has passed, so a responder left idle never serves one past its
// nextUpdate (RFC 5280 5.1.2.5: a CRL is issued before the previous one's nextUpdate). The
// responder may run read-only on the CA directory, so it does not advance the crlnumber file that
// `ocsplab ca gencrl` and `openssl ca -gencrl` share; the CRL number comes from time (Boulder's
// crl-updater numbers CRLs by time too). Not from the time of the build: with --workers N each
// worker builds its own CRL, and build times made them serve different CRLs for one index, the
// CRL number going down from one fetch to the next (one worker built later than the other) and the
// ETag flapping. Everything comes from the index file instead, which every worker sees alike: the
// base is its ctime (which cp -p and touch cannot set back, unlike mtime), in µs for the number;
// re-issues fall on a grid of half periods from it. So every worker (and a restarted responder)
// makes the same TBSCertList for the same index and moment, and the ETag is the TBS's hash: the
// same across workers even where the signature is randomised (ECDSA).

import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { CertInfo } from '../ocsp/cert.js';
import type { HashName } from '../ocsp/oids.js';
import { signatureScheme } from '../ocsp/signer.js';
import { buildCrl, spoilSignature } from '../crl/encode.js';
import { crlEntriesOf, crlFromIndex } from '../crl/from-index.js';
import { checkCrl, parseCrl, CrlError } from '../crl/decode.js';
import { encodeName, commonName } from '../ca/name.js';
import type { IndexStore } from '../index/store.js';
import type { CrlFault } from './modes.js';

export interface CrlDoc {
  der: Buffer;
  thisUpdate: Date;
  nextUpdate?: Date;
  number?: bigint;
  /** Quoted SHA-1 of the bytes, for ETag / If-None-Match. */
  etag: string;
}

export interface CrlOrigin {
  /** The CRL to serve now. */
  current(now: Date): CrlDoc;
  /** What a CRL fault mode serves instead; undefined when the fault is not about the bytes. */
  faulty(kind: CrlFault, now: Date): CrlDoc | undefined;
  /** "signed from the index" or "file PATH", for the admin API. */
  readonly describe: string;
}

/** The CRL an origin serves under a CRL fault (or none): the faulty bytes where the fault is about
 *  the bytes, else the current CRL. One choice for the HTTP endpoint and for LDAP publishing. */
export function crlDocFor(origin: CrlOrigin, fault: CrlFault | undefined, now: Date): CrlDoc {
  return (fault && origin.faulty(fault, now)) || origin.current(now);
}

export function crlDoc(der: Buffer): CrlDoc {
  const p = parseCrl(der);
  // Over the TBSCertList: what the CRL says, the same for two signatures of it.
  return { der, thisUpdate: p.thisUpdate, nextUpdate: p.nextUpdate, number: p.number, etag: `"${createHash('sha1').update(p.tbs).digest('hex')}"` };
}

const GARBAGE = Buffer.from('this is not a CRL\n');
const garbageDoc: CrlDoc = { der: GARBAGE, thisUpdate: new Date(0), etag: '"garbage"' };

/** Signs CRLs from the watched index with the CA's key. */
export class IndexCrl implements CrlOrigin {
  readonly describe = 'signed from the index';
  private built?: { generation: number; slot: number; doc: CrlDoc };
  /** The grid's origin: the ctime in µs of the index content this generation holds. */
  private baseUs = 0n;
  /** The CRL from before the latest rebuild (crl-stale). */
  private before?: CrlDoc;
  private lastNumber = 0n;
  /** Fault CRLs, derived from the current CRL and rebuilt with it. */
  private faults = new Map<string, { from: CrlDoc; doc: CrlDoc }>();
  private otherIssuer?: { cert: Pick<CertInfo, 'subjectDer' | 'extensions'>; key: KeyObject };

  constructor(
    private readonly store: IndexStore,
    private readonly cert: CertInfo,
    private readonly key: KeyObject,
    private readonly md: HashName,
    private readonly periodMs: number,
  ) {}

  private build(thisUpdate: Date, nextUpdate: Date, wanted?: bigint): CrlDoc {
    const t = wanted ?? BigInt(thisUpdate.getTime());
    const number = t > this.lastNumber ? t : this.lastNumber + 1n;
    this.lastNumber = number;
    const db = this.store.current().db;
    return crlDoc(crlFromIndex({ db, cert: this.cert, key: this.key, md: this.md, thisUpdate, nextUpdate, number }));
  }

  current(now: Date): CrlDoc {
    const { generation, changedNs } = this.store.current();
    const changed = this.built?.generation !== generation;
    if (changed) {
      // The grid's origin: the index's ctime for this content, never after the clock.
      const nowUs = BigInt(now.getTime()) * 1000n;
      const us = changedNs / 1000n;
      this.baseUs = us < nowUs ? us : nowUs;
    }
    // Whole seconds: CRL times have no fractions, and Last-Modified must equal thisUpdate.
    const half = Math.max(1000, Math.floor(this.periodMs / 2000) * 1000);
    const baseSec = Math.floor(Number(this.baseUs / 1000n) / 1000) * 1000;
    const slot = Math.max(0, Math.floor((now.getTime() - baseSec) / half));
    if (changed || this.built!.slot !== slot) {
      const t = new Date(baseSec + slot * half);
      const doc = this.build(t, new Date(t.getTime() + this.periodMs), this.baseUs + BigInt(slot) * BigInt(half) * 1000n);
      // crl-stale serves the CRL from before the latest index change: a re-issue of the same
      // entries for time alone does not move it.
      if (changed) this.before = this.built?.doc ?? this.before;
      this.built = { generation, slot, doc };
    }
    return this.built!.doc;
  }

  faulty(kind: CrlFault, now: Date): CrlDoc | undefined {
    const cur = this.current(now);
    const cached = this.faults.get(kind);
    if (cached?.from === cur) return cached.doc;
    let doc: CrlDoc | undefined;
    const t = cur.thisUpdate.getTime();
    switch (kind) {
      case 'crl-stale':
        return this.before ?? cur;
      case 'crl-garbage':
        return garbageDoc;
      case 'crl-bad-signature':
        doc = { ...cur, der: spoilSignature(cur.der), etag: `"bad-${cur.etag.slice(1)}` };
        break;
      case 'crl-expired':
        doc = this.build(new Date(t - 2 * this.periodMs), new Date(t - 3_600_000));
        break;
      case 'crl-future':
        doc = this.build(new Date(t + 86_400_000), new Date(t + 86_400_000 + this.periodMs));
        break;
      case 'crl-wrong-issuer':
        doc = this.wrongIssuer(cur);
        break;
      default:
        return undefined;
    }
    this.faults.set(kind, { from: cur, doc });
    return doc;
  }

  /** The same entries, issued and signed by a CA that is not this one. */
  private wrongIssuer(cur: CrlDoc): CrlDoc {
    if (!this.otherIssuer) {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      this.otherIssuer = { cert: { subjectDer: encodeName(commonName('ocsplab wrong CRL issuer')), extensions: new Map() }, key: privateKey };
    }
    const der = buildCrl(
      { issuerDer: this.otherIssuer.cert.subjectDer, thisUpdate: cur.thisUpdate, nextUpdate: cur.nextUpdate, number: cur.number, entries: crlEntriesOf(this.store.current().db) },
      signatureScheme(this.otherIssuer.key, 'sha256'),
    );
    return crlDoc(der);
  }
}

/** A CRL file served as it is, re-read when it changes; refused at start when it is not a CRL, or
 *  not one of this CA (another issuer's name, or a signature the CA certificate does not verify).
 *  A replacement that is missing, broken or another CA's keeps the last good CRL, and says so once
 *  per version of the file, with the reason. */
export class FileCrl implements CrlOrigin {
  readonly describe: string;
  private doc: CrlDoc;
  private version: string;
  /** The version last refused, so a broken file is reported once, not on every fetch. */
  private refused?: string;
  private readonly issuers: readonly CertInfo[];
  private readonly warn: (line: string) => void;

  constructor(
    private readonly path: string,
    o: { issuers?: readonly CertInfo[]; warn?: (line: string) => void } = {},
  ) {
    this.describe = `file ${path}`;
    this.issuers = o.issuers ?? [];
    this.warn = o.warn ?? ((m) => process.stderr.write(`ocsp: warning: ${m}\n`));
    this.version = FileCrl.versionOf(path);
    this.doc = this.read();
    if (this.doc.nextUpdate && this.doc.nextUpdate.getTime() < Date.now()) {
      this.warn(`CRL file ${path}: its nextUpdate ${this.doc.nextUpdate.toISOString()} has passed; served as it is, clients will call it expired`);
    }
  }

  private static versionOf(path: string): string {
    const st = statSync(path, { throwIfNoEntry: false });
    return st ? `${st.ino}:${st.size}:${st.mtimeMs}` : 'missing';
  }

  private read(): CrlDoc {
    const path = this.path;
    let data: Buffer;
    try {
      data = readFileSync(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new CrlError(`CRL file ${path}: ${code === 'ENOENT' ? 'no such file (ENOENT)' : `cannot read it (${code ?? (e as Error).message})`}`);
    }
    let parsed;
    try {
      parsed = parseCrl(data);
    } catch (e) {
      throw new CrlError(`CRL file ${path}: ${(e as Error).message}`);
    }
    if (this.issuers.length) {
      const verdicts = this.issuers.map((i) => checkCrl(parsed, i, parsed.thisUpdate));
      if (!verdicts.includes('ok')) {
        throw new CrlError(
          verdicts.includes('bad-signature')
            ? `CRL file ${path}: its signature does not verify with the CA certificate's key (a CRL of another key, or damaged)`
            : `CRL file ${path}: issued by another CA than this one (the CRL's issuer is not the CA certificate's subject)`,
        );
      }
    }
    return crlDoc(parsed.der);
  }

  current(): CrlDoc {
    const v = FileCrl.versionOf(this.path);
    if (v !== this.version && v !== this.refused) {
      try {
        this.doc = this.read();
        this.version = v;
        this.refused = undefined;
      } catch (e) {
        // A broken replacement keeps the last good CRL, as a broken index keeps the last good index.
        this.refused = v;
        const n = this.doc.number !== undefined ? `number ${this.doc.number.toString(16).toUpperCase()}, ` : '';
        this.warn(`${(e as Error).message}; still serving the last good CRL (${n}thisUpdate ${this.doc.thisUpdate.toISOString()})`);
      }
    }
    return this.doc;
  }

  faulty(kind: CrlFault): CrlDoc | undefined {
    const cur = this.current();
    if (kind === 'crl-garbage') return garbageDoc;
    if (kind === 'crl-bad-signature') return { ...cur, der: spoilSignature(cur.der), etag: `"bad-${cur.etag.slice(1)}` };
    // A file cannot be re-signed with other times or another issuer: served as it is.
    return undefined;
  }
}
