import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RedlineResult, Summary } from '../results';
import { compareRuns } from './index';

function summary(runId: string, redlines: [string, number | null, number | null][], sweeps: [string, number | null, number | null][] = []): Summary {
  const res = (method: 'redline' | 'sweep') => ([serverType, rps, cpu]: [string, number | null, number | null]): RedlineResult => ({
    drill: `${method}-${serverType}`, serverType, pool: `use1/${serverType}`, rpsPerReplica: rps, limitedBy: 'http_req_duration: p(99)<250',
    p50Ms: null, p99Ms: null, cpuShare: null, cpuMsPerRequest: cpu, probes: 5, durationS: 100, method,
  });
  return {
    runId, status: 'passed', scenario: 's', scenarioFile: 's.ts', startedAt: '', endedAt: '',
    cluster: { name: 'c', serverTypes: {}, dcs: [] }, redlines: redlines.map(res('redline')), sweeps: sweeps.map(res('sweep')),
    drains: [], failovers: [], thresholds: {},
  };
}

test('a drop exactly at the limit passes; just past it regresses', () => {
  const a = summary('a', [['gen1', 200, 1]]);
  assert.deepEqual(compareRuns(a, summary('b', [['gen1', 190, 1]]), 0.05).regressed, []);
  assert.deepEqual(compareRuns(a, summary('b', [['gen1', 189.9, 1]]), 0.05).regressed, ['gen1']);
  assert.deepEqual(compareRuns(a, summary('b', [['gen1', 200, 1.05]]), 0.05).regressed, []);
  assert.deepEqual(compareRuns(a, summary('b', [['gen1', 200, 1.051]]), 0.05).regressed, ['gen1']);
});

test('a redline that vanished (lowest probe broke) regresses; a type not measured is noted, not failed', () => {
  const c = compareRuns(summary('a', [['gen1', 200, 1], ['gen2', 500, 1]]), summary('b', [['gen1', null, null], ['gen3', 90, 2]]), 0.05);
  assert.deepEqual(c.regressed, ['gen1']);
  const by = Object.fromEntries(c.types.map((t) => [t.serverType, t]));
  assert.equal(by.gen1.redlineChange, -1);
  assert.deepEqual(by.gen2.notes, ['not measured in this run']);
  assert.deepEqual(by.gen3.notes, ['not measured in the baseline']);
  assert.equal(by.gen3.regressed, false);
});

test('several results for one type: the lowest redline counts; sweeps count only without a redline drill', () => {
  const a = summary('a', [['gen1', 300, 1], ['gen1', 250, 1.2]], [['gen2', 400, 1]]);
  const b = summary('b', [['gen1', 260, 1.2]], [['gen1', 100, 9], ['gen2', 300, 1]]);
  const c = compareRuns(a, b, 0.05);
  const by = Object.fromEntries(c.types.map((t) => [t.serverType, t]));
  assert.deepEqual([by.gen1.redlineA, by.gen1.redlineB, by.gen1.regressed], [250, 260, false]);
  assert.deepEqual([by.gen2.redlineA, by.gen2.redlineB, by.gen2.regressed], [400, 300, true]);
});
