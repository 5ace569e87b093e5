// `ocsplab ca lab`: everything a revocation drill needs, in one directory described by lab.json.
//
// As in seed 003 each side has its own CA and responder: the queue manager's certificate comes
// from qm-ca (checked by the client through qm-ca's responder), the client's from client-ca
// (checked by the queue manager through client-ca's responder).

import { createPrivateKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeNewFile } from '../index/atomic.js';
import { readCertificates } from '../ocsp/cert.js';
import { randomBytes } from 'node:crypto';
import { loadPrivateKey } from '../crypto/keys.js';
import { toPem } from '../ocsp/cert.js';
import { CaError, caPaths, isCa, openCa, serialText } from './dir.js';
import { initCa } from './init.js';
import { issue, issueForKey, responderCert } from './issue.js';
import { encodeExtensions, keyIdentifier, roleKeyUsage } from './extensions.js';
import { signCertificate } from './x509.js';
import { parseSubject } from './name.js';
import type { KeyType } from './keys.js';
import { indexSubject } from './name.js';
import { buildPkcs12 } from './pkcs12.js';
import { DEFAULT_MQ_NAMES, checkOcspAuthentication, mqclientIni, qmIni, qmMqsc, type OcspAuthentication } from './mq.js';

/** One CA of the lab and the responder that answers for it. All paths are absolute. */
export interface LabCa {
  /** qm-ca / client-ca in a one-level lab; qm-root, (qm-policy,) qm-issuing in a chain. */
  name: string;
  /** Whose chain it is in. */
  side: 'qm' | 'client';
  /** The CA that issued this CA's certificate (its responder answers for it); none: a root. */
  issuer?: string;
  /** This CA's certificate serial in its issuer's index.txt (revoke it there); none: a root. */
  serial?: string;
  /** A root only (chain labs): the same key and name, self-signed with a validity that has ended. */
  expiredCert?: string;
  /** The client side's issuing CA only (chain labs): the same key and name certified by the QM
   *  side's root too (cross-signed; recorded in that root's index.txt as `crossSerial`). */
  crossCert?: string;
  crossIssuer?: string;
  crossSerial?: string;
  dir: string;
  cacert: string;
  cakey: string;
  index: string;
  opensslCnf: string;
  responder: {
    /** URL in the AIA of the certificates this CA issued (and in the QM's AUTHINFO for client-ca). */
    url: string;
    host: string;
    port: number;
    /** Delegated OCSP signer (id-kp-OCSPSigning + ocsp-nocheck), issued by this CA. */
    signerCert: string;
    signerKey: string;
    signerSerial: string;
  };
  /** CRL Distribution Point of the certificates this CA issued: its responder's /crl/<name>.crl. */
  crl: { url: string };
}

/** An end-entity certificate of the lab, with every copy of it. */
export interface LabCert {
  name: 'qm' | 'client';
  ca: LabCa['name'];
  /** Serial as in index.txt: pass it to revoke/restore. */
  serial: string;
  /** Subject as index.txt writes it. */
  subject: string;
  cert: string;
  /** Unencrypted PKCS#8 PEM, mode 0600. */
  key: string;
  /** Certificate followed by every CA certificate of its chain, issuing CA first, root last. */
  chain: string;
  /** Chain labs, client side: the certificate followed by the cross-signed issuing CA certificate. */
  crossChain?: string;
  /** Key, certificate, its CA and the peer's CA, protected with `LabManifest.p12Password`. */
  p12: string;
  /** Certificate label (PKCS#12 friendlyName, MQ CERTLABL). */
  label: string;
  ocspUrl: string;
  crlUrl: string;
}

/** Files for a real queue manager container and MQ client (see ca/README.md). */
export interface LabMq {
  qmgr: string;
  channel: string;
  authinfo: string;
  namelist: string;
  ocspAuthentication: OcspAuthentication;
  /** Mount this directory at /etc/mqm in the icr.io/ibm-messaging/mq container. */
  etcMqm: string;
  mqsc: string;
  ini: string;
  /** pki/keys/<label> with tls.key, tls.crt, ca.crt. */
  qmKeyDir: string;
  /** pki/trust/<n> folders, each with tls.crt. */
  trustDirs: string[];
  /** Client configuration: set MQCLNTCF to this file. */
  mqclientIni: string;
  /** Key repository named in mqclient.ini (the client's PKCS#12). */
  clientKeyRepository: string;
}

/** 2: certificates carry CRL Distribution Points; 3: `depth` and `chain` (intermediate CAs). An
 *  older lab is regenerated. */
export const LAB_VERSION = 3 as const;

