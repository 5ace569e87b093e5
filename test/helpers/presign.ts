// Shared by the presign tests: index lines for certificates nobody holds, serials whose GET paths
// hit each base64 case, and openssl's verdict on a pre-signed file.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CLI } from './cli.js';
import { readCertificates, issuerHashes } from '../../src/ocsp/cert.js';
import { sha1Request } from '../../src/presign/layout.js';
import { run } from './openssl.js';

/** An index line for a certificate nobody holds (presign needs no certificate file). */
export const indexLine = (serial: string, status = 'V', rev = ''): string => `${status}\t301231235959Z\t${rev}\t${serial}\tunknown\t/CN=synthetic ${serial}\n`;

/** Serials whose request base64 holds a '/', a '+', and ends in '/' (the index.html case). */
export function specialSerials(cacert: string): { slash: string; plus: string; trailing: string } {
  const h = issuerHashes(readCertificates(readFileSync(cacert))[0]).sha1;
  const found: Partial<Record<'slash' | 'plus' | 'trailing', string>> = {};
  // Serials of 2, 3 and 4 bytes: three request lengths, one of them a multiple of 3 (no padding,
  // so the last character can be '/').
  for (const start of [0x1000, 0x100000, 0x10000000]) {
    for (let i = start; i < start + 20_000; i++) {
      const serial = i.toString(16).toUpperCase();
      const b64 = sha1Request(h.name, h.key, serial).toString('base64');
      const tail = b64.slice(-6); // the serial's part: what comes before is the same for every serial
      if (!found.trailing && b64.endsWith('/')) found.trailing = serial;
      else if (!found.slash && tail.slice(0, -1).includes('/')) found.slash = serial;
      else if (!found.plus && tail.includes('+')) found.plus = serial;
    }
  }
  if (!found.slash || !found.plus || !found.trailing) throw new Error(`no serial for every case: ${JSON.stringify(found)}`);
  return found as { slash: string; plus: string; trailing: string };
}

/** `openssl ocsp -respin FILE`: verified against the CA, and the status it reads. */
export async function opensslVerifyFile(cacert: string, file: string, serial: string): Promise<{ ok: boolean; status?: string; out: string }> {
  const r = await run('openssl', ['ocsp', '-respin', file, '-issuer', cacert, '-serial', `0x${serial}`, '-CAfile', cacert, '-no_nonce']);
  const out = r.stdout + r.stderr;
  return { ok: /Response verify OK/.test(out), status: /: (good|revoked|unknown)$/m.exec(out)?.[1], out };
}

export interface PresignIndex {
  cas: Array<{ name: string; serialDir: string; answers: number }>;
  fields: string[];
  /** ca, serial, status, thisUpdate, nextUpdate, bytes, get, file, url */
  files: Array<[string, string, string, string, string, number, string, string, string]>;
}

export const readPresignIndex = (out: string): PresignIndex => JSON.parse(readFileSync(`${out}/index.json`, 'utf8')) as PresignIndex;

/** Runs `ocsplab presign ARGS` to its end. */
export function runPresign(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [CLI, 'presign', ...args]);
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (out += d));
    c.on('close', (code) => resolve({ code, out }));
  });
}
