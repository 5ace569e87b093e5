// GnuTLS's ocsptool, two ways: `--ask` (builds the request, POSTs it, verifies and checks the
// nonce itself) and `--verify-response` on a response we fetch (GET or POST) for a request that
// ocsptool generated. Facts of ocsptool 3.7 that shape the cells: it builds SHA-1 CertIDs only,
// --ask always POSTs, --generate-request ignores --nonce, and neither mode checks
// thisUpdate/nextUpdate; it does not print revocation reasons.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../helpers/openssl.js';
import { needs, oneLine, verdictLines, type Client, type Observed } from '../client.js';
import type { Case } from '../matrix.js';

const INSTALL = 'ocsptool not installed: apt-get install gnutls-bin';
const NO_TIMES = 'ocsptool 3.7 does not check thisUpdate/nextUpdate: it accepts a stale response';

/** Reads ocsptool's printout: "Verifying OCSP Response: Success." and "Certificate Status: good". */
function judge(out: string, code: number): Observed {
  const detail = verdictLines(out, /Verifying OCSP Response|Certificate Status|nonce|error|fail/i);
  const verify = /Verifying OCSP Response: (Success|Failure)/.exec(out)?.[1];
  if (/nonce in the response doesn't match/i.test(out) || verify === 'Failure') return { outcome: 'rejected', detail };
  const status = /Certificate Status: (good|revoked|unknown)/.exec(out)?.[1] as Observed['outcome'] | undefined;
  if (verify === 'Success' && status && code === 0) return { outcome: status, detail };
  return { outcome: 'error', detail };
}

/** What both ways of running ocsptool share. */
const OCSPTOOL = {
  reportsReason: false,
  unavailable: () => needs('ocsptool', ['--version'], INSTALL),
  gap: (c: Case) => (c.fault === 'stale' ? { expected: { outcome: 'good' as const }, note: NO_TIMES } : undefined),
};
const SHA1_ONLY = 'ocsptool builds SHA-1 CertIDs only';

export const gnutlsAsk: Client = {
  ...OCSPTOOL,
  name: 'gnutls --ask',
  notApplicable: (c) => (c.certIdHash !== 'sha1' ? SHA1_ONLY : c.method === 'GET' ? 'ocsptool --ask only sends POST' : undefined),
  async check(c, t) {
    // --load-trust, not the default "signer = issuer": a delegated responder's certificate is
    // then checked against the CA as a relying party would.
    const r = await run('ocsptool', [`--ask=${t.url}`, '--load-cert', t.leaf, '--load-issuer', t.cacert, '--load-trust', t.cacert, c.nonce ? '--nonce' : '--no-nonce']);
    return judge(r.stdout + r.stderr, r.code);
  },
};

export const gnutlsVerify: Client = {
  ...OCSPTOOL,
  name: 'gnutls --verify',
  notApplicable: (c) => (c.certIdHash !== 'sha1' ? SHA1_ONLY : c.nonce ? 'ocsptool --generate-request adds no nonce, and --verify-response checks none' : undefined),
  async check(c, t) {
    const req = join(t.dir, 'req.der');
    const resp = join(t.dir, 'resp.der');
    const q = await run('ocsptool', ['--generate-request', '--load-cert', t.leaf, '--load-issuer', t.cacert, '--outfile', req]);
    if (q.code !== 0) return { outcome: 'error', detail: oneLine(`generate-request: ${q.stderr}`) };
    const der = readFileSync(req);
    // RFC 6960 appendix A.1: GET carries the URL-encoded base64 request as the last path segment.
    const res =
      c.method === 'GET'
        ? await fetch(`${t.url}/${encodeURIComponent(der.toString('base64'))}`)
        : await fetch(t.url, { method: 'POST', body: der, headers: { 'content-type': 'application/ocsp-request' } });
    if (res.status !== 200) return { outcome: 'error', detail: `HTTP ${res.status}` };
    writeFileSync(resp, Buffer.from(await res.arrayBuffer()));
    const v = await run('ocsptool', ['--verify-response', '--load-trust', t.cacert, '--load-response', resp]);
    return judge(v.stdout + v.stderr, v.code);
  },
};
