// The replica watch reads why requests got no answer (the load's listener): connection faults mark a server
// out at once with the errors that showed it, even while it is busy, and it is marked back in once it answers
// its health check; failures that were answers (5xx) are left to the guards; with no reason given (generator
// agents) every failure at idle CPU still marks a server out. A drain toward a DC whose every server is out
// ends with a ClusterError naming them. Pure: a fake world and a virtual clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterError } from '../common';
import { validateScenario, type ScenarioInput } from '../config';
import type { Unanswered, UnansweredListener } from '../load';
import { DrillController } from './controller';
import { FakeWorld, VirtualClock, fakeCluster, fakeErrorGuard } from './testing/fake-world';
import { runDrillSpec } from './drills';
import type { DrillContext } from './drill-context';

/** A world whose load says why requests got no answer (as the engine does), and whose health checks can fail. */
class ListeningWorld extends FakeWorld {
  listeners: UnansweredListener[] = [];
  readonly unhealthy = new Set<string>();
  onUnanswered(listener: UnansweredListener): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }
  tell(replica: string, why: Unanswered, n: number): void {
    for (let i = 0; i < n; i++) for (const l of this.listeners) l(replica, why, this.now());
  }
  async healthy(replica: string): Promise<boolean> {
    return !this.unhealthy.has(replica);
  }
}

/** The fake world without the listener: generator agents cannot say why a request failed. */
class SilentWorld extends FakeWorld {}

const input: ScenarioInput = {
  name: 'fake',
  cluster: 'fake.yaml',
  baselineRps: 100,
  mix: { endpoints: [{ name: 'feed', weight: 1, protocol: 'http', path: '/feed' }] },
  guards: { http_req_failed: ['rate<0.05'] },
  safety: { maxErrorRate: 0.9, maxTotalRps: 2000 },
  settle: '1s',
  measure: '3s',
  drills: [{ kind: 'drain', name: 'd', target: { dc: 'use1' }, steps: 2, totalRps: 100 }],
};
const capacity = { small: 100 };
const spec = fakeCluster(
  [
    { dc: 'use1', demand: 1, types: { small: 2 } },
    { dc: 'use2', demand: 1, types: { small: 1 } },
  ],
  capacity,
);
const replica = 'fake-use1-small-0';

async function watch<W extends FakeWorld>(
  world: W,
  plan: (world: W, ctrl: DrillController, ctx: DrillContext) => Promise<void>,
) {
  const clock = new VirtualClock();
  world.now = () => clock.now();
  const scenario = validateScenario(input, '/fake/scenario.ts');
  const ctrl = new DrillController({
    runId: 'r1',
    scenario,
    cluster: world,
    load: world,
    metrics: world,
    guards: [fakeErrorGuard(world)],
    clock,
    onStep: () => {},
  });
  const ctx: DrillContext = {
    ctrl,
    scenario,
    cluster: world.spec,
    clock,
    results: { redlines: [], sweeps: [], drains: [], failovers: [] },
    knownRedlines: {},
    logger: { info: () => {}, warn: () => {}, debug: () => {} },
  };
  ctrl.start();
  try {
    await plan(world, ctrl, ctx);
  } finally {
    await ctrl.stop();
  }
}

test('refused connections mark a busy server out at once, with the errors; its health check answering marks it in', async () => {
  await watch(new ListeningWorld(spec, capacity), async (world, ctrl) => {
    world.unhealthy.add(replica);
    // 180 req/s on 100 req/s servers: CPU at its quota, which alone would say "busy, not dead".
    ctrl.apply({ dcs: { use1: 1, use2: 0 } }, 180);
    world.tell(replica, 'ECONNREFUSED', 5);
    world.tell(replica, 'closed', 1);
    await ctrl.idle(1000);
    assert.equal(
      ctrl.markedOut.get(replica),
      'no answer: connection refused (ECONNREFUSED) ×5, connection closed without a response ×1 in the last 2 s',
    );
    assert.equal(world.out.has(replica), true);
    world.unhealthy.delete(replica);
    await ctrl.idle(2000);
    assert.equal(ctrl.markedOut.has(replica), false);
  });
});

