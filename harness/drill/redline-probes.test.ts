// From a redline drill's steps to the estimate, on a stack of two tiers: the front pool's CPU share grows
// slowly, the db pool's fast and breaks. The limiting guard is the db pool's, and the line is fitted
// through the db pool's CPU share (it crosses where the db runs out), not through the front's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StepRecord } from '../results';
import { estimateFromSearches, limitingGuard, probeOf, type SearchAttempt } from './redline-probes';
import type { SearchOutcome } from './redline-search';

const front = 'use1/web/small';

/** A probe at `rps` per replica: the web pool at 0.004 of its quota per req/s, the db at 0.01 (out at 85). */
function step(rps: number): StepRecord {
  const web = 0.004 * rps;
  const db = 0.01 * rps;
  const verdict = db < 0.85 ? 'held' : 'breached';
  return {
    offeredRpsPerReplica: rps,
    targetFigures: { rpsPerReplica: rps, cpuShare: web },
    replicas: [],
    annotations: [],
    verdict,
    guards: [
      { name: `${front} cpu_share: avg<0.85`, metric: 'cpu_share', expression: 'avg<0.85', ok: true, value: web },
      {
        name: 'use1/db/db cpu_share: avg<0.85',
        metric: 'cpu_share',
        expression: 'avg<0.85',
        ok: db < 0.85,
        value: db,
      },
    ],
  } as unknown as StepRecord;
}

const rates = [20, 40, 60, 80, 100, 90];
const attempts: SearchAttempt[] = rates.map((rps) => ({ search: 0, record: step(rps) }));

test("the limiting guard is the db pool's CPU guard, and each probe's CPU share is that pool's", () => {
  const limiting = limitingGuard(attempts);
  assert.deepEqual(limiting, { metric: 'cpu_share', limit: 0.85, name: 'use1/db/db cpu_share: avg<0.85' });
  assert.equal(probeOf(step(60), front, limiting!.name).guards.cpu_share, 0.6);
  assert.equal(probeOf(step(60), front).guards.cpu_share, 0.24, 'without it: the first verdict (the front pool)');
});

test('the fitted redline is where the db runs out (85 req/s), not where the web pool would (212)', () => {
  const search: SearchOutcome = {
    status: 'redline',
    redlineRps: 80,
    lastHeldRps: 80,
    breachedRps: 90,
    probes: [],
    note: '',
  };
  const estimate = estimateFromSearches([search], attempts, front);
  assert.equal(estimate.method, 'fit', JSON.stringify(estimate));
  assert.equal(estimate.redline, 85, JSON.stringify(estimate));
});
