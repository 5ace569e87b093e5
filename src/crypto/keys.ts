// Private key loading with openssl's pass phrase sources (-passin / -passout).
//
// Pass phrases and key bytes never reach a log line or an error message: errors name the file and
// the source kind only.

import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export class KeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyError';
  }
}

/** Resolves `pass:TEXT`, `env:VAR`, `file:PATH` (first line), `fd:N` or `stdin` to the pass phrase. */
export async function resolvePassSource(spec: string): Promise<string> {
  const i = spec.indexOf(':');
  const kind = i < 0 ? spec : spec.slice(0, i);
  const arg = i < 0 ? '' : spec.slice(i + 1);
  switch (kind) {
    case 'pass':
      return arg;
    case 'env': {
      const v = process.env[arg];
      if (v === undefined) throw new KeyError(`pass phrase source env:${arg}: variable is not set`);
      return v;
    }
    case 'file':
      try {
        return readFileSync(arg, 'utf8').split(/\r?\n/)[0];
      } catch {
        throw new KeyError(`pass phrase source file:${arg}: cannot read the file`);
      }
    case 'fd':
      try {
        return readFileSync(Number(arg), 'utf8').split(/\r?\n/)[0];
      } catch {
        throw new KeyError(`pass phrase source fd:${arg}: cannot read`);
      }
    case 'stdin':
      return readLine(process.stdin);
    default:
      // Never quote the value: a pass phrase given without "pass:" would be echoed.
      throw new KeyError('unknown pass phrase source: use pass:TEXT, env:VAR, file:PATH, fd:N or stdin');
  }
}

function readLine(input: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input, terminal: false });
    rl.once('line', (l) => {
      resolve(l); // before close(): close emits 'close' at once, which would reject first
      rl.close();
    });
    rl.once('close', () => reject(new KeyError('no pass phrase on standard input')));
  });
}

/** Asks on the terminal without echo, as openssl does when no -passin is given. */
export async function promptPassphrase(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) throw new KeyError(`${prompt.replace(/:\s*$/, '')}: key is encrypted and no -passin was given`);
  process.stderr.write(prompt);
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let s = '';
    const onData = (b: Buffer) => {
      for (const ch of b.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          done();
          return resolve(s);
        }
        if (ch === '\u0003') {
          done();
          return reject(new KeyError('interrupted'));
        }
        if (ch === '\u007f') s = s.slice(0, -1);
        else s += ch;
      }
    };
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}

export function isEncryptedPem(pem: string): boolean {
  return /-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(pem) || /Proc-Type:\s*4,ENCRYPTED/.test(pem);
}

/**
 * The pass phrase a PEM key needs: none when it is not encrypted; else from `passin`, or asked on
 * the terminal as openssl does.
 */
export async function passphraseFor(path: string, pem: string, passin?: string): Promise<string | undefined> {
  if (!isEncryptedPem(pem)) return undefined;
  return passin !== undefined ? resolvePassSource(passin) : promptPassphrase(`Enter pass phrase for ${path}:`);
}

/**
 * Loads a PEM or DER private key: PKCS#8 (plain or encrypted) or traditional RSA/EC PEM (plain or
 * with DEK-Info encryption). `passin` is an openssl pass phrase source; without one an encrypted
 * key is asked for on the terminal.
 */
export async function loadPrivateKey(path: string, passin?: string): Promise<KeyObject> {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    throw new KeyError(`${path}: cannot read key file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const pem = data.toString('latin1');
  const isPem = pem.includes('-----BEGIN');
  const passphrase = isPem ? await passphraseFor(path, pem, passin) : undefined;
  try {
    return isPem
      ? createPrivateKey({ key: pem, format: 'pem', passphrase })
      : createPrivateKey({ key: data, format: 'der', type: 'pkcs8' });
  } catch {
    throw new KeyError(passphrase !== undefined ? `${path}: cannot decrypt the key (wrong pass phrase?)` : `${path}: no private key found in it (give the key file with -rkey)`);
  }
}
