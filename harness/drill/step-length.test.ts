// How long a step measures at a low rate: long enough for its target to complete minRequests, up to
// maxMeasure, said on the step; guard windows never shorter than what holds them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stepLength } from './step-length';

const opts = { minRequests: 20, maxMeasureMs: 120_000 };

test('a step at a rate that fills its window keeps its length; guard windows stay their own', () => {
  assert.deepEqual(stepLength({ measureMs: 5000, expectedTargetRps: 100 }, opts), {
    measureMs: 5000,
    minGuardWindowMs: 1000,
  });
  assert.deepEqual(stepLength({ measureMs: 5000 }, opts), { measureMs: 5000, minGuardWindowMs: 0 });
});

test('at 0.5 req/s a 5 s window would hold 2.5 requests: the measure and the guards take 40 s, and say so', () => {
  assert.deepEqual(stepLength({ measureMs: 5000, expectedTargetRps: 0.5 }, opts), {
    measureMs: 40_000,
    minGuardWindowMs: 40_000,
    note: 'measure lengthened to 40 s to hold 20 requests at 0.5 req/s',
  });
  // 3 req/s needs 6.67 s: whole seconds, 7.
  assert.equal(stepLength({ measureMs: 5000, expectedTargetRps: 3 }, opts).measureMs, 7000);
});

test('never longer than maxMeasure: the step says how few requests it can hold', () => {
  assert.deepEqual(stepLength({ measureMs: 5000, expectedTargetRps: 0.05 }, opts), {
    measureMs: 120_000,
    minGuardWindowMs: 120_000,
    note: 'measure lengthened to 120 s (the longest allowed, maxMeasure): 6 requests expected at 0.05 req/s, fewer than minRequests 20',
  });
});
