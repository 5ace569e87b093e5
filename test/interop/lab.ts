// The interop lab: one CA per signer configuration made with our own CA tool (so the suite also
// exercises it), three leaves each (good, revoked with the configuration's reason, unknown), and
// one responder serving every CA on one loopback port. Fault CAs are held in their mode for the
// whole run, so cells never depend on each other's timing and can run concurrently.

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initCa, issue, responderCert, revoke } from '../../src/ca/index.js';
import { Responder } from '../../src/responder/responder.js';
import type { CaConfig } from '../../src/responder/ca-loader.js';
import { tempDir } from '../helpers/openssl.js';
import { labCas, type LabCaSpec, type LeafKind } from './matrix.js';

export interface LabCa {
  spec: LabCaSpec;
  cacert: string;
  leaves: Record<LeafKind, string>;
}

export interface Lab {
  dir: string;
  url: string;
  responder: Responder;
  cas: Map<string, LabCa>;
  /** HTTP methods the responder saw per first path segment (each cell queries its own path). */
  seen: Map<string, string[]>;
  close(): Promise<void>;
}

async function makeCa(dir: string, spec: LabCaSpec): Promise<{ ca: LabCa; config: CaConfig }> {
  const caDir = join(dir, spec.id.replace(/[^\w.-]/g, '_'));
  const p = await initCa({ dir: caDir, cn: `ocsplab interop ${spec.id}`, key: spec.key === 'rsa' ? 'rsa2048' : 'ec-p256' });
  // Leaves get EC keys whatever the CA's: a leaf's own key plays no part in OCSP (the CA's and the
  // responder's do), and RSA key generation would be most of the lab's set-up time.
  const leaf = (cn: string) => issue({ dir: caDir, cn, key: 'ec-p256' });
  const good = await leaf('good.interop.test');
  const revoked = await leaf('revoked.interop.test');
  await revoke({ dir: caDir, target: revoked.certPath, reason: spec.reason });
  // "unknown": a certificate the CA signed whose index line is gone, which is what a responder
  // with a stale or partial index sees; openssl's responder answers unknown for it, and so must we.
  const unknown = await leaf('unknown.interop.test');
  writeFileSync(p.index, readFileSync(p.index, 'utf8').replace(`${unknown.line}\n`, ''));
  const signer = spec.signer === 'delegated' ? await responderCert({ dir: caDir }) : undefined;
  const config: CaConfig = {
    name: spec.id,
    index: p.index,
    ca: p.cacert,
    rsigner: signer?.certPath ?? p.cacert,
    rkey: signer?.keyPath ?? p.cakey,
    respKeyId: spec.responderId === 'byKey',
    // A nextUpdate, as production responders send, so that "stale" has something to be stale against.
    nmin: 10,
  };
  return { ca: { spec, cacert: p.cacert, leaves: { good: good.certPath, revoked: revoked.certPath, unknown: unknown.certPath } }, config };
}

export async function createLab(): Promise<Lab> {
  const dir = tempDir('ocsplab-interop-');
  const made = await Promise.all(labCas().map((s) => makeCa(dir, s)));
  const responder = await Responder.create({ cas: made.map((m) => m.config), port: 0, logger: false });
  const seen = new Map<string, string[]>();
  // Test-side instrumentation (added before the port opens): which method each cell's client used.
  const main = responder.listeners[0];
  const front = main.front!;
  main.front = (req, res) => {
    const tag = /^\/+([^/?]*)/.exec(req.url ?? '')?.[1] ?? '';
    seen.set(tag, [...(seen.get(tag) ?? []), req.method ?? '']);
    return front(req, res);
  };
  await responder.start();
  for (const m of made) if (m.ca.spec.mode) await responder.setMode(m.ca.spec.id, m.ca.spec.mode);
  return {
    dir,
    url: responder.url(),
    responder,
    cas: new Map(made.map((m) => [m.ca.spec.id, m.ca])),
    seen,
    async close() {
      await responder.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
