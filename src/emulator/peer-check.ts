// How either side judges the certificate its partner sent: signer chain against its own trust
// list, then OCSP for the leaf at the URL its configuration names (else the certificate's AIA when
// OCSPCheckExtensions is on). The same steps for both sides; MQ runs them in GSKit or OpenSSL.

import { X509Certificate } from 'node:crypto';
import { parseCertificate, readCertificates, type CertInfo } from '../ocsp/cert.js';
import { aiaOcspUrls, certSignedBy } from '../ocsp/verify.js';
import { checkOcsp, type OcspCheck } from './ocsp-client.js';
import type { CertObservation } from '../mq/outcomes.js';
import type { PeerCertificate } from '../mq/inserts.js';

export interface CheckSettings {
  trust: CertInfo[];
  /** AUTHINFO OCSPURL (QM) or MQAIR OCSPResponderURL (client). */
  ocspUrl?: string;
  ocspCheckExtensions: boolean;
  ocspTimeoutMs: number;
}

export interface Judgement {
  observed: CertObservation;
  detail: string;
  peer?: PeerCertificate;
  ocsp?: OcspCheck;
}

export function loadTrust(files: string[], readFile: (f: string) => Buffer): CertInfo[] {
  return files.flatMap((f) => readCertificates(readFile(f)));
}

/** Subject, issuer and serial the way GSKit prints them: RDNs most specific first (CN=..,O=..). */
export function describePeer(cert: CertInfo): PeerCertificate {
  const x = new X509Certificate(cert.der);
  const dn = (s: string) => s.split('\n').reverse().join(',');
  const serial = cert.serial.length % 2 ? `0${cert.serial}` : cert.serial;
  return { subject: dn(x.subject), issuer: dn(x.issuer), serial };
}

/** The CA among `trust` (directly, or through one intermediate the peer sent) that issued `leaf`. */
function findIssuer(leaf: CertInfo, sent: CertInfo[], trust: CertInfo[]): CertInfo | undefined {
  const signs = (ca: CertInfo, c: CertInfo) => c.issuerDer.equals(ca.subjectDer) && certSignedBy(c, ca);
  const direct = trust.find((ca) => signs(ca, leaf));
  if (direct) return direct;
  return sent.find((mid) => signs(mid, leaf) && trust.some((ca) => signs(ca, mid)));
}

/** Judges the peer's chain (leaf first, DER); none sent is 'no-cert'. */
export async function judgePeer(chain: Buffer[], s: CheckSettings, now = new Date()): Promise<Judgement> {
  if (chain.length === 0) return { observed: 'no-cert', detail: 'the partner sent no certificate' };
  const [leaf, ...rest] = chain.map((d) => parseCertificate(d));
  const peer = describePeer(leaf);
  const issuer = findIssuer(leaf, rest, s.trust);
  if (!issuer) return { observed: 'untrusted-issuer', detail: `no trusted CA issued ${peer.subject}`, peer };
  // An expired certificate has no observation of its own in the outcome table; GSKit reports it
  // as a validation failure of the chain, which is what untrusted-issuer stands for here.
  if (now < leaf.notBefore || now > leaf.notAfter) return { observed: 'untrusted-issuer', detail: `${peer.subject} is outside its validity period`, peer };
  const url = s.ocspUrl ?? (s.ocspCheckExtensions ? aiaOcspUrls(leaf)[0] : undefined);
  if (!url) return { observed: 'good', detail: 'chain trusted; no OCSP URL configured, revocation not checked', peer };
  const ocsp = await checkOcsp(url, leaf, issuer, s.ocspTimeoutMs);
  return { observed: ocsp.outcome, detail: ocsp.detail, peer, ocsp };
}
