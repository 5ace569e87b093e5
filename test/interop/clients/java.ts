// The JDK's PKIX revocation checker, OCSP only (test/interop/OcspCheck.java): the path IBM MQ's
// Java/JMS clients take. The JDK always builds SHA-1 CertIDs and picks the HTTP method itself:
// GET when responder URL + "/" + URL-encoded base64 request is at most 255 characters, else POST
// (sun.security.provider.certpath.OCSP). A POST cell therefore pads the responder URL's path past
// that limit, which our responder ignores. Nonces are sent and checked only with
// -Djdk.security.certpath.ocspNonce=true (JDK 17+).

import { fileURLToPath } from 'node:url';
import { run } from '../../helpers/openssl.js';
import { needs, oneLine, type Client, type Observed } from '../client.js';

// The .java file stays in the source tree; dist/test/interop/clients → test/interop.
const SOURCE = fileURLToPath(new URL('../../../../test/interop/OcspCheck.java', import.meta.url));
const GET_LIMIT = 255;

let classes: string | undefined;

/** "RESULT OK" | "RESULT REVOKED reason=X …" | "RESULT UNDETERMINED …" | "RESULT FAILED …". */
export function parseJava(stdout: string, stderr: string): Observed {
  const m = /^RESULT (\w+) ?(.*)$/m.exec(stdout);
  const detail = oneLine(m ? `${m[1]} ${m[2]}` : `${stdout} ${stderr}`);
  switch (m?.[1]) {
    case 'OK':
      return { outcome: 'good', detail };
    case 'REVOKED':
      return { outcome: 'revoked', reason: /reason=(\w+)/.exec(m[2])?.[1], detail };
    case 'UNDETERMINED':
      // The JDK's word for an "unknown" answer; the same reason also covers "no response at all".
      return { outcome: /revocation status is unknown/i.test(m[2]) ? 'unknown' : 'error', detail };
    case 'FAILED':
      return { outcome: 'rejected', detail };
    default:
      return { outcome: 'error', detail };
  }
}

export const java: Client = {
  name: 'java PKIX',
  reportsReason: true,
  async unavailable() {
    return (
      (await needs('javac', ['-version'], 'javac not installed: apt-get install default-jdk-headless')) ??
      (await needs('java', ['-version'], 'java not installed: apt-get install default-jdk-headless'))
    );
  },
  async prepare(dir) {
    const r = await run('javac', ['-d', dir, SOURCE], { timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`javac ${SOURCE} failed: ${r.stderr}`);
    classes = dir;
  },
  notApplicable(c) {
    if (c.certIdHash !== 'sha1') return 'the JDK builds SHA-1 CertIDs only';
    return undefined;
  },
  async check(c, t) {
    if (!classes) throw new Error('java client used before prepare()');
    let url = t.url;
    if (c.method === 'POST') url = `${url}/${'p'.repeat(GET_LIMIT)}`;
    const props = c.nonce ? ['-Djdk.security.certpath.ocspNonce=true'] : [];
    // Small heap and no JIT tiers beyond C1: a one-shot check starts faster.
    const r = await run('java', ['-Xshare:auto', '-XX:TieredStopAtLevel=1', '-Xmx64m', ...props, '-cp', classes, 'OcspCheck', t.leaf, t.cacert, url], { timeoutMs: 60_000 });
    return parseJava(r.stdout, r.stderr);
  },
};
