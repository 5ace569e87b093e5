// The outcome table: decide() per row, no contradictions over the whole input space, the
// documented cases spelled out, and matchRows on seed excerpts and on our own writer's logs.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatEntry, parseErrlog, type MqLogEntry, type Side } from '../src/mq/errlog.js';
import { CHECKS } from '../src/mq/checks.js';
import { insertsFor } from '../src/mq/inserts.js';
import {
  CLIENT_OBSERVATIONS,
  CLIENT_TYPES,
  OBSERVATIONS,
  OUTCOME_ROWS,
  POLICIES,
  QM_PROFILES,
  SSLCAUTHS,
  TLS_FAILURES,
  candidates,
  clientView,
  decide,
  exampleInputs,
  javaView,
  rowById,
  type DecisionInputs,
  type OutcomeRow,
  type SideLog,
  type Stage,
} from '../src/mq/outcomes.js';
import { matchRows } from '../src/explain/match.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/mq/', import.meta.url));

const sig = (l: SideLog) => l.messages.map((x) => `${x.id}${x.validationError ? '/' + x.validationError : ''}`).join(' ');
/** What two rows must share to agree: start or not, both clients' RCs and logs, QM log, events. */
function signature(r: OutcomeRow): string {
  return JSON.stringify([
    r.outcome.channelStarts,
    r.outcome.client.rc,
    sig(r.outcome.client.log),
    javaView(r).rc,
    sig(javaView(r).log),
    sig(r.outcome.qm),
    r.outcome.events.length,
  ]);
}

function* allInputs(): Generator<DecisionInputs> {
  for (const clientType of CLIENT_TYPES)
    for (const qmProfile of QM_PROFILES)
      for (const cp of POLICIES)
        for (const co of CLIENT_OBSERVATIONS)
          for (const qp of POLICIES)
            for (const qo of OBSERVATIONS)
              for (const sslcauth of SSLCAUTHS)
                for (const tlsFailure of [undefined, ...TLS_FAILURES]) {
                  const i: DecisionInputs = {
                    clientType,
                    qmProfile,
                    client: { policy: cp, observed: co },
                    qm: { policy: qp, observed: qo, sslcauth },
                  };
                  if (tlsFailure) i.tlsFailure = tlsFailure;
                  yield i;
                }
}

t.test('rows are well formed', async (t) => {
  const ids = OUTCOME_ROWS.map((r) => r.id);
  t.equal(new Set(ids).size, ids.length, 'ids unique');
  for (const r of OUTCOME_ROWS) {
    t.ok(r.title.length > 10, `${r.id} has a condition in words`);
    for (const c of r.checks) t.ok(c in CHECKS, `${r.id} check ${c} exists`);
    if (!r.outcome.channelStarts) t.ok(r.checks.length > 0, `${r.id} says what to check`);
  }
  for (const id of ['seed003-row1', 'seed003-row2', 'seed003-row3', 'seed003-row4', 'seed003-row5', 'seed000-untrusted-client-cert', 'seed002-no-client-cert', 'seed001-no-cipherspec', 'seed001-cipher-mismatch', 'seed001-label-typo'])
    t.equal(rowById(id)?.source.kind, 'seen', `${id} is seen`);
  for (const side of ['client', 'qm'])
    for (const p of ['required', 'warn', 'optional'])
      for (const c of ['unreachable', 'unknown', 'badsig']) t.ok(rowById(`policy-${p}-${c}-${side}`), `grid ${p} ${c} ${side}`);
});

t.test('decide() gives every row its documented outcome', async (t) => {
  for (const r of OUTCOME_ROWS) {
    const inputs = exampleInputs(r);
    const d = decide(inputs);
    const applied = d.rows.find((x) => x.when.stage === r.when.stage)!;
    t.ok(applied, `${r.id}: a row applied at stage ${r.when.stage}`);
    t.equal(signature(applied), signature(r), `${r.id}: applied ${applied.id} agrees`);
    const view = clientView(r, inputs.clientType);
    if (!r.outcome.channelStarts) {
      t.equal(d.channelStarts, false, `${r.id} rejects`);
      t.equal(d.clientRc, view.rc, `${r.id} RC ${view.rc}`);
      t.equal(sig(d.qm).endsWith(sig(r.outcome.qm)), true, `${r.id} QM log`);
    } else {
      t.equal(d.clientRc, 0, `${r.id} continues`);
      for (const x of view.log.messages) t.ok(d.client.messages.some((y) => y.id === x.id), `${r.id} client ${x.id}`);
      for (const x of r.outcome.qm.messages) t.ok(d.qm.messages.some((y) => y.id === x.id), `${r.id} qm ${x.id}`);
    }
    if (r.source.kind === 'inferred') t.ok(d.inferred, `${r.id} reported as inferred`);
  }
});

