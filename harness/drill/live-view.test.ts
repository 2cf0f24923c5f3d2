// The live view: one block redrawn in place on a TTY, one plain line per step elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { type LiveState, liveView, stepLine } from './live-view';
import type { StepRecord } from '../results';

const step: StepRecord = {
  runId: 'r',
  drill: 'redline',
  kind: 'redline',
  index: 3,
  startedAt: '2026-11-27T18:00:00.000Z',
  endedAt: '2026-11-27T18:00:05.000Z',
  target: { kind: 'pool', name: 'use1/small' },
  serverType: 'small',
  offeredRps: 120,
  offeredRpsPerReplica: 60,
  achievedRps: 119.5,
  droppedIterations: 0,
  weights: { dcs: { use1: 1, usw2: 0 } },
  targetFigures: {
    rps: 119.5,
    rpsPerReplica: 59.8,
    p50Ms: 4.2,
    p90Ms: 9,
    p99Ms: 310.5,
    errorRate: 0.002,
    cpuShare: 0.93,
    cpuMsPerRequest: 3.9,
  },
  pools: [],
  replicas: [],
  guards: [
    {
      name: 'http_req_duration: p(99)<250',
      metric: 'http_req_duration',
      expression: 'p(99)<250',
      ok: false,
      value: 310.5,
    },
  ],
  verdict: 'breached',
  annotations: ['ended after 2.0 s of measure'],
};

const state: LiveState = {
  drill: 'redline',
  step: 4,
  phase: 'measure',
  kind: 'redline',
  target: 'use1/small',
  rateRps: 90,
  weights: { dcs: { use1: 1, usw2: 0 } },
  p99Ms: 42.5,
  errorRate: 0,
  rps: 89.6,
  cpuByPool: { 'use1/small': 0.71, 'usw2/small': null },
  guards: [{ name: 'http_req_duration: p(99)<250', ok: true, value: 42.5 }],
  markedOut: ['x-1'],
  elapsedMs: 3000,
};

function capture(tty: boolean) {
  const out = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  out.columns = 200;
  let text = '';
  out.on('data', (d) => (text += d));
  return { view: liveView(out, tty), text: () => text };
}

test('a step line says drill, step, target, rate, figures, verdict and the guard that broke', () => {
  assert.equal(
    stepLine(step),
    '[redline #3] redline use1/small offered 120 req/s (60/replica): 119.5 req/s (59.8/replica) p50 4.2ms p99 310.5ms err 0.2% cpu 93.0% → breached (http_req_duration: p(99)<250 = 310.5) | ended after 2.0 s of measure',
  );
});

test('plain output (CI): one line per step, no escape codes, nothing per second', () => {
  const c = capture(false);
  c.view.update(state);
  c.view.stepEnded(step);
  assert.equal(c.text(), `${stepLine(step)}\n`);
});

test('TTY: one block of drill, rate, weights, CPU per pool and guards, redrawn in place', () => {
  const c = capture(true);
  c.view.update(state);
  const first = c.text();
  assert.match(first, /drill redline {2}step #4 redline → use1\/small {2}measure 3s/);
  assert.match(first, /rate 90\.0 req\/s offered, 89\.6 achieved {3}p99 42\.5ms {3}errors 0\.0%/);
  assert.match(first, /weights use1 100\.0% {2}usw2 0\.0%/);
  assert.match(first, /cpu use1\/small 71\.0% {2}usw2\/small -/);
  assert.match(first, /guards\n {2}✓ http_req_duration: p\(99\)<250 = 42\.5\n/);
  assert.match(first, /out x-1/);
  const lines = first.trimEnd().split('\n').length;
  c.view.update(state);
  // The second draw first moves up over the block and clears it.
  assert.ok(c.text().slice(first.length).startsWith(`\x1b[${lines}A\x1b[0J`));
  c.view.stepEnded(step);
  assert.ok(c.text().includes(`${stepLine(step)}\n`));
});
