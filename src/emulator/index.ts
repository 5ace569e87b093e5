// The MQ channel emulator's entry point: a queue manager, a client, and configurations for both
// built from a CA lab. See qmgr.ts and client.ts for what each side observes and how.
//
// src/emulator/ owns the emulator: queue manager, client, peer checks, channel flows, its OCSP
// client, attempts in flight, the side logs it writes, and its public types (types.ts, what the
// drill programs against). It imports src/mq/ (what MQ does), src/ocsp/ (certificates, response
// checks) and the lab manifest type from src/ca/; never src/explain/, src/drill/ or src/cli/
// (test/layering.test.ts checks).

import type { LabManifest } from '../ca/lab.js';
import type { ClientConfig, QmConfig } from './types.js';

export { QueueManager } from './qmgr.js';
export { connect } from './client.js';
export { CipherSpecError, tlsOptionsFor } from '../mq/cipherspec.js';
export type { ClientConfig, ConnectResult, KeyRepository, QmConfig, SideResult, SideName } from './types.js';

export interface EmulatorDirs {
  /** Error directory of the queue manager and of the client. */
  qm: string;
  client: string;
}

export interface EmulatorOverrides {
  /** Usually authinfoOcspUrl: the responder of the client's CA, on whatever port the drill chose. */
  qm?: Partial<QmConfig>;
  /** Usually ocspResponderUrl: the responder of the QM's CA. */
  client?: Partial<ClientConfig>;
}

/** QM and client configurations for a lab: the QM holds its certificate and trusts the client's
 *  CA, the client the reverse. No responder URL is taken from the lab (drills run responders on
 *  free ports): give them in the overrides, or turn on OCSPCheckExtensions to use the AIA. */
export function labEmulatorConfigs(lab: LabManifest, dirs: EmulatorDirs, o: EmulatorOverrides = {}): { qm: QmConfig; client: ClientConfig } {
  const qm: QmConfig = {
    qmgr: lab.mq.qmgr,
    channel: lab.mq.channel,
    profile: 'distributed',
    sslcauth: 'REQUIRED',
    cipherSpec: 'TLS_AES_128_GCM_SHA256',
    keyRepository: { cert: lab.certs.qm.chain, key: lab.certs.qm.key, label: lab.certs.qm.label, trust: [lab.cas.client.cacert] },
    ocspAuthentication: 'REQUIRED',
    ocspCheckExtensions: false,
    ocspTimeoutMs: 5000,
    errorDir: dirs.qm,
    ...o.qm,
  };
  const client: ClientConfig = {
    type: 'C',
    channel: lab.mq.channel,
    cipherSpec: 'TLS_AES_128_GCM_SHA256',
    keyRepository: { cert: lab.certs.client.chain, key: lab.certs.client.key, label: lab.certs.client.label, trust: [lab.cas.qm.cacert] },
    certLabel: lab.certs.client.label,
    ocspAuthentication: 'REQUIRED',
    ocspCheckExtensions: false,
    ocspTimeoutMs: 5000,
    errorDir: dirs.client,
    ...o.client,
  };
  return { qm, client };
}