t.test('no contradictory rows and no gaps over the whole input space', async (t) => {
  let combos = 0;
  const clashes = new Set<string>();
  for (const i of allInputs()) {
    combos++;
    for (const stage of ['tls', 'client-check', 'qm-check', 'start'] as Stage[]) {
      if (stage === 'tls' && !i.tlsFailure) continue;
      const c = candidates(stage, i);
      if (c.length === 0) clashes.add(`gap at ${stage}: ${JSON.stringify(i)}`);
      const sigs = new Set(c.map(signature));
      if (sigs.size > 1) clashes.add(`${stage}: ${c.map((r) => r.id).join(' vs ')}`);
    }
    decide(i);
  }
  t.same([...clashes], [], 'every overlap agrees, every stage has a row');
  t.ok(combos > 10000, `${combos} input combinations checked`);
});

const base = (over: Partial<DecisionInputs> = {}): DecisionInputs => ({
  clientType: 'C',
  qmProfile: 'nonstop',
  client: { policy: 'REQUIRED', observed: 'good' },
  qm: { policy: 'REQUIRED', observed: 'good', sslcauth: 'REQUIRED' },
  ...over,
});
const ids = (l: SideLog) => l.messages.map((m) => m.id);

t.test('the seed 003 matrix (C client, NonStop QM, both REQUIRED)', async (t) => {
  const r1 = decide(base());
  t.same([r1.row.id, r1.clientRc, ids(r1.client), ids(r1.qm)], ['seed003-row1', 0, [], []]);
  const r2 = decide(base({ client: { policy: 'REQUIRED', observed: 'undetermined-a' } }));
  t.same([r2.row.id, r2.clientRc, ids(r2.client), ids(r2.qm)], ['seed003-row2', 2393, ['AMQ9716'], []]);
  t.equal(r2.client.messages[0]!.ffst?.probeId, 'XC022001');
  t.notOk(r2.qm.unrecorded, 'row 2: the QM logs nothing (seen), not merely unrecorded');
  t.equal(r2.row.seenElapsedMs, 3000);
  const r3 = decide(base({ qm: { policy: 'REQUIRED', observed: 'undetermined-a', sslcauth: 'REQUIRED' } }));
  t.same([r3.row.id, r3.clientRc, ids(r3.client), ids(r3.qm)], ['seed003-row3', 2393, ['AMQ9665'], ['AMQ9716']]);
  t.equal(r3.row.seenElapsedMs, 21000);
  const r4 = decide(base({ client: { policy: 'REQUIRED', observed: 'revoked' } }));
  t.same([r4.row.id, r4.client.messages[0]!.validationError, r4.qm.messages[0]!.validationError], ['seed003-row4', 575032, 1042]);
  const r5 = decide(base({ qm: { policy: 'REQUIRED', observed: 'revoked', sslcauth: 'REQUIRED' } }));
  t.same([r5.row.id, ids(r5.client), r5.qm.messages[0]!.validationError], ['seed003-row5', ['AMQ9665'], 23]);
  for (const d of [r1, r2, r3, r4, r5]) t.notOk(d.inferred, `${d.row.id} rests on the seed`);
  // distributed profile: GSKit numbers, marked inferred
  const d5 = decide(base({ qmProfile: 'distributed', qm: { policy: 'REQUIRED', observed: 'revoked', sslcauth: 'REQUIRED' } }));
  t.same([d5.row.id, d5.qm.messages[0]!.validationError, d5.inferred], ['revoked-client-cert-distributed', 575032, true]);
});

