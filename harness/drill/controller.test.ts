// The controller's logic on a fake world (virtual clock, replicas with a fixed capacity): redline search
// through real steps, early end on a breach, drains, DC loss, marking out, abort. Pure: no sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterError, Interrupted } from '../common';
import { validateScenario } from '../config';
import type { ScenarioInput } from '../config';
import { DrillController, SafetyStop } from './controller';
import { type DrillContext, runDrillSpec } from './drills';
import { FakeWorld, VirtualClock, fakeCluster, fakeErrorGuard, fakeP99Guard } from './testing/fake-world';
import type { StepRecord } from '../results';
import type { MetricsPort } from './ports';

const base: ScenarioInput = {
  name: 'fake',
  cluster: 'fake.yaml',
  baselineRps: 100,
  mix: { endpoints: [{ name: 'feed', weight: 1, protocol: 'http', path: '/feed' }] },
  guards: { http_req_duration: ['p(99)<250'] },
  safety: { maxErrorRate: 0.5, maxTotalRps: 2000 },
  settle: '2s',
  measure: '6s',
  guardDelay: '2s',
  drills: [{ kind: 'hold', name: 'h' }],
};

function setup(
  drills: ScenarioInput['drills'],
  opts: {
    signal?: AbortSignal;
    capacity?: Record<string, number>;
    metrics?: (world: FakeWorld) => MetricsPort;
  } = {},
) {
  const capacity = opts.capacity ?? { small: 100, large: 200 };
  const spec = fakeCluster(
    [
      { dc: 'use1', demand: 45, types: { small: 2, large: 1 } },
      { dc: 'usw2', demand: 30, types: { small: 1, large: 1 } },
      { dc: 'euw1', demand: 25, types: { small: 1, large: 1 } },
    ],
    capacity,
  );
  const scenario = validateScenario({ ...base, drills }, '/fake/scenario.ts');
  const world = new FakeWorld(spec, capacity);
  const clock = new VirtualClock();
  world.now = () => clock.now();
  const steps: StepRecord[] = [];
  const ctrl = new DrillController({
    runId: 'r1',
    scenario,
    cluster: world,
    load: world,
    metrics: opts.metrics?.(world) ?? world,
    guards: [fakeP99Guard(world)],
    clock,
    signal: opts.signal,
    onStep: (r) => steps.push(r),
  });
  const ctx: DrillContext = {
    ctrl,
    scenario,
    cluster: spec,
    clock,
    results: { redlines: [], sweeps: [], drains: [], failovers: [] },
    knownRedlines: {},
    logger: { info() {}, warn() {}, debug() {} },
  };
  return { world, ctrl, ctx, steps, scenario, clock };
}

async function runAll(s: ReturnType<typeof setup>) {
  s.ctrl.start();
  try {
    for (const d of s.scenario.drills) await runDrillSpec(s.ctx, d);
  } finally {
    await s.ctrl.stop();
  }
}

test('redline drill: finds each type within 3% below its true capacity, limited by the p99 guard', async () => {
  const s = setup([{ kind: 'redline', name: 'rl', startRps: 30, maxRps: 400 }]);
  await runAll(s);
  const byType = Object.fromEntries(s.ctx.results.redlines.map((r) => [r.serverType, r]));
  assert.deepEqual(Object.keys(byType).sort(), ['large', 'small']);
  for (const [type, truth] of [
    ['small', 100],
    ['large', 200],
  ] as const) {
    const r = byType[type];
    assert.ok(r.rpsPerReplica! <= truth && r.rpsPerReplica! >= truth * 0.97, `${type}: ${r.rpsPerReplica}`);
    assert.equal(r.limitedBy, 'http_req_duration: p(99)<250');
    assert.equal(r.method, 'redline');
  }
  assert.equal(byType.small.pool, 'usw2/small');
  // Every probe is a step; breached probes ended early, once the guard delay had passed.
  const breached = s.steps.filter((x) => x.verdict === 'breached');
  assert.ok(breached.length >= 2);
  for (const b of breached) assert.equal(Date.parse(b.endedAt) - Date.parse(b.startedAt), 2000);
  for (const h of s.steps.filter((x) => x.verdict === 'held'))
    assert.equal(Date.parse(h.endedAt) - Date.parse(h.startedAt), 6000);
  assert.deepEqual(
    s.steps.map((x) => x.index),
    s.steps.map((_, i) => i),
  );
  // A probe's total rate is per-replica rate × serving replicas, all on the one pool.
  const first = s.steps[0];
  assert.equal(first.offeredRps, 30);
  assert.deepEqual(first.weights.dcs, { use1: 0, usw2: 1, euw1: 0 });
  assert.equal(first.targetFigures.rpsPerReplica, 30);
});

