// The soak of bench/soak.ts (npm run soak: 10 minutes) for 15 s, so CI runs the same code: zero
// wrong answers under revocations and restores every second, no errors, RSS growth under 10%.
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
  t.equal(r.wrong, 0, `no wrong answer among ${r.answers}`);
  t.equal(r.errors, 0, 'no errors');
  t.ok(r.answers > r.targetRate * 15 * 0.8, `${r.answers} answers at ${r.achievedRate.toFixed(0)}/s (target ${r.targetRate.toFixed(0)}/s)`);
  t.ok(r.revokes >= 12 && r.restores >= 11, `${r.revokes} revokes, ${r.restores} restores`);
  t.ok(r.rssGrowth < 0.1, `RSS ${r.rssBaselineMb.toFixed(1)} → ${r.rssFinalMb.toFixed(1)} MB`);
  t.ok(r.ok, 'the soak passes');
});
