// Column 4: `openssl ocsp`, the reference client (also covered broadly by test/responder-*.test.ts).
// openssl 3.0's ocsp command only POSTs; for GET it writes the request (-reqout), we GET it, and
// openssl verifies the response against that request (-reqin -respin, which checks the nonce).

import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { opensslQuery, run } from '../../helpers/openssl.js';
import { needs, oneLine, verdictLines, type Client, type Observed } from '../client.js';

const VERDICT = /verify|: (good|revoked|unknown)|Cert Status|Reason|error|warning|times/i;

/** Verification problems openssl reports as warnings or errors while still printing a status. */
const REJECTS = /Responder Error|Response Verify Failure|Status times invalid|Nonce Verify error|no nonce in response/i;

export const openssl: Client = {
  name: 'openssl',
  reportsReason: true,
  unavailable: () => needs('openssl', ['version'], 'openssl not installed: apt-get install openssl'),
  notApplicable: () => undefined,
  async check(c, t) {
    // The digest flag must come before -cert.
    const args = [...(c.nonce ? [] : ['-no_nonce']), ...(c.certIdHash === 'sha256' ? ['-sha256'] : [])];
    if (c.method === 'GET') return viaGet(args, t);
    const q = await opensslQuery({ issuer: t.cacert, target: t.leaf, url: t.url, cafile: t.cacert, args });
    const out = q.stdout + q.stderr;
    const detail = verdictLines(out, VERDICT);
    if (REJECTS.test(out)) return { outcome: 'rejected', detail };
    if (q.verified && q.status) return { outcome: q.status as Observed['outcome'], reason: q.reason, detail };
    return { outcome: 'error', detail };
  },
};

async function viaGet(args: string[], t: { leaf: string; cacert: string; url: string; dir: string }): Promise<Observed> {
  const req = join(t.dir, 'req.der');
  const resp = join(t.dir, 'resp.der');
  const w = await run('openssl', ['ocsp', '-issuer', t.cacert, ...args, '-cert', t.leaf, '-reqout', req]);
  if (w.code !== 0) return { outcome: 'error', detail: oneLine(`-reqout: ${w.stderr}`) };
  const res = await fetch(`${t.url}/${encodeURIComponent(readFileSync(req).toString('base64'))}`);
  if (res.status !== 200) return { outcome: 'error', detail: `HTTP ${res.status}` };
  writeFileSync(resp, Buffer.from(await res.arrayBuffer()));
  const v = await run('openssl', ['ocsp', '-reqin', req, '-respin', resp, '-CAfile', t.cacert, '-resp_text']);
  const out = v.stdout + v.stderr;
  const detail = verdictLines(out, VERDICT);
  if (REJECTS.test(out)) return { outcome: 'rejected', detail };
  const status = /Cert Status: (good|revoked|unknown)/.exec(out)?.[1] as Observed['outcome'] | undefined;
  if (!/Response verify OK/.test(out) || !status) return { outcome: 'error', detail };
  return { outcome: status, reason: /Revocation Reason: (\w+)/.exec(out)?.[1], detail };
}
