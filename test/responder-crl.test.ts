// CRLs served beside OCSP on the responder's port: from the watched index (rebuilt on change,
// numbers rising), with cache headers; every CRL fault mode as a real client sees it (openssl
// crl / verify -crl_check on what the HTTP fetch returned); a --crl file served as it is; bad
// input refused at start; the modes replayed into every worker.

import t from 'tap';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { genCrl, initCa, issue, responderCert, revoke, restore } from '../src/ca/index.js';
import { parseCrl } from '../src/crl/decode.js';
import { normalizeSerial } from '../src/index/line.js';
import { Responder } from '../src/responder/responder.js';
import { freePort, openssl, run, tempDir } from './helpers/ca-tools.js';
import { startCli } from './helpers/cli.js';
import { startResponder } from './helpers/responder.js';
import { waitUntil } from './helpers/wait.js';

const base = tempDir(t);
const dir = `${base}/ca`;
await initCa({ dir, cn: 'Served CA' });
const leaf = await issue({ dir, cn: 'leaf.example' });
const other = await issue({ dir, cn: 'other.example' });
const signer = await responderCert({ dir });
const cacert = `${dir}/cacert.pem`;
const index = `${dir}/index.txt`;
const caConfig = { name: 'served', index, ca: cacert, rkey: `${dir}/private/cakey.pem` };

async function fetchCrl(url: string, headers: Record<string, string> = {}) {
  const r = await fetch(url, { headers });
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}

/** openssl's view of a fetched CRL: verify against the CA, then -crl_check the leaf with it. */
async function opensslJudges(body: Buffer, name: string) {
  const file = join(base, `${name}.crl`);
  writeFileSync(file, body);
  const crl = await openssl(['crl', '-inform', 'DER', '-in', file, '-CAfile', cacert, '-noout']);
  const pem = join(base, `${name}.pem`);
  await openssl(['crl', '-inform', 'DER', '-in', file, '-out', pem]);
  const verify = await openssl(['verify', '-crl_check', '-CAfile', cacert, '-CRLfile', pem, leaf.certPath]);
  return { crl: crl.stdout + crl.stderr, verify: verify.stdout + verify.stderr, verifyCode: verify.code };
}

t.test('signed from the index: DER and PEM, cache headers, 304, the next fetch after a revoke lists it', async (t) => {
  const r = await startResponder({ cas: [caConfig] });
  t.teardown(() => r.close());
  const url = `${r.url}/crl/served.crl`;
  const a = await fetchCrl(url);
  t.equal(a.status, 200);
  t.equal(a.headers.get('content-type'), 'application/pkix-crl');
  const crl = parseCrl(a.body);
  t.equal(crl.entries.size, 0, 'nothing revoked yet');
  t.equal(a.headers.get('last-modified'), crl.thisUpdate.toUTCString(), 'Last-Modified is thisUpdate');
  const maxAge = Number(/max-age=(\d+)/.exec(a.headers.get('cache-control') ?? '')?.[1]);
  t.ok(maxAge > 0 && maxAge <= (crl.nextUpdate!.getTime() - Date.now()) / 1000 + 1, 'max-age up to nextUpdate');
  t.match((await opensslJudges(a.body, 'initial')).crl, /verify OK/, 'openssl crl -CAfile: verify OK');
  const again = await fetchCrl(url, { 'if-none-match': a.headers.get('etag')! });
  t.equal(again.status, 304, 'If-None-Match → 304');
  t.equal(again.headers.get('etag'), a.headers.get('etag'));

  await revoke({ dir, target: leaf.serial, reason: 'keyCompromise' });
  const b = await fetchCrl(url);
  const after = parseCrl(b.body);
  t.ok(after.entries.has(normalizeSerial(leaf.serial)), 'the very next fetch lists the revoked serial');
  t.ok(after.number! > crl.number!, 'with a higher CRL number');
  t.equal(after.entries.get(normalizeSerial(leaf.serial))?.reason, 1);
  const judged = await opensslJudges(b.body, 'revoked');
  t.match(judged.verify, /certificate revoked/, 'openssl verify -crl_check: revoked');
  const pem = await fetchCrl(`${r.url}/crl/served.pem`);
  t.match(pem.body.toString(), /^-----BEGIN X509 CRL-----/);
  t.not(pem.headers.get('etag'), b.headers.get('etag'), 'the PEM form has its own ETag');
  await restore({ dir, target: leaf.serial });
  t.notOk(parseCrl((await fetchCrl(url)).body).entries.has(normalizeSerial(leaf.serial)), 'restore: gone from the next CRL');
  const nosuch = await fetchCrl(`${r.url}/crl/nosuch.crl`);
  t.equal(nosuch.status, 404);
  t.match(nosuch.body.toString(), 'no CA named nosuch here (CRLs here: /crl/served.crl)', 'the 404 says which CRLs are served');
  const ocsp = await openssl(['ocsp', '-issuer', cacert, '-cert', leaf.certPath, '-url', r.url, '-CAfile', cacert]);
  t.match(ocsp.stdout, /: good/, 'OCSP still answers on the same port');
});

