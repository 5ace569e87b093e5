// The pre-signed directory behind a plain static web server: Debian's nginx on loopback serving
// `ocsplab presign`'s get/ as is (root + one default type, no rewrite). Every answer is reached by
// the GET path an RFC 5019 client sends, percent-encoded and raw, '/', '+', '=' and a trailing '/'
// included; openssl verifies what the server sends; a revocation under --watch is served at the
// same URL once presign has renamed the new file in. Skipped with what to install where nginx is
// missing; fails instead under OCSPLAB_INTEROP_REQUIRE=1.

import t from 'tap';
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './helpers/ca-tools.js';
import { CLI } from './helpers/cli.js';
import { makeOpensslCa, tempDir } from './helpers/openssl.js';
import { findNginx, NGINX_INSTALL, portOpen, startNginx } from './helpers/nginx.js';
import { indexLine, opensslVerifyFile, readPresignIndex, specialSerials } from './helpers/presign.js';
import { decodeOcspResponse } from '../src/ocsp/verify.js';
import { waitUntil } from './helpers/wait.js';

const bin = await findNginx();

if (!bin) {
  if (process.env.OCSPLAB_INTEROP_REQUIRE === '1') t.fail(`nginx not installed: ${NGINX_INSTALL}`);
  else t.plan(0, `nginx not installed: ${NGINX_INSTALL}`);
} else {
  t.test('nginx serves the pre-signed files at the GET paths clients send', async (t) => {
    const ca = await makeOpensslCa(tempDir(), { cn: 'static CA' });
    const leaf = await ca.issue('static.example');
    const sp = specialSerials(ca.cacert);
    const index = join(ca.dir, 'index.txt');
    appendFileSync(index, indexLine(sp.slash) + indexLine(sp.plus) + indexLine(sp.trailing));
    const out = join(tempDir(), 'out');
    const w = spawn(process.execPath, [CLI, 'presign', '--out', out, '--watch', '-index', index, '-CA', ca.cacert, '-rkey', ca.cakey, '-nmin', '30'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    w.stderr!.on('data', (d) => (log += d));
    t.teardown(() => void w.kill('SIGKILL'));
    await waitUntil(() => /watching/.test(log));
    t.match(log, /watching/);

    const port = await freePort();
    const nginx = await startNginx(bin, { static: { port, root: join(out, 'get') } });
    t.teardown(() => nginx.stop());
    const base = `http://127.0.0.1:${port}`;
    const idx = readPresignIndex(out);
    t.equal(idx.files.length, 4);
    for (const [, serial, status, , , bytes, get, , url] of idx.files) {
      const file = readFileSync(join(out, get));
      for (const path of [url, decodeURIComponent(url)]) {
        const r = await fetch(`${base}/${path}`);
        t.equal(r.status, 200, `${serial}: GET /${path}`);
        t.equal(r.headers.get('content-type'), 'application/ocsp-response');
        const body = Buffer.from(await r.arrayBuffer());
        t.equal(body.length, bytes);
        t.ok(body.equals(file), `${serial}: the file's bytes (${path === url ? 'percent-encoded' : 'raw'} path)`);
      }
      const got = join(ca.dir, `got-${serial}.der`);
      writeFileSync(got, file);
      const v = await opensslVerifyFile(ca.cacert, got, serial);
      t.ok(v.ok, `${serial}: openssl verifies what nginx sent`);
      t.equal(v.status, status);
    }
    t.match(idx.files.map((f) => f[6]).join(' '), /index\.html/, 'the trailing-"/" request is among them');

    // A revocation: presign rewrites the file; the same URL now answers revoked.
    const row = idx.files.find((f) => f[1] === leaf.serial)!;
    const mark = log.length;
    t.equal((await ca.revoke(leaf.pem, ['-crl_reason', 'keyCompromise'])).code, 0);
    await waitUntil(() => /1 changed/.test(log.slice(mark)));
    const r = await fetch(`${base}/${row[8]}`);
    t.equal(decodeOcspResponse(Buffer.from(await r.arrayBuffer())).basic?.singles[0]?.status, 'revoked', 'served revoked at the same URL');

    await nginx.stop();
    t.equal(await portOpen(port), false, 'nothing left listening');
    w.kill('SIGTERM');
  });
}
