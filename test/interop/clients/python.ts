// pyca/cryptography (test/interop/ocsp_check.py): request built by OCSPRequestBuilder, response
// parsed by cryptography and checked field by field, signature verified against the CA or the
// delegated signer. Runs Debian's /usr/bin/python3 (python3-cryptography), not whatever python3
// is first on PATH; OCSPLAB_PYTHON overrides.

import { fileURLToPath } from 'node:url';
import { run } from '../../helpers/openssl.js';
import { needs, oneLine, type Client, type Observed } from '../client.js';

const SCRIPT = fileURLToPath(new URL('../../../../test/interop/ocsp_check.py', import.meta.url));
const PYTHON = process.env.OCSPLAB_PYTHON ?? '/usr/bin/python3';

const OUTCOMES = new Set(['good', 'revoked', 'unknown', 'rejected', 'error']);

export function parsePython(stdout: string, stderr: string): Observed {
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    const j = JSON.parse(line) as { outcome?: string; reason?: string | null; error?: string };
    if (!j.outcome || !OUTCOMES.has(j.outcome)) throw new Error('no outcome');
    return { outcome: j.outcome as Observed['outcome'], reason: j.reason ?? undefined, detail: oneLine(line) };
  } catch {
    return { outcome: 'error', detail: oneLine(`${stdout} ${stderr}`) };
  }
}

export const python: Client = {
  name: 'python cryptography',
  reportsReason: true,
  unavailable: () => needs(PYTHON, ['-c', 'import cryptography.x509.ocsp'], `python3-cryptography not installed for ${PYTHON}: apt-get install python3-cryptography`),
  notApplicable: () => undefined,
  async check(c, t) {
    const args = [SCRIPT, '--cert', t.leaf, '--issuer', t.cacert, '--url', t.url, '--hash', c.certIdHash, '--method', c.method ?? 'POST', ...(c.nonce ? ['--nonce'] : [])];
    const r = await run(PYTHON, args);
    return parsePython(r.stdout, r.stderr);
  },
};
