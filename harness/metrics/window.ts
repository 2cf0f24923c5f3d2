// What a window of the store answers (counts, rates, latency percentiles, gauge figures), and how the
// request series answer it: retained seconds exactly, a series' folded total only when the window covers it whole.
import { type Sparse, meanUs, mergeSparse, percentileUs } from './histogram';
import { type Cell, type Series, slotMs, slotsPerSecond } from './series';
import { type Tags, matchesFilter } from './tags';

export interface WindowSummary {
  count: number;
  failed: number;
  errorRate: number;
  rps: number;
  seconds: number;
  /** Latency in ms; null when nothing was measured. */
  avg: number | null;
  min: number | null;
  max: number | null;
  /** q in percent (99 = p99); ms, null when nothing was measured. */
  percentile(q: number): number | null;
  droppedIterations: number;
  /** For gauge metrics (cpu_share, vus): the mean of the points in the window. */
  gaugeAvg?: number | null;
  gaugeMin?: number | null;
  gaugeMax?: number | null;
  /** Last gauge point in the window. */
  gaugeLast?: number | null;
}

export interface WindowOptions {
  seconds?: number;
  sinceMs?: number;
  untilMs?: number;
  filter?: Tags;
  metric?: string;
}

/** The request series' summary over [since, until); `withTotals` counts every folded total (the whole run). */
export function requestWindow(
  series: Iterable<Series>,
  stored: ReadonlyMap<number, ReadonlyMap<Series, Cell>>,
  filter: Tags | undefined,
  since: number,
  until: number,
  seconds: number,
  withTotals: boolean,
): WindowSummary {
  const parts: Sparse[] = [];
  let count = 0;
  let failed = 0;
  let dropped = 0;
  const firstSlotMs = Math.floor(since / slotMs) * slotMs;
  const addCell = (sec: number, cell: Cell) => {
    let c = 0;
    for (let i = 0; i < slotsPerSecond; i++) {
      const at = sec * 1000 + i * slotMs;
      if (at < firstSlotMs || at >= until) continue;
      c += cell.slots[i];
      failed += cell.slots[slotsPerSecond + i];
      dropped += cell.slots[2 * slotsPerSecond + i];
    }
    count += c;
    if (c > 0 && cell.hist && cell.hist.total > 0) parts.push(cell.hist);
  };
  const matching = new Set<Series>();
  for (const s of series) {
    if (!matchesFilter(s.tags, filter)) continue;
    matching.add(s);
    if (withTotals || (s.foldedFirstMs >= firstSlotMs && s.foldedLastMs < until)) {
      count += s.totalCount;
      failed += s.totalFailed;
      dropped += s.totalDropped;
      if (s.total) parts.push(s.total);
    }
    if (s.sec >= 0 && s.sec >= Math.floor(since / 1000) && s.sec * 1000 < until) addCell(s.sec, s.current()!);
  }
  if (matching.size > 0) {
    const fromSec = Math.floor(since / 1000);
    for (const [sec, cells] of stored) {
      if (sec < fromSec || sec * 1000 >= until) continue;
      for (const [s, cell] of cells) if (matching.has(s)) addCell(sec, cell);
    }
  }
  const merged = mergeSparse(parts);
  const has = merged.total > 0;
  const mean = meanUs(merged);
  return {
    count,
    failed,
    errorRate: count > 0 ? failed / count : 0,
    rps: seconds > 0 ? count / seconds : 0,
    seconds,
    avg: has && mean !== null ? mean / 1000 : null,
    min: has ? merged.min / 1000 : null,
    max: has ? merged.max / 1000 : null,
    percentile: (q: number) => {
      const v = percentileUs(merged, q);
      return v === null ? null : v / 1000;
    },
    droppedIterations: dropped,
  };
}
