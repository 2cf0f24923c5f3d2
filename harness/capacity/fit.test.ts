import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitCpuPerRequest, knee } from './index';

test('CPU per request is the least-squares slope of CPU time per second against req/s', () => {
  // 0.5 cpus; cpu ms/s = 20 + 2 × rps: share = (20 + 2 rps) / 500.
  const points = [50, 100, 150, 200].map((rps) => ({ rps, cpuShare: (20 + 2 * rps) / 500, cpus: 0.5 }));
  const fit = fitCpuPerRequest(points)!;
  assert.ok(Math.abs(fit.cpuMsPerRequest - 2) < 1e-9);
  assert.ok(Math.abs(fit.interceptShare - 0.04) < 1e-9);
  assert.ok(Math.abs(fit.r2 - 1) < 1e-9);
});

test('a noisy fit reports r2 below 1, and the exact least-squares answer', () => {
  // x 0,1,2,3 ; y 1,3,2,5 -> slope 1.1, intercept 1.1, r2 = 0.7261...
  const fit = fitCpuPerRequest([1, 3, 2, 5].map((ms, i) => ({ rps: i, cpuShare: ms / 1000, cpus: 1 })))!;
  assert.ok(Math.abs(fit.cpuMsPerRequest - 1.1) < 1e-9);
  assert.ok(Math.abs(fit.interceptShare - 0.0011) < 1e-12);
  assert.ok(Math.abs(fit.r2 - (1.1 * 1.1 * 5) / 8.75) < 1e-9);
});

test('no fit from one rate, or points without CPU figures', () => {
  assert.equal(
    fitCpuPerRequest([
      { rps: 10, cpuShare: 0.1, cpus: 1 },
      { rps: 10, cpuShare: 0.2, cpus: 1 },
    ]),
    null,
  );
  assert.equal(
    fitCpuPerRequest([
      { rps: 10, cpuShare: null, cpus: 1 },
      { rps: 20, cpuShare: 0.2, cpus: 1 },
    ]),
    null,
  );
});

test('the knee is where p99 leaves the straight line', () => {
  const pts = [
    [100, 10],
    [200, 10],
    [300, 11],
    [400, 20],
    [500, 60],
  ].map(([rps, p99Ms]) => ({ rps, p99Ms }));
  assert.equal(knee(pts), 400);
  assert.equal(knee([...pts].reverse()), 400); // order does not matter
});

test('no knee on a straight line, a flat line or too few points', () => {
  assert.equal(knee([1, 2, 3, 4].map((i) => ({ rps: i * 100, p99Ms: i * 10 }))), null);
  assert.equal(knee([1, 2, 3].map((i) => ({ rps: i * 100, p99Ms: 5 }))), null);
  assert.equal(
    knee([
      { rps: 1, p99Ms: 1 },
      { rps: 2, p99Ms: 9 },
    ]),
    null,
  );
});