export interface LabManifest {
  version: typeof LAB_VERSION;
  createdAt: string;
  /** Absolute lab directory when written; loadLab rebases paths when the lab has moved. */
  dir: string;
  keyType: KeyType;
  p12Password: string;
  /** The CA that issued each leaf (in a chain: the issuing CA, not the root). */
  cas: { qm: LabCa; client: LabCa };
  /** 1: each side's root issues its leaf; 2 or 3: root → (policy CA →) issuing CA → leaf. */
  depth: number;
  /** Every CA of the lab: the QM side's root first down to its issuing CA, then the client side's. */
  chain: LabCa[];
  certs: { qm: LabCert; client: LabCert };
  mq: LabMq;
}

export interface LabOptions {
  dir: string;
  force?: boolean;
  key?: KeyType;
  /** Scheme and host of both responders (default http://127.0.0.1); ports below. */
  ocspBaseUrl?: string;
  qmOcspPort?: number;
  clientOcspPort?: number;
  /** Full responder URLs, overriding base URL and port. */
  qmOcspUrl?: string;
  clientOcspUrl?: string;
  qmgr?: string;
  p12Password?: string;
  ocspAuthentication?: string;
  /** 1 (default), 2 (root → issuing CA → leaf) or 3 (root → policy CA → issuing CA → leaf). */
  depth?: number;
}

export const LAB_DEFAULTS = { ocspBaseUrl: 'http://127.0.0.1', qmOcspPort: 2560, clientOcspPort: 2561, p12Password: 'ocsplab' } as const;
const GENERATED = ['lab.json', 'qm-ca', 'client-ca', 'qm', 'client', 'mq', 'mqclient', 'ldap', ...['qm', 'client'].flatMap((s) => [`${s}-root`, `${s}-policy`, `${s}-issuing`])];

const SIDE_CN = { qm: 'QM', client: 'client' } as const;

/** The CAs of one side, root first: one level keeps seed 003's names (qm-ca, client-ca). */
export function labLadder(side: 'qm' | 'client', depth: number): Array<{ name: string; cn: string }> {
  const who = SIDE_CN[side];
  if (depth === 1) return [{ name: `${side}-ca`, cn: `ocsplab ${who} CA` }];
  const ladder = [{ name: `${side}-root`, cn: `ocsplab ${who} root CA` }];
  if (depth === 3) ladder.push({ name: `${side}-policy`, cn: `ocsplab ${who} policy CA` });
  ladder.push({ name: `${side}-issuing`, cn: `ocsplab ${who} issuing CA` });
  return ladder;
}

function responderUrl(full: string | undefined, base: string | undefined, port: number): string {
  if (full) return full;
  const b = (base ?? LAB_DEFAULTS.ocspBaseUrl).replace(/\/+$/, '');
  if (/:\d+$/.test(b.replace(/^[a-z]+:\/\//i, ''))) throw new CaError(`--ocsp-base-url ${b} has a port; give scheme and host only, and the ports with --qm-ocsp-port / --client-ocsp-port`);
  return `${b}:${port}`;
}

function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)) };
}

const manifestPath = (dir: string) => `${resolve(dir)}/lab.json`;

/** Reads lab.json; when the directory was moved since, every path is rebased onto where it is now. */
export function loadLab(dir: string): LabManifest {
  const path = manifestPath(dir);
  if (!existsSync(path)) throw new CaError(`${path} not found; create the lab with 'ocsplab ca lab ${dir}'`);
  const text = readFileSync(path, 'utf8');
  const lab = JSON.parse(text) as LabManifest;
  if (lab.version !== LAB_VERSION) throw new CaError(`${path}: lab version ${String(lab.version)}, this ocsplab makes version ${LAB_VERSION}; regenerate it with 'ocsplab ca lab ${dir} --force'`);
  const here = resolve(dir);
  if (lab.dir === here) return lab;
  const moved = JSON.parse(text.split(JSON.stringify(lab.dir).slice(1, -1)).join(JSON.stringify(here).slice(1, -1))) as LabManifest;
  moved.dir = here;
  return moved;
}

/** The CDP URL of a lab CA: served by the same responder as its OCSP, on the same port. */
export function labCrlUrl(ocspUrl: string, name: LabCa['name']): string {
  return `${ocspUrl.replace(/\/+$/, '')}/crl/${name}.crl`;
}

async function ensureCa(dir: string, cn: string, keyType: KeyType, ocspUrl: string, crlUrl: string, issuerDir?: string): Promise<void> {
  if (isCa(dir)) return;
  rmSync(dir, { recursive: true, force: true }); // a CA whose init was cut short: start it again
  await initCa({ dir, subject: `/O=ocsplab lab/CN=${cn}`, key: keyType, ocspUrl, crlUrl, ...(issuerDir ? { issuer: { dir: issuerDir } } : {}) });
}

