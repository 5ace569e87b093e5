// Command line of `ocsplab ocsp`: openssl's responder flags verbatim (single dash), our own with two
// dashes, and several CAs by repetition. Options given before the first -index are defaults for
// every CA; options after an -index belong to that CA.

import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { HASHES, type HashName } from '../ocsp/oids.js';
import type { CaConfig } from '../responder/ca-loader.js';
import { readAdminToken } from '../responder/admin-token.js';
import { DEFAULT_HOST } from '../responder/bind.js';

export interface OcspCliConfig {
  cas: CaConfig[];
  host: string;
  port: number;
  timeoutSec?: number;
  nrequest?: number;
  workers?: number;
  unknownIssuer: 'unauthorized' | 'unknown';
  adminPort?: number;
  adminHost?: string;
  adminToken?: string;
  /** Set when the admin token file is readable by group or others. */
  adminTokenWarning?: string;
  logLevel: string;
  /** openssl -badsig: start in the bad-signature mode. */
  badsig: boolean;
  /** Largest Cache-Control max-age in seconds (--max-age). */
  maxAge?: number;
  /** Notes about flags accepted but meaningless here, printed once. */
  notes: string[];
}

type Spec = { type: 'string' | 'boolean'; multiple?: boolean; perCa?: boolean };

const OPTIONS: Record<string, Spec> = {
  // openssl responder flags
  index: { type: 'string', perCa: true },
  CA: { type: 'string', perCa: true },
  rsigner: { type: 'string', perCa: true },
  rkey: { type: 'string', perCa: true },
  rother: { type: 'string', perCa: true },
  passin: { type: 'string', perCa: true },
  rmd: { type: 'string', perCa: true },
  rsigopt: { type: 'string', perCa: true },
  rcid: { type: 'string', perCa: true },
  nmin: { type: 'string', perCa: true },
  ndays: { type: 'string', perCa: true },
  resp_no_certs: { type: 'boolean', perCa: true },
  resp_key_id: { type: 'boolean', perCa: true },
  port: { type: 'string' },
  timeout: { type: 'string' },
  nrequest: { type: 'string' },
  multi: { type: 'string' },
  ignore_err: { type: 'boolean' },
  badsig: { type: 'boolean' },
  text: { type: 'boolean' },
  resp_text: { type: 'boolean' },
  out: { type: 'string' },
  // ours
  name: { type: 'string', perCa: true },
  'ca-port': { type: 'string', perCa: true },
  expired: { type: 'string', perCa: true },
  crl: { type: 'string', perCa: true },
  'crl-key': { type: 'string', perCa: true },
  'crl-passin': { type: 'string', perCa: true },
  'crl-days': { type: 'string', perCa: true },
  'crl-hours': { type: 'string', perCa: true },
  host: { type: 'string' },
  config: { type: 'string' },
  workers: { type: 'string' },
  'unknown-issuer': { type: 'string' },
  'admin-port': { type: 'string' },
  'admin-host': { type: 'string' },
  'admin-token': { type: 'string' },
  'admin-token-file': { type: 'string' },
  'log-level': { type: 'string' },
  'max-age': { type: 'string' },
  help: { type: 'boolean' },
};

// openssl accepts -sha1, -sha256, ... (a client option: the CertID digest). Harmless here.
for (const h of [...HASHES, 'md5', 'sha224']) OPTIONS[h] = { type: 'boolean' };

const NOTES: Record<string, string> = {
  ignore_err: '-ignore_err: ocsplab never exits on a bad request; the flag changes nothing',
  text: '-text: responses are not printed; each request is logged as one line instead',
  resp_text: '-resp_text: responses are not printed; each request is logged as one line instead',
  out: '-out: logs go to standard output; redirect it instead',
  badsig: '-badsig: started in the bad-signature mode for every CA; switch it at run time with ocsplab ctl',
};