test('a baseline redline shortens the search', async () => {
  // One search each (no time for more: a budget of 0): what is compared is the search itself.
  const drills: ScenarioInput['drills'] = [
    { kind: 'redline', name: 'rl', startRps: 30, maxRps: 400, serverTypes: ['small'], budget: '0s' },
  ];
  const cold = setup(drills);
  await runAll(cold);
  const s = setup(drills);
  s.ctx.knownRedlines.small = 99;
  await runAll(s);
  // From just below 99: 91.1 and 96.6 hold, 102.4 breaks twice (confirmed), 99.5 holds twice (near the breach) = 6 steps.
  assert.deepEqual(
    s.steps.map((x) => `${x.offeredRpsPerReplica} ${x.verdict}`),
    ['91.1 held', '96.6 held', '102.4 breached', '102.4 breached', '99.5 held', '99.5 held'],
  );
  assert.ok(
    s.ctx.results.redlines[0].probes < cold.ctx.results.redlines[0].probes,
    `${cold.ctx.results.redlines[0].probes}`,
  );
  assert.ok(s.ctx.results.redlines[0].rpsPerReplica! >= 97);
});

test('drain: stops at the first breach and reports the last share that held', async () => {
  // use1 holds 2 small + 1 large at 100/100/200 → at 400 req/s total, each of its 3 replicas gets share×400/3.
  const s = setup([{ kind: 'drain', name: 'd', target: { dc: 'use1' }, totalRps: 400, steps: 5 }]);
  await runAll(s);
  const d = s.ctx.results.drains[0];
  // Shares 0.45, 0.5875, 0.725, 0.8625, 1 → per replica 60, 78.3, 96.7, 115 (breaks: small > 100).
  assert.equal(d.heldShare, 0.725);
  assert.equal(d.brokenBy, 'http_req_duration: p(99)<250');
  assert.equal(d.steps, 4);
  assert.equal(d.heldRpsPerReplica, 96.7);
  assert.deepEqual(
    s.steps.map((x) => x.targetShare),
    [0.45, 0.5875, 0.725, 0.8625],
  );
  // After the breach the weights of the last step that held come back, before demand weights.
  const i = s.world.weightsLog.indexOf(s.steps[3].weights);
  assert.deepEqual(s.world.weightsLog[i + 1], s.steps[2].weights);
});

test("lose-dc each: survivors take the lost demand; load against capacity from this run's redlines", async () => {
  const s = setup([{ kind: 'lose-dc', name: 'lose', dc: 'each', totalRps: 300 }]);
  s.ctx.knownRedlines = { small: 100, large: 200 };
  await runAll(s);
  assert.deepEqual(
    s.ctx.results.failovers.map((f) => f.lostDc),
    ['use1', 'usw2', 'euw1'],
  );
  const use1 = s.ctx.results.failovers[0];
  assert.equal(use1.held, true);
  const usw2 = use1.survivors.find((x) => x.dc === 'usw2')!;
  assert.equal(usw2.loadRps, Math.round(300 * (0.3 + (0.45 * 30) / 55) * 10) / 10);
  assert.equal(usw2.capacityRps, 300);
  assert.equal(usw2.loadFraction, Math.round((usw2.loadRps / 300) * 1000) / 1000);
  // Losing euw1 at 300 req/s: usw2 gets 300×0.4 = 120 over 2 replicas (60 each): held.
  assert.ok(s.ctx.results.failovers.every((f) => f.held));
});

