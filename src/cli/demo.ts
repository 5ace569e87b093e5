// `ocsplab demo`: a lab CA with one good and one revoked certificate, served on 127.0.0.1:2560
// with the admin API on 2570, and the openssl commands to try against it.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { initCa, issue, revoke, caPaths } from '../ca/index.js';
import { Responder } from '../responder/responder.js';

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { dir: { type: 'string', default: 'lab/demo' }, port: { type: 'string', default: '2560' }, 'admin-port': { type: 'string', default: '2570' } } });
  const dir = resolve(values.dir!);
  const port = Number(values.port);
  const url = `http://127.0.0.1:${port}`;
  if (!existsSync(join(dir, 'index.txt'))) {
    await initCa({ dir, cn: 'ocsplab demo CA', key: 'ec-p256', ocspUrl: url });
    await issue({ dir, cn: 'good.demo', role: 'server', out: join(dir, 'good') });
    await issue({ dir, cn: 'revoked.demo', role: 'server', out: join(dir, 'revoked') });
    await revoke({ dir, target: join(dir, 'revoked.pem'), reason: 'keyCompromise' });
  }
  const p = caPaths(dir);
  const responder = await Responder.create({
    cas: [{ name: 'demo-ca', index: p.index, ca: p.cacert, rkey: p.cakey }],
    port,
    adminPort: Number(values['admin-port']),
    logger: { level: 'info' },
  });
  await responder.start();
  const rel = (f: string) => join(values.dir!, f);
  process.stderr.write(`ocsplab demo: serving ${p.index} on ${url}; admin API on ${responder.admin!.url}
try:
  openssl ocsp -issuer ${rel('cacert.pem')} -cert ${rel('good.pem')} -url ${url} -CAfile ${rel('cacert.pem')}
  openssl ocsp -issuer ${rel('cacert.pem')} -cert ${rel('revoked.pem')} -url ${url} -CAfile ${rel('cacert.pem')}
  node dist/src/cli/main.js ctl --admin ${responder.admin!.url} mode down
Ctrl-C stops it.
`);
  const stop = () => void responder.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await responder.done;
  return 0;
}