export const OCSP_USAGE = `usage: ocsplab ocsp -index index.txt -CA cacert.pem [-rsigner cert] [-rkey key] -port N [options]

openssl ocsp responder flags (single dash, as openssl takes them):
  -index FILE        CA database (index.txt); repeat to serve several CAs, each -index starting a CA
  -CA FILE           CA certificate(s) the index belongs to
  -rsigner FILE      responder certificate (default: the CA certificate)
  -rkey FILE         responder key (default: the -rsigner file)
  -passin SRC        key pass phrase: pass:X, env:VAR, file:PATH, fd:N, stdin (asked on a terminal if omitted)
  -rother FILE       extra certificates for responses
  -rmd DIGEST        signature digest: sha1, sha256 (default), sha384, sha512
  -rsigopt rsa_padding_mode:pss   RSASSA-PSS signatures
  -rcid DIGEST       CertID digest in responses (default: echo the request's)
  -resp_no_certs     no certificates in responses
  -resp_key_id       ResponderID by key hash instead of name
  -nmin N / -ndays N nextUpdate N minutes / days ahead (absent otherwise)
  -port N            port to listen on (default 2560)
  -timeout SECONDS   time a client has to send its whole request (default 10)
  -nrequest N        exit after N requests
  -multi N           worker processes (same as --workers)
  -ignore_err, -text, -out, -badsig, -sha1/-sha256/...  accepted; see the note printed at start

ocsplab options (two dashes):
  --host ADDR        address to bind (default 127.0.0.1)
  --config FILE      YAML/JSON file: { host, port, cas: [{ name, index, ca, rsigner, rkey, passin, port, ... }] }
  --name NAME        name of the current CA (logs, admin API, drills)
  --ca-port N        a port of the current CA's own, besides the shared one
  --expired good|unknown|revoked   answer for index lines marked E (default good)
  --crl FILE         serve this CRL file as it is at /crl/NAME.crl (default: signed from the index
                     when the responder has the CA key: -rsigner is the CA, or --crl-key)
  --crl-key FILE     the CA key, to sign CRLs when -rsigner is a delegated OCSP signer
  --crl-passin SRC   its pass phrase source, when not the -passin one (one stdin line serves both)
  --crl-days N / --crl-hours N   nextUpdate of signed CRLs (default: openssl.cnf beside index.txt, else 24 h)
  --unknown-issuer unauthorized|unknown   answer for an issuer not served (default unauthorized; openssl: unknown)
  --workers N        worker processes
  --admin-port N     admin API port (127.0.0.1); --admin-host
  --admin-token-file FILE   bearer token for the admin API, read from FILE (kept out of \`ps\`);
                     --admin-token T, OCSPLAB_ADMIN_TOKEN[_FILE] also work; required off loopback
  --max-age N        cap Cache-Control max-age at N seconds (default: up to nextUpdate): how long an
                     HTTP cache in front may keep an answer, so how late it can show a revocation
  --log-level LEVEL  info (default), warn, error, debug
`;

function toInt(v: string, flag: string, min = 0): number {
  if (!/^\d+$/.test(v) || Number(v) < min) throw new Error(`${flag}: expected a whole number >= ${min}, got "${v}"`);
  return Number(v);
}

function toHash(v: string, flag: string): HashName {
  const h = v.toLowerCase().replace('-', '') as HashName;
  if (!HASHES.includes(h)) throw new Error(`${flag}: unsupported digest "${v}" (use ${HASHES.join(', ')})`);
  return h;
}

function applyCaOption(ca: Partial<CaConfig>, name: string, v: string | boolean): void {
  const s = String(v);
  switch (name) {
    case 'index': ca.index = s; break;
    case 'CA': ca.ca = s; break;
    case 'rsigner': ca.rsigner = s; break;
    case 'rkey': ca.rkey = s; break;
    case 'rother': (ca.rother ??= []).push(s); break;
    case 'passin': ca.passin = s; break;
    case 'rmd': ca.rmd = toHash(s, '-rmd'); break;
    case 'rcid': ca.rcid = toHash(s, '-rcid'); break;
    case 'rsigopt':
      if (/^rsa_padding_mode:pss$/i.test(s)) ca.pss = true;
      else if (!/^rsa_(padding_mode:pkcs1|pss_saltlen:.*)$/i.test(s)) throw new Error(`-rsigopt: unsupported option "${s}" (rsa_padding_mode:pss or pkcs1)`);
      break;
    case 'nmin': ca.nmin = toInt(s, '-nmin', 1); break;
    case 'ndays': ca.ndays = toInt(s, '-ndays', 1); break;
    case 'resp_no_certs': ca.noCerts = true; break;
    case 'resp_key_id': ca.respKeyId = true; break;
    case 'name': ca.name = s; break;
    case 'ca-port': ca.port = toInt(s, '--ca-port'); break;
    case 'crl': ca.crl = s; break;
    case 'crl-key': ca.crlKey = s; break;
    case 'crl-passin': ca.crlPassin = s; break;
    case 'crl-days': ca.crlDays = toInt(s, '--crl-days', 1); break;
    case 'crl-hours': ca.crlHours = toInt(s, '--crl-hours', 1); break;
    case 'expired':
      if (!['good', 'unknown', 'revoked'].includes(s)) throw new Error(`--expired: use good, unknown or revoked`);
      ca.expired = s as CaConfig['expired'];
      break;
  }
}

