// The record builder and the verdict on known windows: every figure rounded as the run files carry it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Guard } from './ports';
import type { GuardCheck, StepPlan } from './step';
import { buildStepRecord, judgeStep, type ReplicaRef, type StepFacts, type StepWindow } from './step-record';

const t0 = Date.parse('2026-11-30T12:00:00.000Z');
const replicas: ReplicaRef[] = [
  { name: 'a0', region: 'us', dc: 'use1', pool: 'use1/small', serverType: 'small' },
  { name: 'a1', region: 'us', dc: 'use1', pool: 'use1/small', serverType: 'small' },
  { name: 'b0', region: 'us', dc: 'usw2', pool: 'usw2/large', serverType: 'large' },
];
const p99: Guard = {
  name: 'http_req_duration: p(99)<250',
  metric: 'http_req_duration',
  expression: 'p(99)<250',
  evaluate: () => ({ ok: true, value: null }),
};
const errors: Guard = {
  name: 'http_req_failed: rate<0.01',
  metric: 'http_req_failed',
  expression: 'rate<0.01',
  evaluate: () => ({ ok: true, value: null }),
};
const target = { label: 'use1/small', filter: { pool: 'use1/small' } };
const plan: StepPlan = {
  drill: 'rl',
  kind: 'redline',
  target: { kind: 'pool', name: 'use1/small' },
  serverType: 'small',
  offeredRps: 120.04,
  offeredRpsPerReplica: 60,
  weights: { dcs: { use1: 1, usw2: 0 } },
  settleMs: 2000,
  measureMs: 6000,
  targetFilter: { pool: 'use1/small' },
  guardTargets: [target],
};
const window: StepWindow = {
  sinceMs: t0,
  untilMs: t0 + 5000,
  replicas: {
    a0: { count: 250, failed: 5, cpuShare: 0.61234, p99Ms: 12.3456 },
    a1: { count: 250, failed: 0, cpuShare: 0.41234, p99Ms: 9.87654 },
    b0: { count: 100, failed: 1, cpuShare: 0.1, p99Ms: null },
  },
  pools: {
    'use1/small': { p50Ms: 4.567, p99Ms: 12.3456, cpuShare: 0.51234 },
    'usw2/large': { p50Ms: 3.2, p99Ms: NaN, cpuShare: null },
  },
  all: { count: 600, dropped: 3 },
  target: { rps: 100.04, errorRate: 0.0100004, p50Ms: 4.567, p90Ms: 8.001, p99Ms: 12.3456, cpuShare: 0.51234 },
};
const facts = (over: Partial<StepFacts> = {}): StepFacts => ({
  runId: 'run-1',
  plan,
  index: 7,
  rateRps: 120.04,
  replicas,
  cpusByType: { small: 0.5, large: 2 },
  markedOut: new Set<string>(),
  checks: [{ target, guard: p99, ok: true, value: 12.34567 }],
  annotations: ['replica x marked in: back'],
  ...over,
});

test('a step record: pools, replicas and the target from the window, rounded; CPU ms per request from the pool CPU', () => {
  assert.deepEqual(buildStepRecord(facts(), window), {
    runId: 'run-1',
    drill: 'rl',
    kind: 'redline',
    index: 7,
    startedAt: '2026-11-30T12:00:00.000Z',
    endedAt: '2026-11-30T12:00:05.000Z',
    target: { kind: 'pool', name: 'use1/small' },
    serverType: 'small',
    offeredRps: 120,
    offeredRpsPerReplica: 60,
    achievedRps: 120,
    droppedIterations: 3,
    weights: { dcs: { use1: 1, usw2: 0 } },
    // 0.512 of 0.5 CPU on 2 replicas = 512 CPU ms per second, over 100.04 req/s.
    targetFigures: {
      rps: 100,
      rpsPerReplica: 50,
      requests: 500,
      p50Ms: 4.57,
      p90Ms: 8,
      p99Ms: 12.35,
      errorRate: 0.01,
      cpuShare: 0.512,
      cpuMsPerRequest: 5.118,
    },
    pools: [
      {
        pool: 'use1/small',
        dc: 'use1',
        serverType: 'small',
        rps: 100,
        replicasServing: 2,
        rpsPerReplica: 50,
        p50Ms: 4.57,
        p99Ms: 12.35,
        errorRate: 0.01,
        cpuShare: 0.512,
      },
      {
        pool: 'usw2/large',
        dc: 'usw2',
        serverType: 'large',
        rps: 20,
        replicasServing: 1,
        rpsPerReplica: 20,
        p50Ms: 3.2,
        p99Ms: null,
        errorRate: 0.01,
        cpuShare: null,
      },
    ],
    replicas: [
      { replica: 'a0', pool: 'use1/small', rps: 50, p99Ms: 12.35, errorRate: 0.02, cpuShare: 0.612, serving: true },
      { replica: 'a1', pool: 'use1/small', rps: 50, p99Ms: 9.88, errorRate: 0, cpuShare: 0.412, serving: true },
      { replica: 'b0', pool: 'usw2/large', rps: 20, p99Ms: null, errorRate: 0.01, cpuShare: 0.1, serving: true },
    ],
    guards: [
      {
        name: 'http_req_duration: p(99)<250',
        metric: 'http_req_duration',
        expression: 'p(99)<250',
        ok: true,
        value: 12.346,
      },
    ],
    verdict: 'held',
    annotations: ['replica x marked in: back'],
    lostDc: undefined,
    targetShare: undefined,
    search: undefined,
  });
});

