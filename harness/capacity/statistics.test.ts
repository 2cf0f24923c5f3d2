// The statistics under the estimates, against table values, and the seeded source's reproducibility.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitLine, median, normalCdf, normalQuantile, quantile, stdDev, tQuantile } from './statistics';
import { normalDraws, seededRandom } from '../common';

const near = (actual: number, expected: number, tol: number) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} != ${expected} ± ${tol}`);

test('normal quantile and CDF: 1.959964 at 0.975, 2.326348 at 0.99, and back', () => {
  near(normalQuantile(0.975), 1.959964, 1e-6);
  near(normalQuantile(0.99), 2.326348, 1e-6);
  near(normalQuantile(0.001), -3.090232, 1e-6);
  near(normalCdf(1.959964), 0.975, 1e-7);
  near(normalCdf(-2.326348), 0.01, 1e-7);
  assert.throws(() => normalQuantile(1), RangeError);
});

test('Student t at 0.975 matches the tables: 12.706 (1), 4.303 (2), 3.182 (3), 2.571 (5), 2.228 (10), 2.042 (30)', () => {
  const table: [number, number][] = [
    [1, 12.706],
    [2, 4.303],
    [3, 3.182],
    [5, 2.571],
    [10, 2.228],
    [30, 2.042],
  ];
  for (const [df, t] of table) near(tQuantile(0.975, df), t, 0.002 * t);
});

test('quantile (type 7), median, sd, and an exact line', () => {
  assert.equal(quantile([4, 1, 3, 2], 0.5), 2.5);
  assert.equal(quantile([1, 2, 3, 4, 5], 0.9), 4.6);
  assert.equal(median([5, 1, 3]), 3);
  near(stdDev([2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7), 1e-12);
  const f = fitLine([
    { x: 1, y: 3 },
    { x: 2, y: 5 },
    { x: 3, y: 7 },
  ])!;
  assert.deepEqual([f.intercept, f.slope, f.residualSd, f.n, f.sxx], [1, 2, 0, 3, 2]);
  assert.equal(
    fitLine([
      { x: 1, y: 1 },
      { x: 1, y: 2 },
      { x: 1, y: 3 },
    ]),
    null,
  );
});

test('seeded source: the same seed gives the same draws; uniform mean 0.5 and normal sd 1 over 20,000 draws', () => {
  const a = seededRandom(7),
    b = seededRandom(7),
    c = seededRandom(8);
  const xs = Array.from({ length: 20000 }, () => a());
  assert.deepEqual(
    Array.from({ length: 5 }, () => b()),
    xs.slice(0, 5),
  );
  assert.notEqual(c(), xs[0]);
  near(xs.reduce((s, x) => s + x, 0) / xs.length, 0.5, 0.01);
  const z = normalDraws(seededRandom(7));
  const zs = Array.from({ length: 20000 }, () => z());
  near(stdDev(zs), 1, 0.02);
});
