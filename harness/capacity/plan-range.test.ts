// Plans with ranges: exact spreads where the quantiles can be worked out by hand, reproducibility for
// a seed, and the reason each rejected server type lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../common';
import { parseForecastCsv } from '../results';
import { defaultPlanOptions } from './index';
import { planRange, type PlanRangeInput } from './plan-range';

const dcs = ['use1', 'use2', 'euw1'];
const fixture = path.join(__dirname, 'fixtures', 'forecast-3dc.csv');
const serverTypes = { gen1: { costPerHour: 0.1 }, gen2: { costPerHour: 0.22 } };
const opts = { ...defaultPlanOptions, utilization: 0.8, spares: 1, growth: 0.2 };
const threeDc = (redlines: PlanRangeInput['redlines']): PlanRangeInput => ({
  redlines,
  serverTypes,
  forecast: parseForecastCsv(readFileSync(fixture, 'utf8'), fixture, dcs),
  dcs,
});

test("known redlines and peaks: every quantile is the point plan (the planner's own numbers by hand)", () => {
  const r = planRange(
    threeDc([
      { serverType: 'gen1', redline: 100, interval: null },
      { serverType: 'gen2', redline: 250, interval: [250, 250] },
    ]),
    opts,
  );
  assert.deepEqual(
    r.dcs.map((d) => [d.dc, d.servers, d.costPerHour]),
    [
      ['use1', { p5: 10, p50: 10, p95: 10 }, { p5: 2.2, p50: 2.2, p95: 2.2 }],
      ['use2', { p5: 19, p50: 19, p95: 19 }, { p5: 1.9, p50: 1.9, p95: 1.9 }],
      ['euw1', { p5: 13, p50: 13, p95: 13 }, { p5: 1.3, p50: 1.3, p95: 1.3 }],
    ],
  );
  assert.deepEqual(r.totalCostPerHour, { p5: 5.4, p50: 5.4, p95: 5.4 });
  assert.deepEqual(
    r.dcs[0].types.map((t) => [t.serverType, t.withDcLoss.p50, t.cheapestShare]),
    [
      ['gen1', 23, 0],
      ['gen2', 10, 1],
    ],
  );
});

// One DC, no spares: servers = ceil(peak / (R × 0.8)). R ~ N(100, 5) (interval [90.2, 109.8]), peak 760:
// servers <= 9 iff R >= 105.6 (13% of draws), <= 10 iff R >= 95 (84%), <= 11 iff R >= 86.4 (99.7%).
const oneDc = (peak: string, redline: PlanRangeInput['redlines'][number]): PlanRangeInput => ({
  redlines: [redline],
  serverTypes: { gen1: { costPerHour: 0.5 } },
  dcs: ['use1'],
  forecast: parseForecastCsv(`dc,peak_rps,peak_rps_low,peak_rps_high\n${peak}\n`, 'f.csv', ['use1']),
});
const flat = { ...defaultPlanOptions, utilization: 0.8, spares: 0, growth: 0 };

test('a redline interval of ±5 req/s (normal, ±1.96σ) gives 9 / 10 / 11 servers at p5 / p50 / p95', () => {
  const r = planRange(oneDc('use1,760,,', { serverType: 'gen1', redline: 100, interval: [90.2, 109.8] }), flat);
  assert.deepEqual(r.dcs[0].servers, { p5: 9, p50: 10, p95: 11 });
  assert.deepEqual(r.dcs[0].costPerHour, { p5: 4.5, p50: 5, p95: 5.5 });
  assert.equal(r.point.recommended[0].servers, 10);
});

test('a forecast range 520..1120 around 820 (triangular) gives 7 / 9 / 11 servers of redline 100 at full utilization', () => {
  // P(peak <= 600) = 80²/180000 = 3.6%, <= 700: 18%; <= 800: 43.6%, <= 900: 73.1%; <= 1000: 92%, <= 1100: 99.8%.
  const r = planRange(oneDc('use1,820,520,1120', { serverType: 'gen1', redline: 100, interval: null }), {
    ...flat,
    utilization: 1,
  });
  assert.deepEqual(r.dcs[0].servers, { p5: 7, p50: 9, p95: 11 });
});