async function ensureSigner(caDir: string): Promise<void> {
  const out = `${caDir}/ocsp/responder`;
  if (!existsSync(`${out}.pem`)) await responderCert({ dir: caDir, out });
}

async function ensureLeaf(caDir: string, out: string, cn: string, role: 'server' | 'client', ocspUrl: string): Promise<void> {
  if (existsSync(`${out}.pem`) && existsSync(`${out}.key.pem`)) return;
  rmSync(`${out}.pem`, { force: true });
  rmSync(`${out}.key.pem`, { force: true });
  const san = role === 'server' ? ['DNS:localhost', 'IP:127.0.0.1'] : undefined;
  await issue({ dir: caDir, subject: `/O=ocsplab lab/CN=${cn}`, role, ocspUrl, san, out });
}

/** A root's expired twin: same key and name, valid from two years ago until yesterday. */
async function ensureExpiredRoot(rootDir: string): Promise<void> {
  const out = `${rootDir}/cacert-expired.pem`;
  if (existsSync(out)) return;
  const root = certAt(`${rootDir}/cacert.pem`);
  const key = await loadPrivateKey(`${rootDir}/private/cakey.pem`);
  const keyId = keyIdentifier(root.publicKeyBits);
  const now = Date.now();
  const der = signCertificate(
    {
      serial: BigInt(`0x${randomBytes(16).toString('hex')}`) >> 1n,
      issuer: root.subjectDer,
      subject: root.subjectDer,
      notBefore: new Date(now - 730 * 86_400_000),
      notAfter: new Date(now - 86_400_000),
      spki: root.spkiDer,
      extensions: encodeExtensions({ ca: true, keyUsage: roleKeyUsage('ca', key), subjectKeyId: keyId, authorityKeyId: keyId }),
    },
    key,
  );
  writeNewFile(out, toPem(der));
}

/** The issuing CA's key and name certified by another root as well (a cross-signed intermediate). */
async function ensureCross(caDir: string, otherRootDir: string): Promise<void> {
  const out = `${caDir}/cacert-cross`;
  if (existsSync(`${out}.pem`)) return;
  const ca = certAt(`${caDir}/cacert.pem`);
  const key = await loadPrivateKey(`${caDir}/private/cakey.pem`);
  const subject = indexSubject(ca.subjectDer);
  await issueForKey(await openCa(otherRootDir), key, { dir: otherRootDir, role: 'ca', name: parseSubject(subject), days: 3650, out });
}

function certAt(path: string) {
  return readCertificates(readFileSync(path))[0];
}

function writeIfMissing(path: string, content: string | Buffer, mode?: number): void {
  if (!existsSync(path)) writeNewFile(path, content, mode);
}

function labCa(name: string, side: LabCa['side'], dir: string, url: string, issuer?: string): LabCa {
  const p = caPaths(dir);
  const signer = certAt(`${p.dir}/ocsp/responder.pem`);
  return {
    name,
    side,
    ...(issuer ? { issuer, serial: serialText(BigInt(`0x${certAt(p.cacert).serial}`)) } : {}),
    dir: p.dir,
    cacert: p.cacert,
    cakey: p.cakey,
    index: p.index,
    opensslCnf: p.cnf,
    crl: { url: labCrlUrl(url, name) },
    responder: {
      url,
      ...hostPort(url),
      signerCert: `${p.dir}/ocsp/responder.pem`,
      signerKey: `${p.dir}/ocsp/responder.key.pem`,
      signerSerial: serialText(BigInt(`0x${signer.serial}`)),
    },
  };
}

/** `own` and `peer`: the CAs of each side's chain, issuing CA first, root last. */
async function labCert(name: LabCert['name'], own: LabCa[], peer: LabCa[], out: string, label: string, password: string): Promise<LabCert> {
  const ca = own[0]!;
  const certPem = readFileSync(`${out}.pem`, 'latin1');
  const cert = readCertificates(certPem)[0];
  const caPem = own.map((c) => readFileSync(c.cacert, 'latin1')).join('');
  writeIfMissing(`${out}-chain.pem`, certPem + caPem);
  if (ca.crossCert) writeIfMissing(`${out}-cross-chain.pem`, certPem + readFileSync(ca.crossCert, 'latin1'));
  if (!existsSync(`${out}.p12`)) {
    const key = createPrivateKey(readFileSync(`${out}.key.pem`, 'latin1'));
    const cas = [...own, ...peer].map((c) => certAt(c.cacert).der);
    writeNewFile(`${out}.p12`, await buildPkcs12({ key, cert: cert.der, cas, password, friendlyName: label }), 0o600);
  }
  return {
    name,
    ca: ca.name,
    serial: serialText(BigInt(`0x${cert.serial}`)),
    subject: indexSubject(cert.subjectDer),
    cert: `${out}.pem`,
    key: `${out}.key.pem`,
    chain: `${out}-chain.pem`,
    ...(ca.crossCert ? { crossChain: `${out}-cross-chain.pem` } : {}),
    p12: `${out}.p12`,
    label,
    ocspUrl: ca.responder.url,
    crlUrl: ca.crl.url,
  };
}

