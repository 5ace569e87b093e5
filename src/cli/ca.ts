// `ocsplab ca <subcommand>`: thin argument parsing over the library in src/ca.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { crlToPem } from '../crl/encode.js';
import { createLab, formatTable, genCrl, initCa, issue, list, movedWarning, relocateCa, responderCert, restore, revoke, status, checkKeyType, type KeyType } from '../ca/index.js';

const USAGE = `usage: ocsplab ca <command> DIR [options]

  init DIR --cn NAME [--subject /O=../CN=..] [--key TYPE] [--days N] [--issue-days N] [--passout SRC] [--ocsp-url URL] [--crl-url URL ...]
  issue DIR --cn NAME [--subject ...] [--san DNS:h|IP:a ...] [--ocsp-url URL|--no-ocsp-url] [--crl-url URL ...|--no-crl-url] [--client|--server]
        [--key TYPE] [--days N] [--out PREFIX] [--passin SRC] [--passout SRC]
  responder-cert DIR [--cn NAME] [--key TYPE] [--days N] [--out PREFIX] [--passin SRC]
  revoke DIR (CERT.pem|SERIAL) [--reason NAME] [--time T] [--hold-instruction OID] [--invalidity T]
  restore DIR (CERT.pem|SERIAL)
  gencrl (DIR | --config FILE [DIR]) [--name SECTION] [--out FILE] [--days N] [--hours N] [--der] [--passin SRC]
        a CRL from index.txt as 'openssl ca -gencrl' makes it (crlnumber incremented; default_crl_days);
        --config: an openssl.cnf elsewhere, as 'openssl ca -config' (its database, certificate,
        private_key, crlnumber and defaults; relative paths from the working directory)
  list DIR [--json]
  relocate DIR  point DIR/openssl.cnf's dir at DIR after copying or moving the CA (keeps openssl.cnf.old)
  status DIR SERIAL [--json]
  lab DIR [--force] [--key TYPE] [--ocsp-base-url URL] [--qm-ocsp-port N] [--client-ocsp-port N]
      [--qm-ocsp-url URL] [--client-ocsp-url URL] [--qmgr NAME] [--p12-password PW] [--ocsp-authentication REQUIRED|WARN|OPTIONAL]
      [--depth 1|2|3]   2: root -> issuing CA -> leaf on each side; 3: root -> policy CA -> issuing CA -> leaf

  TYPE: rsa2048 (default), rsa3072, ec-p256, ec-p384, ed25519
  SRC:  openssl pass phrase source: pass:TEXT, env:VAR, file:PATH, fd:N, stdin
  T:    YYYYMMDDHHMMSSZ, YYMMDDHHMMSSZ or ISO 8601
`;

type Opts = ParseArgsConfig['options'];
const common: Opts = { help: { type: 'boolean', short: 'h' } };

