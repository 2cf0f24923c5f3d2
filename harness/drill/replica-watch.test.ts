// The replica watch marks a replica out only when it is missing from several resource samples in a
// row (one failed stats call is a hiccup), and marks it back in once it is back for several samples; a
// silent replica waiting on a busy tier of its DC is not marked out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Replica, ResourceSample } from '../cluster';
import { validateScenario, type ScenarioInput } from '../config';
import { DrillController } from './controller';
import type { ClusterPort, MetricsPort } from './ports';
import { ReplicaWatch } from './replica-watch';
import { FakeWorld, VirtualClock, fakeCluster, fakeP99Guard } from './testing/fake-world';

/** A world whose resource samples leave out the replicas in `hidden` (a failed stats call for them). */
class FlakyStatsWorld extends FakeWorld {
  readonly hidden = new Set<string>();
  override async sampleResources(): Promise<ResourceSample[]> {
    return (await super.sampleResources()).filter((s) => !this.hidden.has(s.replica));
  }
}

const input: ScenarioInput = {
  name: 'fake',
  cluster: 'fake.yaml',
  baselineRps: 100,
  mix: { endpoints: [{ name: 'feed', weight: 1, protocol: 'http', path: '/feed' }] },
  guards: { http_req_duration: ['p(99)<250'] },
  safety: { maxErrorRate: 0.5, maxTotalRps: 2000 },
  drills: [{ kind: 'hold', name: 'h' }],
};

async function watch(plan: (world: FlakyStatsWorld, ctrl: DrillController) => Promise<void>) {
  const capacity = { small: 100 };
  // Managed replicas (containers): missing from the samples means not running. Static servers are another rule.
  const spec = {
    ...fakeCluster([{ dc: 'use1', demand: 1, types: { small: 2 } }], capacity),
    driver: 'docker' as const,
  };
  const world = new FlakyStatsWorld(spec, capacity);
  const clock = new VirtualClock();
  world.now = () => clock.now();
  const scenario = validateScenario(input, '/fake/scenario.ts');
  const ctrl = new DrillController({
    runId: 'r1',
    scenario,
    cluster: world,
    load: world,
    metrics: world,
    guards: [fakeP99Guard(world)],
    clock,
    onStep: () => {},
  });
  ctrl.start();
  try {
    await plan(world, ctrl);
  } finally {
    await ctrl.stop();
  }
}

const replica = 'fake-use1-small-0';

test('one failed stats call for a healthy replica does not mark it out', async () => {
  await watch(async (world, ctrl) => {
    world.hidden.add(replica);
    await ctrl.idle(1000);
    world.hidden.delete(replica);
    await ctrl.idle(5000);
    assert.equal(ctrl.markedOut.has(replica), false);
    assert.deepEqual(
      ctrl
        .serving()
        .map((r) => r.name)
        .sort(),
      ['fake-use1-small-0', 'fake-use1-small-1'],
    );
  });
});

test('missing from 3 samples in a row: marked out; back in the samples: marked in again', async () => {
  await watch(async (world, ctrl) => {
    world.hidden.add(replica);
    await ctrl.idle(5000);
    assert.match(
      ctrl.markedOut.get(replica) ?? '',
      /^not running \(missing from the resource samples\), 3 samples in a row$/,
    );
    assert.equal(world.out.has(replica), true);
    world.hidden.delete(replica);
    await ctrl.idle(5000);
    assert.equal(ctrl.markedOut.has(replica), false);
    assert.equal(world.out.has(replica), false);
  });
});

test('a replica a drill killed and marked out is not marked in by the watch', async () => {
  await watch(async (_world, ctrl) => {
    ctrl.markOut(replica, 'killed: lose-dc use1');
    await ctrl.idle(5000);
    assert.equal(ctrl.markedOut.get(replica), 'killed: lose-dc use1');
  });
});

