// ldap-publish: keeps each CA's CRL in the lab's LDAP server current. Every PUBLISH_INTERVAL
// seconds (default 5) it fetches each URL of CRL_URLS (the responders' /crl/<ca>.crl, the CRL
// Distribution Points of the lab's certificates), reads what LDAP holds at the entry named by the
// CRL's issuer (certificateRevocationList;binary, where IBM MQ's CRLLDAP AUTHINFO looks) and,
// when the bytes differ, replaces it (creating the entry and the ones above it). Comparing with
// LDAP rather than with the last CRL sent also repairs a recreated, empty ldap container.
// One log line per publish; what fails is logged once until it changes. The bind password is read
// from LDAP_PASSWORD_FILE (lab-init writes it), never from argv or the environment, never printed.
//
//   node ldap-publish.mjs            the loop (compose service ldap-publish)
//   node ldap-publish.mjs --health   0 when the loop ran lately and every CRL reached LDAP once
//
// OCSPLAB_APP: where dist/ is (the image: /app; on a host: the checkout).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const env = process.env;
const intervalMs = Math.max(0.2, Number(env.PUBLISH_INTERVAL ?? 5)) * 1000;
const statusFile = env.LDAP_PUBLISH_STATUS ?? '/tmp/ocsplab-ldap-publish.json';

if (process.argv.includes('--health')) {
  try {
    const s = JSON.parse(readFileSync(statusFile, 'utf8'));
    const fresh = Date.now() - Date.parse(s.at) < Math.max(30_000, 3 * intervalMs);
    process.exit(fresh && s.total > 0 && s.synced === s.total ? 0 : 1);
  } catch {
    process.exit(1);
  }
}

const app = env.OCSPLAB_APP ?? '/app';
const dist = (f) => import(pathToFileURL(join(app, 'dist/src', f)).href);
const [{ LdapCrlPublisher }, { parseCrl }, { ldapDn }, { LDAP_MODE_HEADER }] = await Promise.all([dist('ldap/crl-publisher.js'), dist('crl/decode.js'), dist('ldap/dn.js'), dist('responder/modes.js')]);

const lab = env.LAB ?? '/lab';
const ldapUrl = env.LDAP_URL ?? 'ldap://ldap:389';
const suffix = env.LDAP_SUFFIX ?? 'o=ocsplab lab';
const bindDn = env.LDAP_BIND_DN ?? `cn=admin,${suffix}`;
const passwordFile = env.LDAP_PASSWORD_FILE ?? join(lab, 'ldap-password');
const urls = (env.CRL_URLS ?? 'http://ocsp-qm-ca:2560/crl/qm-ca.crl http://ocsp-client-ca:2561/crl/client-ca.crl').split(/\s+/).filter(Boolean);
const timeoutMs = 5000;

const log = (line) => console.log(`ldap-publish: ${line}`);
/** Read at every (re)connect, so a new password from lab-init is picked up without a restart. */
const password = () => {
  const p = readFileSync(passwordFile, 'utf8').replace(/\r?\n$/, '');
  if (!p) throw new Error(`${passwordFile} is empty`);
  return p;
};

let publisher;
const state = new Map(urls.map((u) => [u, { synced: false, error: undefined, ldapMode: null }]));
let stopping = false;
let timer;

const dropPublisher = async () => {
  const p = publisher;
  publisher = undefined;
  await p?.close().catch(() => undefined);
};

async function syncOne(url) {
  const st = state.get(url);
  let stage = 'fetch';
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    const crl = parseCrl(Buffer.from(await res.arrayBuffer()));
    // The CA's LDAP fault mode (ocsplab ctl mode CA ldap-no-entry), which the responder names
    // in a header since only this publisher can act on the entry.
    const ldapMode = res.headers.get(LDAP_MODE_HEADER);
    stage = 'ldap';
    publisher ??= await LdapCrlPublisher.connect({ url: ldapUrl, bindDn, password: password(), timeoutMs });
    const held = await publisher.read(crl.issuerDer);
    const dn = ldapDn(crl.issuerDer);
    const what = `CRL number ${crl.number ?? 'none'}, ${crl.entries.size} revoked, thisUpdate ${crl.thisUpdate.toISOString()}`;
    if (ldapMode !== st.ldapMode && ldapMode === 'ldap-down') log(`${url}: ldap-down is the embedded lab's; here stop the server itself: docker compose stop ldap (start ldap to undo)`);
    st.ldapMode = ldapMode;
    if (ldapMode === 'ldap-no-entry') {
      if (held) {
        await publisher.removeCrl(crl.issuerDer);
        log(`removed the CRL at ${dn}: ${url} is in ldap-no-entry (the entry stays, without a CRL)`);
      }
    } else if (held?.equals(crl.der)) {
      if (!st.synced) log(`${dn}: LDAP already holds the CRL of ${url} (${what})`);
    } else {
      await publisher.publish(crl.issuerDer, crl.der);
      log(`published ${url} at ${dn}: ${what}`);
    }
    if (st.error) log(`${url}: ok again`);
    st.synced = true;
    st.error = undefined;
  } catch (e) {
    if (stage === 'ldap') await dropPublisher();
    const msg = `${stage === 'fetch' ? `fetching ${url}` : `LDAP ${ldapUrl} for ${url}`}: ${e?.message ?? e}${e?.cause?.code ? ` (${e.cause.code})` : ''}`;
    if (msg !== st.error) console.error(`ldap-publish: ${msg}; LDAP keeps what it holds, retrying every ${intervalMs / 1000} s`);
    st.error = msg;
  }
}

async function cycle() {
  for (const url of urls) {
    if (stopping) return;
    await syncOne(url);
  }
  const synced = [...state.values()].filter((s) => s.synced).length;
  const status = { at: new Date().toISOString(), total: urls.length, synced, errors: [...state.values()].filter((s) => s.error).length };
  writeFileSync(`${statusFile}.tmp`, JSON.stringify(status));
  renameSync(`${statusFile}.tmp`, statusFile);
  if (!stopping) timer = setTimeout(cycle, intervalMs);
}

// PID 1 in a container gets no default signal handling: end on TERM/INT ourselves.
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.once(sig, async () => {
    stopping = true;
    clearTimeout(timer);
    await dropPublisher();
    process.exit(0);
  });
}

log(`every ${intervalMs / 1000} s: ${urls.join(', ')} -> ${ldapUrl} as ${bindDn}`);
await cycle();
