// Pure tests of the redline search, drain planning and lose-dc redistribution, with fake measurements.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterSpec } from '../cluster';
import { RedlineSearch, sweepGrid } from './redline-search';
import {
  dcCapacity,
  drainShares,
  drainWeights,
  loseDcWeights,
  poolOnlyWeights,
  redlinePools,
  targetDemandShare,
} from './traffic-plan';

function cluster(
  dcs: { name: string; region: string; demand: number; pools: Record<string, number> }[],
  failover?: ClusterSpec['failover'],
): ClusterSpec {
  const regions = [...new Set(dcs.map((d) => d.region))].map((r) => ({
    name: r,
    dcs: dcs.filter((d) => d.region === r).map((d) => d.name),
  }));
  return {
    name: 'fake',
    file: 'fake.yaml',
    driver: 'static',
    allowTargets: [],
    serviceEnv: {},
    replicas: [],
    regions,
    failover,
    serverTypes: {
      small: { name: 'small', cpus: 0.25, memoryMb: 256, workers: 1, costPerHour: 1 },
      large: { name: 'large', cpus: 0.5, memoryMb: 512, workers: 1, costPerHour: 2 },
    },
    dcs: dcs.map((d) => ({
      name: d.name,
      region: d.region,
      demand: d.demand,
      pools: Object.entries(d.pools).map(([t, n]) => ({
        id: `${d.name}/${t}`,
        region: d.region,
        dc: d.name,
        serverType: t,
        replicas: n,
      })),
    })),
  };
}
const threeDc = cluster([
  { name: 'use1', region: 'us-east', demand: 45, pools: { small: 2, large: 1 } },
  { name: 'usw2', region: 'us-west', demand: 30, pools: { small: 1, large: 1 } },
  { name: 'euw1', region: 'eu-west', demand: 25, pools: { small: 1, large: 1 } },
]);

function close(actual: Record<string, number>, expected: Record<string, number>) {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
  for (const k of Object.keys(expected))
    assert.ok(Math.abs(actual[k] - expected[k]) < 1e-6, `${k}: ${actual[k]} != ${expected[k]}`);
}

/** Runs a search against a pool whose true redline is `truth` (a probe holds iff rps <= truth). */
function run(search: RedlineSearch, truth: number) {
  for (let p = search.next(); p; p = search.next()) search.record(p.rps <= truth);
  return search.outcome();
}

test('redline search: ramp ×2 from 30, then bisection to 3% around a true redline of 100', () => {
  const out = run(new RedlineSearch({ startRps: 30, maxRps: 400, rampFactor: 2, resolution: 0.03 }), 100);
  assert.deepEqual(
    out.probes.map((p) => [p.rps, p.held, p.phase]),
    [
      [30, true, 'ramp'],
      [60, true, 'ramp'],
      [120, false, 'ramp'],
      [90, true, 'bisect'],
      [105, false, 'bisect'],
      [97.5, true, 'bisect'],
      [101.3, false, 'bisect'],
      [99.4, true, 'bisect'],
    ],
  );
  assert.equal(out.redlineRps, 99.4);
  assert.equal(out.breachedRps, 101.3);
});

test('redline search: a known redline from a baseline run needs fewer probes and lands on the same answer', () => {
  const out = run(
    new RedlineSearch({ startRps: 30, maxRps: 400, rampFactor: 2, resolution: 0.03, knownRps: 100 }),
    100,
  );
  assert.deepEqual(
    out.probes.map((p) => p.rps),
    [92, 99.4, 107.4, 103.4, 101.4],
  );
  assert.equal(out.redlineRps, 99.4);
  assert.ok(out.probes.length < 8);
});

test('redline search: stops at maxRps when nothing breaks, as "no breach up to 100", never a redline', () => {
  const out = run(new RedlineSearch({ startRps: 30, maxRps: 100, rampFactor: 2, resolution: 0.03 }), 1000);
  assert.deepEqual(
    out.probes.map((p) => p.rps),
    [30, 60, 100],
  );
  assert.equal(out.status, 'noBreach');
  assert.equal(out.redlineRps, null);
  assert.equal(out.note, 'no breach up to 100 req/s per replica (maxRps)');
  assert.equal(out.breachedRps, null);
});

test('redline search: ramps down when the first probes break, gives null when nothing holds', () => {
  const out = run(new RedlineSearch({ startRps: 30, maxRps: 400, rampFactor: 2, resolution: 0.03 }), 0);
  assert.deepEqual(
    out.probes.map((p) => p.rps),
    [30, 15, 7.5, 3.75, 1.88, 0.94, 0.47],
  );
  assert.equal(out.redlineRps, null);
  const down = run(new RedlineSearch({ startRps: 100, maxRps: 400, rampFactor: 2, resolution: 0.05 }), 40);
  assert.deepEqual(
    down.probes.map((p) => p.rps),
    [100, 50, 25, 37.5, 43.8, 40.7, 39.1],
  );
  assert.equal(down.redlineRps, 39.1);
});

