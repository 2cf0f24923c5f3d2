import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as hdr from 'hdr-histogram-js';
import { meanUs, mergeSparse, percentileUs, recordUs, releaseHot, sparseOf, takeHot } from './histogram';

test('sparse seconds merged give exactly the percentiles and mean of one HDR histogram of all values', () => {
  const whole = hdr.build({
    bitBucketSize: 64,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
    autoResize: false,
  });
  const parts = [];
  let x = 12345;
  for (let s = 0; s < 20; s++) {
    const h = takeHot();
    for (let i = 0; i < 5000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      // Mostly 200 µs .. 5 ms, a tail up to 2 s.
      const us = i % 100 === 0 ? 1000 + (x % 2_000_000) : 200 + (x % 4800);
      recordUs(h, us);
      whole.recordValue(us);
    }
    parts.push(sparseOf(h));
    releaseHot(h);
  }
  const merged = mergeSparse(parts);
  assert.equal(merged.total, 100_000);
  for (const q of [0, 1, 50, 90, 97, 99, 99.9, 99.99, 100])
    assert.equal(percentileUs(merged, q), whole.getValueAtPercentile(q), `p${q}`);
  assert.ok(Math.abs(meanUs(merged)! - whole.mean) < 1e-6);
  assert.equal(merged.max, whole.maxValue);
  assert.equal(merged.min, whole.minNonZeroValue);
  // Each stored second keeps only its buckets in use, far fewer than the 21,504 of the range.
  assert.ok(parts[0].idx.length < 5000, `${parts[0].idx.length} buckets`);
});