t.test('policy grid: REQUIRED rejects, WARN warns (QM event), OPTIONAL is silent; revoked always rejects', async (t) => {
  for (const profile of QM_PROFILES) {
    for (const cause of ['a', 'b', 'c'] as const) {
      const obs = `undetermined-${cause}` as const;
      const q = (policy: 'REQUIRED' | 'WARN' | 'OPTIONAL') =>
        decide(base({ qmProfile: profile, qm: { policy, observed: obs, sslcauth: 'REQUIRED' } }));
      const c = (policy: 'REQUIRED' | 'WARN' | 'OPTIONAL') =>
        decide(base({ qmProfile: profile, client: { policy, observed: obs } }));
      t.same([q('REQUIRED').clientRc, ids(q('REQUIRED').qm)], [2393, ['AMQ9716']], `qm REQUIRED ${cause}`);
      t.equal(q('REQUIRED').qm.messages[0]!.reason, cause);
      const w = q('WARN');
      t.same([w.channelStarts, w.clientRc, ids(w.qm), w.events.map((e) => [e.reason, e.qualifier])], [true, 0, ['AMQ9717'], [[2552, 'MQRQ_SSL_UNKNOWN_REVOCATION']]], `qm WARN ${cause}`);
      t.equal(w.events[0]!.inferred ?? false, cause !== 'b', 'event documented for unknown only');
      t.same([q('OPTIONAL').channelStarts, ids(q('OPTIONAL').qm), q('OPTIONAL').events], [true, [], []], `qm OPTIONAL ${cause}`);
      t.same([c('REQUIRED').clientRc, ids(c('REQUIRED').client), ids(c('REQUIRED').qm)], [2393, ['AMQ9716'], []], `client REQUIRED ${cause}`);
      t.same([c('WARN').channelStarts, ids(c('WARN').client), c('WARN').events], [true, ['AMQ9717'], []], `client WARN ${cause}`);
      t.same([c('OPTIONAL').channelStarts, ids(c('OPTIONAL').client)], [true, []], `client OPTIONAL ${cause}`);
    }
    for (const policy of POLICIES) {
      t.equal(decide(base({ qmProfile: profile, qm: { policy, observed: 'revoked', sslcauth: 'OPTIONAL' } })).channelStarts, false);
      t.equal(decide(base({ qmProfile: profile, client: { policy, observed: 'revoked' } })).channelStarts, false);
    }
  }
});

t.test('other TLS failures and Java clients', async (t) => {
  const s0 = decide(base({ clientType: 'Java', qmProfile: 'distributed', qm: { policy: 'REQUIRED', observed: 'untrusted-issuer', sslcauth: 'OPTIONAL' } }));
  t.same([s0.row.id, s0.clientRc, ids(s0.client), s0.qm.messages[0]!.validationError, s0.inferred], ['seed000-untrusted-client-cert', 2397, ['AMQ9204', 'AMQ9771'], 575010, false]);
  const s0c = decide(base({ qmProfile: 'distributed', qm: { policy: 'REQUIRED', observed: 'untrusted-issuer', sslcauth: 'OPTIONAL' } }));
  t.same([s0c.clientRc, s0c.inferred], [2393, true], 'C client under seed 000 is inferred');
  const s2 = decide(base({ clientType: 'Java', qm: { policy: 'REQUIRED', observed: 'no-cert', sslcauth: 'REQUIRED' } }));
  t.same([s2.row.id, s2.clientRc, ids(s2.client), ids(s2.qm)], ['seed002-no-client-cert', 2059, ['AMQ9503'], ['AMQ9637']]);
  const s2c = decide(base({ qm: { policy: 'REQUIRED', observed: 'no-cert', sslcauth: 'REQUIRED' } }));
  t.same([s2c.clientRc, s2c.client.unrecorded, s2c.inferred], [2393, true, true]);
  t.equal(decide(base({ qm: { policy: 'REQUIRED', observed: 'no-cert', sslcauth: 'OPTIONAL' } })).channelStarts, true);
  const nc = decide(base({ tlsFailure: 'no-cipherspec' }));
  t.same([nc.row.id, nc.clientRc, nc.client.messages[0]!.cipherError, nc.qm.unrecorded], ['seed001-no-cipherspec', 2393, "SSLCIPH(' ') -> SSLCIPH(????)", true]);
  t.same(ids(decide(base({ tlsFailure: 'cipher-mismatch' })).qm), ['AMQ9616']);
  const lt = decide(base({ tlsFailure: 'label-typo' }));
  t.same([ids(lt.client), ids(lt.qm)], [['AMQ9716'], ['AMQ9638', 'AMQ9999']]);
  const jr = decide(base({ clientType: 'Java', qm: { policy: 'REQUIRED', observed: 'revoked', sslcauth: 'REQUIRED' } }));
  t.same([jr.clientRc, ids(jr.client), jr.inferred], [2397, ['AMQ9204', 'AMQ9771'], true], 'general JSSE rule');
});

