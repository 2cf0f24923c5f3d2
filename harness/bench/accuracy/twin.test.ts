import assert from 'node:assert/strict';
import { test } from 'node:test';
import { twinLoads, twinShares } from './twin';

test("the twin's loads: its shares of the quota at the first reading's CPU per request; the first load without one", () => {
  // 40 req/s that used 0.1 of a 0.25-CPU quota over 5 s: a share of 0.4, 0.01 of the quota per req/s.
  const reading = { rps: 40, usageStartUs: 0, usageEndUs: 0.4 * 0.25 * 5e6, seconds: 5 };
  assert.deepEqual(
    twinLoads([reading], 0.25, 12),
    twinShares.map((s) => Math.round(s * 1000) / 10),
  );
  assert.deepEqual(twinLoads([], 0.25, 12), [12]);
  assert.deepEqual(twinLoads([{ ...reading, usageEndUs: 0 }], 0.25, 12), [12]);
});
