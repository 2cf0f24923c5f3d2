// The tier rules of a drill, on a two-tier spec made by hand: which guards run on which pools, the
// tier a breach is charged to, CPU per front request by tier, and each tier's capacity per replica.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterSpec } from '../cluster';
import type { PoolFigures, StepRecord } from '../results';
import type { GuardCheck, StepPlan } from './step';
import {
  brokenTierOf,
  cpuMsPerFrontRequestByTier,
  guardApplies,
  loadView,
  tierGuardTargets,
  tierRedlines,
} from './tiers';

const pool = (dc: string, tier: string, replicas: number) => ({
  id: `${dc}/${tier}/small`,
  region: dc === 'use1' ? 'us-east' : 'eu-west',
  dc,
  tier,
  serverType: 'small',
  replicas,
});
const cluster: ClusterSpec = {
  name: 't',
  file: 't.yaml',
  driver: 'docker',
  allowTargets: [],
  serviceEnv: {},
  front: 'web',
  serverTypes: { small: { name: 'small', cpus: 0.25, memoryMb: 256, workers: 1, costPerHour: 0.01 } },
  tiers: ['backend', 'web'].map((name) => ({
    name,
    source: { kind: 'reference' as const },
    env: {},
    serves: ['http' as const],
    health: { kind: 'reference' as const },
    dependsOn: [],
  })),
  regions: [
    { name: 'us-east', dcs: ['use1'] },
    { name: 'eu-west', dcs: ['euw1'] },
  ],
  dcs: [
    { name: 'use1', region: 'us-east', demand: 0.6, pools: [pool('use1', 'web', 2), pool('use1', 'backend', 1)] },
    { name: 'euw1', region: 'eu-west', demand: 0.4, pools: [pool('euw1', 'web', 1), pool('euw1', 'backend', 1)] },
  ],
  replicas: [],
};
const plan: StepPlan = {
  drill: 'r',
  kind: 'redline',
  target: { kind: 'pool', name: 'euw1/web/small' },
  offeredRps: 20,
  weights: { dcs: {} },
  settleMs: 0,
  measureMs: 0,
  targetFilter: { pool: 'euw1/web/small' },
  guardTargets: [],
  loadTier: 'web',
};
const figures = (cpu: Record<string, number | null>): PoolFigures[] =>
  cluster.dcs
    .flatMap((d) => d.pools)
    .map((p) => ({
      pool: p.id,
      dc: p.dc,
      serverType: 'small',
      rps: 0,
      replicasServing: p.replicas,
      rpsPerReplica: 0,
      p50Ms: null,
      p99Ms: null,
      errorRate: 0,
      cpuShare: p.id in cpu ? cpu[p.id] : 0,
    }));
const record = (cpu: Record<string, number | null>, rps = 20): StepRecord =>
  ({ targetFigures: { rps }, pools: figures(cpu) }) as unknown as StepRecord;
const cpuGuard = {
  name: 'cpu_share: avg<0.8',
  metric: 'cpu_share',
  expression: 'avg<0.8',
  evaluate: () => ({ ok: true, value: 0 }),
};
const p99Guard = {
  name: 'http_req_duration: p(99)<250',
  metric: 'http_req_duration',
  expression: 'p(99)<250',
  evaluate: () => ({ ok: true, value: 0 }),
};

test('the loaded tier view keeps only its pools; every other pool of the DC is guarded on resources only', () => {
  assert.deepEqual(
    loadView(cluster, 'web').dcs.map((d) => d.pools.map((p) => p.id)),
    [['use1/web/small'], ['euw1/web/small']],
  );
  const targets = tierGuardTargets(cluster, ['euw1'], 'euw1/web/small');
  assert.deepEqual(targets, [
    {
      label: 'euw1/backend/small',
      filter: { pool: 'euw1/backend/small' },
      tier: 'backend',
      only: 'resources',
      tags: { region: 'eu-west', dc: 'euw1', pool: 'euw1/backend/small', serverType: 'small' },
    },
  ]);
  assert.equal(guardApplies(targets[0], cpuGuard), true);
  assert.equal(guardApplies(targets[0], p99Guard), false);
  assert.equal(guardApplies({ label: 'use1', filter: { dc: 'use1' }, only: 'requests' }, cpuGuard), false);
  // Every resource metric of the catalog is judged on every tier's pools, none where only requests are.
  for (const metric of ['memory_mb', 'memory_share']) {
    assert.equal(guardApplies(targets[0], { metric }), true, metric);
    assert.equal(guardApplies({ label: 'use1', filter: { dc: 'use1' }, only: 'requests' }, { metric }), false, metric);
  }
});

