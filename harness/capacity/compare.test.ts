import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RedlineResult, StepRecord, Summary } from '../results';
import { compareRuns, cpuSamplesOf } from './index';
import { seededRandom } from '../common';

type Row = [string, number | null, [number, number]?];

function summary(runId: string, redlines: Row[], sweeps: Row[] = []): Summary {
  const res =
    (method: 'redline' | 'sweep') =>
    ([serverType, rps, interval]: Row): RedlineResult => ({
      drill: `${method}-${serverType}`,
      serverType,
      pool: `use1/${serverType}`,
      rpsPerReplica: rps,
      limitedBy: 'cpu_share: avg<0.75',
      p50Ms: null,
      p99Ms: null,
      cpuShare: null,
      cpuMsPerRequest: null,
      probes: 5,
      durationS: 100,
      method,
      ...(interval ? { interval } : {}),
    });
  return {
    runId,
    status: 'passed',
    scenario: 's',
    scenarioFile: 's.ts',
    startedAt: '',
    endedAt: '',
    cluster: { name: 'c', serverTypes: {}, dcs: [] },
    redlines: redlines.map(res('redline')),
    sweeps: sweeps.map(res('sweep')),
    drains: [],
    failovers: [],
    thresholds: {},
  };
}

/** Probes of one server type whose CPU ms per request is `cost` times a seeded noise of ±`noise`. */
function probes(
  serverType: string,
  cost: number,
  n: number,
  seed: number,
  noise = 0.04,
  kind: StepRecord['kind'] = 'redline',
): StepRecord[] {
  const rnd = seededRandom(seed);
  return Array.from(
    { length: n },
    (_, i) =>
      ({
        kind,
        serverType,
        verdict: i === n - 1 ? 'breached' : 'held',
        targetFigures: { cpuMsPerRequest: cost * (1 + noise * (2 * rnd() - 1)) },
      }) as unknown as StepRecord,
  );
}

test('CPU samples: every redline or sweep probe of the type with a figure; aborted probes, other kinds and types left out', () => {
  const steps = [
    ...probes('gen1', 2, 3, 1),
    ...probes('gen2', 5, 2, 2),
    ...probes('gen1', 2, 2, 3, 0, 'sweep'),
    {
      kind: 'redline',
      serverType: 'gen1',
      verdict: 'aborted',
      targetFigures: { cpuMsPerRequest: 9 },
    } as unknown as StepRecord,
    {
      kind: 'redline',
      serverType: 'gen1',
      verdict: 'held',
      targetFigures: { cpuMsPerRequest: null },
    } as unknown as StepRecord,
    { kind: 'drain', verdict: 'held', targetFigures: { cpuMsPerRequest: 7 } } as unknown as StepRecord,
  ];
  assert.equal(cpuSamplesOf(steps, 'gen1').length, 5);
  assert.deepEqual(cpuSamplesOf(steps, 'gen1').slice(3), [2, 2]);
});

test('the same CPU cost with noise passes; 10% more is caught; 3% more is within the 5% minimum effect', () => {
  const a = { summary: summary('a', [['gen1', 100]]), steps: probes('gen1', 2, 8, 11) };
  const same = compareRuns(a, { summary: summary('b', [['gen1', 98]]), steps: probes('gen1', 2, 8, 12) }, 0.05);
  assert.deepEqual(same.regressed, []);
  assert.equal(same.types[0].samplesA, 8);
  assert.ok(same.types[0].p! > 0.01);
  const costlier = compareRuns(a, { summary: summary('b', [['gen1', 91]]), steps: probes('gen1', 2.2, 8, 12) }, 0.05);
  assert.deepEqual(costlier.regressed, ['gen1']);
  assert.ok(costlier.types[0].p! < 0.01);
  assert.ok(Math.abs(costlier.types[0].cpuChange! - 0.1) < 0.03, String(costlier.types[0].cpuChange));
  assert.match(
    costlier.types[0].notes[0],
    /^CPU per request \+\d+\.\d% \(Hodges-Lehmann, 8 vs 8 samples\): regressed: rank test p /,
  );
  // Without noise a 3% rise is certain, and still below the minimum effect.
  const small = compareRuns(
    { ...a, steps: probes('gen1', 2, 8, 11, 0) },
    { summary: summary('b', [['gen1', 97]]), steps: probes('gen1', 2.06, 8, 12, 0) },
    0.05,
  );
  assert.deepEqual(small.regressed, []);
  assert.match(small.types[0].notes[0], /significant \(p .*\) but below the \+5\.0% minimum effect/);
  // --max-drop is the minimum effect: at 2% the same 3% rise regresses.
  assert.deepEqual(
    compareRuns(
      { ...a, steps: probes('gen1', 2, 8, 11, 0) },
      { summary: summary('b', [['gen1', 97]]), steps: probes('gen1', 2.06, 8, 12, 0) },
      0.02,
    ).regressed,
    ['gen1'],
  );
});