test('redline search: next() without record() repeats the same probe (an unstable probe is re-run)', () => {
  const s = new RedlineSearch({ startRps: 30, maxRps: 400, rampFactor: 2, resolution: 0.03 });
  assert.deepEqual(s.next(), s.next());
  s.record(true);
  assert.equal(s.next()!.rps, 60);
});

test('sweep grid: 2% apart from 90 to 100, the end included', () => {
  assert.deepEqual(sweepGrid(90, 100, 0.02), [90, 91.8, 93.6, 95.5, 97.4, 99.4, 100]);
});

test('drain: shares from demand to 100%, weights keep the other DCs in their demand ratio', () => {
  assert.deepEqual(drainShares(0.45, 5), [0.45, 0.5875, 0.725, 0.8625, 1]);
  assert.equal(targetDemandShare(threeDc, { kind: 'dc', name: 'use1' }), 0.45);
  close(drainWeights(threeDc, { kind: 'dc', name: 'use1' }, 0.725).dcs, { use1: 0.725, usw2: 0.15, euw1: 0.125 });
  close(drainWeights(threeDc, { kind: 'dc', name: 'use1' }, 1).dcs, { use1: 1, usw2: 0, euw1: 0 });
  close(drainWeights(threeDc, { kind: 'dc', name: 'usw2' }, 0.3).dcs, { use1: 0.45, usw2: 0.3, euw1: 0.25 });
});

test('drain: a region target splits its share over its DCs by demand; a pool target takes its DC', () => {
  const four = cluster([
    { name: 'use1', region: 'us-east', demand: 40, pools: { small: 1 } },
    { name: 'use2', region: 'us-east', demand: 20, pools: { small: 1 } },
    { name: 'euw1', region: 'eu', demand: 40, pools: { small: 1 } },
  ]);
  assert.ok(Math.abs(targetDemandShare(four, { kind: 'region', name: 'us-east' }) - 0.6) < 1e-9);
  close(drainWeights(four, { kind: 'region', name: 'us-east' }, 0.9).dcs, { use1: 0.6, use2: 0.3, euw1: 0.1 });
  assert.ok(Math.abs(targetDemandShare(threeDc, { kind: 'pool', name: 'use1/small' }) - 0.3) < 1e-9);
  const w = drainWeights(threeDc, { kind: 'pool', name: 'use1/small' }, 0.5);
  close(w.dcs, { use1: 0.5, usw2: (0.5 * 30) / 55, euw1: (0.5 * 25) / 55 });
  assert.deepEqual(w.pools, { use1: { small: 1, large: 0 } });
});

test('lose-dc: survivors take the lost demand in proportion to their own, or by the failover map', () => {
  close(loseDcWeights(threeDc, 'use1').dcs, { use1: 0, usw2: 0.3 + (0.45 * 30) / 55, euw1: 0.25 + (0.45 * 25) / 55 });
  close(loseDcWeights(threeDc, 'euw1').dcs, { use1: 0.45 + (0.25 * 45) / 75, usw2: 0.3 + (0.25 * 30) / 75, euw1: 0 });
  const mapped = cluster(
    threeDc.dcs.map((d) => ({ name: d.name, region: d.region, demand: d.demand, pools: { small: 1 } })),
    { use1: { usw2: 0.6, euw1: 0.4 } },
  );
  close(loseDcWeights(mapped, 'use1').dcs, { use1: 0, usw2: 0.57, euw1: 0.43 });
  // The map names only use1: losing usw2 still spreads by demand.
  close(loseDcWeights(mapped, 'usw2').dcs, { use1: 0.45 + (0.3 * 45) / 70, usw2: 0, euw1: 0.25 + (0.3 * 25) / 70 });
});

test('capacity of a DC from redlines, per serving replica; pools for a redline', () => {
  assert.equal(dcCapacity(threeDc, 'use1', { small: 100, large: 190 }), 390);
  assert.equal(dcCapacity(threeDc, 'use1', { small: 100, large: 190 }, { 'use1/small': 1 }), 290);
  assert.equal(dcCapacity(threeDc, 'use1', { small: 100 }), null);
  assert.deepEqual(redlinePools(threeDc, { serverTypes: 'all' }), ['usw2/small', 'use1/large']);
  assert.deepEqual(redlinePools(threeDc, { serverTypes: ['large'], pool: 'euw1/large' }), ['euw1/large']);
  assert.deepEqual(poolOnlyWeights(threeDc, 'usw2/small'), {
    dcs: { use1: 0, usw2: 1, euw1: 0 },
    pools: { usw2: { small: 1, large: 0 } },
  });
});
