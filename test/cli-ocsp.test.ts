// `ocsplab ocsp` as a user starts it: the seed-003 openssl line verbatim, repeated flag groups,
// a config file, -passin stdin, -rother, -nrequest, several CertIDs and digests, E lines, RFC 5019
// caching headers, and our CA tool's revoke/restore against the running process.

import t from 'tap';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './helpers/ca-tools.js';
import { startCli } from './helpers/cli.js';
import { waitUntil } from './helpers/wait.js';
import { makeOpensslCa, opensslQuery, run, tempDir } from './helpers/openssl.js';
import { revoke, restore } from '../src/ca/index.js';

t.test('the seed-003 line, verbatim with ocsplab in place of openssl', async (t) => {
  const ca = await makeOpensslCa(tempDir());
  const leaf = await ca.issue('PL921WCA');
  const port = await freePort();
  const line = `-ignore_err -index index.txt -CA cacert.pem -rsigner cacert.pem -rkey private/cakey.pem -port ${port}`;
  const s = await startCli(line.split(' '), { cwd: ca.dir });
  t.teardown(() => s.child.kill());
  t.match(s.out(), /note: -ignore_err/, 'says once what a meaningless flag does');
  t.match(s.out(), new RegExp(`listening on http://127\\.0\\.0\\.1:${port}`), 'binds loopback by default');
  const q = await opensslQuery({ issuer: ca.cacert, target: leaf.pem, url: `http://127.0.0.1:${port}`, cafile: ca.cacert });
  t.ok(q.verified);
  t.equal(q.status, 'good');
  // The worker writes its log line beside the answer, and the pipe may bring it after openssl is done.
  await waitUntil(() => /"msg":"ocsp"/.test(s.out()), { ms: 10_000 });
  t.match(s.out(), /"msg":"ocsp"/, 'one log line per request');
});

t.test('repeated -index groups and a --config file serve several CAs; -rother; --workers 1', async (t) => {
  const a = await makeOpensslCa(tempDir(), { cn: 'CA A' });
  const b = await makeOpensslCa(tempDir(), { cn: 'CA B', key: 'ec-p256' });
  const la = await a.issue('a.example');
  const lb = await b.issue('b.example');
  await b.revoke(lb.pem, ['-crl_reason', 'affiliationChanged']);
  const port = await freePort();
  const s = await startCli(['-port', String(port), '--workers', '1', '-index', join(a.dir, 'index.txt'), '-CA', a.cacert, '-rkey', a.cakey, '--name', 'ca-a', '-rother', b.cacert, '-index', join(b.dir, 'index.txt'), '-CA', b.cacert, '-rkey', b.cakey, '--name', 'ca-b']);
  t.teardown(() => s.child.kill());
  const url = `http://127.0.0.1:${port}`;
  const qa = await opensslQuery({ issuer: a.cacert, target: la.pem, url, cafile: a.cacert, args: ['-resp_text'] });
  t.equal(qa.status, 'good');
  t.equal((qa.stdout.match(/^Certificate:$/gm) ?? []).length, 2, '-rother adds its certificate to the signer');
  const qb = await opensslQuery({ issuer: b.cacert, target: lb.pem, url, cafile: b.cacert });
  t.equal(qb.status, 'revoked');
  t.equal(qb.reason, 'affiliationChanged');
  t.match(s.out(), /serving ca-a .*serving ca-b/s);

  const cfg = join(a.dir, 'responder.yaml');
  const port2 = await freePort();
  writeFileSync(cfg, `port: ${port2}\nworkers: 1\ncas:\n  - { name: qa, index: index.txt, ca: cacert.pem, rkey: private/cakey.pem }\n  - { name: qb, index: ${join(b.dir, 'index.txt')}, ca: ${b.cacert}, rkey: ${b.cakey} }\n`);
  const s2 = await startCli(['--config', cfg]);
  t.teardown(() => s2.child.kill());
  const url2 = `http://127.0.0.1:${port2}`;
  t.equal((await opensslQuery({ issuer: a.cacert, target: la.pem, url: url2, cafile: a.cacert })).status, 'good', 'config paths relative to the file');
  t.equal((await opensslQuery({ issuer: b.cacert, target: lb.pem, url: url2, cafile: b.cacert })).status, 'revoked');
});

t.test('-passin stdin with an encrypted key; -nrequest stops after N answers', async (t) => {
  const ca = await makeOpensslCa(tempDir(), { pass: 'from-stdin' });
  const leaf = await ca.issue('leaf.example');
  const port = await freePort();
  const s = await startCli(['-index', join(ca.dir, 'index.txt'), '-CA', ca.cacert, '-rkey', ca.cakey, '-passin', 'stdin', '-port', String(port), '-nrequest', '2'], { input: 'from-stdin\n' });
  const url = `http://127.0.0.1:${port}`;
  t.equal((await opensslQuery({ issuer: ca.cacert, target: leaf.pem, url, cafile: ca.cacert })).status, 'good');
  t.equal((await opensslQuery({ issuer: ca.cacert, target: leaf.pem, url, cafile: ca.cacert })).status, 'good');
  t.equal(await s.exited, 0, 'exits by itself after 2 requests');
  t.notMatch(s.out(), /from-stdin/, 'pass phrase not echoed');
});

