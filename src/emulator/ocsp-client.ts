// The emulator's OCSP client: one POST to one responder, under one deadline, and the answer turned
// into what an MQ side observed (good, revoked, or undetermined with AMQ9716's cause letter).
//
// Which failures give which AMQ9716 cause is our reading; MQ's log does not print the letter:
//   a  no usable answer: refused, timed out, HTTP error, not DER, or an error status such as
//      tryLater (GSKit treats every non-successful OCSPResponse as "no response")
//   b  an answer that does not give this certificate's status: unknown, unauthorized, or a
//      SingleResponse for another serial (the responder "does not know the status")
//   c  an answer that cannot be believed: signature, signer not authorised by the CA, wrong
//      nonce, thisUpdate in the future or nextUpdate past. AMQ9716 names only the signature,
//      but GSKit rejects these answers in the same validation step, so c is the closest cause.

import type { CertInfo } from '../ocsp/cert.js';
import { buildOcspRequest, verifyOcspResponse, type VerifyClass } from '../ocsp/verify.js';
import { fetchOnce, type Fetched } from './http-fetch.js';

export type OcspOutcome = 'good' | 'revoked' | 'undetermined-a' | 'undetermined-b' | 'undetermined-c';

export interface OcspCheck {
  url: string;
  outcome: OcspOutcome;
  detail: string;
  ms: number;
}

const CLASS_OUTCOME: Record<VerifyClass, OcspOutcome> = {
  good: 'good',
  revoked: 'revoked',
  unknown: 'undetermined-b',
  unavailable: 'undetermined-a',
  untrusted: 'undetermined-c',
};

/** Bodies larger than this are not OCSP responses; stop reading (and call it unavailable). */
const MAX_BODY = 1 << 20;

/** POSTs the request; one timer covers connect and answer, as MQ's OCSP timeout does. */
function post(url: string, body: Buffer, timeoutMs: number): Promise<Fetched> {
  return fetchOnce(url, { method: 'POST', body, headers: { 'content-type': 'application/ocsp-request', 'content-length': body.length }, timeoutMs, maxBody: MAX_BODY, what: 'response' });
}

/** Asks `url` about `cert` (issued by `issuer`) and verifies the answer at the time it arrives. */
export async function checkOcsp(url: string, cert: CertInfo, issuer: CertInfo, timeoutMs: number): Promise<OcspCheck> {
  const start = Date.now();
  const req = buildOcspRequest(cert, issuer);
  const got = await post(url, req.der, timeoutMs);
  const ms = Date.now() - start;
  if (!got.ok) return { url, outcome: 'undetermined-a', detail: got.detail, ms };
  const v = verifyOcspResponse(got.body, { cert, issuer, nonce: req.nonce, now: new Date() });
  return { url, outcome: CLASS_OUTCOME[v.class], detail: v.detail, ms };
}
