// Latency histograms (HDR, microseconds): a fast 32-bit one for the second being written, packed ones
// for stored seconds and run totals (memory proportional to the buckets in use).
import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

/** 10 minutes in microseconds: longer latencies are clamped (timeouts are far below). */
export const highestUs = 600_000_000;

const hot: Histogram[] = [];

export function takeHot(): Histogram {
  return hot.pop() ?? hdr.build({ bitBucketSize: 32, lowestDiscernibleValue: 1, highestTrackableValue: highestUs, numberOfSignificantValueDigits: 3, autoResize: false });
}

export function releaseHot(h: Histogram): void {
  h.reset();
  if (hot.length < 256) hot.push(h);
}

export function packed(): Histogram {
  return hdr.build({ bitBucketSize: 'packed', lowestDiscernibleValue: 1, highestTrackableValue: highestUs, numberOfSignificantValueDigits: 3, autoResize: false });
}

export function recordUs(h: Histogram, us: number): void {
  h.recordValue(us < 1 ? 1 : us > highestUs ? highestUs : Math.round(us));
}
