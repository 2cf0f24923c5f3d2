import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigErrors } from '../common';
import { planExecutor, valueAt } from './executors';

test('constant-arrival-rate honours timeUnit and maxVUs', () => {
  const p = planExecutor({
    executor: 'constant-arrival-rate',
    rate: 30,
    timeUnit: '1m',
    duration: '2m',
    preAllocatedVUs: 5,
    maxVUs: 50,
  });
  assert.equal(p.model, 'rate');
  assert.equal(p.durationMs, 120_000);
  assert.equal(p.maxInFlight, 50);
  assert.equal(valueAt(p, 0), 0.5);
  assert.equal(valueAt(p, 120_000), 0);
});

test('ramping-arrival-rate plans linear stages from startRate', () => {
  const p = planExecutor({
    executor: 'ramping-arrival-rate',
    startRate: 100,
    stages: [
      { duration: '10s', target: 300 },
      { duration: '5s', target: 300 },
      { duration: '5s', target: 0 },
    ],
    preAllocatedVUs: 10,
  });
  assert.equal(p.durationMs, 20_000);
  assert.equal(p.maxInFlight, 10);
  assert.deepEqual(
    [0, 5_000, 10_000, 12_000, 17_500, 20_000].map((t) => valueAt(p, t)),
    [100, 200, 300, 300, 150, 0],
  );
});

test('VU executors plan whole users', () => {
  const c = planExecutor({ executor: 'constant-vus', vus: 8, duration: '30s' });
  assert.equal(c.model, 'vus');
  assert.equal(valueAt(c, 29_999), 8);
  const r = planExecutor({ executor: 'ramping-vus', startVUs: 0, stages: [{ duration: '10s', target: 5 }] });
  assert.deepEqual(
    [0, 1_000, 5_000, 9_999].map((t) => valueAt(r, t)),
    [0, 1, 3, 5],
  );
});

function problems(spec: unknown): string[] {
  try {
    planExecutor(spec, 'scenario.ts', 'scenarios.main');
  } catch (e) {
    assert.ok(e instanceof ConfigErrors, String(e));
    assert.equal(e.exitCode, 104);
    return e.problems.map((p) => p.message);
  }
  assert.fail('expected a config error');
}

test('bad executors: every problem is named', () => {
  assert.deepEqual(problems({ executor: 'constant-arival-rate', rate: 1 }), [
    'scenario.ts: scenarios.main.executor: unknown executor "constant-arival-rate"',
  ]);
  assert.deepEqual(
    problems({ executor: 'constant-arrival-rate', rate: -5, duration: '10 s', preAllocatedVUs: 0, maxVU: 3 }),
    [
      'scenario.ts: scenarios.main.maxVU: unknown field for constant-arrival-rate',
      'scenario.ts: scenarios.main.preAllocatedVUs: expected a number >= 1, got 0',
      'scenario.ts: scenarios.main.rate: expected a number > 0, got -5',
      "scenario.ts: scenarios.main.duration: expected a duration like '30s' or '1m30s', got \"10 s\"",
    ],
  );
  assert.deepEqual(
    problems({ executor: 'ramping-vus', stages: [{ duration: '10s', target: 2.5 }, { target: 3 }, 'x'] }),
    [
      'scenario.ts: scenarios.main.stages[0].target: expected an integer number of VUs, got 2.5',
      "scenario.ts: scenarios.main.stages[1].duration: expected a duration like '30s', got undefined",
      'scenario.ts: scenarios.main.stages[2]: expected { duration, target }, got "x"',
    ],
  );
  assert.deepEqual(problems({ executor: 'ramping-arrival-rate', preAllocatedVUs: 1, stages: [] }), [
    'scenario.ts: scenarios.main.stages: expected a non-empty list of { duration, target }, got []',
  ]);
});