function parse(argv: string[], options: Opts) {
  return parseArgs({ args: argv, options: { ...common, ...options }, allowPositionals: true, strict: true });
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown, what: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${what} must be a positive whole number`);
  return n;
};
const keyOpt = (v: unknown): KeyType | undefined => (v === undefined ? undefined : checkKeyType(str(v), 'rsa2048'));

function positionals(p: string[], n: number, what: string): string[] {
  if (p.length !== n) throw new Error(`expected ${what}\n\n${USAGE}`);
  return p;
}

const out = (s: string) => process.stdout.write(s);

/** positionals() for a command whose first one is a CA directory: warns (stderr) when that CA's
 *  openssl.cnf still names the directory it was copied from, which `openssl ca` would change. */
function caPositionals(p: string[], n: number, what: string): string[] {
  const r = positionals(p, n, what);
  const w = movedWarning(r[0]!);
  if (w) process.stderr.write(`${w}\n`);
  return r;
}

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  async init(argv) {
    const { values: v, positionals: p } = parse(argv, {
      cn: { type: 'string' },
      subject: { type: 'string' },
      key: { type: 'string' },
      days: { type: 'string' },
      'issue-days': { type: 'string' },
      passout: { type: 'string' },
      'ocsp-url': { type: 'string' },
      'crl-url': { type: 'string', multiple: true },
    });
    const [dir] = positionals(p, 1, 'DIR');
    const paths = await initCa({
      crlUrl: v['crl-url'] as string[] | undefined,
      dir,
      cn: str(v.cn),
      subject: str(v.subject),
      key: keyOpt(v.key),
      days: num(v.days, '--days'),
      issueDays: num(v['issue-days'], '--issue-days'),
      passout: str(v.passout),
      ocspUrl: str(v['ocsp-url']),
    });
    out(`CA created in ${paths.dir}\n  certificate ${paths.cacert}\n  key         ${paths.cakey}\n  openssl ca  -config ${paths.cnf}\n`);
    return 0;
  },

  async issue(argv) {
    const { values: v, positionals: p } = parse(argv, {
      cn: { type: 'string' },
      subject: { type: 'string' },
      san: { type: 'string', multiple: true },
      'ocsp-url': { type: 'string' },
      'no-ocsp-url': { type: 'boolean' },
      'crl-url': { type: 'string', multiple: true },
      'no-crl-url': { type: 'boolean' },
      client: { type: 'boolean' },
      server: { type: 'boolean' },
      key: { type: 'string' },
      days: { type: 'string' },
      out: { type: 'string' },
      passin: { type: 'string' },
      passout: { type: 'string' },
    });
    const [dir] = caPositionals(p, 1, 'DIR');
    if (v.client && v.server) throw new Error('--client and --server exclude each other');
    const r = await issue({
      dir,
      cn: str(v.cn),
      subject: str(v.subject),
      san: (v.san as string[] | undefined)?.flatMap((s) => s.split(',')),
      ocspUrl: v['no-ocsp-url'] ? null : str(v['ocsp-url']),
      crlUrl: v['no-crl-url'] ? null : (v['crl-url'] as string[] | undefined),
      role: v.client ? 'client' : 'server',
      key: keyOpt(v.key),
      days: num(v.days, '--days'),
      out: str(v.out),
      passin: str(v.passin),
      passout: str(v.passout),
    });
    out(`issued serial ${r.serial} ${r.subject}\n  certificate ${r.certPath}\n  key         ${r.keyPath}\n`);
    return 0;
  },

  async 'responder-cert'(argv) {
    const { values: v, positionals: p } = parse(argv, {
      cn: { type: 'string' },
      key: { type: 'string' },
      days: { type: 'string' },
      out: { type: 'string' },
      passin: { type: 'string' },
    });
    const [dir] = caPositionals(p, 1, 'DIR');
    const r = await responderCert({ dir, cn: str(v.cn), key: keyOpt(v.key), days: num(v.days, '--days'), out: str(v.out), passin: str(v.passin) });
    out(`issued OCSP signer serial ${r.serial} ${r.subject}\n  certificate ${r.certPath}\n  key         ${r.keyPath}\n`);
    return 0;
  },

  async revoke(argv) {
    const { values: v, positionals: p } = parse(argv, {
      reason: { type: 'string' },
      time: { type: 'string' },
      'hold-instruction': { type: 'string' },
      invalidity: { type: 'string' },
    });
    const [dir, target] = caPositionals(p, 2, 'DIR and CERT.pem or SERIAL');
    const r = await revoke({ dir, target, reason: str(v.reason), time: str(v.time), holdInstruction: str(v['hold-instruction']), invalidity: str(v.invalidity) });
    out(`Revoking Certificate ${r.serial}.\nDatabase updated\n`);
    return 0;
  },

  async restore(argv) {
    const { positionals: p } = parse(argv, {});
    const [dir, target] = caPositionals(p, 2, 'DIR and CERT.pem or SERIAL');
    const r = await restore({ dir, target });
    out(`Restored Certificate ${r.serial} to valid.\nDatabase updated\n`);
    return 0;
  },

  async gencrl(argv) {
    const { values: v, positionals: p } = parse(argv, {
      out: { type: 'string' },
      days: { type: 'string' },
      hours: { type: 'string' },
      der: { type: 'boolean' },
      passin: { type: 'string' },
      config: { type: 'string' },
      name: { type: 'string' },
    });
    const config = str(v.config);
    const [dir] = config !== undefined && p.length === 0 ? [undefined] : config !== undefined ? positionals(p, 1, 'DIR (or --config FILE)') : caPositionals(p, 1, 'DIR (or --config FILE)');
    const o = str(v.out);
    const r = await genCrl({ dir, config, name: str(v.name), out: o, days: num(v.days, '--days'), hours: num(v.hours, '--hours'), der: Boolean(v.der), passin: str(v.passin) });
    for (const n of r.notes) process.stderr.write(`note: ${n}\n`);
    // Like openssl, without --out the CRL goes to standard output.
    if (!o) process.stdout.write(v.der ? r.der : crlToPem(r.der));
    else out(`CRL written to ${o}: ${r.entries} revoked, number ${r.number === undefined ? 'none' : r.number.toString(16).toUpperCase()}, next update ${r.nextUpdate.toISOString()}\n`);
    return 0;
  },

  async list(argv) {
    const { values: v, positionals: p } = parse(argv, { json: { type: 'boolean' } });
    const [dir] = caPositionals(p, 1, 'DIR');
    const rows = list(dir);
    out(v.json ? JSON.stringify(rows, null, 2) + '\n' : formatTable(rows));
    return 0;
  },

  async status(argv) {
    const { values: v, positionals: p } = parse(argv, { json: { type: 'boolean' } });
    const [dir, serial] = caPositionals(p, 2, 'DIR and SERIAL');
    const e = status(dir, serial);
    // Same words as `openssl ca -status`: "01=Valid (V)".
    out(v.json ? JSON.stringify(e, null, 2) + '\n' : `${e.serial}=${e.status} (${e.status[0]})\n`);
    return 0;
  },

  async relocate(argv) {
    const { positionals: p } = parse(argv, {});
    const [dir] = positionals(p, 1, 'DIR');
    const r = relocateCa(dir);
    out(r ? `${r.cnf}: dir = ${r.to} (was ${r.from}); the previous file is openssl.cnf.old\n` : `${dir}: openssl.cnf already names this directory; nothing changed\n`);
    return 0;
  },

  async lab(argv) {
    const { values: v, positionals: p } = parse(argv, {
      force: { type: 'boolean' },
      key: { type: 'string' },
      'ocsp-base-url': { type: 'string' },
      'qm-ocsp-port': { type: 'string' },
      'client-ocsp-port': { type: 'string' },
      'qm-ocsp-url': { type: 'string' },
      'client-ocsp-url': { type: 'string' },
      qmgr: { type: 'string' },
      'p12-password': { type: 'string' },
      'ocsp-authentication': { type: 'string' },
      depth: { type: 'string' },
    });
    const [dir] = positionals(p, 1, 'DIR');
    const r = await createLab({
      depth: num(v.depth, '--depth'),
      dir,
      force: Boolean(v.force),
      key: keyOpt(v.key),
      ocspBaseUrl: str(v['ocsp-base-url']),
      qmOcspPort: num(v['qm-ocsp-port'], '--qm-ocsp-port'),
      clientOcspPort: num(v['client-ocsp-port'], '--client-ocsp-port'),
      qmOcspUrl: str(v['qm-ocsp-url']),
      clientOcspUrl: str(v['client-ocsp-url']),
      qmgr: str(v.qmgr),
      p12Password: str(v['p12-password']),
      ocspAuthentication: str(v['ocsp-authentication']),
    });
    out(`${r.created ? 'lab created' : 'lab already present (use --force to regenerate)'}: ${r.manifestPath}\n`);
    for (const c of r.lab.chain) out(`  ${`${c.name} responder`.padEnd(26)}${c.responder.url}${c.issuer ? `  (issued by ${c.issuer})` : ''}\n`);
    return 0;
  },
};

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    out(USAGE);
    return cmd ? 0 : 2;
  }
  const run = COMMANDS[cmd];
  if (!run) {
    process.stderr.write(`ocsplab ca: unknown command '${cmd}'\n${USAGE}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    out(USAGE);
    return 0;
  }
  try {
    return await run(rest);
  } catch (e) {
    process.stderr.write(`ocsplab ca ${cmd}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
