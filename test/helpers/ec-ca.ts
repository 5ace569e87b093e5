// A throw-away EC CA made by our CA tool with one leaf, and a one-line OCSP question to a
// responder about it: the fixture the hardening tests share.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initCa, issue } from '../../src/ca/index.js';
import { readCertificates, type CertInfo } from '../../src/ocsp/cert.js';
import { buildOcspRequest, decodeOcspResponse } from '../../src/ocsp/verify.js';

/** A CA in `base/ca` and one leaf, with both certificates parsed for building requests. */
export async function ecCaWithLeaf(base: string, cn: string, leafCn = 'leaf') {
  const ca = await initCa({ dir: join(base, 'ca'), cn, key: 'ec-p256' });
  const leaf = await issue({ dir: ca.dir, cn: leafCn, key: 'ec-p256' });
  return { ca, leaf, issuer: readCertificates(readFileSync(ca.cacert))[0], cert: readCertificates(readFileSync(leaf.certPath))[0] };
}

/** POSTs a request about `cert` and returns the status of the first SingleResponse. */
export async function askStatus(url: string, cert: CertInfo, issuer: CertInfo): Promise<string | undefined> {
  const res = await fetch(`${url}/`, { method: 'POST', body: new Uint8Array(buildOcspRequest(cert, issuer).der) });
  return decodeOcspResponse(Buffer.from(await res.arrayBuffer())).basic?.singles[0].status;
}