test('a silent web replica whose DC has a busy db is waiting on it, not dead; with the db idle it is marked out', () => {
  const replicaOf = (name: string, tier: string, dc: string) =>
    ({ name, tier, dc, region: 'r', pool: `${dc}/${tier}/small`, serverType: 'small' }) as Replica;
  const replicas = [
    replicaOf('web-1', 'web', 'use1'),
    replicaOf('db-1', 'db', 'use1'),
    replicaOf('db-2', 'db', 'euw1'),
  ];
  const check = (cpu: Record<string, number>): string[] => {
    const out: string[] = [];
    const watch = new ReplicaWatch({
      cluster: { spec: { driver: 'docker' }, replicas } as unknown as ClusterPort,
      // web-1: 10 requests outstanding, none answered in the last second; the others get no requests.
      load: { outstanding: (r: string) => (r === 'web-1' ? 10 : 0) },
      metrics: {
        counts: () => ({ count: 0, failed: 0, dropped: 0 }),
        window: (o: { filter?: { replica?: string } }) => ({ gaugeMax: cpu[o.filter?.replica ?? ''] ?? 0 }),
      } as unknown as MetricsPort,
      clock: { now: () => 10_000, sleep: async () => {} },
      safety: { windowMs: 5000, maxErrorRate: 0.5 },
      markedOut: new Map(),
      markedInAt: new Map(),
      markOut: (r) => out.push(r),
      stepTag: () => '0',
    });
    watch.checkFaults();
    return out;
  };
  assert.deepEqual(check({ 'web-1': 0.04, 'db-1': 0.95 }), []);
  assert.deepEqual(check({ 'web-1': 0.04, 'db-1': 0.05 }), ['web-1']);
  assert.deepEqual(check({ 'web-1': 0.04, 'db-2': 0.95 }), ['web-1'], "another DC's busy db is not this replica's");
});

test('silence is judged against the replica’s own latency: a fast one is silent after 1 s, a slow one after 3 × its p99 (at most half the timeout)', () => {
  const replicas = [{ name: 'web-1', dc: 'use1', region: 'r', pool: 'use1/small', serverType: 'small' } as Replica];
  /** Marks out (or not) a replica whose last answer was `quietMs` ago, its p99 before that `p99Ms`. */
  const check = (p99Ms: number | null, quietMs: number, timeoutMs = 10_000): string[] => {
    const now = 60_000;
    const lastAnswer = now - quietMs;
    const reasons: string[] = [];
    const watch = new ReplicaWatch({
      cluster: { spec: { driver: 'docker' }, replicas } as unknown as ClusterPort,
      load: { outstanding: () => 5 },
      metrics: {
        counts: (since: number) => ({ count: since < lastAnswer ? 1 : 0, failed: 0, dropped: 0 }),
        window: (o: { metric?: string; sinceMs: number }) =>
          o.metric === 'cpu_share'
            ? { gaugeMax: 0.01 }
            : {
                count: p99Ms === null || o.sinceMs >= lastAnswer ? 0 : 10,
                failed: 0,
                percentile: () => p99Ms,
              },
      } as unknown as MetricsPort,
      clock: { now: () => now, sleep: async () => {} },
      safety: { windowMs: 5000, maxErrorRate: 0.5 },
      timeoutMs,
      markedOut: new Map(),
      markedInAt: new Map(),
      markOut: (_r, why) => reasons.push(why),
      stepTag: () => '0',
    });
    watch.checkFaults();
    return reasons;
  };
  assert.deepEqual(check(10, 500), [], 'answered half a second ago');
  assert.match(check(10, 1200)[0] ?? '', /none answered in 1 s/);
  assert.deepEqual(check(1500, 2000), [], 'a replica that answers in 1.5 s is late after 2 s, not silent');
  assert.match(check(1500, 4600)[0] ?? '', /none answered in 4\.5 s/);
  assert.match(check(5000, 5_500)[0] ?? '', /none answered in 5 s/, 'at most half the request timeout');
  assert.deepEqual(check(null, 4000), [], 'nothing to judge by: half the request timeout');
  assert.match(check(null, 5500)[0] ?? '', /none answered in 5 s/);
});