t.test('every CRL fault mode, as openssl sees the fetched bytes', async (t) => {
  const r = await startResponder({ cas: [caConfig] });
  t.teardown(() => r.close());
  const url = `${r.url}/crl/served.crl`;
  await revoke({ dir, target: leaf.serial, reason: 'superseded' });
  t.teardown(() => restore({ dir, target: leaf.serial }).catch(() => undefined));
  const good = await fetchCrl(url);
  await revoke({ dir, target: other.serial });
  t.teardown(() => restore({ dir, target: other.serial }).catch(() => undefined));
  await fetchCrl(url); // the CRL that lists both; the one before it is now the stale one
  const set = (m: string) => r.responder.setMode('served', m);

  await set('crl-expired');
  const exp = await opensslJudges((await fetchCrl(url)).body, 'expired');
  t.match(exp.verify, /CRL has expired/, 'crl-expired: openssl says the CRL has expired');
  await set('crl-future');
  t.match((await opensslJudges((await fetchCrl(url)).body, 'future')).verify, /CRL is not yet valid/, 'crl-future');
  await set('crl-bad-signature');
  t.match((await opensslJudges((await fetchCrl(url)).body, 'badsig')).crl, /verify failure|bad signature|signature failure/i, 'crl-bad-signature');
  await set('crl-wrong-issuer');
  const wrong = await opensslJudges((await fetchCrl(url)).body, 'wrong');
  t.match(wrong.verify, /unable to get certificate CRL/, 'crl-wrong-issuer: no CRL of this issuer');
  await set('crl-garbage');
  const garbage = await fetchCrl(url);
  t.equal(garbage.status, 200);
  t.match((await opensslJudges(garbage.body, 'garbage')).crl, /unable to load|Could not (read|find)|error/i, 'crl-garbage: not a CRL');
  await set('crl-stale');
  const stale = parseCrl((await fetchCrl(url)).body);
  t.ok(stale.entries.has(normalizeSerial(leaf.serial)), 'crl-stale: the older revocation is there');
  t.notOk(stale.entries.has(normalizeSerial(other.serial)), 'crl-stale: the latest revocation is not yet listed');
  t.same(stale.der, good.body, 'crl-stale serves the CRL from before the latest change');
  await set('crl-down');
  const down = await run('curl', ['-sS', '-o', '/dev/null', url]);
  t.not(down.code, 0, 'crl-down: the fetch fails');
  t.match(down.stderr, /Empty reply|reset|closed/i);
  await set('crl-blackhole');
  const hole = await run('curl', ['-sS', '-m', '1', '-o', '/dev/null', url]);
  t.equal(hole.code, 28, 'crl-blackhole: curl times out');
  const ocsp = await openssl(['ocsp', '-issuer', cacert, '-cert', leaf.certPath, '-url', r.url, '-CAfile', cacert]);
  t.match(ocsp.stdout, /: revoked/, 'OCSP is not touched by a CRL mode');
  await set('down');
  t.equal(r.responder.crlMode('served').kind, 'crl-blackhole', 'an OCSP mode leaves the CRL mode');
  await set('crl-up');
  t.equal(r.responder.mode('served').kind, 'down', 'crl-up leaves the OCSP mode');
  await set('up');
  // curl, a fresh connection: fetch's pool may still hold a socket from before the port closed.
  t.equal((await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', url])).stdout, '200', 'up clears both');
  t.same(r.responder.state().cas[0].crlMode, 'up');
  const lines = JSON.stringify(r.logs);
  t.match(lines, /"crl":"number \d+"/, 'one log line per CRL request');
  t.notMatch(lines, /PRIVATE KEY/);
});

t.test('a delegated OCSP signer: no CRL without --crl-key; with it, signed by the CA', async (t) => {
  const delegated = { name: 'served', index, ca: cacert, rsigner: signer.certPath, rkey: signer.keyPath };
  const r = await startResponder({ cas: [delegated] });
  t.teardown(() => r.close());
  const no = await fetchCrl(`${r.url}/crl/served.crl`);
  t.equal(no.status, 404);
  t.match(no.body.toString(), /holds no CA key; give --crl-key with the CA key, or --crl FILE/);
  const r2 = await startResponder({ cas: [{ ...delegated, crlKey: `${dir}/private/cakey.pem` }] });
  t.teardown(() => r2.close());
  t.match((await opensslJudges((await fetchCrl(`${r2.url}/crl/served.crl`)).body, 'crlkey')).crl, /verify OK/);
  await t.rejects(Responder.create({ port: 0, cas: [{ ...delegated, crlKey: signer.keyPath }] }), /CRL key .* is not the key of the CA certificate/);
  await t.rejects(Responder.create({ port: 0, cas: [{ ...delegated, crlKey: `${base}/no-such-key.pem` }] }), /^--crl-key: .*no-such-key\.pem: cannot read key file \(ENOENT\)$/, 'a missing --crl-key named as such');
  const wrong = await Responder.create({ port: 0, cas: [{ ...delegated, crlKey: cacert }] }).then(
    () => 'started',
    (e: Error) => e.message,
  );
  t.match(wrong, /^--crl-key: .*cacert\.pem: no private key found in it \(--crl-key is the CA private key, PEM\)$/, 'a certificate given as --crl-key: no -rkey hint');
});

t.test('--crl FILE served as it is; a corrupt one refused at start with its path', async (t) => {
  const file = `${base}/given.crl`;
  await genCrl({ dir, out: file, der: true });
  const r = await startResponder({ cas: [{ ...caConfig, crl: file }] });
  t.teardown(() => r.close());
  t.same((await fetchCrl(`${r.url}/crl/served.crl`)).body, readFileSync(file), 'byte for byte');
  t.match(r.responder.state().cas[0].crl, `file ${file}`);
  const bad = `${base}/corrupt.crl`;
  writeFileSync(bad, 'garbage that is no CRL');
  const port = await freePort();
  const cli = await run(process.execPath, [join(process.cwd(), 'dist/src/cli/main.js'), 'ocsp', '-index', index, '-CA', cacert, '-rkey', `${dir}/private/cakey.pem`, '--crl', bad, '-port', String(port)]);
  t.equal(cli.code, 1);
  t.match(cli.stderr, `CRL file ${bad}: not a CRL`);
});

t.test('two workers: CRL modes reach every worker and survive a replacement', async (t) => {
  const [port, admin] = [await freePort(), await freePort()];
  const s = await startCli(['-index', index, '-CA', cacert, '-rkey', `${dir}/private/cakey.pem`, '--name', 'served', '-port', String(port), '--admin-port', String(admin), '--workers', '2']);
  t.teardown(() => s.child.kill('SIGTERM'));
  const api = `http://127.0.0.1:${admin}/api/modes/served`;
  t.equal((await fetch(api, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'crl-expired' })).status, 200);
  t.equal((await fetch(api, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'status revoked' })).status, 200);
  for (let i = 0; i < 6; i++) {
    const c = parseCrl((await fetchCrl(`http://127.0.0.1:${port}/crl/served.crl`, { connection: 'close' })).body);
    t.ok(c.nextUpdate!.getTime() < Date.now(), `fetch ${i + 1}: expired CRL from every worker`);
  }
  const pids = (await run('pgrep', ['-P', String(s.child.pid)])).stdout.trim().split('\n').map(Number);
  process.kill(pids[0], 'SIGKILL');
  await waitUntil(() => /starting another/.test(s.out()), { every: 100 });
  await new Promise((r) => setTimeout(r, 1000));
  for (let i = 0; i < 4; i++) {
    const c = parseCrl((await fetchCrl(`http://127.0.0.1:${port}/crl/served.crl`, { connection: 'close' })).body);
    t.ok(c.nextUpdate!.getTime() < Date.now(), 'the replacement worker has the CRL mode');
  }
  const st = await (await fetch(`http://127.0.0.1:${admin}/api/cas`)).json() as { modes: Array<{ target: string; mode: string; crl?: string }> };
  t.same(st.modes.find((m) => m.target === 'served'), { target: 'served', mode: 'status revoked', crl: 'crl-expired' }, 'both slots kept');
  // A mode set while a worker dies and its replacement starts: answered, and in force everywhere
  // (the replacement gets it with its start, or as a call it answers once it serves).
  const before = (s.out().match(/starting another/g) ?? []).length;
  process.kill(pids[1], 'SIGKILL');
  const put = await fetch(api, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'crl-future' });
  t.equal(put.status, 200, 'a mode set during a replacement is answered');
  await waitUntil(() => (s.out().match(/starting another/g) ?? []).length > before, { every: 100 });
  const put2 = await fetch(api, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'crl-future' });
  t.equal(put2.status, 200, 'and one set while the replacement starts');
  for (let i = 0; i < 6; i++) {
    const c = parseCrl((await fetchCrl(`http://127.0.0.1:${port}/crl/served.crl`, { connection: 'close' })).body);
    t.ok(c.thisUpdate.getTime() > Date.now(), `fetch ${i + 1} after the second replacement: crl-future from every worker`);
  }
});

