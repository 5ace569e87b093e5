// `ocsplab lab up --depth 2`: the console on a lab with intermediate CAs. Its first settings are
// the chain matrix's (every CA trusted, each certificate's AIA at its issuer's responder), so
// Connect starts the channel; revoking the client's issuing CA in its root's index (a row of the
// root's table) refuses it, the QM's AMQ9633 naming the issuing CA; restore starts it again.

import t from 'tap';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { labUp } from '../src/cli/lab.js';
import { tempDir } from './helpers/openssl.js';
import { waitUntil } from './helpers/wait.js';

const dir = tempDir('ocsplab-console-chain-');
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('lab up --depth 2: connect, revoke the issuing CA, restore', async (t) => {
  const up = await labUp({ lab: join(dir, 'lab'), port: 0, depth: 2, scenarioDir: join(process.cwd(), 'scenarios') });
  t.teardown(() => up.close());
  const api = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${up.url}${path.slice(1)}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
    return { status: r.status, json: (await r.json()) as Record<string, any> };
  };
  const lab = await api('GET', '/api/lab');
  t.same(lab.json.cas.map((c: { name: string }) => c.name), ['qm-root', 'qm-issuing', 'client-root', 'client-issuing'], 'the four CAs, root first on each side');
  const good = await api('POST', '/api/lab/connect');
  t.equal(good.json.rc, 0, 'the chain lab connects with the console\'s first settings');
  const issuing = up.env.lab.chain.find((c) => c.name === 'client-issuing')!;
  t.equal((await api('POST', '/api/lab/cas/client-root/revoke', { serial: issuing.serial, reason: 'CACompromise' })).status, 200, "revoke the issuing CA in client-root's table");
  const refused = await api('POST', '/api/lab/connect');
  t.equal(refused.json.rc, 2393);
  const qm = refused.json.sides.find((s: { side: string }) => s.side === 'qm');
  t.match(qm.log, /AMQ9633E[\s\S]*Subject=\]CN=ocsplab client issuing CA/, "the QM's AMQ9633 names the issuing CA");
  t.equal((await api('POST', '/api/lab/cas/client-root/restore', { serial: issuing.serial })).status, 200);
  t.equal((await api('POST', '/api/lab/connect')).json.rc, 0, 'restored: the channel starts');

  // Drill files are for one lab shape: the one-level OCSP matrix is refused with why, the chain
  // matrix runs and passes.
  const wrong = await api('POST', '/api/lab/drill', { file: 'mq-ocsp-matrix.yaml' });
  t.equal(wrong.status, 400);
  t.match(wrong.json.error, /written for a lab of depth 1 .* this console's lab has depth 2/);
  t.equal((await api('POST', '/api/lab/drill', { file: 'mq-chain-matrix.yaml', filter: 'chain-client-issuing-revoked' })).status, 202);
  let d = (await api('GET', '/api/lab/drill')).json;
  await waitUntil(async () => (d = (await api('GET', '/api/lab/drill')).json).state !== 'running', { every: 100 });
  t.equal(d.passed, true, 'the chain matrix scenario passes on the console\'s chain lab');
});
