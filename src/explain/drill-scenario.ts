// `explain --drill`: a drill scenario that reproduces a diagnosed case in the lab. The inputs come
// from the outcome table (exampleInputs of the row, under the client type the logs showed), the
// expectation from decide(), so the snippet and the emulator agree by construction. Step and
// setting names follow the drill file schema (src/drill/schema.ts, src/drill/settings.ts).
//
// Settings that matter to the row are written out even when they equal the lab's defaults, so the
// snippet still reproduces the case if someone changes the defaults of their drill file.

import { stringify } from 'yaml';
import {
  decide,
  exampleInputs,
  type CertObservation,
  type ClientType,
  type DecisionInputs,
  type OutcomeRow,
  type SideLog,
} from '../mq/outcomes.js';
import type { Diagnosis } from './explain.js';

type Side = 'qm' | 'client';
type Obj = Record<string, unknown>;

/** What the checking side's observation needs the lab to do. `checker` judges `peer`'s certificate,
 *  which the peer's CA's responder answers for. */
function observationSteps(observed: CertObservation, checker: Side, slowMs: number | undefined): Obj[] {
  const peer: Side = checker === 'qm' ? 'client' : 'qm';
  const ca = `${peer}-ca`;
  switch (observed) {
    case 'good':
      return [];
    // A refused connection fails fast; the seed's slow failure (row 3, ~21 s) was a wait for the
    // responder, which a blackholed port reproduces.
    case 'undetermined-a':
      return [{ responder: { ca, mode: slowMs && slowMs > 10_000 ? 'blackhole' : 'down' } }];
    case 'undetermined-b':
      return [{ responder: { ca, mode: 'status unknown' } }];
    case 'undetermined-c':
      return [{ responder: { ca, mode: 'bad-signature' } }];
    case 'revoked':
      return [{ revoke: { cert: peer, reason: 'keyCompromise' } }];
    case 'untrusted-issuer':
      // The checker's key repository lacks the peer's CA.
      return [{ set: { side: checker, trust: [`${checker}-ca`] } }];
    case 'no-cert':
      return [{ set: { side: 'client', clientCert: 'none' } }];
    // The CRL cases: OCSP off on the checking side (AUTHINFO/MQAIR and the AIA URL), the lab's
    // CRL source on; for the LDAP cases the certificate's CDP off too, since MQ tries it before the
    // CRLLDAP servers and it would answer (a drill file's defaults may have CDPCheckExtensions=YES).
    case 'crl-revoked':
      return [{ set: { side: checker, ...noOcsp(checker), CDPCheckExtensions: true } }, { revoke: { cert: peer, reason: 'keyCompromise' } }];
    case 'ldap-unreachable':
      return [{ set: { side: checker, ...noOcsp(checker), CDPCheckExtensions: false, ...labLdap(checker) } }, { responder: { ca, mode: 'ldap-down' } }];
    case 'crl-missing':
      return [{ set: { side: checker, ...noOcsp(checker), CDPCheckExtensions: false, ...labLdap(checker) } }, { responder: { ca, mode: 'ldap-no-entry' } }];
  }
}

const noOcsp = (side: Side): Obj => ({ ...(side === 'qm' ? { AUTHINFO: 'none' } : { OCSPResponderURL: 'none' }), OCSPCheckExtensions: false });
const labLdap = (side: Side): Obj =>
  side === 'qm' ? { AUTHINFO: [{ AUTHTYPE: 'CRLLDAP', CONNAME: 'lab' }] } : { MQAIR: [{ AuthInfoType: 'MQAIT_CRL_LDAP', AuthInfoConnName: 'lab' }] };

function tlsSteps(i: DecisionInputs): Obj[] {
  switch (i.tlsFailure) {
    case undefined:
      return [];
    case 'no-cipherspec':
      return [{ set: { side: 'client', CipherSpec: '' } }];
    case 'cipher-mismatch':
      return [
        { set: { side: 'qm', CipherSpec: 'ECDHE_ECDSA_AES_128_CBC_SHA256' } },
        { set: { side: 'client', CipherSpec: 'TLS_RSA_WITH_AES_128_CBC_SHA256' } },
      ];
    case 'label-typo':
      return [{ set: { side: 'client', certLabel: 'ibmwebspheremqtypo' } }];
  }
}

function sideExpect(l: SideLog): Obj | undefined {
  // No source shows this side's log for the case: expecting "nothing" would be a claim.
  if (l.unrecorded) return undefined;
  if (!l.messages.length) return { nothing: true };
  const out: Obj = { messages: l.messages.map((m) => m.id) };
  const v = l.messages.flatMap((m) => (m.validationError !== undefined ? [m.validationError] : []));
  if (v.length) out.validationErrors = v;
  return out;
}

export interface DrillScenario {
  id: string;
  title: string;
  source: string;
  steps: Obj[];
  expect: Obj;
}

export function drillScenario(row: OutcomeRow, clientType: ClientType): DrillScenario {
  const inputs: DecisionInputs = { ...exampleInputs(row), clientType };
  const d = decide(inputs);
  const steps: Obj[] = [
    { set: { side: 'qm', profile: inputs.qmProfile, OCSPAuthentication: inputs.qm.policy, SSLCAUTH: inputs.qm.sslcauth } },
    { set: { side: 'client', clientType, OCSPAuthentication: inputs.client.policy } },
    ...tlsSteps(inputs),
    ...observationSteps(inputs.client.observed, 'client', row.seenElapsedMs),
    ...observationSteps(inputs.qm.observed, 'qm', row.seenElapsedMs),
    { connect: {} },
  ];
  const expect: Obj = { rc: d.clientRc, channelStarted: d.channelStarts, row: d.row.id };
  const client = sideExpect(d.client);
  const qm = sideExpect(d.qm);
  if (client) expect.client = client;
  if (qm) expect.qm = qm;
  expect.events = d.events.map((e) => ({ reason: e.reason, qualifier: e.qualifier }));
  return { id: `explain-${row.id}`, title: row.title, source: row.id, steps, expect };
}

/** The scenarios as a YAML list, ready to paste under `scenarios:` of a drill file. */
export function drillYaml(scenarios: DrillScenario[]): string {
  return stringify(scenarios, { lineWidth: 0 });
}

/** The cases a drill should reproduce: per attempt, every row the log cannot tell from the best
 *  (replaying one of them would pass off a guess as the diagnosis), and the first row of each
 *  revocation reading; each row once. */
export function drillCases(d: Diagnosis): Array<{ id: string; clientType: ClientType }> {
  const out = new Map<string, { id: string; clientType: ClientType }>();
  for (const inc of d.incidents) {
    const picked = inc.rows.filter((r, i) => i === 0 || r.tiedWithBest);
    for (const reading of inc.revocation?.readings ?? []) {
      const r = inc.rows.find((x) => x.id === reading.rows[0]);
      if (r) picked.push(r);
    }
    for (const r of picked) if (!out.has(`${r.id}/${r.clientType}`)) out.set(`${r.id}/${r.clientType}`, r);
  }
  return [...out.values()];
}