test('two faults are a hiccup; timeouts of a busy server are not faults', async () => {
  await watch(new ListeningWorld(spec, capacity), async (world, ctrl) => {
    ctrl.apply({ dcs: { use1: 1, use2: 0 } }, 180);
    world.tell(replica, 'ECONNRESET', 2);
    world.tell(replica, 'timeout', 50);
    await ctrl.idle(3000);
    assert.equal(ctrl.markedOut.size, 0);
  });
});

test('every request failing at idle CPU: answers (5xx) are left to the guards; with no reason given, marked out', async () => {
  // The dead replica's requests fail while its CPU idles.
  await watch(new ListeningWorld(spec, capacity), async (world, ctrl) => {
    await world.kill(replica);
    ctrl.apply({ dcs: { use1: 1, use2: 0 } }, 50);
    await ctrl.idle(4000);
    assert.equal(ctrl.markedOut.size, 0, 'the load heard no request go unanswered: they were answers');
    world.tell(replica, 'timeout', 200);
    await ctrl.idle(1000);
    assert.match(ctrl.markedOut.get(replica) ?? '', /^all \d+ requests of the last 2 s failed, CPU 0% of quota$/);
  });
  await watch(new SilentWorld(spec, capacity), async (world, ctrl) => {
    await world.kill(replica);
    ctrl.apply({ dcs: { use1: 1, use2: 0 } }, 50);
    await ctrl.idle(4000);
    assert.match(ctrl.markedOut.get(replica) ?? '', /^all \d+ requests of the last 2 s failed/);
  });
});

test('a drain toward a DC whose every server is out ends with a ClusterError naming them and why', async () => {
  await watch(new ListeningWorld(spec, capacity), async (world, ctrl, ctx) => {
    for (const r of ['fake-use1-small-0', 'fake-use1-small-1']) {
      world.unhealthy.add(r);
      ctrl.markOut(r, 'no answer: connection refused (ECONNREFUSED) ×9 in the last 2 s');
    }
    const scenario = validateScenario(input, '/fake/scenario.ts');
    await assert.rejects(runDrillSpec(ctx, scenario.drills[0]), (err: unknown) => {
      assert.ok(err instanceof ClusterError, String(err));
      assert.equal(
        err.message,
        'drain d: every server of dc use1 is marked out (fake-use1-small-0: no answer: connection refused (ECONNREFUSED) ' +
          '×9 in the last 2 s; fake-use1-small-1: no answer: connection refused (ECONNREFUSED) ×9 in the last 2 s): ' +
          'the drill cannot go on',
      );
      return true;
    });
    assert.equal(ctrl.stepsRun, 0);
  });
});

test('losing a DC whose survivors have no serving server ends with a ClusterError; a managed replica is left to Docker', async () => {
  await watch(new ListeningWorld(spec, capacity), async (_world, ctrl, ctx) => {
    ctrl.markOut('fake-use2-small-0', 'no answer: connection reset (ECONNRESET) ×4 in the last 2 s');
    const scenario = validateScenario(
      { ...input, drills: [{ kind: 'lose-dc', name: 'l', dc: 'use1', totalRps: 100 }] },
      '/fake/scenario.ts',
    );
    await assert.rejects(
      runDrillSpec(ctx, scenario.drills[0]),
      /^ClusterError: lose-dc l: every server of dc use2 is marked out \(fake-use2-small-0: no answer: connection reset \(ECONNRESET\) ×4 in the last 2 s\)/,
    );
  });
  // Docker replicas: their containers' samples say whether they run, and a stopping daemon fails every one at once.
  await watch(new ListeningWorld({ ...spec, driver: 'docker' }, capacity), async (world, ctrl) => {
    ctrl.apply({ dcs: { use1: 1, use2: 0 } }, 180);
    world.tell(replica, 'ECONNREFUSED', 5);
    await ctrl.idle(1000);
    assert.equal(ctrl.markedOut.size, 0);
  });
});
