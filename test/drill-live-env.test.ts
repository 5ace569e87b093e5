// LiveEnv against two real responders (one per CA, as the compose lab runs them) on loopback, each
// with a token-protected admin API: modes and revocations reach the responder's answers, and reset
// puts everything back. Also `ocsplab drill --target` usage errors.

import t from 'tap';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { main as drillMain } from '../src/cli/drill.js';
import { createLab } from '../src/ca/index.js';
import { AdminClient, LiveEnv } from '../src/drill/live-env.js';
import { Responder } from '../src/responder/responder.js';
import type { CaName } from '../src/drill/settings.js';
import { tempDir } from './helpers/openssl.js';

const work = tempDir('ocsplab-live-env-');
t.teardown(() => rmSync(work, { recursive: true, force: true }));

t.test('modes, revoke/restore and reset through the admin APIs', async (t) => {
  const { lab } = await createLab({ dir: join(work, 'lab') });
  const token = 'test-token';
  const responders: Record<CaName, Responder> = {} as Record<CaName, Responder>;
  for (const c of [lab.cas.qm, lab.cas.client]) {
    const r = await Responder.create({ cas: [{ name: c.name, index: c.index, ca: c.cacert, rsigner: c.responder.signerCert, rkey: c.responder.signerKey }], port: 0, adminPort: 0, adminToken: token, logger: false });
    await r.start();
    responders[c.name] = r;
    t.teardown(() => r.close());
  }
  const admins = { 'qm-ca': new AdminClient(responders['qm-ca'].admin!.url, token), 'client-ca': new AdminClient(responders['client-ca'].admin!.url, token) };
  const env = new LiveEnv(lab, admins);
  t.same(env.responderUrls, { 'qm-ca': lab.cas.qm.responder.url, 'client-ca': lab.cas.client.responder.url }, "the lab's URLs, as the QM and client use them");

  await env.setMode('client-ca', { kind: 'down' });
  t.equal(responders['client-ca'].mode('client-ca').kind, 'down');
  t.equal(responders['qm-ca'].mode('qm-ca').kind, 'up', 'the other responder is untouched');
  await env.setMode('all', { kind: 'blackhole' });
  t.equal(responders['qm-ca'].mode('*').kind, 'blackhole');

  await env.revoke('client');
  t.ok(env.isRevoked('client'));

  await env.reset();
  for (const ca of ['qm-ca', 'client-ca'] as const) {
    t.same(responders[ca].modes().map((m) => m.mode.kind), ['up', 'up'], `${ca}: every mode back to up`);
  }
  t.notOk(env.isRevoked('client'), 'certificate restored');

  const noToken = new AdminClient(responders['qm-ca'].admin!.url);
  await t.rejects(noToken.setMode('qm-ca', { kind: 'down' }), /admin token required/);
  await t.rejects(new AdminClient('http://127.0.0.1:9', token).modes(), /cannot reach the admin API at http:\/\/127\.0\.0\.1:9/);
});

t.test('ocsplab drill --target usage', async (t) => {
  const err: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
  try {
    t.equal(await drillMain(['--target', 'cloud']), 2);
    t.equal(await drillMain(['--target', 'live']), 2);
  } finally {
    process.stderr.write = write;
  }
  t.match(err.join(''), /--target cloud: use embedded or live/);
  t.match(err.join(''), /--target live needs --lab DIR/);
});