test('the same seed gives the same range; another seed a slightly different one', () => {
  const input = threeDc([
    { serverType: 'gen1', redline: 100, interval: [92, 107] },
    { serverType: 'gen2', redline: 250, interval: [240, 262] },
  ]);
  const a = planRange(input, opts, { seed: 42 });
  assert.deepEqual(planRange(input, opts, { seed: 42 }), a);
  assert.notDeepEqual(
    planRange(input, opts, { seed: 43 }).dcs.map((d) => d.types.map((t) => t.cheapestShare)),
    a.dcs.map((d) => d.types.map((t) => t.cheapestShare)),
  );
  // use1: gen2 (10 × 0.22) is cheapest at the estimates by 4.5%; gen1 wins the draws where 21 servers do (a tie at 22 goes to fewer servers).
  const use1 = a.dcs[0].types;
  assert.ok(use1[1].cheapestShare > 0.9 && use1[0].cheapestShare > 0, JSON.stringify(use1));
  assert.ok(Math.abs(use1[0].cheapestShare + use1[1].cheapestShare - 1) < 1e-12);
});

test('why each rejected server type lost: cost, with both bills; capacity, when no load held', () => {
  const r = planRange(
    threeDc([
      { serverType: 'gen1', redline: 100, interval: null },
      { serverType: 'gen2', redline: 250, interval: null },
      { serverType: 'gen3', redline: null, interval: null },
    ]),
    opts,
  );
  assert.deepEqual(
    r.rejected.filter((x) => x.dc === 'use1'),
    [
      {
        dc: 'use1',
        serverType: 'gen1',
        reason: 'cost',
        explanation: '23 × gen1 cost 2.3/h against 10 × gen2 at 2.2/h (+4.5%)',
      },
      {
        dc: 'use1',
        serverType: 'gen3',
        reason: 'capacity',
        explanation: 'gen3 has no redline: no load held its guards, so no number of servers carries the load',
      },
    ],
  );
  assert.deepEqual(
    r.rejected.filter((x) => x.dc === 'use2').map((x) => [x.serverType, x.reason, x.explanation.slice(0, 38)]),
    [
      ['gen2', 'cost', '9 × gen2 cost 1.98/h against 19 × gen1'],
      ['gen3', 'capacity', 'gen3 has no redline: no load held its '],
    ],
  );
});

test('bad input: an interval that does not hold its redline, too few draws (ConfigError, naming the field)', () => {
  assert.throws(
    () => planRange(oneDc('use1,760,,', { serverType: 'gen1', redline: 100, interval: [101, 110] }), flat),
    (e: unknown) =>
      e instanceof ConfigError &&
      /redlines\[gen1\]\.interval/.test(e.message) &&
      /\[101, 110\] does not hold the redline 100/.test(e.message),
  );
  assert.throws(
    () => planRange(oneDc('use1,760,,', { serverType: 'gen1', redline: 100, interval: null }), flat, { draws: 5 }),
    (e: unknown) => e instanceof ConfigError && /draws/.test(e.message),
  );
});

test('forecast: peak_rps_low/peak_rps_high are read, blank is no range, a range that misses the peak is refused', () => {
  const rows = parseForecastCsv('dc,peak_rps,peak_rps_low,peak_rps_high\nuse1,800,700,950\nuse2,500,,\n', 'f.csv', [
    'use1',
    'use2',
  ]);
  assert.deepEqual(
    rows.map((r) => [r.dc, r.peakRps, r.peakRpsLow, r.peakRpsHigh]),
    [
      ['use1', 800, 700, 950],
      ['use2', 500, undefined, undefined],
    ],
  );
  assert.throws(
    () => parseForecastCsv('dc,peak_rps,peak_rps_low\nuse1,800,900\n', 'f.csv', ['use1']),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message.includes('f.csv') &&
      e.message.includes('line 2, peak_rps_low/peak_rps_high') &&
      e.message.includes('range 900..800 does not hold peak_rps 800'),
  );
});
