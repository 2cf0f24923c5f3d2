// A run's redlines with their 95% intervals, as the plan's range draws them: the lowest redline per
// server type (results' one rule) and the interval the drill wrote beside it, when it is well formed.
import { lowestRedlines, type RedlineResult, type Summary } from '../results';
import type { RedlineRange } from './plan-range';

/** The 95% interval a drill wrote beside a redline (an optional field of newer summaries); null when absent or malformed. */
export function redlineIntervalOf(r: RedlineResult | undefined): [number, number] | null {
  const i: unknown = r?.interval;
  return Array.isArray(i) &&
    i.length === 2 &&
    i.every((x) => typeof x === 'number' && Number.isFinite(x)) &&
    i[0] <= i[1]
    ? [i[0], i[1]]
    : null;
}

/** Per server type, the redline by the one rule (lowestRedlines) with its interval when it has one. */
export function redlineRangesOf(summary: Pick<Summary, 'redlines' | 'sweeps'>): RedlineRange[] {
  return lowestRedlines(summary).map((r) => {
    const interval = r.rpsPerReplica === null ? null : redlineIntervalOf(r);
    // An interval that misses its own estimate (rounding) would be refused by the planner: widen it to hold it.
    const held =
      interval && r.rpsPerReplica !== null
        ? ([Math.min(interval[0], r.rpsPerReplica), Math.max(interval[1], r.rpsPerReplica)] as [number, number])
        : null;
    return { serverType: r.serverType, redline: r.rpsPerReplica, interval: held };
  });
}