function writeMq(dir: string, lab: Omit<LabManifest, 'mq'>, auth: OcspAuthentication, qmgr: string): LabMq {
  const n = { ...DEFAULT_MQ_NAMES, qmgr };
  const etc = `${dir}/mq/etc-mqm`;
  const keyDir = `${etc}/pki/keys/${n.qmLabel}`;
  const trustDirs = [`${etc}/pki/trust/0`, `${etc}/pki/trust/1`];
  for (const d of [keyDir, ...trustDirs, `${dir}/mqclient`]) mkdirSync(d, { recursive: true });
  // The container runs as another user (mqm, uid 1001) than the one writing the lab, so this copy of
  // the QM's lab-only key is world-readable; the original stays 0600.
  writeNewFile(`${keyDir}/tls.key`, readFileSync(lab.certs.qm.key), 0o644);
  writeNewFile(`${keyDir}/tls.crt`, readFileSync(lab.certs.qm.cert));
  writeNewFile(`${keyDir}/ca.crt`, readFileSync(lab.cas.qm.cacert));
  // The QM must trust the client's CA to accept its certificate; its own CA completes the chain.
  writeNewFile(`${trustDirs[0]}/tls.crt`, readFileSync(lab.cas.client.cacert));
  writeNewFile(`${trustDirs[1]}/tls.crt`, readFileSync(lab.cas.qm.cacert));
  const mqsc = `${etc}/20-ocsplab.mqsc`;
  const ini = `${etc}/20-ocsplab.ini`;
  writeNewFile(mqsc, qmMqsc(n, lab.cas.client.responder.url));
  writeNewFile(ini, qmIni(auth));
  const clientIni = `${dir}/mqclient/mqclient.ini`;
  writeNewFile(clientIni, mqclientIni({ auth, keyRepository: lab.certs.client.p12, label: lab.certs.client.label, p12Password: lab.p12Password }));
  return {
    qmgr: n.qmgr,
    channel: n.channel,
    authinfo: n.authinfo,
    namelist: n.namelist,
    ocspAuthentication: auth,
    etcMqm: etc,
    mqsc,
    ini,
    qmKeyDir: keyDir,
    trustDirs,
    mqclientIni: clientIni,
    clientKeyRepository: lab.certs.client.p12,
  };
}

export interface LabResult {
  lab: LabManifest;
  manifestPath: string;
  /** False when an existing lab was kept as it was. */
  created: boolean;
}

