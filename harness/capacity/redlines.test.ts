// The planner's input, the comparison of two runs and the history read a run's redline per server
// type by the one rule of results/ (lowestRedlines), so they agree, null included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { historyEntryOf, type RedlineResult, type Summary } from '../results';
import { compareRuns, redlinesOf } from './index';

type Method = 'redline' | 'sweep';
const r = (
  serverType: string,
  rpsPerReplica: number | null,
  method: Method,
  cpuMsPerRequest: number | null = null,
): RedlineResult => ({
  drill: `${method}-${serverType}-${rpsPerReplica}`,
  serverType,
  pool: `x/${serverType}`,
  rpsPerReplica,
  limitedBy: 'none',
  p50Ms: null,
  p99Ms: null,
  cpuShare: null,
  cpuMsPerRequest,
  probes: 1,
  durationS: 1,
  method,
});

const summary = (redlines: RedlineResult[], sweeps: RedlineResult[]): Summary => ({
  runId: 'run',
  status: 'passed',
  scenario: 's',
  scenarioFile: 's.ts',
  startedAt: '',
  endedAt: '',
  cluster: { name: 'c', serverTypes: {}, dcs: [] },
  redlines,
  sweeps,
  drains: [],
  failovers: [],
  thresholds: {},
});

test('planner input, comparison and history read the same redline per type', () => {
  const s = summary(
    [r('small', 90, 'redline', 2), r('small', 86, 'redline', 3), r('large', null, 'redline')],
    [r('large', 190, 'sweep', 1), r('mid', 120, 'sweep', 4)],
  );
  const expected = [
    ['large', null],
    ['mid', 120],
    ['small', 86],
  ];
  assert.deepEqual(
    redlinesOf(s).map((x) => [x.serverType, x.rpsPerReplica]),
    expected,
  );
  assert.deepEqual(
    historyEntryOf(s).redlines.map((x) => [x.serverType, x.rpsPerReplica]),
    expected,
  );
  assert.deepEqual(
    historyEntryOf(s).redlines.map((x) => x.cpuMsPerRequest),
    [null, 4, 3],
  );
  const c = compareRuns(s, s, 0.05);
  const rows = c.types.map((t) => [t.serverType, t.redlineB, t.cpuMsPerRequestB]);
  assert.deepEqual(rows, [
    ['large', null, null],
    ['mid', 120, 4],
    ['small', 86, 3],
  ]);
});
