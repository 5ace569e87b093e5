// The responder in place of `openssl ocsp`, checked by openssl's own OCSP client.

import t from 'tap';
import { join } from 'node:path';
import { makeOpensslCa, opensslQuery, run, tempDir } from './helpers/openssl.js';
import { startResponder } from './helpers/responder.js';

t.test('openssl client over POST: good, revoked with reason, unknown; nonce and -no_nonce; sha1 and sha256', async (t) => {
  const ca = await makeOpensslCa(tempDir());
  const good = await ca.issue('good.example');
  const bad = await ca.issue('revoked.example');
  t.equal((await ca.revoke(bad.pem, ['-crl_reason', 'keyCompromise'])).code, 0);
  const r = await startResponder({ cas: [{ index: join(ca.dir, 'index.txt'), ca: ca.cacert, rsigner: ca.cacert, rkey: ca.cakey }] });
  t.teardown(r.close);
  for (const args of [[], ['-no_nonce'], ['-sha256'], ['-sha256', '-no_nonce']]) {
    const g = await opensslQuery({ issuer: ca.cacert, target: good.pem, url: r.url, cafile: ca.cacert, args });
    t.ok(g.verified, `verify OK ${args.join(' ')}`);
    t.equal(g.status, 'good', `good ${args.join(' ')}`);
    const b = await opensslQuery({ issuer: ca.cacert, target: bad.pem, url: r.url, cafile: ca.cacert, args });
    t.ok(b.verified);
    t.equal(b.status, 'revoked');
    t.equal(b.reason, 'keyCompromise');
    const u = await opensslQuery({ issuer: ca.cacert, target: '0xDEAD', url: r.url, cafile: ca.cacert, args });
    t.ok(u.verified);
    t.equal(u.status, 'unknown');
  }
  // One log line per request with CA, serial, status and time.
  const line = r.logs.find((l) => l.msg === 'ocsp' && l.status === 'revoked');
  t.ok(line, 'request logged');
  t.equal(line?.serial, bad.serial.replace(/^0+/, ''));
  t.type(line?.ms, 'number');
});

t.test('GET with the base64 request in the path, verified by openssl with -respin and the nonce checked', async (t) => {
  const ca = await makeOpensslCa(tempDir());
  const c = await ca.issue('get.example');
  const r = await startResponder({ cas: [{ index: join(ca.dir, 'index.txt'), ca: ca.cacert, rkey: ca.cakey }] });
  t.teardown(r.close);
  const dir = ca.dir;
  t.equal((await run('openssl', ['ocsp', '-issuer', ca.cacert, '-cert', c.pem, '-reqout', join(dir, 'req.der')])).code, 0);
  const der = (await import('node:fs')).readFileSync(join(dir, 'req.der'));
  const b64 = der.toString('base64');
  const forms = {
    encoded: encodeURIComponent(b64),
    raw: b64,
    'doubled slash': `/${encodeURIComponent(b64)}`,
    'plus kept': b64.replace(/\//g, '%2F').replace(/=/g, '%3D'),
  };
  for (const [name, path] of Object.entries(forms)) {
    const res = await fetch(`${r.url}/${path}`);
    t.equal(res.status, 200, name);
    t.equal(res.headers.get('content-type'), 'application/ocsp-response');
    (await import('node:fs')).writeFileSync(join(dir, 'resp.der'), Buffer.from(await res.arrayBuffer()));
    // With -reqin (and no -cert, which would build a fresh request) openssl checks the nonce.
    const v = await run('openssl', ['ocsp', '-reqin', join(dir, 'req.der'), '-respin', join(dir, 'resp.der'), '-CAfile', ca.cacert, '-resp_text']);
    t.match(v.stdout + v.stderr, /Response verify OK/, `${name}: verify OK`);
    t.match(v.stdout, /Cert Status: good/, `${name}: good`);
    t.match(v.stdout, /OCSP Nonce:/, `${name}: nonce present`);
    t.notMatch(v.stdout + v.stderr, /WARNING: no nonce|nonce verify error/i, `${name}: nonce echoed`);
  }
  // openssl's health check
  const h = await fetch(`${r.url}/`);
  t.equal(h.status, 200);
});