export async function createLab(o: LabOptions): Promise<LabResult> {
  const dir = resolve(o.dir);
  const qmUrl = responderUrl(o.qmOcspUrl, o.ocspBaseUrl, o.qmOcspPort ?? LAB_DEFAULTS.qmOcspPort);
  const clientUrl = responderUrl(o.clientOcspUrl, o.ocspBaseUrl, o.clientOcspPort ?? LAB_DEFAULTS.clientOcspPort);
  if (qmUrl === clientUrl) throw new CaError(`both responders would be at ${qmUrl}; give them different ports or URLs`);
  const auth = checkOcspAuthentication(o.ocspAuthentication);
  const depth = o.depth ?? 1;
  if (![1, 2, 3].includes(depth)) throw new CaError(`--depth ${depth}: use 1, 2 or 3`);
  if (o.force) for (const f of GENERATED) rmSync(`${dir}/${f}`, { recursive: true, force: true });
  if (existsSync(manifestPath(dir)) && (JSON.parse(readFileSync(manifestPath(dir), 'utf8')) as { version?: number }).version !== LAB_VERSION) {
    // Made by an older ocsplab (no CRL Distribution Points): lab material only, so make it again.
    for (const f of GENERATED) rmSync(`${dir}/${f}`, { recursive: true, force: true });
  }
  if (existsSync(manifestPath(dir))) {
    const lab = loadLab(dir);
    if ((lab.depth ?? 1) !== depth) throw new CaError(`the lab in ${dir} has depth ${lab.depth ?? 1}; rerun with --force to regenerate it with depth ${depth}`);
    if (depth === 1 && (lab.cas.qm.responder.url !== qmUrl || lab.cas.client.responder.url !== clientUrl))
      throw new CaError(`the lab in ${dir} uses responders ${lab.cas.qm.responder.url} and ${lab.cas.client.responder.url}; rerun with --force to regenerate it for ${qmUrl} and ${clientUrl}`);
    return { lab, manifestPath: manifestPath(dir), created: false };
  }
  const keyType = o.key ?? 'rsa2048';
  const password = o.p12Password ?? LAB_DEFAULTS.p12Password;
  const qmgr = o.qmgr ?? DEFAULT_MQ_NAMES.qmgr;
  mkdirSync(dir, { recursive: true });
  // Each side's ladder, root first; every CA gets a responder of its own (ports counted up from the
  // QM side's; one level keeps the two ports and URLs given).
  const ladders = { qm: labLadder('qm', depth), client: labLadder('client', depth) };
  const all = [...ladders.qm.map((c) => ({ ...c, side: 'qm' as const })), ...ladders.client.map((c) => ({ ...c, side: 'client' as const }))];
  const urlOf = (i: number, name: string) =>
    depth === 1 ? (name === 'qm-ca' ? qmUrl : clientUrl) : responderUrl(undefined, o.ocspBaseUrl, (o.qmOcspPort ?? LAB_DEFAULTS.qmOcspPort) + i);
  const urls = new Map(all.map((c, i) => [c.name, urlOf(i, c.name)]));
  // Down each ladder in turn (a CA needs its issuer); the two sides run together: key generation is
  // most of the time and uses the thread pool.
  await Promise.all(
    (['qm', 'client'] as const).map(async (side) => {
      let parent: string | undefined;
      for (const c of ladders[side]) {
        await ensureCa(`${dir}/${c.name}`, c.cn, keyType, urls.get(c.name)!, labCrlUrl(urls.get(c.name)!, c.name), parent);
        parent = `${dir}/${c.name}`;
      }
    }),
  );
  const issuing = { qm: ladders.qm[ladders.qm.length - 1]!.name, client: ladders.client[ladders.client.length - 1]!.name };
  await Promise.all([
    ...all.map((c) => ensureSigner(`${dir}/${c.name}`)),
    ensureLeaf(`${dir}/${issuing.qm}`, `${dir}/qm/qm`, qmgr, 'server', urls.get(issuing.qm)!),
    ensureLeaf(`${dir}/${issuing.client}`, `${dir}/client/client`, 'mqclient', 'client', urls.get(issuing.client)!),
  ]);
  if (depth > 1) await Promise.all([...(['qm', 'client'] as const).map((side) => ensureExpiredRoot(`${dir}/${ladders[side][0]!.name}`)), ensureCross(`${dir}/${issuing.client}`, `${dir}/${ladders.qm[0]!.name}`)]);
  const chain = all.map((c, i) => labCa(c.name, c.side, `${dir}/${c.name}`, urls.get(c.name)!, i > 0 && all[i - 1]!.side === c.side ? all[i - 1]!.name : undefined));
  for (const c of chain) {
    if (depth > 1 && !c.issuer) c.expiredCert = `${c.dir}/cacert-expired.pem`;
    if (depth > 1 && c.name === issuing.client) {
      c.crossCert = `${c.dir}/cacert-cross.pem`;
      c.crossIssuer = ladders.qm[0]!.name;
      c.crossSerial = serialText(BigInt(`0x${certAt(c.crossCert).serial}`));
    }
  }
  const sideChain = (side: 'qm' | 'client') => chain.filter((c) => c.side === side).reverse();
  const cas = { qm: sideChain('qm')[0]!, client: sideChain('client')[0]! };
  const [qm, client] = await Promise.all([
    labCert('qm', sideChain('qm'), sideChain('client'), `${dir}/qm/qm`, DEFAULT_MQ_NAMES.qmLabel, password),
    labCert('client', sideChain('client'), sideChain('qm'), `${dir}/client/client`, DEFAULT_MQ_NAMES.clientLabel, password),
  ]);
  const base = { version: LAB_VERSION, createdAt: new Date().toISOString(), dir, keyType, p12Password: password, depth, cas, chain, certs: { qm, client } };
  const lab: LabManifest = { ...base, mq: writeMq(dir, base, auth, qmgr) };
  writeNewFile(manifestPath(dir), JSON.stringify(lab, null, 2) + '\n');
  return { lab, manifestPath: manifestPath(dir), created: true };
}
