// The run's verdict as the drill's end takes it (endingOf, then capacity's analyseRun): a survivor of a lost
// DC that broke fails the run (exit 99, survivor and guard named), an abortOnFail threshold too; an
// interruption stays 105, an error keeps its own code. The lose-dc runs on the fake world.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyseRun } from '../capacity';
import { ClusterError, ExitCode, Interrupted } from '../common';
import { validateScenario, type ScenarioInput } from '../config';
import { DrillController, runDrillSpec, ThresholdAbort, type DrillContext } from '../drill';
import { FakeWorld, VirtualClock, fakeCluster, fakeP99Guard } from '../drill/testing/fake-world';
import type { FailoverResult, Summary } from '../results';
import { endingOf } from './verdict';

/** What the drill's end decides from how the drills ended, their thresholds and their DC losses. */
function runVerdict(end: { failure: unknown; thresholds: Summary['thresholds']; failovers: FailoverResult[] }) {
  const summary = {
    runId: 'r1',
    scenario: 'fake',
    scenarioFile: '/fake/scenario.ts',
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:01:00.000Z',
    cluster: { name: 'fake', serverTypes: {}, dcs: [] },
    redlines: [],
    sweeps: [],
    drains: [],
    failovers: end.failovers,
    thresholds: end.thresholds,
  };
  const a = analyseRun({ summary, steps: [], ending: endingOf(end.failure) });
  assert.equal(a.summary.status, a.status, 'summary.json says the verdict');
  return { status: a.status, exitCode: a.exitCode, failures: a.failures };
}

async function loseUse1(totalRps: number) {
  const capacity = { small: 100, large: 200 };
  const spec = fakeCluster(
    [
      { dc: 'use1', demand: 45, types: { small: 2, large: 1 } },
      { dc: 'usw2', demand: 30, types: { small: 1, large: 1 } },
      { dc: 'euw1', demand: 25, types: { small: 1, large: 1 } },
    ],
    capacity,
  );
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
    drills: [{ kind: 'lose-dc', name: 'lose', dc: 'use1', totalRps }],
  };
  const scenario = validateScenario(input, '/fake/scenario.ts');
  const world = new FakeWorld(spec, capacity);
  const clock = new VirtualClock();
  world.now = () => clock.now();
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
  const ctx: DrillContext = {
    ctrl,
    scenario,
    cluster: spec,
    clock,
    results: { redlines: [], sweeps: [], drains: [], failovers: [] },
    knownRedlines: {},
    logger: { info() {}, warn() {}, debug() {} },
  };
  ctrl.start();
  try {
    for (const d of scenario.drills) await runDrillSpec(ctx, d);
  } finally {
    await ctrl.stop();
  }
  return ctx.results.failovers;
}

test('lose-dc whose survivor breaks: status failed, exit 99, the survivor and its guard named', async () => {
  // 600 req/s without use1: usw2 takes 600 × 30/55 = 327 over 2 replicas, its small one far above 100.
  const failovers = await loseUse1(600);
  assert.equal(failovers[0].held, false);
  const v = runVerdict({ failure: null, thresholds: {}, failovers });
  assert.equal(v.status, 'failed');
  assert.equal(v.exitCode, ExitCode.thresholdsFailed);
  const survivors = v.failures.filter((f) => f.kind === 'survivor');
  assert.ok(survivors.length >= 1);
  assert.equal(survivors[0].name, 'use1 lost → usw2');
  assert.match(survivors[0].detail, /^http_req_duration: p\(99\)<250 broke at [\d.]+ req\/s.* \(drill lose\)$/);
});

test('lose-dc whose survivors hold, no failed threshold: passed, exit 0, no failures', async () => {
  const v = runVerdict({
    failure: null,
    thresholds: { 'http_req_failed: rate<0.05': { ok: true, value: 0 } },
    failovers: await loseUse1(150),
  });
  assert.deepEqual(v, { status: 'passed', exitCode: 0, failures: [] });
});

test('a failed threshold and an abortOnFail abort are named; an interruption stays 105', () => {
  const thresholds = {
    'http_req_failed: rate<0.05': { ok: false, value: 0.2 },
    'dropped_iterations: count<100': { ok: false, value: 300 },
  };
  const aborted = runVerdict({
    failure: new ThresholdAbort('http_req_failed: rate<0.05', 0.2),
    thresholds,
    failovers: [],
  });
  assert.equal(aborted.status, 'failed');
  assert.equal(aborted.exitCode, 99);
  assert.deepEqual(aborted.failures, [
    { kind: 'threshold', name: 'http_req_failed: rate<0.05', detail: 'abortOnFail: the run was aborted (0.2)' },
    { kind: 'threshold', name: 'dropped_iterations: count<100', detail: 'failed (300)' },
  ]);
  const interrupted = runVerdict({ failure: new Interrupted('SIGINT'), thresholds: {}, failovers: [] });
  assert.equal(interrupted.exitCode, ExitCode.interrupted);
  assert.equal(interrupted.status, 'interrupted');
  const lost = runVerdict({ failure: new ClusterError('docker went away'), thresholds: {}, failovers: [] });
  assert.deepEqual(lost, {
    status: 'error',
    exitCode: ExitCode.cluster,
    failures: [{ kind: 'error', name: 'ClusterError', detail: 'docker went away' }],
  });
});