test('a redline drop counts only with both intervals, apart, and beyond the minimum effect; a point drop alone does not', () => {
  const none = compareRuns(summary('a', [['gen1', 200]]), summary('b', [['gen1', 150]]), 0.05);
  assert.deepEqual(none.regressed, []);
  assert.match(
    none.types[0].notes.join(' '),
    /CPU per request: not compared \(0 samples in a, 0 in b; at least 5 a side needed\)/,
  );
  assert.match(none.types[0].notes.join(' '), /Redline: not compared \(no redline with an interval in a\)/);
  const apart = compareRuns(summary('a', [['gen1', 200, [195, 205]]]), summary('b', [['gen1', 180, [176, 184]]]), 0.05);
  assert.deepEqual(apart.regressed, ['gen1']);
  assert.deepEqual(
    [apart.types[0].intervalA, apart.types[0].intervalB],
    [
      [195, 205],
      [176, 184],
    ],
  );
  assert.match(
    apart.types[0].notes[1],
    /^Redline -10\.0% \(200 \[195, 205\] -> 180 \[176, 184\] req\/s per replica\): regressed/,
  );
  assert.deepEqual(
    compareRuns(summary('a', [['gen1', 200, [185, 215]]]), summary('b', [['gen1', 180, [170, 190]]]), 0.05).regressed,
    [],
  );
  assert.deepEqual(
    compareRuns(summary('a', [['gen1', 200, [199, 201]]]), summary('b', [['gen1', 195, [194, 196]]]), 0.05).regressed,
    [],
  );
});

test('a redline that vanished (lowest probe broke) regresses; a type not measured is noted, not failed', () => {
  const c = compareRuns(
    summary('a', [
      ['gen1', 200],
      ['gen2', 500],
    ]),
    summary('b', [
      ['gen1', null],
      ['gen3', 90],
    ]),
    0.05,
  );
  assert.deepEqual(c.regressed, ['gen1']);
  const by = Object.fromEntries(c.types.map((t) => [t.serverType, t]));
  assert.equal(by.gen1.redlineChange, -1);
  assert.deepEqual(by.gen2.notes, ['not measured in this run']);
  assert.deepEqual(by.gen3.notes, ['not measured in the baseline']);
  assert.equal(by.gen3.regressed, false);
});

test('several results for one type: the lowest redline counts; sweeps count only without a redline drill', () => {
  const c = compareRuns(
    summary(
      'a',
      [
        ['gen1', 300],
        ['gen1', 250],
      ],
      [['gen2', 400]],
    ),
    summary(
      'b',
      [['gen1', 260]],
      [
        ['gen1', 100],
        ['gen2', 300],
      ],
    ),
    0.05,
  );
  const by = Object.fromEntries(c.types.map((t) => [t.serverType, t]));
  assert.deepEqual([by.gen1.redlineA, by.gen1.redlineB], [250, 260]);
  assert.deepEqual([by.gen2.redlineA, by.gen2.redlineB], [400, 300]);
});

test('a probe that answered under 90% of its offered rate is left out of the CPU samples; errors alone do not leave it out', () => {
  const step = (offeredRps: number, rps: number, errorRate: number, cpuMsPerRequest: number) =>
    ({
      kind: 'redline',
      serverType: 'small',
      verdict: 'held',
      offeredRps,
      targetFigures: { rps, rpsPerReplica: rps, errorRate, cpuMsPerRequest },
    }) as unknown as StepRecord;
  const steps = [
    step(60, 60, 0, 3),
    step(63.3, 37.4, 0.13, 2.5),
    step(60, 54, 0, 2.9),
    step(60, 53.9, 0, 2.4),
    step(60, 60, 0.2, 3.1),
  ];
  assert.deepEqual(cpuSamplesOf(steps, 'small'), [3, 2.9, 3.1]);
});