test('a marked-out replica serves no more: per-replica rates count the serving ones; several targets name their guards', () => {
  const other = { label: 'usw2', filter: { dc: 'usw2' } };
  const r = buildStepRecord(
    facts({
      markedOut: new Set(['a1']),
      plan: { ...plan, guardTargets: [target, other] },
      checks: [
        { target, guard: p99, ok: true, value: 12 },
        { target: other, guard: p99, ok: false, value: 300.0004 },
      ],
    }),
    window,
  );
  assert.deepEqual(r.pools[0], {
    pool: 'use1/small',
    dc: 'use1',
    serverType: 'small',
    rps: 100,
    replicasServing: 1,
    rpsPerReplica: 100,
    p50Ms: 4.57,
    p99Ms: 12.35,
    errorRate: 0.01,
    cpuShare: 0.612,
  });
  assert.deepEqual(
    r.replicas.map((x) => x.serving),
    [true, false, true],
  );
  assert.equal(r.targetFigures.rpsPerReplica, 100);
  // The marked-out a1's CPU leaves the pool's share: a0's 0.612 of 0.5 CPU over 100.04 req/s,
  // not the diluted pool average (0.512, 2.559 ms).
  assert.equal(r.targetFigures.cpuShare, 0.612);
  assert.equal(r.targetFigures.cpuMsPerRequest, 3.059);
  assert.deepEqual(
    r.guards.map((g) => `${g.name}=${g.value}`),
    ['use1/small http_req_duration: p(99)<250=12', 'usw2 http_req_duration: p(99)<250=300'],
  );
});

test('no CPU sample for a target pool: CPU ms per request is unknown', () => {
  const r = buildStepRecord(facts({ plan: { ...plan, targetFilter: { dc: 'usw2' } } }), window);
  assert.equal(r.targetFigures.cpuMsPerRequest, null);
  assert.equal(r.targetFigures.rpsPerReplica, 100);
});

const broke = (guard: Guard, value: number): GuardCheck => ({ target, guard, ok: false, value });

