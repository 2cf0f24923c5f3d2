// Memory is recorded and guardable: the replica watch's memory_mb (and memory_share of the type's limit)
// samples end up per replica and pool in the step record, and a memory guard reads them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateScenario } from '../config';
import { Metrics } from '../metrics';
import { buildGuards } from './guards';
import { countedMetricsPort, RequestCounters } from './request-counters';
import { ReplicaWatch } from './replica-watch';
import { buildStepRecord, type ReplicaRef } from './step-record';
import { takeStepWindow } from './step-window';
import type { StepPlan } from './step';
import { fakeCluster, FakeWorld, VirtualClock } from './testing/fake-world';

test('memory per replica and pool in the step record; memory_mb and memory_share guards read it', async () => {
  const spec = fakeCluster([{ dc: 'use1', demand: 1, types: { small: 2 } }], { small: 100 });
  const world = new FakeWorld(spec, { small: 100 });
  // fake replicas report 50 MB each; the second 70 MB.
  world.sampleResources = async () =>
    world.replicas.map((r, i) => ({
      replica: r.name,
      at: clock.now(),
      cpuSeconds: 0,
      cpuShare: 0.2,
      memoryMb: 50 + 20 * i,
    }));
  const clock = new VirtualClock();
  const metrics = new Metrics({ now: () => clock.now() });
  const counters = new RequestCounters(metrics);
  const port = countedMetricsPort(metrics, counters);
  const start = clock.now();
  const watch = new ReplicaWatch({
    cluster: world,
    load: { outstanding: () => 0 },
    metrics: port,
    clock,
    safety: { windowMs: 5000, maxErrorRate: 0.5 },
    markedOut: new Map(),
    markedInAt: new Map(),
    markOut: () => {},
    stepTag: () => '3',
  });
  watch.start();
  await clock.sleep(3500);
  await watch.stop();
  const plan: StepPlan = {
    drill: 'h',
    kind: 'hold',
    target: { kind: 'pool', name: 'use1/small' },
    offeredRps: 0,
    weights: { dcs: { use1: 1 } },
    settleMs: 0,
    measureMs: 3000,
    targetFilter: { pool: 'use1/small' },
    guardTargets: [{ label: 'use1/small', filter: { pool: 'use1/small' } }],
  };
  const replicas: ReplicaRef[] = world.replicas;
  const w = await takeStepWindow(port, replicas, plan, start, clock.now(), '3');
  const record = buildStepRecord(
    {
      runId: 'r',
      plan,
      index: 3,
      rateRps: 0,
      replicas,
      cpusByType: { small: 0.25 },
      markedOut: new Set(),
      checks: [],
      annotations: [],
    },
    w,
  );
  assert.deepEqual(
    record.replicas.map((r) => r.memoryMb),
    [50, 70],
  );
  assert.equal(record.pools[0].memoryMb, 60);

  const scenario = validateScenario(
    {
      name: 'g',
      cluster: 'c.yaml',
      baselineRps: 10,
      mix: { endpoints: [{ name: 'feed', weight: 1, protocol: 'http', path: '/feed' }] },
      guards: { memory_mb: ['max<65'], memory_share: ['avg<0.5'] },
      guardWindow: '5s',
      safety: { maxErrorRate: 0.5, maxTotalRps: 2000 },
      drills: [{ kind: 'hold', name: 'h' }],
    },
    '/fake/scenario.ts',
  );
  const guards = buildGuards(scenario, metrics, counters);
  // The fake type's limit is 256 MB: 60 MB on average is a share of 0.234.
  const values = guards.map((g) => g.evaluate({ pool: 'use1/small', step: '3' }, start));
  assert.deepEqual(values[0], { ok: false, value: 70 });
  assert.equal(values[1].ok, true);
  assert.ok(Math.abs(values[1].value! - 60 / 256) < 1e-9, String(values[1].value));
});
