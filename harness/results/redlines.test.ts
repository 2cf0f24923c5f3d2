// The one rule for a server type's redline, null included, and the baseline ramps built on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RedlineResult, Summary } from './records';
import { baselineRedlines, lowestRedlines } from './redlines';

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

test('the lowest redline drill result per type; sweeps only for types no redline drill measured', () => {
  const s = summary(
    [r('small', 90, 'redline', 2), r('small', 86, 'redline', 3)],
    [r('small', 80, 'sweep'), r('large', 190, 'sweep', 1)],
  );
  assert.deepEqual(
    lowestRedlines(s).map((x) => [x.serverType, x.rpsPerReplica, x.method, x.cpuMsPerRequest]),
    [
      ['large', 190, 'sweep', 1],
      ['small', 86, 'redline', 3],
    ],
  );
});

test("null (even the lowest probe broke) ranks below every number, and a redline drill's null hides the sweeps", () => {
  const s = summary(
    [r('small', 90, 'redline'), r('small', null, 'redline'), r('large', null, 'redline')],
    [r('large', 190, 'sweep'), r('tiny', 5, 'sweep'), r('tiny', null, 'sweep')],
  );
  assert.deepEqual(
    lowestRedlines(s).map((x) => [x.serverType, x.rpsPerReplica, x.method]),
    [
      ['large', null, 'redline'],
      ['small', null, 'redline'],
      ['tiny', null, 'sweep'],
    ],
  );
  // The ramps have no usable start for a null type: it is left out, not taken from a sweep.
  assert.deepEqual(baselineRedlines(s), {});
  const mixed = summary(
    [r('small', 90, 'redline'), r('small', 86, 'redline'), r('large', null, 'redline')],
    [r('small', 80, 'sweep'), r('large', 190, 'sweep')],
  );
  assert.deepEqual(baselineRedlines(mixed), { small: 86 });
});

test('ties keep the first result; an empty run has no redlines', () => {
  const s = summary([r('small', 50, 'redline', 1), r('small', 50, 'redline', 2)], []);
  assert.equal(lowestRedlines(s)[0].cpuMsPerRequest, 1);
  assert.deepEqual(lowestRedlines({ redlines: [], sweeps: [] }), []);
  assert.deepEqual(lowestRedlines({} as Pick<Summary, 'redlines' | 'sweeps'>), []);
});

test('noBreach (no breach up to the cap) is never planned as a redline: a number wins over it, and alone it stays null', () => {
  const noBreach: RedlineResult = { ...r('small', null, 'redline'), status: 'noBreach', atLeast: 60 };
  assert.deepEqual(
    lowestRedlines(summary([noBreach, r('small', 90, 'redline')], [])).map((x) => [x.rpsPerReplica, x.status]),
    [[90, undefined]],
  );
  const alone = lowestRedlines(summary([noBreach], []));
  assert.deepEqual(
    alone.map((x) => [x.rpsPerReplica, x.status, x.atLeast]),
    [[null, 'noBreach', 60]],
  );
  assert.deepEqual(baselineRedlines(summary([noBreach], [])), {});
});
