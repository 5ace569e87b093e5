// Test helpers around the real openssl binary: a CA made and kept by `openssl ca` (so our responder
// is tested against files we did not write), and openssl's OCSP client as an independent verifier.

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking the event loop (an in-process responder must keep serving). */
export function run(cmd: string, args: string[], opts: { cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { cwd: opts.cwd, timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

const made: string[] = [];
// A test file's temporary directories go when its process ends (the suite left about 70 a run
// behind); OCSPLAB_KEEP_TMP=1 keeps them to look at after a failure.
process.once('exit', () => {
  if (process.env.OCSPLAB_KEEP_TMP) return;
  for (const d of made) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch {
      /* a child still writing: leave it */
    }
  }
});

export function tempDir(prefix = 'ocsplab-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

export type KeySpec = 'rsa' | 'rsa-pss' | 'ec-p256' | 'ec-p384' | 'ed25519';

function keyArgs(k: KeySpec): string[] {
  switch (k) {
    case 'rsa':
      return ['-newkey', 'rsa:2048'];
    case 'rsa-pss':
      return ['-newkey', 'rsa-pss', '-pkeyopt', 'rsa_keygen_bits:2048'];
    case 'ec-p256':
      return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
    case 'ec-p384':
      return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'];
    case 'ed25519':
      return ['-newkey', 'ed25519'];
  }
}

const CNF = `[ ca ]
default_ca = CA_default
[ CA_default ]
dir = .
database = $dir/index.txt
new_certs_dir = $dir/newcerts
certificate = $dir/cacert.pem
private_key = $dir/private/cakey.pem
serial = $dir/serial
default_md = sha256
default_days = 365
policy = policy_any
unique_subject = no
copy_extensions = copy
[ policy_any ]
commonName = supplied
[ req ]
distinguished_name = dn
[ dn ]
[ v3_ca ]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
[ ocsp_signer ]
basicConstraints = CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = OCSPSigning
noCheck = ignored
[ leaf ]
basicConstraints = CA:false
keyUsage = critical,digitalSignature,keyEncipherment
`;

export interface OpensslCa {
  dir: string;
  cacert: string;
  cakey: string;
  config: string;
  /** Issues a certificate with `openssl ca`; returns its PEM path and serial (hex as in the index). */
  issue(cn: string, ext?: 'leaf' | 'ocsp_signer', key?: KeySpec): Promise<{ pem: string; key: string; serial: string }>;
  /** `openssl ca -revoke` with extra flags such as ['-crl_reason', 'keyCompromise']. */
  revoke(pem: string, extra?: string[]): Promise<RunResult>;
}

export interface CaOptions {
  cn?: string;
  key?: KeySpec;
  /** Encrypt the CA key with this pass phrase, as PKCS#8 or traditional PEM. */
  pass?: string;
  keyFormat?: 'pkcs8' | 'traditional';
}

async function must(p: Promise<RunResult>, what: string): Promise<RunResult> {
  const r = await p;
  if (r.code !== 0) throw new Error(`${what} failed: ${r.stderr}`);
  return r;
}

export async function makeOpensslCa(dir: string, o: CaOptions = {}): Promise<OpensslCa> {
  mkdirSync(join(dir, 'newcerts'), { recursive: true });
  mkdirSync(join(dir, 'private'), { recursive: true });
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(join(dir, 'openssl.cnf'), CNF);
  const cn = o.cn ?? 'ocsplab test CA';
  await must(
    run('openssl', ['req', '-x509', ...keyArgs(o.key ?? 'rsa'), '-nodes', '-keyout', 'private/plain.pem', '-out', 'cacert.pem', '-subj', `/CN=${cn}`, '-days', '365', '-config', 'openssl.cnf', '-extensions', 'v3_ca'], { cwd: dir }),
    'CA req',
  );
  if (o.pass) {
    const args =
      o.keyFormat === 'traditional'
        ? ['pkey', '-in', 'private/plain.pem', '-traditional', '-aes256', '-passout', `pass:${o.pass}`, '-out', 'private/cakey.pem']
        : ['pkey', '-in', 'private/plain.pem', '-aes256', '-passout', `pass:${o.pass}`, '-out', 'private/cakey.pem'];
    await must(run('openssl', args, { cwd: dir }), 'key encryption');
  } else {
    writeFileSync(join(dir, 'private/cakey.pem'), readFileSync(join(dir, 'private/plain.pem')));
  }
  const passArgs = o.pass ? ['-passin', `pass:${o.pass}`] : [];
  return {
    dir,
    cacert: join(dir, 'cacert.pem'),
    cakey: join(dir, 'private/cakey.pem'),
    config: join(dir, 'openssl.cnf'),
    async issue(name, ext = 'leaf', key = 'rsa') {
      const base = name.replace(/[^\w.-]/g, '_');
      await must(run('openssl', ['req', ...keyArgs(key), '-nodes', '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${name}`, '-config', 'openssl.cnf'], { cwd: dir }), 'req');
      const serial = readFileSync(join(dir, 'serial'), 'utf8').trim();
      await must(run('openssl', ['ca', '-batch', '-config', 'openssl.cnf', ...passArgs, '-extensions', ext, '-in', `${base}.csr`, '-out', `${base}.pem`], { cwd: dir }), 'ca');
      return { pem: join(dir, `${base}.pem`), key: join(dir, `${base}.key`), serial };
    },
    revoke(pem, extra = []) {
      return run('openssl', ['ca', '-config', 'openssl.cnf', ...passArgs, '-revoke', pem, ...extra], { cwd: dir });
    },
  };
}

export interface OcspResult extends RunResult {
  verified: boolean;
  status?: string;
  reason?: string;
}

/** openssl's OCSP client; `target` is a certificate path or a serial like '0x1000'. */
export async function opensslQuery(o: {
  issuer: string;
  target: string;
  url: string;
  cafile: string;
  args?: string[];
  /** openssl's -timeout; it keeps retrying a refused connection until this runs out. */
  timeoutSec?: number;
}): Promise<OcspResult> {
  const targetArgs = o.target.startsWith('0x') || /^\d+$/.test(o.target) ? ['-serial', o.target] : ['-cert', o.target];
  // The digest flag must come before -cert/-serial.
  const r = await run('openssl', ['ocsp', '-issuer', o.issuer, ...(o.args ?? []), ...targetArgs, '-url', o.url, '-CAfile', o.cafile, '-timeout', String(o.timeoutSec ?? 10)]);
  const out = r.stdout + r.stderr;
  const m = /^[^\n:]+: (good|revoked|unknown)$/m.exec(out);
  return { ...r, verified: /Response verify OK/.test(out), status: m?.[1], reason: /Reason: (\S+)/.exec(out)?.[1] };
}
