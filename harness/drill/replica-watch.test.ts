// The replica watch marks a replica out only when it is missing from several resource samples in a
// row (one failed stats call is a hiccup), and marks it back in once it is back for several samples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceSample } from '../cluster';
import { validateScenario, type ScenarioInput } from '../config';
import { DrillController } from './controller';
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