t.test('several CertIDs in one request, SHA-384/512 CertIDs, E lines, --expired', async (t) => {
  const ca = await makeOpensslCa(tempDir());
  const one = await ca.issue('one.example');
  const two = await ca.issue('two.example');
  await ca.revoke(two.pem, ['-crl_reason', 'superseded']);
  appendFileSync(join(ca.dir, 'index.txt'), 'E\t200101000000Z\t\t0ABC\tunknown\t/CN=expired.example\n');
  const port = await freePort();
  const s = await startCli(['-index', join(ca.dir, 'index.txt'), '-CA', ca.cacert, '-rkey', ca.cakey, '-port', String(port), '--workers', '1']);
  t.teardown(() => s.child.kill());
  const url = `http://127.0.0.1:${port}`;
  for (const h of ['-sha384', '-sha512']) {
    const r = await run('openssl', ['ocsp', '-issuer', ca.cacert, h, '-cert', one.pem, '-cert', two.pem, '-url', url, '-CAfile', ca.cacert]);
    t.match(r.stdout + r.stderr, /Response verify OK/, `${h}: verified`);
    t.match(r.stdout, /one\.example\.pem: good/, `${h}: first CertID good`);
    t.match(r.stdout, /two\.example\.pem: revoked/, `${h}: second CertID revoked`);
  }
  t.equal((await opensslQuery({ issuer: ca.cacert, target: '0x0ABC', url, cafile: ca.cacert })).status, 'good', 'E answered good (documented choice)');
  const port2 = await freePort();
  const s2 = await startCli(['-index', join(ca.dir, 'index.txt'), '-CA', ca.cacert, '-rkey', ca.cakey, '-port', String(port2), '--workers', '1', '--expired', 'unknown']);
  t.teardown(() => s2.child.kill());
  t.equal((await opensslQuery({ issuer: ca.cacert, target: '0x0ABC', url: `http://127.0.0.1:${port2}`, cafile: ca.cacert })).status, 'unknown', '--expired unknown');
});

t.test('RFC 5019 caching headers on GET, 304 on If-None-Match; our CA tool revoke/restore seen at once', async (t) => {
  const ca = await makeOpensslCa(tempDir());
  const leaf = await ca.issue('cached.example');
  const port = await freePort();
  const s = await startCli(['-index', join(ca.dir, 'index.txt'), '-CA', ca.cacert, '-rkey', ca.cakey, '-port', String(port), '-nmin', '30', '--workers', '1']);
  t.teardown(() => s.child.kill());
  const url = `http://127.0.0.1:${port}`;
  await run('openssl', ['ocsp', '-issuer', ca.cacert, '-cert', leaf.pem, '-no_nonce', '-reqout', join(ca.dir, 'req.der')]);
  const path = `${url}/${encodeURIComponent(readFileSync(join(ca.dir, 'req.der')).toString('base64'))}`;
  const first = await fetch(path);
  await first.arrayBuffer();
  const cc = first.headers.get('cache-control') ?? '';
  t.match(cc, /max-age=\d+/);
  t.ok(Number(/max-age=(\d+)/.exec(cc)?.[1]) > 1700 && Number(/max-age=(\d+)/.exec(cc)?.[1]) <= 1800, 'max-age runs to nextUpdate');
  t.match(cc, /public/);
  t.match(cc, /no-transform/);
  t.match(cc, /must-revalidate/);
  t.ok(first.headers.get('etag'));
  t.ok(first.headers.get('last-modified'));
  t.ok(first.headers.get('expires'));
  const again = await fetch(path, { headers: { 'if-none-match': first.headers.get('etag')! } });
  t.equal(again.status, 304);
  t.equal(again.headers.get('etag'), first.headers.get('etag'), '304 carries the same headers');

  const q = () => opensslQuery({ issuer: ca.cacert, target: leaf.pem, url, cafile: ca.cacert, args: ['-no_nonce'] });
  t.equal((await q()).status, 'good');
  await revoke({ dir: ca.dir, target: leaf.pem, reason: 'keyCompromise' });
  const r = await q();
  t.equal(r.status, 'revoked', 'ocsplab ca revoke: the next query says revoked');
  t.equal(r.reason, 'keyCompromise');
  const changed = await fetch(path, { headers: { 'if-none-match': first.headers.get('etag')! } });
  t.equal(changed.status, 200, 'the cached good answer is not served after the revocation');
  await restore({ dir: ca.dir, target: leaf.pem });
  t.equal((await q()).status, 'good', 'ocsplab ca restore: the next query says good');
});
