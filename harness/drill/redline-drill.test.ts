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

/** CPU share with seeded noise (±`amp` of its value), as a real replica's one-second samples wobble. */
class NoisyWorld extends FakeWorld {
  private seed = 7;
  constructor(
    spec: ConstructorParameters<typeof FakeWorld>[0],
    capacity: Record<string, number>,
    readonly amp: number,
  ) {
    super(spec, capacity);
  }
  private noise(): number {
    this.seed = (this.seed * 1103515245 + 12345) % 2 ** 31;
    return (this.seed / 2 ** 31 - 0.5) * 2 * this.amp;
  }
  override window(opts: { filter?: Tags; metric?: string }): WindowFigures {
    const w = super.window(opts);
    return opts.metric === 'cpu_share' && w.gaugeAvg != null ? { ...w, gaugeAvg: w.gaugeAvg * (1 + this.noise()) } : w;
  }
}

test('precision: probes go on until the interval is as narrow as asked, and the result says so', async () => {
  const s = setup([{ kind: 'redline', name: 'rl', startRps: 30, maxRps: 400, precision: 0.008, budget: '10m' }], {
    cpu: 0.75,
    world: (spec, c) => new NoisyWorld(spec, c, 0.04),
  });
  await runAll(s);
  const r = s.ctx.results.redlines[0];
  assert.equal(r.endedBy, 'precision');
  assert.equal(r.estimateMethod, 'fit');
  assert.ok(r.halfWidth! <= 0.008, `${r.halfWidth}`);
  // The search alone gave about ±1.5%: refinement probes at two fixed rates just below the estimate did the rest.
  const refine = s.steps.filter((x) => x.search?.phase === 'refine').map((x) => x.offeredRpsPerReplica);
  assert.ok(refine.length >= 2, 'refinement probes after the search');
  assert.equal(new Set(refine).size, 2, `two fixed rates: ${refine.join(', ')}`);
  assert.ok(Math.abs(r.rpsPerReplica! / 75 - 1) < 0.03, `${r.rpsPerReplica} near the crossing at 75`);
});

test('precision: a budget too short for it ends the search, and the result says that instead', async () => {
  // The search itself always ends (about 110 s here); the budget then bounds the refinement.
  const s = setup([{ kind: 'redline', name: 'rl', startRps: 30, maxRps: 400, precision: 0.005, budget: '150s' }], {
    cpu: 0.75,
    world: (spec, c) => new NoisyWorld(spec, c, 0.04),
  });
  await runAll(s);
  const r = s.ctx.results.redlines[0];
  assert.equal(r.endedBy, 'budget');
  assert.ok(r.halfWidth! > 0.005);
  assert.ok(r.durationS <= 150, `${r.durationS} s for a 150 s budget`);
  assert.ok(s.steps.some((x) => x.search?.phase === 'refine'));
});

/** The same replica costs more per request from `from` ms of the clock on: its capacity falls to `to`. */
class DriftingWorld extends NoisyWorld {
  constructor(
    spec: ConstructorParameters<typeof FakeWorld>[0],
    capacity: Record<string, number>,
    readonly from: number,
    readonly to: number,
  ) {
    super(spec, capacity, 0.01);
  }
  startAt: number | null = null;
  override window(opts: { filter?: Tags; metric?: string }): WindowFigures {
    this.startAt ??= this.now();
    const w = super.window(opts);
    if (opts.metric !== 'cpu_share' || w.gaugeAvg == null || this.now() - this.startAt < this.from) return w;
    return { ...w, gaugeAvg: Math.min(1, (w.gaugeAvg * 100) / this.to) };
  }
}

test('a drift planted mid-search (the same load costs a fifth more): the step, the result and a warning say so, the interval widens', async () => {
  const warnings: string[] = [];
  const s = setup([{ kind: 'redline', name: 'rl', startRps: 30, maxRps: 400, precision: 0.03, budget: '3m' }], {
    cpu: 0.75,
    world: (spec, c) => new DriftingWorld(spec, c, 30_000, 83),
  });
  s.ctx.logger = { info() {}, debug() {}, warn: (m: string) => warnings.push(m) };
  await runAll(s);
  const r = s.ctx.results.redlines[0];
  process.stderr.write(
    JSON.stringify(r) +
      '\n' +
      s.steps
        .map(
          (x) =>
            `${x.search?.phase} ${x.offeredRpsPerReplica} ${x.verdict} ${x.targetFigures.cpuShare} ${x.targetFigures.rpsPerReplica} ${x.startedAt.slice(11, 19)}`,
        )
        .join('\n') +
      '\n',
  );
  assert.ok(r.drift?.significant, JSON.stringify(r.drift));
  assert.ok(r.drift!.change > 0.1, `cost moved ${r.drift!.change}`);
  // Probes cannot narrow a move of the machine: the search ends on it instead of spending its budget.
  assert.equal(r.endedBy, 'drift');
  const noted = s.steps.filter((x) => x.annotations.some((a) => a.startsWith('drift: the cost per request')));
  assert.ok(noted.length >= 1, 'a step says the cost moved');
  // Before the drift the crossing is at 75 req/s, after it at 75 × 0.83 = 62.25: the interval covers both.
  const [low, high] = r.interval!;
  assert.ok(low <= 63 && high >= 74, `[${low}, ${high}]`);
  assert.match(r.note!, /cost per request moved \+\d+%/);
  assert.ok(
    warnings.some((w) => /repeat when the machine is quiet/.test(w)),
    warnings.join('\n'),
  );
});

test('a search that starts near the redline gets probes well below it, so a CPU guard’s line has its slope', async () => {
  // From 70 req/s with a crossing at 75: every search probe is within 15% of the redline, too close together
  // for the noise to leave a clear slope; probes at 0.6 and 0.75 of the estimate give it one.
  const s = setup([{ kind: 'redline', name: 'rl', startRps: 70, maxRps: 400, precision: 0.03, budget: '10m' }], {
    cpu: 0.75,
    world: (spec, c) => new NoisyWorld(spec, c, 0.06),
  });
  await runAll(s);
  const r = s.ctx.results.redlines[0];
  const offered = s.steps.map((x) => x.offeredRpsPerReplica!);
  const below = offered.filter((x) => x < 0.8 * 75);
  assert.ok(below.length >= 1, `a probe well below the redline: ${offered.join(', ')}; ${JSON.stringify(r)}`);
  assert.equal(r.estimateMethod, 'fit', r.note);
  assert.equal(r.endedBy, 'precision');
  assert.ok(Math.abs(r.rpsPerReplica! / 75 - 1) < 0.04, `${r.rpsPerReplica} near the crossing at 75`);
});