t.test('conditional GET and HEAD: If-Modified-Since, If-None-Match lists, weak tags and *', async (t) => {
  const r = await startResponder({ cas: [caConfig] });
  t.teardown(() => r.close());
  const url = `${r.url}/crl/served.crl`;
  const a = await fetchCrl(url);
  const lm = a.headers.get('last-modified')!;
  const etag = a.headers.get('etag')!;
  t.equal((await fetchCrl(url, { 'if-modified-since': lm })).status, 304, 'If-Modified-Since at thisUpdate: 304');
  t.equal((await fetchCrl(url, { 'if-modified-since': new Date(Date.parse(lm) - 1000).toUTCString() })).status, 200, 'an older date: the CRL');
  t.equal((await fetchCrl(url, { 'if-modified-since': new Date(Date.now() + 86_400_000).toUTCString() })).status, 200, 'a date after the clock is ignored');
  t.equal((await fetchCrl(url, { 'if-modified-since': 'yesterday' })).status, 200, 'an unreadable date is ignored');
  t.equal((await fetchCrl(url, { 'if-none-match': `"other", ${etag}` })).status, 304, 'an ETag in a list');
  t.equal((await fetchCrl(url, { 'if-none-match': `W/${etag}` })).status, 304, 'weak comparison');
  t.equal((await fetchCrl(url, { 'if-none-match': '*' })).status, 304, '*');
  t.equal((await fetchCrl(url, { 'if-none-match': '"other"', 'if-modified-since': lm })).status, 200, 'If-None-Match decides when both are sent');
  const nm = await fetchCrl(url, { 'if-modified-since': lm });
  t.equal(nm.headers.get('etag'), etag, 'the 304 carries the 200\'s headers');
  t.equal(nm.body.length, 0);
  const head = await fetch(url, { method: 'HEAD' });
  t.equal(head.status, 200);
  t.equal(head.headers.get('content-length'), String(a.body.length), 'HEAD: the length of the GET body');
  t.equal((await head.arrayBuffer()).byteLength, 0, 'and no body');
  t.equal((await fetch(url, { method: 'HEAD', headers: { 'if-modified-since': lm } })).status, 304);
});

