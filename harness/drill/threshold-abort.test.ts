// abortOnFail as in k6: a failing threshold with abortOnFail ends the run after its delayAbortEval,
// with ThresholdAbort (exit 99) naming it; without abortOnFail (or before the delay) the run goes on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExitCode, exitCodeOf } from '../common';
import { validateScenario, type ScenarioInput } from '../config';
import { Metrics } from '../metrics';
import type { StepRecord } from '../results';
import { DrillController } from './controller';
import { runDrillSpec, type DrillContext } from './drills';
import { FakeWorld, VirtualClock, fakeCluster, fakeP99Guard } from './testing/fake-world';
import { abortingThresholds, ThresholdAbort, ThresholdAbortWatch, type AbortingThreshold } from './threshold-abort';

const input: ScenarioInput = {
  name: 'fake',
  cluster: 'fake.yaml',
  baselineRps: 100,
  mix: { endpoints: [{ name: 'feed', weight: 1, protocol: 'http', path: '/feed' }] },
  guards: { http_req_duration: ['p(99)<250'] },
  safety: { maxErrorRate: 0.5, maxTotalRps: 2000 },
  settle: '2s',
  measure: '6s',
  guardDelay: '2s',
  thresholds: {
    http_req_failed: [{ threshold: 'rate<0.05', abortOnFail: true, delayAbortEval: '10s' }],
    http_reqs: ['count>0'],
  },
  drills: [{ kind: 'hold', name: 'h', totalRps: 50, steps: 5 }],
};

async function holdWith(thresholds: (now: () => number) => AbortingThreshold[]) {
  const capacity = { small: 100 };
  const spec = fakeCluster([{ dc: 'use1', demand: 1, types: { small: 1 } }], capacity);
  const scenario = validateScenario(input, '/fake/scenario.ts');
  const world = new FakeWorld(spec, capacity);
  const clock = new VirtualClock();
  world.now = () => clock.now();
  const watch = new ThresholdAbortWatch(
    thresholds(() => clock.now()),
    clock.now(),
  );
  const steps: StepRecord[] = [];
  const ctrl = new DrillController({
    runId: 'r1',
    scenario,
    cluster: world,
    load: world,
    metrics: world,
    guards: [fakeP99Guard(world)],
    clock,
    onStep: (r) => steps.push(r),
    abortCheck: (now) => watch.check(now),
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
  const started = clock.now();
  ctrl.start();
  let error: unknown = null;
  let elapsedMs = 0;
  try {
    for (const d of scenario.drills) await runDrillSpec(ctx, d);
  } catch (err) {
    error = err;
    elapsedMs = clock.now() - started;
  } finally {
    await ctrl.stop();
  }
  return { error, steps, elapsedMs };
}

test('abortOnFail: a failing threshold aborts the run after delayAbortEval, exit 99, the threshold named', async () => {
  const { error, steps, elapsedMs } = await holdWith(() => [
    { name: 'http_req_failed: rate<0.05', delayAbortEvalMs: 10_000, evaluate: () => ({ ok: false, value: 0.2 }) },
  ]);
  assert.ok(error instanceof ThresholdAbort, String(error));
  assert.equal(exitCodeOf(error), ExitCode.thresholdsFailed);
  assert.equal(error.threshold, 'http_req_failed: rate<0.05');
  // Not before the delay (10 s), and within one evaluation period (2 s) after it; the step in flight is kept as aborted.
  assert.ok(elapsedMs >= 10_000 && elapsedMs <= 12_000, `${elapsedMs}`);
  assert.equal(steps.at(-1)!.verdict, 'aborted');
});

test('a threshold that holds never aborts: the hold runs its 5 steps', async () => {
  const { error, steps } = await holdWith(() => [
    { name: 'x', delayAbortEvalMs: 0, evaluate: () => ({ ok: true, value: 0 }) },
  ]);
  assert.equal(error, null);
  assert.equal(steps.length, 5);
});

test('only thresholds with abortOnFail are watched, with their delay', () => {
  const scenario = validateScenario(input, '/fake/scenario.ts');
  const watched = abortingThresholds(scenario, new Metrics({ retainSeconds: 60 }));
  assert.deepEqual(
    watched.map((t) => [t.name, t.delayAbortEvalMs]),
    [['http_req_failed: rate<0.05', 10_000]],
  );
  // No sample yet: no value, which passes as in k6 (a whole-run threshold, not a guard).
  assert.deepEqual(watched[0].evaluate(), { ok: true, value: null });
});
