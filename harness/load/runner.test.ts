// runPlan on a recording target: what it applies, and when it says the rate is ramping (generator agents
// keep their own phase during a ramp instead of re-aligning to a new shared grid every 100 ms).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planExecutor } from './executors';
import { runPlan } from './runner';

function recorder() {
  const calls: { rps: number; ramping: boolean }[] = [];
  let started = 0;
  return {
    calls,
    started: () => started,
    target: { setRate: (rps: number, ramping = false) => calls.push({ rps, ramping }), start: () => started++ },
  };
}

test('a ramp, then a hold: ramping while the rate changes, not while it holds; 0 at the end', async () => {
  const r = recorder();
  const plan = planExecutor({
    executor: 'ramping-arrival-rate',
    startRate: 10,
    stages: [
      { duration: '400ms', target: 50 },
      { duration: '400ms', target: 50 },
    ],
    preAllocatedVUs: 10,
  });
  const applied: number[] = [];
  const { interrupted } = await runPlan(r.target, plan, { onApply: (v) => applied.push(v) });
  assert.equal(interrupted, false);
  assert.equal(r.started(), 1);
  const ramp = r.calls.filter((c) => c.rps < 50 && c.rps > 0);
  const hold = r.calls.filter((c) => c.rps === 50);
  assert.ok(ramp.length >= 2 && ramp.every((c) => c.ramping), JSON.stringify(r.calls));
  assert.ok(hold.length >= 1 && hold.every((c) => !c.ramping), JSON.stringify(r.calls));
  assert.deepEqual(r.calls.at(-1), { rps: 0, ramping: false });
  assert.deepEqual(
    applied,
    r.calls.map((c) => c.rps),
  );
  // The rates only rise along the ramp.
  for (let i = 1; i < ramp.length; i++) assert.ok(ramp[i].rps >= ramp[i - 1].rps);
});

test('a constant rate is applied once, not ramping; closed-model plans need a target with VUs', async () => {
  const r = recorder();
  await runPlan(
    r.target,
    planExecutor({ executor: 'constant-arrival-rate', rate: 20, duration: '200ms', preAllocatedVUs: 5 }),
  );
  assert.deepEqual(r.calls, [
    { rps: 20, ramping: false },
    { rps: 0, ramping: false },
  ]);
  await assert.rejects(
    runPlan(r.target, planExecutor({ executor: 'constant-vus', vus: 2, duration: '100ms' })),
    /arrival rates only/,
  );
});
