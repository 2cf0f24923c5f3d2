import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracyReport, cpuShareOf, cpuTruth, formatAccuracy } from './truth';

test('CPU share from cgroup usage: 0.5 s of CPU in 2 s on a 0.25 CPU quota is a share of 1', () => {
  assert.equal(cpuShareOf({ rps: 10, usageStartUs: 1_000_000, usageEndUs: 1_500_000, seconds: 2 }, 0.25), 1);
});

test('the truth is where the line through the readings crosses the limit', () => {
  // 2 ms of CPU per request and 0.01 of the quota at rest on 0.25 CPU: share = 0.01 + rps · 0.002 / 0.25 -> 0.75 at 92.5 req/s.
  const at = (rps: number) => ({
    rps,
    usageStartUs: 0,
    usageEndUs: (0.01 + (rps * 0.002) / 0.25) * 10 * 1e6 * 0.25,
    seconds: 10,
  });
  const t = cpuTruth([at(20), at(50), at(80)], 0.25, 0.75);
  assert.ok(Math.abs(t.rps - 92.5) < 1e-9, String(t.rps));
  assert.ok(Math.abs(t.cpuMsPerRequest - 2) < 1e-9);
  assert.throws(() => cpuTruth([at(20)], 0.25, 0.75), /no rising line through the CPU readings/);
});

test('the table: error per case, median and worst, containment, and whether the targets are met', () => {
  const good = accuracyReport([
    { name: 'a', truth: 100, redline: 102, interval: [98, 104] },
    { name: 'b', truth: 50, redline: 49, interval: [47, 51] },
    { name: 'c', truth: 80, redline: 80, interval: [78, 82] },
  ]);
  assert.deepEqual(
    good.rows.map((r) => [r.error, r.contained]),
    [
      [0.02, true],
      [0.02, true],
      [0, true],
    ],
  );
  assert.equal(good.medianError, 0.02);
  assert.equal(good.worstError, 0.02);
  assert.equal(good.meetsTargets, true);
  const bad = accuracyReport([
    { name: 'a', truth: 100, redline: 93, interval: [90, 96] },
    { name: 'b', truth: 50, redline: null, interval: null },
  ]);
  assert.equal(bad.meetsTargets, false);
  assert.equal(bad.allContained, false);
  const text = formatAccuracy(bad);
  assert.match(text, /^\| a \| 100\.0 \| 93\.0 \| 90\.0–96\.0 \| 7\.0% \| no \|$/m);
  assert.match(text, /^\| b \| 50\.0 \| – \| – \| – \| – \|$/m);
  assert.match(text, /targets NOT met/);
});
