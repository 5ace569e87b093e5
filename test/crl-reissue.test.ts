// An index CRL is re-issued before half its validity has passed even when the index never
// changes, so a responder left idle never serves a CRL past its nextUpdate; a re-issue for time
// alone keeps crl-stale on the CRL from before the latest revocation. The clock is passed in.

import t from 'tap';
import { readFileSync } from 'node:fs';
import { initCa, issue, revoke } from '../src/ca/index.js';
import { loadPrivateKey } from '../src/crypto/keys.js';
import { parseCrl } from '../src/crl/decode.js';
import { normalizeSerial } from '../src/index/line.js';
import { readCertificates } from '../src/ocsp/cert.js';
import { IndexStore } from '../src/index/store.js';
import { IndexCrl } from '../src/responder/crl-source.js';
import { tempDir } from './helpers/ca-tools.js';

const dir = `${tempDir(t)}/ca`;
await initCa({ dir, cn: 'Idle CA' });
const leaf = await issue({ dir, cn: 'leaf.example' });
const store = new IndexStore(`${dir}/index.txt`, { info: () => undefined, error: () => undefined });
t.teardown(() => store.close());
const cert = readCertificates(readFileSync(`${dir}/cacert.pem`))[0];
const key = await loadPrivateKey(`${dir}/private/cakey.pem`);
const hour = 3_600_000;
const crl = new IndexCrl(store, cert, key, 'sha256', 24 * hour);

t.test('idle index: the same CRL until half its validity, then a new one', async (t) => {
  const t0 = new Date(Math.floor(Date.now() / 1000) * 1000);
  const first = crl.current(t0);
  t.equal(crl.current(new Date(t0.getTime() + 11 * hour)), first, 'within the first half: the same bytes (cached)');
  const later = new Date(t0.getTime() + 12 * hour);
  const second = crl.current(later);
  t.not(second, first, 'at half its validity: re-issued');
  t.ok(second.number! > first.number!, 'with a higher CRL number');
  t.ok(second.thisUpdate.getTime() <= later.getTime() && second.thisUpdate.getTime() > later.getTime() - 12 * hour, 'thisUpdate on the half-period grid: not after now, less than half a period before');
  t.ok(second.nextUpdate!.getTime() > later.getTime() + 12 * hour, 'nextUpdate a full period ahead');
  // Without the re-issue, two days idle would serve a CRL whose nextUpdate passed a day ago.
  const twoDays = new Date(t0.getTime() + 48 * hour);
  t.ok(crl.current(twoDays).nextUpdate!.getTime() > twoDays.getTime(), 'two days idle: never past nextUpdate');
  t.ok(crl.faulty('crl-expired', twoDays)!.nextUpdate!.getTime() < twoDays.getTime(), 'crl-expired follows the re-issued CRL');
});

t.test('a re-issue for time alone keeps crl-stale on the CRL before the revocation', async (t) => {
  const now = Date.now() + 72 * hour;
  const before = crl.current(new Date(now));
  await revoke({ dir, target: leaf.serial, reason: 'keyCompromise' });
  store.current();
  const after = crl.current(new Date(now + 1000));
  t.ok(parseCrl(after.der).entries.has(normalizeSerial(leaf.serial)), 'the revocation is listed');
  const reissued = crl.current(new Date(now + 13 * hour));
  t.ok(parseCrl(reissued.der).entries.has(normalizeSerial(leaf.serial)), 'still listed after a re-issue');
  const stale = crl.faulty('crl-stale', new Date(now + 13 * hour))!;
  t.equal(stale, before, 'crl-stale: the CRL from before the revocation, not the previous re-issue');
  t.notOk(parseCrl(stale.der).entries.has(normalizeSerial(leaf.serial)));
});

t.test('two workers (two stores, two IndexCrl) build at different moments: the same CRL number, times and ETag, also with ECDSA', async (t) => {
  for (const keyType of ['rsa2048', 'ec-p256'] as const) {
    const d = `${tempDir(t)}/${keyType}`;
    await initCa({ dir: d, cn: `Two workers ${keyType}`, key: keyType });
    const l = await issue({ dir: d, cn: 'two.example' });
    const c = readCertificates(readFileSync(`${d}/cacert.pem`))[0];
    const k = await loadPrivateKey(`${d}/private/cakey.pem`);
    const worker = () => {
      const s = new IndexStore(`${d}/index.txt`, { info: () => undefined, error: () => undefined });
      t.teardown(() => s.close());
      return new IndexCrl(s, c, k, 'sha256', 24 * hour);
    };
    const a = worker();
    const b = worker();
    const now = Date.now();
    const same = (x: ReturnType<IndexCrl['current']>, y: ReturnType<IndexCrl['current']>, what: string) => {
      t.equal(x.number, y.number, `${keyType} ${what}: one CRL number`);
      t.same([x.thisUpdate, x.nextUpdate], [y.thisUpdate, y.nextUpdate], `${keyType} ${what}: one thisUpdate and nextUpdate`);
      t.equal(x.etag, y.etag, `${keyType} ${what}: one ETag`);
    };
    const a1 = a.current(new Date(now));
    same(a1, b.current(new Date(now + 1500)), 'built 1.5 s apart');
    await revoke({ dir: d, target: l.serial });
    // Worker a sees the revocation first, b 2 s later: b must not serve a lower number afterwards.
    const a2 = a.current(new Date(Date.now()));
    const b2 = b.current(new Date(Date.now() + 2000));
    same(a2, b2, 'after a revocation');
    t.ok(a2.number! > a1.number!, `${keyType}: the revocation raised the number`);
    t.ok(parseCrl(b2.der).entries.has(normalizeSerial(l.serial)));
    same(a.current(new Date(now + 13 * hour)), b.current(new Date(now + 13 * hour + 5000)), 're-issued for time');
  }
});