test("lose-dc kill: the DC's replicas are killed and marked out, then restarted and marked in", async () => {
  const s = setup([{ kind: 'lose-dc', name: 'lose', dc: 'euw1', mode: 'kill', totalRps: 200 }]);
  await runAll(s);
  const step = s.steps[0];
  assert.ok(step.annotations.some((a) => a.includes('fake-euw1-small-0 marked out')));
  assert.deepEqual(
    step.replicas
      .filter((r) => !r.serving)
      .map((r) => r.replica)
      .sort(),
    ['fake-euw1-large-0', 'fake-euw1-small-0'],
  );
  assert.equal(s.ctrl.markedOut.size, 0);
  assert.equal(s.world.dead.size, 0);
});

test('a replica that dies mid-step is marked out within 2 s and the step annotated; the drill goes on', async () => {
  const s = setup([{ kind: 'hold', name: 'h', totalRps: 100, steps: 3 }]);
  const origSleep = s.clock.sleep.bind(s.clock);
  let killedAt = 0;
  s.clock.sleep = (ms, signal) => {
    if (!killedAt && s.steps.length === 1 && s.clock.now() > Date.parse(s.steps[0].endedAt) + 2500) {
      killedAt = s.clock.now();
      s.world.dead.add('fake-use1-small-1');
    }
    return origSleep(ms, signal);
  };
  await runAll(s);
  assert.equal(s.steps.length, 3);
  const note = s.steps[1].annotations.find((a) => a.startsWith('replica fake-use1-small-1 marked out'));
  assert.ok(note, JSON.stringify(s.steps[1].annotations));
  assert.ok(s.world.out.has('fake-use1-small-1'));
  assert.ok(s.world.outAt.get('fake-use1-small-1')! - killedAt <= 2000);
  const pool = s.steps[2].pools.find((p) => p.pool === 'use1/small')!;
  assert.equal(pool.replicasServing, 1);
  assert.equal(pool.rpsPerReplica, pool.rps);
});

test('SIGINT mid-drill: the running step is written as aborted and Interrupted is thrown', async () => {
  const ac = new AbortController();
  const s = setup([{ kind: 'hold', name: 'h', totalRps: 100, steps: 5 }], { signal: ac.signal });
  const origSleep = s.clock.sleep.bind(s.clock);
  s.clock.sleep = (ms, signal) => {
    if (s.steps.length === 2 && !ac.signal.aborted) ac.abort('SIGINT');
    return origSleep(ms, signal);
  };
  await assert.rejects(runAll(s), (e: unknown) => e instanceof Interrupted && e.signal === 'SIGINT');
  assert.deepEqual(
    s.steps.map((x) => x.verdict),
    ['held', 'held', 'aborted'],
  );
});

test('safety: a global error rate above the limit stops the run', async () => {
  const s = setup([{ kind: 'hold', name: 'h', totalRps: 100, steps: 2 }]);
  for (const r of s.world.replicas) s.world.dead.add(r.name);
  // Dead replicas fail every request; the sampler would mark them out, so keep the sampler off.
  await assert.rejects(runDrillSpec(s.ctx, s.scenario.drills[0]), (e: unknown) => e instanceof SafetyStop);
  assert.equal(s.steps[0].verdict, 'aborted');
});

test('safety: no step offers more than maxTotalRps', async () => {
  const s = setup([{ kind: 'hold', name: 'h', totalRps: 1500 }]);
  s.scenario.safety.maxTotalRps = 1000;
  await runAll(s);
  assert.equal(s.steps[0].offeredRps, 1000);
  assert.ok(s.steps[0].annotations.some((a) => a.includes('capped from 1500 to 1000')));
});

