// The plan per tier, by hand: two DCs, a web tier and a backend tier in front req/s per replica.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../common';
import { parseForecastCsv } from '../results';
import { defaultPlanOptions, planTiers, type TierPlanInput } from './index';

const dcs = ['use1', 'euw1'];
const forecast = parseForecastCsv('dc,peak_rps,current_small\nuse1,120,2\neuw1,80,1\n', 'f.csv', dcs);
const opts = { ...defaultPlanOptions, utilization: 0.8, spares: 1, growth: 0 };

function input(over: Partial<TierPlanInput> = {}): TierPlanInput {
  return {
    tiers: ['web', 'backend'],
    dcs,
    forecast,
    serverTypes: { small: { costPerHour: 0.01 } },
    // The web redline was limited by the backend: web from CPU per front request (200), backend from the limit (40);
    // a second drill found the backend lower (32): the lowest counts.
    tierRedlines: [
      { tier: 'web', serverType: 'small', rpsPerReplica: 200, basis: 'cpu' },
      { tier: 'backend', serverType: 'small', rpsPerReplica: 40, basis: 'limit' },
      { tier: 'backend', serverType: 'small', rpsPerReplica: 32, basis: 'limit' },
      { tier: 'backend', serverType: 'small', rpsPerReplica: null, basis: 'cpu' },
    ],
    fleet: { use1: { web: { small: 2 }, backend: { small: 1 } }, euw1: { web: { small: 1 }, backend: { small: 1 } } },
    ...over,
  };
}

// R·u: web 160, backend 25.6 front req/s per server. use1 losing euw1 carries 200, euw1 losing use1 200.
// web: use1 normal ceil(120/160)+1 = 2, with loss ceil(200/160)+1 = 3; euw1 ceil(80/160)+1 = 2, 3.
// backend: use1 ceil(120/25.6)+1 = 6, ceil(200/25.6)+1 = 9; euw1 ceil(80/25.6)+1 = 5, 9.
test('every tier planned in front req/s: rows per tier, today only for the front, the backend named bottleneck', () => {
  const p = planTiers(input(), opts);
  assert.deepEqual(
    p.plan.map((r) => [r.tier, r.dc, r.redlineRps, r.normal, r.withDcLoss, r.bindingLoss, r.current, r.costPerHour]),
    [
      ['web', 'use1', 200, 2, 3, 'euw1', 2, 0.03],
      ['web', 'euw1', 200, 2, 3, 'use1', 1, 0.03],
      ['backend', 'use1', 32, 6, 9, 'euw1', null, 0.09],
      ['backend', 'euw1', 32, 5, 9, 'use1', null, 0.09],
    ],
  );
  assert.deepEqual(
    p.recommended.map((r) => [r.tier, r.dc, r.servers]),
    [
      ['web', 'use1', 3],
      ['web', 'euw1', 3],
      ['backend', 'use1', 9],
      ['backend', 'euw1', 9],
    ],
  );
  assert.equal(p.totalCostPerHour, 0.24);
  // Fleet as run: web 3 × 200 = 600 front req/s, backend 2 × 32 = 64.
  assert.equal(p.bottleneckTier, 'backend');
});

test('a tier with no capacity from any drill cannot be planned: ConfigError naming the tier', () => {
  assert.throws(
    () =>
      planTiers(
        input({ tierRedlines: [{ tier: 'web', serverType: 'small', rpsPerReplica: 200, basis: 'measured' }] }),
        opts,
      ),
    (e: unknown) => e instanceof ConfigError && /tier backend/.test(e.message),
  );
});
