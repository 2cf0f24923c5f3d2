// Latency histograms (HDR, microseconds, 3 significant digits). Recording goes into a 32-bit
// hdr-histogram-js histogram for the second being written; a finished second is kept as a sparse
// list of its non-zero buckets, so storing a second, merging a window and merging into the run
// total cost in proportion to the buckets in use, never to the 21,504 buckets of the range.
import type { Histogram } from 'hdr-histogram-js';
// The 32-bit class itself, as hdr.build({ bitBucketSize: 32 }) makes it: the package's index also loads its
// WebAssembly build, log reader/writer and pako, ~50 ms of every CLI start that recording never uses.
import Int32Histogram from 'hdr-histogram-js/dist/Int32Histogram';

export type { Histogram };

/** 10 minutes in microseconds: longer latencies are clamped (timeouts are far below). */
export const highestUs = 600_000_000;

/** An empty histogram of the shared layout: µs from 1 to highestUs, 3 significant digits, no resizing. */
export function newHistogram(): Histogram {
  const h = new Int32Histogram(1, highestUs, 3);
  h.autoResize = false;
  return h;
}

/** Bucket arithmetic of the shared layout (index to value), from hdr-histogram-js itself. */
const layout = newHistogram() as unknown as {
  countsArrayLength: number;
  valueFromIndex(i: number): number;
  lowestEquivalentValue(v: number): number;
  highestEquivalentValue(v: number): number;
  medianEquivalentValue(v: number): number;
};

const hot: Histogram[] = [];

export function takeHot(): Histogram {
  return hot.pop() ?? newHistogram();
}

export function releaseHot(h: Histogram): void {
  h.reset();
  if (hot.length < 256) hot.push(h);
}

export function recordUs(h: Histogram, us: number): void {
  h.recordValue(us < 1 ? 1 : us > highestUs ? highestUs : Math.round(us));
}

/** The non-zero buckets of a histogram, in bucket order. */
export interface Sparse {
  idx: Int32Array;
  counts: Float64Array;
  total: number;
  /** µs */
  min: number;
  max: number;
}

export const emptySparse: Sparse = {
  idx: new Int32Array(0),
  counts: new Float64Array(0),
  total: 0,
  min: Infinity,
  max: 0,
};

/** Copies the buckets in use of a (32-bit) histogram. */
export function sparseOf(h: Histogram): Sparse {
  const counts = (h as unknown as { _counts: Int32Array })._counts;
  let n = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i] !== 0) n++;
  const idx = new Int32Array(n);
  const c = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < counts.length && k < n; i++) {
    if (counts[i] !== 0) {
      idx[k] = i;
      c[k++] = counts[i];
    }
  }
  return { idx, counts: c, total: h.totalCount, min: h.minNonZeroValue, max: h.maxValue };
}

const scratch = new Float64Array(layout.countsArrayLength);

/** Merges sparse histograms (synchronously, through one shared scratch array). */
export function mergeSparse(parts: Sparse[]): Sparse {
  if (parts.length === 0) return emptySparse;
  if (parts.length === 1) return parts[0];
  const touched: number[] = [];
  let total = 0;
  let min = Infinity;
  let max = 0;
  for (const p of parts) {
    total += p.total;
    if (p.min < min) min = p.min;
    if (p.max > max) max = p.max;
    const idx = p.idx;
    const c = p.counts;
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k];
      if (scratch[i] === 0) touched.push(i);
      scratch[i] += c[k];
    }
  }
  touched.sort((a, b) => a - b);
  const idx = Int32Array.from(touched);
  const counts = new Float64Array(touched.length);
  for (let k = 0; k < touched.length; k++) {
    counts[k] = scratch[touched[k]];
    scratch[touched[k]] = 0;
  }
  return { idx, counts, total, min, max };
}

function ulp(x: number): number {
  return x === 0 ? Number.MIN_VALUE : 2 ** (Math.floor(Math.log2(Math.abs(x))) - 52);
}

/** Value at a percentile (0..100) in µs, exactly as hdr-histogram-js computes it; null when empty. */
export function percentileUs(s: Sparse, q: number): number | null {
  if (s.total === 0) return null;
  const p = Math.min(q, 100);
  const fp = (p / 100) * s.total;
  const target = Math.max(Math.ceil(fp - ulp(fp)), 1);
  let acc = 0;
  for (let k = 0; k < s.idx.length; k++) {
    acc += s.counts[k];
    if (acc >= target) {
      const v = layout.valueFromIndex(s.idx[k]);
      return q === 0 ? layout.lowestEquivalentValue(v) : layout.highestEquivalentValue(v);
    }
  }
  return layout.highestEquivalentValue(layout.valueFromIndex(s.idx[s.idx.length - 1]));
}

/** Mean in µs (bucket midpoints, as hdr-histogram-js); null when empty. */
export function meanUs(s: Sparse): number | null {
  if (s.total === 0) return null;
  let sum = 0;
  for (let k = 0; k < s.idx.length; k++)
    sum += layout.medianEquivalentValue(layout.valueFromIndex(s.idx[k])) * s.counts[k];
  return sum / s.total;
}
