import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadsAt, twinLoads, twinShares } from './twin';

/** A reading over 5 s at `rps` whose CPU share of a `cpus` quota is `share`. */
const at = (rps: number, share: number, cpus = 0.25) => ({
  rps,
  usageStartUs: 0,
  usageEndUs: share * cpus * 5e6,
  seconds: 5,
});

test("the twin's loads: its shares of the quota at the first reading's CPU per request; the first load without one", () => {
  // 40 req/s that used 0.1 of a 0.25-CPU quota over 5 s: a share of 0.4, 0.01 of the quota per req/s.
  assert.deepEqual(
    twinLoads([at(40, 0.4)], 0.25, 12),
    twinShares.map((s) => Math.round(s * 1000) / 10),
  );
  assert.deepEqual(twinLoads([], 0.25, 12), [12]);
  assert.deepEqual(twinLoads([at(40, 0)], 0.25, 12), [12]);
});

test('with a rising line through the readings, the loads sit on it (a share spent at any rate does not land them low)', () => {
  // share = 0.45 + 0.000136 · rps (nginx at 0.1 CPU above 1,000 req/s): 0.6 at 1102.9, 0.7 at 1838.2, 0.8 at 2573.5.
  const line = (rps: number) => at(rps, 0.45 + 0.000136 * rps, 0.1);
  assert.deepEqual(twinLoads([line(1000), line(1200), line(1600)], 0.1, 500), [1102.9, 1838.2, 2573.5]);
  // Through the origin and the first reading alone they would land at 0.6/0.586 · 1000 = 1024 req/s and below.
  assert.deepEqual(loadsAt([line(1000)], 0.1, [0.6], 500), [1023.9]);
  // A line that aims beyond 3x the fastest reading (two readings close together) is not trusted.
  assert.deepEqual(loadsAt([at(100, 0.5), at(101, 0.5001)], 0.25, [0.8], 10), [160]);
});
