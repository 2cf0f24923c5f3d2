import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPairs, intervalsOverlap, pairRow, type PairRun } from './pairs';

const run = (interval: [number, number] | null, more: Partial<PairRun> = {}): PairRun => ({
  truth: 50,
  redline: interval ? (interval[0] + interval[1]) / 2 : null,
  interval,
  busy: false,
  drift: null,
  caution: null,
  ...more,
});

const moved = {
  drift: { change: 0.12, overS: 60, atS: 30, tStat: 6, significant: true, fromRps: 52, toRps: 46 },
  caution: 'the cost per request moved +12% during the search of dc1/gen1 (redline from about 52 to 46 req/s)',
};

test('intervals overlap when they share a point; not when apart; unknown without one', () => {
  assert.equal(intervalsOverlap([48, 52], [51, 55]), true);
  assert.equal(intervalsOverlap([48, 52], [52, 55]), true);
  assert.equal(intervalsOverlap([48, 52], [52.1, 55]), false);
  assert.equal(intervalsOverlap(null, [52.1, 55]), null);
});

test('a pair meets its target when its intervals overlap, or when the busy run says the cost moved', () => {
  assert.equal(pairRow('a', run([48, 52]), run([51, 55], { busy: true })).met, true);
  // Apart, and the busy run said nothing: missed.
  const silent = pairRow('b', run([48, 52]), run([44, 46], { busy: true }));
  assert.deepEqual([silent.overlap, silent.warned, silent.met], [false, false, false]);
  // Apart, and the busy run's verdict carries the caution: met.
  const said = pairRow('c', run([48, 52]), run([44, 46], { busy: true, ...moved }));
  assert.deepEqual([said.overlap, said.warned, said.met], [false, true, true]);
  // The quiet run's caution does not stand for a busy run that said nothing.
  assert.equal(pairRow('d', run([48, 52], moved), run([44, 46], { busy: true })).met, false);
  // Two quiet runs: either one's caution counts.
  assert.equal(pairRow('e', run([48, 52], moved), run([44, 46])).met, true);
  // A run without an interval (no redline) neither overlaps nor warns.
  assert.equal(pairRow('f', run([48, 52]), run(null, { busy: true })).met, false);
});

test('the pairs table: both intervals, the move each run measured, overlap, warned, and the line of targets', () => {
  const text = formatPairs([
    pairRow('a', run([48, 52]), run([44, 46], { busy: true, ...moved })),
    pairRow('b', run([48, 52]), run([44, 46], { busy: true })),
  ]);
  assert.match(
    text,
    /^\| a \| quiet \| 50\.0 \[48\.0–52\.0\] \| 0\.0% \| – \| CPU hog \| 45\.0 \[44\.0–46\.0\] \| -10\.0% \| \+12%, caution \| no \| yes \| met \|$/m,
  );
  assert.match(text, /^\| b \| .* \| no \| no \| MISSED \|$/m);
  assert.match(text, /pairs: 1 of 2 overlap or say the cost per request moved \(target: all\); target NOT met/);
  assert.match(text, /- a, run 2: the cost per request moved \+12%/);
});
