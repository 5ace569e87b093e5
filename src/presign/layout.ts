// Where a pre-signed answer lives, so that a static web server maps the GET path a client sends
// straight to the file (RFC 5019 section 5: the responder URL, '/', then the DER request in base64,
// URL-encoded).
//
// The request is the one RFC 5019 clients send: one SHA-1 CertID, no nonce, no extensions, no
// signature; byte for byte what `openssl ocsp -no_nonce -issuer CA -serial N -reqout` writes (the
// tests hold it to that). Its base64 is the standard alphabet, so it holds '+', '/' and '='.
// Clients send those percent-encoded (%2B, %2F, %3D) or, some of them, as they are; a static server
// (nginx, Apache, S3) decodes %XX before it maps the path to a file, so both spellings reach the
// same file if the file is named by the decoded base64 itself, '/' included. A '/' is then a
// directory separator: `get/MFAw.../ab+c==` is the file `ab+c==` in the directory `get/MFAw...`.
// One case needs a name of its own: base64 ending in '/' (a request whose length is a multiple of
// 3 and whose last byte ends in six 1 bits). A path ending in '/' asks a static server for a
// directory's index file, so that answer is written as `.../index.html` in it (nginx's and
// Apache's default index name; the content type is set for the whole tree anyway).
//
// responder/ocsp-routes.ts decodeGetPath reads the same paths (raw or percent-encoded, '+' as a
// base64 digit, never a space; '-' and '_' of the URL-safe alphabet as well, which no file here
// answers: RFC 5019 clients use the standard alphabet).

import { octetString, seq, unsignedInteger } from '../ocsp/der.js';
import { hashAlgorithmId } from '../ocsp/signer.js';

/** The DER OCSPRequest for one certificate: SHA-1 CertID (hash algorithm with NULL parameters). */
export function sha1Request(issuerNameHash: Buffer, issuerKeyHash: Buffer, serialHex: string): Buffer {
  const hex = serialHex.length % 2 ? `0${serialHex}` : serialHex;
  const certId = seq(hashAlgorithmId('sha1'), octetString(issuerNameHash), octetString(issuerKeyHash), unsignedInteger(Buffer.from(hex, 'hex')));
  // OCSPRequest { TBSRequest { requestList { Request { reqCert } } } }
  return seq(seq(seq(seq(certId))));
}

/** The file, relative to the served directory, that answers a GET for this request. */
export function getFileOf(request: Buffer): string {
  const b64 = request.toString('base64');
  return b64.endsWith('/') ? `${b64}index.html` : b64;
}

/** The path a client appends to the responder URL (after its '/'), percent-encoded as RFC 5019 says. */
export function getUrlOf(request: Buffer): string {
  return encodeURIComponent(request.toString('base64'));
}

/** A CA name made safe as one directory name. */
export function dirNameOf(name: string): string {
  const s = name.replace(/[^\w.-]+/g, '_').replace(/^\.+/, '_');
  return s === '' ? '_' : s;
}
