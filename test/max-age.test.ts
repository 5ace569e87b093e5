// `ocsplab ocsp --max-age N`: Cache-Control max-age (and Expires) capped at N seconds on cacheable
// OCSP answers and CRLs, so an HTTP cache in front shows a revocation at most N seconds late;
// without it, max-age runs to nextUpdate as before (RFC 5019 6.2).

import t from 'tap';
import { join } from 'node:path';
import type { OutgoingHttpHeaders } from 'node:http';
import { addCacheHeaders } from '../src/responder/cache-headers.js';
import { parseOcspArgs } from '../src/cli/ocsp-args.js';
import { issuerHashes, readCertificates } from '../src/ocsp/cert.js';
import { getUrlOf, sha1Request } from '../src/presign/layout.js';
import { makeOpensslCa, tempDir } from './helpers/openssl.js';
import { startResponder } from './helpers/responder.js';
import { readFileSync } from 'node:fs';

t.test('addCacheHeaders: the cap, and nextUpdate when nearer', async (t) => {
  const now = Date.parse('2030-01-01T00:00:00Z');
  const thisUpdate = new Date(now);
  const next = new Date(now + 600_000);
  const h: OutgoingHttpHeaders = {};
  addCacheHeaders(h, '"x"', thisUpdate, next, now);
  t.match(String(h['cache-control']), /^max-age=600,/, 'no cap: up to nextUpdate');
  t.equal(h.expires, next.toUTCString());
  const c: OutgoingHttpHeaders = {};
  addCacheHeaders(c, '"x"', thisUpdate, next, now, 5);
  t.match(String(c['cache-control']), /^max-age=5, public, no-transform, must-revalidate$/);
  t.equal(c.expires, new Date(now + 5000).toUTCString(), 'Expires follows the cap');
  const n: OutgoingHttpHeaders = {};
  addCacheHeaders(n, '"x"', thisUpdate, next, now, 3600);
  t.match(String(n['cache-control']), /^max-age=600,/, 'a cap beyond nextUpdate changes nothing');
  t.equal(n.expires, next.toUTCString());
  const none: OutgoingHttpHeaders = {};
  addCacheHeaders(none, '"x"', thisUpdate, undefined, now, 5);
  t.equal(none['cache-control'], undefined, 'no nextUpdate: no max-age, cap or not');
});

t.test('--max-age is parsed, checked and in the help', async (t) => {
  const base = ['-index', 'i.txt', '-CA', 'ca.pem'];
  t.equal(parseOcspArgs([...base, '--max-age', '30']).maxAge, 30);
  t.equal(parseOcspArgs(base).maxAge, undefined);
  t.throws(() => parseOcspArgs([...base, '--max-age', 'soon']), /--max-age: expected a whole number/);
});

t.test('a responder with maxAge caps OCSP GET answers and CRLs', async (t) => {
  const ca = await makeOpensslCa(tempDir());
  const leaf = await ca.issue('max-age.example');
  const r = await startResponder({ cas: [{ index: join(ca.dir, 'index.txt'), ca: ca.cacert, rkey: ca.cakey, nmin: 60, name: 'm' }], maxAge: 7 });
  t.teardown(() => r.close());
  const h = issuerHashes(readCertificates(readFileSync(ca.cacert))[0]).sha1;
  const get = await fetch(`${r.url}/${getUrlOf(sha1Request(h.name, h.key, leaf.serial))}`);
  t.equal(get.status, 200);
  t.match(get.headers.get('cache-control') ?? '', /^max-age=7,/, 'OCSP GET');
  const crl = await fetch(`${r.url}/crl/m.crl`);
  t.equal(crl.status, 200);
  t.match(crl.headers.get('cache-control') ?? '', /^max-age=7,/, 'CRL');
});