test("a guard on one server type or DC judges that type's or DC's pools only, not the others as 'no data'", () => {
  const [backend] = tierGuardTargets(cluster, ['euw1'], 'euw1/web/small');
  const memory = (filter: Record<string, string>) => ({ ...cpuGuard, metric: 'memory_mb', filter });
  assert.equal(guardApplies(backend, memory({ serverType: 'small' })), true);
  assert.equal(guardApplies(backend, memory({ serverType: 'large' })), false);
  assert.equal(guardApplies(backend, memory({ dc: 'use1' })), false);
  assert.equal(guardApplies(backend, memory({ dc: 'euw1', serverType: 'small' })), true);
  assert.equal(guardApplies(backend, memory({})), true);
  // A target that does not say what it is (a DC, all traffic) is judged by every guard, its filter merged.
  assert.equal(guardApplies({ label: 'euw1', filter: { dc: 'euw1' } }, memory({ serverType: 'large' })), true);
});

test('a breach is charged to the tier that ran out: a CPU guard of another tier, else the busiest tier of the DC', () => {
  const front = { label: 'euw1/web/small', filter: { pool: 'euw1/web/small' }, tier: 'web' };
  const back = tierGuardTargets(cluster, ['euw1'], 'euw1/web/small')[0];
  const checks = (ok: [boolean, boolean, boolean]): GuardCheck[] => [
    { target: front, guard: p99Guard, ok: ok[0], value: 0 },
    { target: front, guard: cpuGuard, ok: ok[1], value: 0 },
    { target: back, guard: cpuGuard, ok: ok[2], value: 0 },
  ];
  const busyBackend = record({ 'euw1/web/small': 0.4, 'euw1/backend/small': 0.45 });
  assert.equal(brokenTierOf(cluster, plan, checks([true, true, true]), busyBackend), undefined);
  assert.equal(brokenTierOf(cluster, plan, checks([true, false, false]), busyBackend), 'backend');
  assert.equal(brokenTierOf(cluster, plan, checks([false, true, true]), busyBackend), 'backend');
  // The front is the busiest, or the other tier is nearly idle: the front's own breach.
  assert.equal(
    brokenTierOf(
      cluster,
      plan,
      checks([false, true, true]),
      record({ 'euw1/web/small': 0.9, 'euw1/backend/small': 0.5 }),
    ),
    'web',
  );
  assert.equal(
    brokenTierOf(
      cluster,
      plan,
      checks([false, true, true]),
      record({ 'euw1/web/small': 0.1, 'euw1/backend/small': 0.2 }),
    ),
    'web',
  );
  // The other DC's pools do not count for a probe of euw1.
  assert.equal(
    brokenTierOf(
      cluster,
      plan,
      checks([false, true, true]),
      record({ 'euw1/web/small': 0.3, 'use1/backend/small': 0.9 }),
    ),
    'web',
  );
});

// euw1 at 20 front req/s: web 1 × 0.25 CPU × 0.4 = 100 ms/s → 5 ms per request; backend 1 × 0.25 × 0.8 = 200 ms/s → 10 ms.
test('CPU ms per front request by tier, over the pools of the step DCs; capacities per tier from a limited redline', () => {
  const rec = {
    ...record({ 'euw1/web/small': 0.4, 'euw1/backend/small': 0.8, 'use1/backend/small': 0.9 }),
    cpuMsPerFrontRequestByTier: undefined,
  };
  const byTier = cpuMsPerFrontRequestByTier(cluster, plan, rec);
  assert.deepEqual(byTier, { web: 5, backend: 10 });
  assert.deepEqual(cpuMsPerFrontRequestByTier(cluster, plan, record({ 'euw1/backend/small': null })), {
    web: 0,
    backend: null,
  });
  // Limited by the backend: it carried the 20 front req/s on its one replica; web from its CPU at full quota: 250 / 5 = 50.
  const best = { ...rec, cpuMsPerFrontRequestByTier: byTier };
  assert.deepEqual(tierRedlines(cluster, 'euw1/web/small', 'web', 20, best, 'backend'), [
    { tier: 'web', serverType: 'small', rpsPerReplica: 50, basis: 'cpu' },
    { tier: 'backend', serverType: 'small', rpsPerReplica: 20, basis: 'limit' },
  ]);
  // Limited by the web tier itself: its redline is measured, the backend from its CPU: 250 / 10 = 25.
  assert.deepEqual(tierRedlines(cluster, 'euw1/web/small', 'web', 20, best, undefined), [
    { tier: 'web', serverType: 'small', rpsPerReplica: 20, basis: 'measured' },
    { tier: 'backend', serverType: 'small', rpsPerReplica: 25, basis: 'cpu' },
  ]);
});
