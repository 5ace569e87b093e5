// `ocsplab ctl`: drives a running responder's admin API from shell drills.
//   ocsplab ctl --admin URL [--token-file F | --token T] status
//   ocsplab ctl --admin URL mode [CA] <mode...>      (CA may be left out when one CA is served)
//   ocsplab ctl --admin URL clear [CA]
//   ocsplab ctl --admin URL reload [CA]
//   ocsplab ctl --admin URL counters

import { parseArgs } from 'node:util';
import { MODE_HELP, isModeWord } from '../responder/modes.js';
import { readAdminToken } from '../responder/admin-token.js';

const USAGE = `usage: ocsplab ctl --admin URL [--token-file FILE | --token TOKEN] <command>
commands:
  status                 CAs, their modes, index sizes and ports
  mode [CA|all] MODE...  set a mode (CA may be left out when one CA is served)
  clear [CA|all]         back to up
  reload [CA|all]        re-read index.txt now
  counters               requests by status and by mode
${MODE_HELP}
The token may also come from OCSPLAB_ADMIN_TOKEN or a file named by OCSPLAB_ADMIN_TOKEN_FILE;
a file keeps it out of the process list.
`;

interface State {
  modes: Array<{ target: string; mode: string }>;
  cas: Array<{ name: string; entries: number; generation: number; index: string; urls: Array<{ url: string; open: boolean }>; crl?: string; crlMode?: string }>;
}

export async function main(argv: string[]): Promise<number> {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: { admin: { type: 'string' }, token: { type: 'string' }, 'token-file': { type: 'string' }, help: { type: 'boolean' } }, allowPositionals: true }));
  } catch (e) {
    process.stderr.write(`ocsplab ctl: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help || positionals.length === 0) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const admin = (values.admin ?? process.env.OCSPLAB_ADMIN ?? '').replace(/\/+$/, '');
  if (!admin) {
    process.stderr.write(`ocsplab ctl: --admin URL is required\n${USAGE}`);
    return 2;
  }
  let token: string | undefined;
  try {
    if (values.token !== undefined && values['token-file'] !== undefined) throw new Error('give --token or --token-file, not both');
    const read = readAdminToken({ token: values.token, file: values['token-file'] });
    if (read.warning) process.stderr.write(`ocsplab ctl: warning: ${read.warning}\n`);
    token = read.token;
  } catch (e) {
    process.stderr.write(`ocsplab ctl: ${(e as Error).message}\n`);
    return 2;
  }
  const call = async (method: string, path: string, body?: unknown) => {
    let res: Response;
    try {
      res = await fetch(`${admin}${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new Error(`cannot reach the admin API at ${admin}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`);
    }
    const data = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) throw new Error(String(data.error ?? `HTTP ${res.status}`));
    return data;
  };
  const [cmd, ...rest] = positionals;
  // A CA name may be left out when one CA is served.
  const target = async (words: string[], isMode: boolean): Promise<[string, string[]]> => {
    if (words.length && !(isMode && isModeWord(words[0]))) return [words[0], words.slice(1)];
    const st = (await call('GET', '/api/cas')) as unknown as State;
    if (st.cas.length !== 1) throw new Error(`several CAs are served (${st.cas.map((c) => c.name).join(', ')}); name one, or "all"`);
    return [st.cas[0].name, words];
  };
  try {
    switch (cmd) {
      case 'status': {
        const st = (await call('GET', '/api/cas')) as unknown as State;
        const all = st.modes.find((m) => m.target === '*');
        process.stdout.write(`all CAs: ${all?.mode ?? 'up'}\n`);
        for (const c of st.cas) {
          const mode = st.modes.find((m) => m.target === c.name)?.mode ?? 'up';
          const urls = c.urls.map((u) => `${u.url}${u.open ? '' : ' (closed)'}`).join(', ');
          const crl = c.crl ? `; CRL ${c.crlMode && c.crlMode !== 'up' ? `${c.crlMode}, ` : ''}${c.crl}` : '';
          process.stdout.write(`${c.name}: ${mode}; ${c.entries} entries (generation ${c.generation}) from ${c.index}; ${urls}${crl}\n`);
        }
        return 0;
      }
      case 'mode': {
        const [ca, words] = await target(rest, true);
        const r = await call('PUT', `/api/modes/${encodeURIComponent(ca === 'all' ? '*' : ca)}`, { mode: words.join(' ') });
        process.stdout.write(`${ca}: ${words.join(' ')}\n`);
        return r ? 0 : 1;
      }
      case 'clear': {
        const [ca] = await target(rest, false);
        await call('DELETE', `/api/modes/${encodeURIComponent(ca === 'all' ? '*' : ca)}`);
        process.stdout.write(`${ca}: up\n`);
        return 0;
      }
      case 'reload': {
        const ca = rest[0] ?? 'all';
        await call('POST', `/api/reload/${encodeURIComponent(ca === 'all' ? '*' : ca)}`);
        process.stdout.write(`${ca}: reloaded\n`);
        return 0;
      }
      case 'counters':
        process.stdout.write(`${JSON.stringify(await call('GET', '/api/counters'), null, 2)}\n`);
        return 0;
      default:
        process.stderr.write(`ocsplab ctl: unknown command "${cmd}"\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    process.stderr.write(`ocsplab ctl: ${(e as Error).message}\n`);
    return 1;
  }
}