test('verdicts: held, breached early, unstable (latency while the generator was late, rate off, drops), aborted', () => {
  const built = buildStepRecord(facts(), window);
  const held = judgeStep(built, plan, [], { measuredMs: 6000 });
  assert.deepEqual(
    [held.record.verdict, held.brokenBy, held.perTarget, held.record.sendLagP99Ms],
    ['held', 'none', { 'use1/small': { ok: true } }, undefined],
  );

  const breached = judgeStep(built, plan, [broke(p99, 300), broke(errors, 0.2)], {
    measuredMs: 2000,
    sendLag: { count: 10, p99: 3.04 },
  });
  assert.equal(breached.record.verdict, 'breached');
  assert.equal(breached.brokenBy, 'http_req_duration: p(99)<250');
  assert.deepEqual(breached.perTarget, { 'use1/small': { ok: false, brokenBy: 'http_req_duration: p(99)<250' } });
  assert.equal(breached.record.sendLagP99Ms, 3);
  assert.deepEqual(breached.record.annotations, [
    'replica x marked in: back',
    'ended after 2.0 s of measure: http_req_duration: p(99)<250 broke',
  ]);

  const late = judgeStep(built, plan, [broke(p99, 300)], { measuredMs: 6000, sendLag: { count: 10, p99: 60.04 } });
  assert.equal(late.record.verdict, 'unstable');
  assert.deepEqual(late.record.annotations.slice(1), [
    'generator late: send lag p99 60.0 ms',
    'unstable: a latency guard broke by less than the generator was late (p99 60 ms behind schedule)',
  ]);
  // Over its limit by more than the lag: the server's breach, however late the generator was (320 - 60 > 250).
  assert.equal(
    judgeStep(built, plan, [broke(p99, 320)], { measuredMs: 6000, sendLag: { count: 10, p99: 60 } }).record.verdict,
    'breached',
  );
  // An error guard that broke is a breach however late the generator was.
  assert.equal(
    judgeStep(built, plan, [broke(errors, 0.2)], { measuredMs: 6000, sendLag: { count: 10, p99: 60 } }).record.verdict,
    'breached',
  );

  const off = judgeStep(built, { ...plan, expectedTargetRps: 110 }, [], { measuredMs: 6000 });
  assert.deepEqual(
    [off.record.verdict, off.record.annotations.at(-1)],
    [
      'unstable',
      'unstable: target completed 600 of 660 requests in 6.0 s (100 of 110 req/s), more than the 33 a schedule can be off by',
    ],
  );
  // At a few requests a second the count is judged on what a fixed schedule can be off by, not on a share:
  // 14 of 15 requests at 3 req/s is on schedule (a 5% rule called it 6.7% off and the search never ended).
  const few = { ...built, targetFigures: { ...built.targetFigures, rps: 2.8, p99Ms: 40 }, droppedIterations: 0 };
  const slow = { ...plan, expectedTargetRps: 3 };
  assert.equal(judgeStep(few, slow, [], { measuredMs: 5000 }).record.verdict, 'held');
  const fewer = { ...few, targetFigures: { ...few.targetFigures, rps: 2.2 } };
  assert.deepEqual(
    judgeStep(fewer, slow, [], { measuredMs: 5000 }).record.annotations.at(-1),
    'unstable: target completed 11 of 15 requests in 5.0 s (2.2 of 3 req/s), more than the 3 a schedule can be off by',
  );
  // 3 drops over 2 s measured at 120 req/s offered are over 1% of the arrivals.
  const dropped = judgeStep(built, plan, [], { measuredMs: 2000 });
  assert.deepEqual(
    [dropped.record.verdict, dropped.record.annotations.at(-1)],
    ['unstable', 'unstable: 3 arrivals dropped (generator or in-flight cap saturated)'],
  );

  const aborted = judgeStep(built, plan, [broke(p99, 300)], {
    measuredMs: 1000,
    aborted: new Error('safety stop: too many errors'),
  });
  assert.deepEqual(
    [aborted.record.verdict, aborted.record.annotations.at(-1)],
    ['aborted', 'aborted: safety stop: too many errors'],
  );
  // The built record is left as it was.
  assert.deepEqual([built.verdict, built.annotations], ['held', ['replica x marked in: back']]);
});

test('a guard with no data: the step is noData, its target not ok and named; a real breach still wins', () => {
  const built = buildStepRecord(facts(), window);
  const empty: GuardCheck = { target, guard: errors, ok: false, value: null };
  const out = judgeStep(built, plan, [{ target, guard: p99, ok: true, value: 12 }, empty], { measuredMs: 6000 });
  assert.equal(out.record.verdict, 'noData');
  assert.equal(out.brokenBy, 'no data: http_req_failed: rate<0.01');
  assert.deepEqual(out.perTarget, { 'use1/small': { ok: false, brokenBy: 'no data: http_req_failed: rate<0.01' } });
  assert.equal(
    out.record.annotations.at(-1),
    'no data: http_req_failed: rate<0.01 had nothing to judge (no request served or no resource sample)',
  );
  const recorded = buildStepRecord(facts({ checks: [empty] }), window).guards;
  assert.deepEqual(recorded, [
    {
      name: 'http_req_failed: rate<0.01',
      metric: 'http_req_failed',
      expression: 'rate<0.01',
      ok: false,
      value: null,
      noData: true,
    },
  ]);

  const both = judgeStep(built, plan, [empty, broke(p99, 300)], { measuredMs: 6000 });
  assert.deepEqual([both.record.verdict, both.brokenBy], ['breached', 'http_req_duration: p(99)<250']);
});

test('a replica marked out during the step: faulted, whatever broke; the outcome says why, an abort still wins', () => {
  const built = buildStepRecord(facts(), window);
  const fault = 'x marked out: no answer: connection refused (ECONNREFUSED) ×7 in the last 2 s';
  const out = judgeStep(built, plan, [broke(errors, 0.2)], { measuredMs: 6000, faults: [fault] });
  assert.equal(out.record.verdict, 'faulted');
  assert.equal(out.faulted, fault);
  assert.equal(
    out.record.annotations.at(-1),
    `faulted: ${fault}; the step's failures (http_req_failed: rate<0.01 broke) are the cluster's, not a verdict on its capacity`,
  );
  // A step that held while a replica came back is faulted too: it ran on two sets of replicas.
  const held = judgeStep(built, plan, [], { measuredMs: 6000, faults: ['x marked in: answering again'] });
  assert.deepEqual([held.record.verdict, held.faulted], ['faulted', 'x marked in: answering again']);
  const aborted = judgeStep(built, plan, [], { measuredMs: 1000, aborted: new Error('SIGINT'), faults: [fault] });
  assert.deepEqual([aborted.record.verdict, aborted.faulted], ['aborted', undefined]);
  assert.equal(judgeStep(built, plan, [], { measuredMs: 6000, faults: [] }).faulted, undefined);
});
