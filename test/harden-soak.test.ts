// The soak of bench/soak.ts (npm run soak: 10 minutes) for 15 s, so CI runs the same code: zero
// wrong answers under revocations and restores every second, no errors, and the responder still
// serving every serial right afterwards. Memory is printed, not asserted: 15 s on a loaded 2-core
// machine measured RSS 97.0 -> 109.3 MB once, which says nothing about a leak; the growth figure
// and its limit belong to npm run soak (heapUsed after a forced GC, warm-up end to the end).
// The checker's rule is pinned down first, since a checker that allows everything proves nothing.

import t from 'tap';
import { allowedStates, formatSummary, runSoak } from '../bench/soak.js';

t.test('the checker: a change done before the request must show; an overlapping one may', async (t) => {
  const changes = [
    { begin: 100, end: 110, state: 'revoked' as const },
    { begin: 200, end: 210, state: 'good' as const },
  ];
  t.same([...allowedStates(changes, 50, 60)], ['good'], 'before any change: good only');
  t.same([...allowedStates(changes, 120, 150)], ['revoked'], 'after the revoke completed: revoked only');
  t.same([...allowedStates(changes, 105, 115)].sort(), ['good', 'revoked'], 'overlapping the revoke: either');
  t.same([...allowedStates(changes, 90, 100)].sort(), ['good', 'revoked'], 'received as the revoke began: either');
  t.same([...allowedStates(changes, 211, 220)], ['good'], 'after the restore completed: good only');
  t.same([...allowedStates([{ begin: 100, end: Infinity, state: 'revoked' }], 120, 130)].sort(), ['good', 'revoked'], 'a change still running: either');
});

// A quarter of capacity here, not 80%: tap runs two test files at once on a 2-core machine, so the
// capacity measured in the first 2 s is not what the rest of the run gets. At half, CI saw the other
// file take the cores after the measurement (p50 210 ms, the backlog past 2,000), and the same
// failure comes back here with two busy loops started after the measurement; at a quarter, the run
// under those two loops keeps p99 near 25 ms. npm run soak keeps 80% on its own machine.
t.test('15 s at 25% of capacity with a revoke and a restore every second', async (t) => {
  const lines: string[] = [];
  const r = await runSoak({ seconds: 15, capacitySeconds: 2, warmupSeconds: 5, load: 0.25, log: (l) => lines.push(l) });
  t.comment(lines.join('\n'));
  t.comment(formatSummary(r));
  t.comment('the memory figures above are printed, not asserted here; npm run soak judges them');
  t.equal(r.wrong, 0, `no wrong answer among ${r.answers}`);
  t.equal(r.errors, 0, 'no errors');
  t.ok(r.answers > r.targetRate * 15 * 0.8, `${r.answers} answers at ${r.achievedRate.toFixed(0)}/s (target ${r.targetRate.toFixed(0)}/s)`);
  // One of each per second is the plan (14 and 13 in 15 s); a change is a CA tool run, which a busy
  // machine slows, so the bound asks for changes all through the run, not for every second's.
  t.ok(r.revokes >= 7 && r.restores >= 6, `${r.revokes} revokes, ${r.restores} restores`);
  t.ok(r.servingAfter, r.servingAfterNote);
  t.ok(r.ok, 'the soak passes (its answers; memory is npm run soak\'s)');
});