const load = (name: string, side: Side): MqLogEntry[] =>
  parseErrlog(readFileSync(join(FIXTURES, name), 'utf8'), { side });

t.test('matchRows ranks the documented row first for each seed excerpt', async (t) => {
  const cases: Array<[string, Array<[string, Side]>]> = [
    ['seed000-untrusted-client-cert', [['seed000-client.txt', 'client'], ['seed000-qm.log', 'qm']]],
    ['seed001-no-cipherspec', [['seed001-no-cipherspec-client.log', 'client']]],
    ['seed001-label-typo', [['seed001-label-typo-client.log', 'client'], ['seed001-label-typo-qm.log', 'qm']]],
    ['seed001-cipher-mismatch', [['seed001-cipher-mismatch-qm.log', 'qm']]],
    ['seed002-no-client-cert', [['seed002-client.txt', 'client'], ['seed002-qm.log', 'qm']]],
    ['seed003-row2', [['seed003-row2-client.txt', 'client']]],
    ['seed003-row3', [['seed003-row3-client.txt', 'client'], ['seed003-row3-qm.txt', 'qm']]],
    ['seed003-row4', [['seed003-row4-client.txt', 'client'], ['seed003-row4-qm.txt', 'qm']]],
    ['seed003-row5', [['seed003-row5-client.txt', 'client'], ['seed003-row5-qm.txt', 'qm']]],
  ];
  for (const [want, files] of cases) {
    const entries = files.flatMap(([f, side]) => load(f, side));
    const ranked = matchRows(entries);
    t.equal(ranked[0]?.row.id, want, `${files.map((f) => f[0]).join(' + ')} -> ${want} (then ${ranked.slice(1, 3).map((r) => r.row.id).join(', ')})`);
  }
  // one side alone still points the right way: the QM's AMQ9716 after the client saw AMQ9665
  t.equal(matchRows(load('seed003-row3-qm.txt', 'qm'))[0]?.row.id, 'seed003-row3');
  // row 2 with the (empty) QM log given as well: the label-typo case no longer ties
  const r2 = matchRows(load('seed003-row2-client.txt', 'client'), { logsFrom: ['client', 'qm'] });
  t.notOk(r2.some((x) => x.row.id === 'seed001-label-typo' && x.score >= r2[0]!.score), 'empty QM log rules out a label typo');
  // an AMQ9633 pasted without saying whose log it is: 575010 settles it
  t.equal(matchRows(parseErrlog(readFileSync(join(FIXTURES, 'seed000-qm.log'), 'utf8')))[0]?.row.id, 'seed000-untrusted-client-cert');
});

t.test('logs written from a row explain back to that row', async (t) => {
  const time = new Date(2024, 0, 2, 3, 4, 5);
  const ctx = {
    channel: 'LAB.SVRCONN',
    host: 'lab (127.0.0.1)(1414)',
    peer: { subject: 'CN=app,O=ocsplab', issuer: 'CN=Lab CA,O=ocsplab', serial: '0a' },
    ocspUrl: 'http://127.0.0.1:2560',
  };
  for (const r of OUTCOME_ROWS) {
    if (r.outcome.channelStarts) continue;
    const inputs = exampleInputs(r);
    const d = decide(inputs);
    const text = (side: Side, l: SideLog) =>
      l.messages
        .map((m) => formatEntry({ messageId: m.id, inserts: insertsFor(m, ctx), time, ...(side === 'qm' ? { qmgr: 'QM1' } : {}) }))
        .join('');
    const entries = [
      ...parseErrlog(text('client', d.client), { side: 'client' }),
      ...parseErrlog(text('qm', d.qm), { side: 'qm' }),
      ...parseErrlog(String(d.clientRc)),
    ];
    const ranked = matchRows(entries, { logsFrom: ['client', 'qm'] });
    const top = ranked[0]!.score;
    const best = ranked.filter((x) => x.score === top);
    t.ok(best.some((x) => x.row.id === r.id || signature(x.row) === signature(r)), `${r.id} is among the best (${best.map((x) => x.row.id).join(', ')})`);
  }
});

t.test('nothing MQ-TLS related gives no rows', async (t) => {
  t.same(matchRows(parseErrlog('Lunch is at noon; the build is green.')), []);
  t.same(matchRows([]), []);
});
