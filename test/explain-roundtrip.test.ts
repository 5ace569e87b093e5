// Round trip: logs written for each outcome row (the way the emulator writes them: decide() for
// the messages, insertsFor() for the inserts, the errlog writer for the layout) explain back to
// that row, or to a row the logs cannot tell from it (same messages on both sides, same RC), or,
// for a CRL row whose AMQ9633 nothing in the log marks as a CRL case, to its CRL reading offered
// beside the OCSP one (AMQ9633 prints its whole (a)-(e) list; see src/explain/crl-reading.ts).
import t from 'tap';
import { formatEntry, type Side } from '../src/mq/errlog.js';
import { insertsFor } from '../src/mq/inserts.js';
import { OUTCOME_ROWS, clientView, decide, exampleInputs, type OutcomeRow, type SideLog } from '../src/mq/outcomes.js';
import { explain } from '../src/explain/explain.js';

const ctx = {
  channel: 'LAB.SVRCONN',
  host: 'lab (127.0.0.1)(1414)',
  peer: { subject: 'CN=app,O=ocsplab', issuer: 'CN=Lab CA,O=ocsplab', serial: '0a' },
  ocspUrl: 'http://127.0.0.1:2560',
};

function written(side: Side, l: SideLog, time: Date): string {
  return l.messages
    .map((m) => formatEntry({ messageId: m.id, inserts: insertsFor(m, ctx), time, ...(side === 'qm' ? { qmgr: 'QM1' } : {}) }))
    .join('');
}

/** What the logs of a row show: both sides' message ids and validation errors, and the RC. */
function shows(r: OutcomeRow, clientType: 'C' | 'Java'): string {
  const ids = (l: SideLog) => l.messages.map((m) => `${m.id}/${m.validationError ?? ''}/${m.details ?? ''}`).join(' ');
  const v = clientView(r, clientType);
  return JSON.stringify([v.rc, ids(v.log), ids(r.outcome.qm)]);
}

t.test('every row with something in a log explains back to itself', async (t) => {
  const time = new Date(2024, 0, 2, 3, 4, 5);
  let checked = 0;
  for (const r of OUTCOME_ROWS) {
    const inputs = exampleInputs(r);
    const d = decide(inputs);
    if (!d.client.messages.length && !d.qm.messages.length) continue;
    const diag = explain([
      { text: written('client', d.client, time), side: 'client', name: 'client/AMQERR01.LOG' },
      { text: written('qm', d.qm, time), side: 'qm', name: 'qm/AMQERR01.LOG' },
      { text: `MQCONNX ended with reason code ${d.clientRc}`, side: 'client' },
    ]);
    t.equal(diag.incidents.length, 1, `${r.id}: one attempt`);
    const best = diag.incidents[0]!.rows.filter((x) => x.tiedWithBest);
    const ok = best.some((x) => x.id === d.row.id || shows(OUTCOME_ROWS.find((o) => o.id === x.id)!, x.clientType) === shows(d.row, inputs.clientType));
    const rev = diag.incidents[0]!.revocation;
    const offered = !!rev && rev.first === 'ocsp' && rev.readings.some((x) => x.source === 'crl' && x.rows.includes(d.row.id));
    t.ok(ok || offered, `${r.id} (applied ${d.row.id}) is among the best: ${best.map((x) => x.id).join(', ')}${offered ? '; offered as the CRL reading' : ''}`);
    checked++;
  }
  t.ok(checked >= 25, `${checked} rows round-tripped`);
});