test('Docker unreachable: three failed resource samples in a row end the run with a ClusterError', async () => {
  const s = setup([{ kind: 'hold', name: 'h', totalRps: 100, steps: 5 }]);
  let calls = 0;
  s.world.sampleResources = async () => {
    if (++calls > 2) throw new Error('connect ENOENT /var/run/docker.sock');
    return [];
  };
  await assert.rejects(
    runAll(s),
    (e: unknown) =>
      e instanceof ClusterError &&
      /Docker unreachable: 3 resource samples in a row failed \(connect ENOENT/.test(e.message),
  );
  assert.equal(s.steps.at(-1)!.verdict, 'aborted');
});

test('a guard with no data: probes are noData, run their whole measure, and no redline is reported', async () => {
  const s = setup([{ kind: 'redline', name: 'rl', serverTypes: ['small'], startRps: 40, maxRps: 400 }]);
  // A CPU guard with no resource sample, beside the p99 guard that would hold.
  const cpu = {
    name: 'cpu_share: avg<0.9',
    metric: 'cpu_share',
    expression: 'avg<0.9',
    evaluate: () => ({ ok: false, value: null }),
  };
  s.ctrl.deps.guards.push(cpu);
  await runAll(s);
  const [r] = s.ctx.results.redlines;
  assert.equal(r.rpsPerReplica, null);
  assert.match(r.limitedBy, /^no data at 40 req\/s per replica/);
  assert.ok(s.steps.length > 0);
  for (const step of s.steps) {
    assert.equal(step.verdict, 'noData');
    assert.equal(Date.parse(step.endedAt) - Date.parse(step.startedAt), 6000);
    assert.deepEqual(
      step.guards.find((g) => g.metric === 'cpu_share'),
      { name: cpu.name, metric: 'cpu_share', expression: 'avg<0.9', ok: false, value: null, noData: true },
    );
  }
});

test('servers headroom does not manage (static) are not marked out for lack of resource samples; managed replicas are', async () => {
  for (const driver of ['static', 'docker'] as const) {
    const s = setup([{ kind: 'hold', name: 'h', totalRps: 100, steps: 1 }]);
    s.world.spec.driver = driver;
    const missing = s.world.replicas[0].name;
    // Samples of every replica but one: that one is missing, the others are there.
    const sample = s.world.sampleResources.bind(s.world);
    s.world.sampleResources = async () => (await sample()).filter((x) => driver === 'docker' && x.replica !== missing);
    await runAll(s);
    const marked = s.steps[0].annotations.filter((a) => a.includes('marked out'));
    if (driver === 'static') {
      assert.deepEqual([...s.world.out], []);
      assert.deepEqual(marked, []);
      assert.equal(s.steps[0].verdict, 'held');
    } else {
      assert.deepEqual([...s.world.out], [missing]);
      assert.match(marked[0], /missing from the resource samples/);
    }
  }
});

test('Docker answers but no managed replica is in its samples (a daemon stopping): a cluster error, no replica marked out', async () => {
  const s = setup([{ kind: 'hold', name: 'h', totalRps: 100, steps: 1 }]);
  s.world.spec.driver = 'docker';
  s.world.sampleResources = async () => [];
  await assert.rejects(
    runAll(s),
    (e: unknown) =>
      e instanceof ClusterError &&
      e.exitCode === 110 &&
      /Docker answers but none of the cluster's 7 replicas runs/.test(e.message),
  );
  assert.deepEqual([...s.world.out], []);
  assert.equal(s.steps[0].verdict, 'aborted');
  assert.match(s.steps[0].error ?? '', /^cluster: Docker answers but none/);
});

test('Docker unreachable mid-step: the step is a cluster error, not a breach on http_req_failed', async () => {
  const s = setup([{ kind: 'hold', name: 'h', steps: 4, totalRps: 200 }]);
  const scenario = validateScenario(
    { ...base, settle: '0s', guardDelay: '0s', drills: [{ kind: 'hold', name: 'h', steps: 4, totalRps: 200 }] },
    '/fake/scenario.ts',
  );
  const steps: StepRecord[] = [];
  // The daemon dies as the first step ends: the next step's requests all fail at once.
  const ctrl = new DrillController({
    runId: 'r1',
    scenario,
    cluster: s.world,
    load: s.world,
    metrics: s.world,
    guards: [fakeErrorGuard(s.world)],
    clock: s.clock,
    onStep: (r) => {
      steps.push(r);
      s.world.unreachable = true;
    },
  });
  ctrl.start();
  try {
    await assert.rejects(
      runDrillSpec({ ...s.ctx, ctrl, scenario }, scenario.drills[0]),
      (err: unknown) => err instanceof ClusterError && err.exitCode === 110,
    );
  } finally {
    await ctrl.stop();
  }
  assert.equal(steps[0].verdict, 'held');
  assert.equal(steps.length, 2);
  assert.equal(steps[1].verdict, 'aborted');
  assert.match(steps[1].error ?? '', /^cluster: Docker unreachable/);
  assert.ok(!steps.some((x) => x.verdict === 'breached'));
});

test('samples that arrive late: each step waits for its window to be complete, and what is missing is recorded', async () => {
  const asked: number[] = [];
  const s = setup([{ kind: 'hold', name: 'h', steps: 2 }], {
    metrics: (world) => ({
      window: (o) => world.window(o),
      recordGauge: () => world.recordGauge(),
      counts: (since, until, replica) => world.counts(since, until, replica),
      complete: async (untilMs) => {
        asked.push(untilMs);
        return asked.length === 2 ? ['agent 127.0.0.1:1 had reported only up to then'] : [];
      },
    }),
  });
  await runAll(s);
  assert.equal(s.steps.length, 2);
  // Asked once per step, for the end of its measure window.
  assert.deepEqual(
    asked,
    s.steps.map((x) => Date.parse(x.endedAt)),
  );
  assert.ok(!s.steps[0].annotations.some((a) => a.includes('reported only')));
  assert.ok(s.steps[1].annotations.includes('agent 127.0.0.1:1 had reported only up to then'));
});

test('samples that arrive late: a step cut by a signal does not wait for them', async () => {
  const ac = new AbortController();
  const asked: number[] = [];
  const s = setup([{ kind: 'hold', name: 'h', totalRps: 100, steps: 5 }], {
    signal: ac.signal,
    metrics: (world) => ({
      window: (o) => world.window(o),
      recordGauge: () => world.recordGauge(),
      counts: (since, until, replica) => world.counts(since, until, replica),
      complete: async (untilMs) => {
        asked.push(untilMs);
        return [];
      },
    }),
  });
  const origSleep = s.clock.sleep.bind(s.clock);
  s.clock.sleep = (ms, signal) => {
    if (s.steps.length === 1 && !ac.signal.aborted) ac.abort('SIGINT');
    return origSleep(ms, signal);
  };
  await assert.rejects(runAll(s), (e: unknown) => e instanceof Interrupted);
  assert.deepEqual(
    s.steps.map((x) => x.verdict),
    ['held', 'aborted'],
  );
  assert.equal(asked.length, 1, 'asked for the held step only');
});

test('a step window ends on a 100 ms slot boundary, so a source that ships whole slots later adds nothing past its end', async () => {
  // The metrics count whole 100 ms slots: a window ending 37 ms into a slot counted that slot whole, and a
  // generator agent's report brings the slot's requests from after the window's end (served rate 2-4% high).
  const s = setup([{ kind: 'hold', name: 'h', steps: 3 }]);
  await s.clock.sleep(37);
  await runAll(s);
  assert.equal(s.steps.length, 3);
  for (const step of s.steps) {
    const start = Date.parse(step.startedAt);
    const end = Date.parse(step.endedAt);
    assert.equal(end % 100, 0, `window [${step.startedAt}, ${step.endedAt}) ends inside a slot`);
    assert.equal(start % 100, 37, 'the window starts when the measure tag is set');
    assert.ok(end - start > 5_900 && end - start <= 6_000, `${end - start} ms measured`);
  }
});
