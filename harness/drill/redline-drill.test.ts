// Redline drills end to end on the fake world (virtual clock): repeated searches give an estimate with
// an interval, a CPU guard gets the line fit, no breach up to the cap is never a redline, and a pool
// that serves nothing gets none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateScenario } from '../config';
import type { ScenarioInput } from '../config';
import type { StepRecord } from '../results';
import { DrillController } from './controller';
import { type DrillContext, runDrillSpec } from './drills';
import type { Guard, Tags, WindowFigures } from './ports';
import { FakeWorld, VirtualClock, fakeCluster, fakeP99Guard } from './testing/fake-world';

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

/** CPU share of quota on the fake world: rps / capacity, a smooth guard. */
function cpuGuard(world: FakeWorld, limit: number): Guard {
  return {
    name: `cpu_share: avg<${limit}`,
    metric: 'cpu_share',
    expression: `avg<${limit}`,
    evaluate: (filter) => {
      const v = world.window({ filter, metric: 'cpu_share' }).gaugeAvg ?? null;
      return { ok: v !== null && v < limit, value: v };
    },
  };
}

function setup(
  drills: ScenarioInput['drills'],
  opts: { world?: (spec: ReturnType<typeof fakeCluster>, c: Record<string, number>) => FakeWorld; cpu?: number } = {},
) {
  const capacity = { small: 100 };
  const spec = fakeCluster([{ dc: 'use1', demand: 1, types: { small: 1 } }], capacity);
  const scenario = validateScenario({ ...base, drills }, '/fake/scenario.ts');
  const world = opts.world ? opts.world(spec, capacity) : new FakeWorld(spec, capacity);
  const clock = new VirtualClock();
  world.now = () => clock.now();
  const steps: StepRecord[] = [];
  const guards = [fakeP99Guard(world), ...(opts.cpu ? [cpuGuard(world, opts.cpu)] : [])];
  const ctrl = new DrillController({
    runId: 'r1',
    scenario,
    cluster: world,
    load: world,
    metrics: world,
    guards,
    clock,
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
  return { world, ctrl, ctx, steps, scenario };
}

async function runAll(s: ReturnType<typeof setup>) {
  s.ctrl.start();
  try {
    for (const d of s.scenario.drills) await runDrillSpec(s.ctx, d);
  } finally {
    await s.ctrl.stop();
  }
}

test('redline with repeats: three searches, the median and its interval in the result', async () => {
  const s = setup([{ kind: 'redline', name: 'rl', startRps: 30, maxRps: 400, repeats: 3 }]);
  await runAll(s);
  const r = s.ctx.results.redlines[0];
  assert.equal(r.status, 'redline');
  assert.equal(r.searches, 3);
  assert.equal(r.estimateMethod, 'median');
  assert.equal(r.samples, 3);
  assert.ok(r.rpsPerReplica! <= 100 && r.rpsPerReplica! >= 97, `${r.rpsPerReplica}`);
  const [low, high] = r.interval!;
  assert.ok(low <= r.rpsPerReplica! && r.rpsPerReplica! <= high, `${low} ${high}`);
  assert.match(r.note!, /median of 3 searches/);
  // Every search after the first probes near the first's redline, so the later ones are short.
  const searches = new Set(s.steps.map((x) => x.search?.phase));
  assert.ok(searches.has('ramp'));
});

/** A pool whose every request times out: requests end (as failures) but nothing is answered. */
class TimedOutWorld extends FakeWorld {
  override window(opts: { filter?: Tags; metric?: string }): WindowFigures {
    const w = super.window(opts);
    return { ...w, count: 10, failed: 10, rps: 2, errorRate: 1, percentile: () => null, gaugeAvg: null };
  }
  // The replica watch sees no request end on the replica itself (marked out, then back in on its health check,
  // as the static drill's silent server was): the search goes on to its attempts.
  override counts() {
    return { count: 0, failed: 0, dropped: 0 };
  }
}

test('a pool whose requests all time out has no serving replica (the static drill read "no data after 4 attempts")', async () => {
  const s = setup([{ kind: 'redline', name: 'rl', startRps: 30, maxRps: 400 }], {
    world: (spec, c) => new TimedOutWorld(spec, c),
  });
  await runAll(s);
  const r = s.ctx.results.redlines[0];
  assert.equal(r.rpsPerReplica, null);
  assert.equal(r.limitedBy, 'no serving replica');
});

test('a CPU guard: the redline is where a line through every probe crosses the limit', async () => {
  // CPU share = rps / 100 on the fake world: the 0.75 crossing is at 75 req/s exactly.
  const s = setup([{ kind: 'redline', name: 'rl', startRps: 30, maxRps: 400, repeats: 2 }], { cpu: 0.75 });
  await runAll(s);
  const r = s.ctx.results.redlines[0];
  assert.equal(r.estimateMethod, 'fit');
  assert.equal(r.rpsPerReplica, 75);
  assert.equal(r.limitedBy, 'cpu_share: avg<0.75');
  assert.ok(r.samples! >= 3);
});

test('no breach up to maxRps: no redline, "no breach up to X", status noBreach', async () => {
  const s = setup([{ kind: 'redline', name: 'rl', startRps: 30, maxRps: 60, repeats: 3 }]);
  await runAll(s);
  const r = s.ctx.results.redlines[0];
  assert.equal(r.status, 'noBreach');
  assert.equal(r.rpsPerReplica, null);
  assert.equal(r.atLeast, 60);
  assert.equal(r.limitedBy, 'no breach up to 60 req/s per replica');
  assert.equal(r.interval, null);
});

/** A pool that answers nothing: no requests end, no latency, no CPU. */
class SilentWorld extends FakeWorld {
  override window(opts: { filter?: Tags; metric?: string }): WindowFigures {
    const w = super.window(opts);
    return { ...w, count: 0, failed: 0, rps: 0, errorRate: 0, percentile: () => null, gaugeAvg: null };
  }
}

test('a pool that served 0 req/s gets no redline: status noData, never a number', async () => {
  const s = setup([{ kind: 'redline', name: 'rl', startRps: 30, maxRps: 400 }], {
    world: (spec, c) => new SilentWorld(spec, c),
  });
  await runAll(s);
  const r = s.ctx.results.redlines[0];
  assert.equal(r.rpsPerReplica, null);
  assert.equal(r.status, 'noData');
  assert.ok(
    s.steps.every((x) => x.verdict !== 'held'),
    s.steps.map((x) => x.verdict).join(),
  );
});