t.test("--crl FILE of another CA: refused at start; replaced at run time by one, a broken one or none: the last good kept, said once", async (t) => {
  const odir = `${base}/other-ca`;
  await initCa({ dir: odir, cn: 'Some Other CA' });
  const foreign = `${base}/foreign.crl`;
  await genCrl({ dir: odir, out: foreign });
  const port = await freePort();
  const start = await run(process.execPath, [join(process.cwd(), 'dist/src/cli/main.js'), 'ocsp', '-index', index, '-CA', cacert, '-rkey', `${dir}/private/cakey.pem`, '--crl', foreign, '-port', String(port)]);
  t.equal(start.code, 1);
  t.match(start.stderr, `CRL file ${foreign}: issued by another CA than this one`);

  const file = `${base}/replaced.crl`;
  const good = await genCrl({ dir, out: file });
  const r = await startResponder({ cas: [{ ...caConfig, crl: file, crlKey: `${dir}/private/cakey.pem` }] });
  t.teardown(() => r.close());
  t.ok(r.logs.some((l) => /--crl-key .* is not used: --crl .* is served as it is/.test(String(l.msg))), '--crl-key beside --crl: said it is not used');
  const url = `${r.url}/crl/served.crl`;
  const served = async () => parseCrl((await fetchCrl(url)).body).number;
  t.equal(await served(), good.number);
  writeFileSync(file, readFileSync(foreign));
  t.equal(await served(), good.number, 'another CA\'s CRL is not served');
  t.equal(await served(), good.number);
  writeFileSync(file, 'junk');
  t.equal(await served(), good.number, 'nor junk');
  rmSync(file);
  t.equal(await served(), good.number, 'nor nothing');
  const all = r.logs.map((l) => String(l.msg)).join('\n');
  t.equal(all.match(/issued by another CA/g)?.length, 1, 'said once per version of the file');
  t.match(all, /not a CRL .*still serving the last good CRL \(number/);
  t.match(all, /no such file \(ENOENT\); still serving the last good CRL/);
  const next = await genCrl({ dir, out: file });
  t.equal(await served(), next.number, 'a good replacement is served');
});