/** Reads a --config file; relative paths are relative to the file. */
export function readConfigFile(path: string): Partial<OcspCliConfig> & { cas?: CaConfig[]; adminTokenFile?: string } {
  const text = readFileSync(path, 'utf8');
  const data = parseYaml(text) as Record<string, unknown>;
  if (!data || typeof data !== 'object') throw new Error(`${path}: not a YAML/JSON mapping`);
  const base = dirname(resolve(path));
  const rel = (p: unknown) => (typeof p === 'string' ? resolve(base, p) : undefined);
  const cas = ((data.cas as Record<string, unknown>[] | undefined) ?? []).map((c, i) => {
    if (typeof c.index !== 'string' || typeof c.ca !== 'string') throw new Error(`${path}: cas[${i}] needs index and ca`);
    return {
      ...(c as unknown as CaConfig),
      index: rel(c.index)!,
      ca: rel(c.ca)!,
      rsigner: rel(c.rsigner),
      rkey: rel(c.rkey),
      rother: Array.isArray(c.rother) ? c.rother.map((p) => rel(p)!) : undefined,
      crl: rel(c.crl),
      crlKey: rel(c.crlKey ?? c.crl_key),
      crlPassin: (c.crlPassin ?? c.crl_passin) as string | undefined,
    } as CaConfig;
  });
  return {
    cas,
    host: data.host as string | undefined,
    port: data.port as number | undefined,
    adminPort: (data.adminPort ?? data.admin_port) as number | undefined,
    adminHost: (data.adminHost ?? data.admin_host) as string | undefined,
    adminToken: (data.adminToken ?? data.admin_token) as string | undefined,
    adminTokenFile: rel(data.adminTokenFile ?? data.admin_token_file),
    workers: data.workers as number | undefined,
  };
}

export function parseOcspArgs(argv: string[]): OcspCliConfig & { help: boolean } {
  // openssl spells long options with one dash; parseArgs wants two.
  const normalized = argv.map((a) => (/^-[A-Za-z][\w-]+$/.test(a) ? `-${a}` : a));
  const { tokens } = parseArgs({
    args: normalized,
    options: Object.fromEntries(Object.entries(OPTIONS).map(([k, v]) => [k, { type: v.type, multiple: true }])),
    strict: true,
    allowPositionals: false,
    tokens: true,
  });
  const defaults: Partial<CaConfig> = {};
  const groups: Partial<CaConfig>[] = [];
  const global: Record<string, string | boolean> = {};
  const notes = new Set<string>();
  for (const t of tokens ?? []) {
    if (t.kind !== 'option') continue;
    const spec = OPTIONS[t.name];
    const v = spec.type === 'boolean' ? true : (t.value ?? '');
    if (spec.perCa) {
      if (t.name === 'index') groups.push({});
      applyCaOption(groups.length ? groups[groups.length - 1] : defaults, t.name, v);
    } else {
      global[t.name] = v;
      if (NOTES[t.name]) notes.add(NOTES[t.name]);
      if ((HASHES as readonly string[]).includes(t.name) || t.name === 'md5' || t.name === 'sha224') notes.add(`-${t.name}: a client option (CertID digest); responses echo the request's CertID`);
    }
  }
  const file = global.config ? readConfigFile(String(global.config)) : {};
  const cas: CaConfig[] = [...(file.cas ?? []), ...groups.map((g) => ({ ...defaults, ...g }) as CaConfig)];
  if (!global.help) {
    if (cas.length === 0) throw new Error('no CA to serve: give -index and -CA (or --config)');
    cas.forEach((c, i) => {
      if (!c.index) throw new Error(`CA ${i + 1}: -index is required`);
      if (!c.ca) throw new Error(`CA ${c.name ?? i + 1}: -CA is required (the certificate that issued the index's certificates)`);
    });
  }
  const str = (k: string) => (global[k] === undefined ? undefined : String(global[k]));
  const multi = str('multi');
  if (multi !== undefined) notes.add('-multi: served by ocsplab worker processes (--workers)');
  const unknownIssuer = str('unknown-issuer') ?? 'unauthorized';
  if (unknownIssuer !== 'unauthorized' && unknownIssuer !== 'unknown') throw new Error('--unknown-issuer: use unauthorized or unknown');
  if (str('admin-token') !== undefined && str('admin-token-file') !== undefined) throw new Error('give --admin-token or --admin-token-file, not both');
  const flagged = str('admin-token') !== undefined || str('admin-token-file') !== undefined;
  const admin = global.help ? {} : readAdminToken(flagged ? { token: str('admin-token'), file: str('admin-token-file') } : { token: file.adminToken, file: file.adminTokenFile });
  return {
    cas,
    host: str('host') ?? file.host ?? DEFAULT_HOST,
    port: str('port') !== undefined ? toInt(str('port')!, '-port') : (file.port ?? 2560),
    timeoutSec: str('timeout') !== undefined ? toInt(str('timeout')!, '-timeout', 1) : undefined,
    nrequest: str('nrequest') !== undefined ? toInt(str('nrequest')!, '-nrequest', 1) : undefined,
    workers: str('workers') !== undefined ? toInt(str('workers')!, '--workers', 1) : multi !== undefined ? toInt(multi, '-multi', 1) : file.workers,
    unknownIssuer,
    adminPort: str('admin-port') !== undefined ? toInt(str('admin-port')!, '--admin-port') : file.adminPort,
    adminHost: str('admin-host') ?? file.adminHost,
    adminToken: admin.token,
    adminTokenWarning: admin.warning,
    logLevel: str('log-level') ?? 'info',
    maxAge: str('max-age') !== undefined ? toInt(str('max-age')!, '--max-age') : undefined,
    badsig: Boolean(global.badsig),
    notes: [...notes],
    help: Boolean(global.help),
  };
}
