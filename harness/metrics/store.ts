// The metrics store: one series per tag-set, each second kept as an HDR histogram plus counts per
// 100 ms slot, for `retainSeconds` (what the sliding windows need); older seconds are folded into the
// series' total and dropped, so memory stays flat however long the run. The step is a tag, so a series'
// total is a per-step total: a window that covers a series' whole folded span (a step's record) counts it.
import { type Sparse, meanUs, mergeSparse, percentileUs } from './histogram';
import { type Cell, type SampleListener, Series, type SeriesStore, slotMs, slotsPerSecond } from './series';
import { type Tags, matchesFilter, tagKey } from './tags';

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

/** Request metrics that imply a protocol; every other request metric covers both. */
export const metricProtocol: Record<string, string> = {
  http_reqs: 'http',
  http_req_duration: 'http',
  http_req_failed: 'http',
  grpc_reqs: 'grpc',
  grpc_req_duration: 'grpc',
  grpc_req_failed: 'grpc',
};
/** Metrics the request series answer; any other name is a gauge. */
export const requestMetrics = new Set([
  'http_reqs',
  'http_req_duration',
  'http_req_failed',
  'grpc_reqs',
  'grpc_req_duration',
  'grpc_req_failed',
  'iterations',
  'dropped_iterations',
  'iteration_duration',
]);

function mergeCells(a: Cell, b: Cell): Cell {
  const slots = new Float64Array(a.slots.length);
  for (let i = 0; i < slots.length; i++) slots[i] = a.slots[i] + b.slots[i];
  const hist = a.hist && b.hist ? mergeSparse([a.hist, b.hist]) : (a.hist ?? b.hist);
  return { hist, slots };
}

interface GaugePoint {
  sum: number;
  n: number;
  min: number;
  max: number;
  last: number;
  lastAt: number;
}

class GaugeSeries {
  points = new Map<number, GaugePoint>();
  total: GaugePoint = { sum: 0, n: 0, min: Infinity, max: -Infinity, last: NaN, lastAt: -Infinity };
  /** First and last second folded into the total. */
  foldedFirstSec = Infinity;
  foldedLastSec = -Infinity;
  constructor(readonly tags: Readonly<Tags>) {}
}

function addPoint(into: GaugePoint, p: GaugePoint): void {
  into.sum += p.sum;
  into.n += p.n;
  if (p.min < into.min) into.min = p.min;
  if (p.max > into.max) into.max = p.max;
  if (p.lastAt >= into.lastAt) {
    into.last = p.last;
    into.lastAt = p.lastAt;
  }
}

export interface MetricsOptions {
  /**
   * Seconds kept at one-second resolution for windows (default 300): the longest sliding window plus a
   * margin, which the owner knows. Older seconds only count in totals and in windows that cover a series'
   * whole folded span.
   */
  retainSeconds?: number;
  /** Epoch ms clock; tests pass a fake one. */
  now?: () => number;
}

const epochNow = () => performance.timeOrigin + performance.now();

export class Metrics implements SeriesStore {
  readonly retainSeconds: number;
  readonly now: () => number;
  private readonly series = new Map<string, Series>();
  private readonly stored = new Map<number, Map<Series, Cell>>();
  private readonly gauges = new Map<string, Map<string, GaugeSeries>>();
  private newest = -1;
  private oldestKept = Infinity;
  private begun: number | null = null;
  private ended: number | null = null;
  /** @internal read by every series on each sample; copied on change so a listener may unsubscribe while called. */
  listeners: readonly SampleListener[] = [];

  constructor(opts: MetricsOptions = {}) {
    this.retainSeconds = Math.max(2, Math.floor(opts.retainSeconds ?? 300));
    this.now = opts.now ?? epochNow;
  }

  /** Marks the start of the run (first call wins); rates over the whole run count from here. */
  begin(atMs = this.now()): void {
    if (this.begun === null) this.begun = atMs;
  }

  /** Marks the end of the run: totals() rates stop growing their denominator. */
  end(atMs = this.now()): void {
    this.ended = atMs;
  }

  get startedMs(): number | null {
    return this.begun;
  }

  /** Calls `listener` for every request sample and dropped arrival from now on; returns its unsubscribe. */
  onSample(listener: SampleListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** The series of a tag-set, created on first use. Keep the handle: recording through it is the fast path. */
  seriesFor(tags: Tags): Series {
    const key = tagKey(tags);
    let s = this.series.get(key);
    if (!s) {
      s = new Series(this, Object.freeze({ ...tags }), key);
      this.series.set(key, s);
    }
    return s;
  }

  /** One request sample, the slow way (tags keyed each call). */
  record(tags: Tags, durationMs: number, failed: boolean, atMs = this.now()): void {
    this.begin(atMs - durationMs);
    this.seriesFor(tags).record(atMs, durationMs, failed);
  }

  recordGauge(metric: string, tags: Tags, value: number, atMs = this.now()): void {
    if (!Number.isFinite(value)) return;
    this.begin(atMs);
    let byKey = this.gauges.get(metric);
    if (!byKey) this.gauges.set(metric, (byKey = new Map()));
    const key = tagKey(tags);
    let g = byKey.get(key);
    if (!g) byKey.set(key, (g = new GaugeSeries(Object.freeze({ ...tags }))));
    const sec = Math.floor(atMs / 1000);
    let p = g.points.get(sec);
    if (!p) g.points.set(sec, (p = { sum: 0, n: 0, min: Infinity, max: -Infinity, last: NaN, lastAt: -Infinity }));
    addPoint(p, { sum: value, n: 1, min: value, max: value, last: value, lastAt: atMs });
    this.advance(sec);
  }

  /** @internal called by Series when a second is complete. */
  keep(sec: number, series: Series, cell: Cell): void {
    if (sec < this.newest - this.retainSeconds) {
      this.mergeIntoTotal(series, sec, cell);
      return;
    }
    let m = this.stored.get(sec);
    if (!m) {
      this.stored.set(sec, (m = new Map()));
      if (sec < this.oldestKept) this.oldestKept = sec;
    }
    // The same second can come from several sources (generator agents): counts add, histograms merge.
    const had = m.get(series);
    m.set(series, had ? mergeCells(had, cell) : cell);
  }

  /**
   * A finished second of one tag-set recorded elsewhere (a generator agent), merged exactly into what
   * the store holds for it; `slots` are count[0..9], failed[10..19], dropped[20..29] per 100 ms.
   */
  absorb(tags: Tags, sec: number, hist: Sparse | null, slots: ArrayLike<number>): void {
    if (slots.length !== 3 * slotsPerSecond)
      throw new RangeError(`absorb: expected ${3 * slotsPerSecond} slots, got ${slots.length}`);
    const series = this.seriesFor(tags);
    this.begin(sec * 1000);
    this.keep(sec, series, { hist: hist && hist.total > 0 ? hist : null, slots: Float64Array.from(slots) });
    this.advance(sec);
    // Listeners (per-replica counters, outputs) see the absorbed requests too, at their 100 ms slot;
    // the latency of each is not known here (NaN): it lives in the histogram.
    const listeners = this.listeners;
    if (listeners.length === 0) return;
    for (let i = 0; i < slotsPerSecond; i++) {
      const at = sec * 1000 + i * slotMs + slotMs / 2;
      const failed = slots[slotsPerSecond + i];
      const ok = slots[i] - failed;
      const dropped = slots[2 * slotsPerSecond + i];
      for (const l of listeners) {
        for (let k = 0; k < ok; k++) l(series, at, 'ok', NaN);
        for (let k = 0; k < failed; k++) l(series, at, 'failed', NaN);
        for (let k = 0; k < dropped; k++) l(series, at, 'dropped', 0);
      }
    }
  }

  /** @internal the newest second seen; prunes what falls out of retention. */
  advance(sec: number): void {
    if (sec <= this.newest) return;
    this.newest = sec;
    const cutoff = sec - this.retainSeconds;
    if (this.oldestKept >= cutoff) return;
    // Series idle for longer than retention still hold their last second: move it out first.
    for (const s of this.series.values()) if (s.sec >= 0 && s.sec < cutoff) s.roll(sec);
    for (const [t, cells] of this.stored) {
      if (t >= cutoff) continue;
      for (const [s, cell] of cells) this.mergeIntoTotal(s, t, cell);
      this.stored.delete(t);
    }
    for (const byKey of this.gauges.values()) {
      for (const g of byKey.values()) {
        for (const [t, p] of g.points) {
          if (t < cutoff) {
            addPoint(g.total, p);
            if (t < g.foldedFirstSec) g.foldedFirstSec = t;
            if (t > g.foldedLastSec) g.foldedLastSec = t;
            g.points.delete(t);
          }
        }
      }
    }
    this.oldestKept = Infinity;
    for (const t of this.stored.keys()) if (t < this.oldestKept) this.oldestKept = t;
    if (this.oldestKept === Infinity) this.oldestKept = cutoff;
  }

  private mergeIntoTotal(s: Series, sec: number, cell: Cell): void {
    if (cell.hist) s.total = s.total ? mergeSparse([s.total, cell.hist]) : cell.hist;
    for (let i = 0; i < slotsPerSecond; i++) {
      const c = cell.slots[i];
      const d = cell.slots[2 * slotsPerSecond + i];
      s.totalCount += c;
      s.totalFailed += cell.slots[slotsPerSecond + i];
      s.totalDropped += d;
      if (c === 0 && d === 0) continue;
      const at = sec * 1000 + i * slotMs;
      if (at < s.foldedFirstMs) s.foldedFirstMs = at;
      if (at > s.foldedLastMs) s.foldedLastMs = at;
    }
  }

  /** What the store holds at one-second resolution (seconds, series-seconds, gauge points): flat once retention is full. */
  retained(): { seconds: number; cells: number; gaugePoints: number; series: number } {
    let cells = 0;
    for (const m of this.stored.values()) cells += m.size;
    let gaugePoints = 0;
    for (const byKey of this.gauges.values()) for (const g of byKey.values()) gaugePoints += g.points.size;
    return { seconds: this.stored.size, cells, gaugePoints, series: this.series.size };
  }

  /**
   * Summary of the samples in a window: the last `seconds` (default 10), or [sinceMs, untilMs). Exact for the
   * retained seconds; a series' folded seconds count only when the window covers all of them (a step's series
   * over the step), never in part.
   */
  window(opts: WindowOptions): WindowSummary {
    const now = this.now();
    const until = Math.min(opts.untilMs ?? now, now);
    const since = opts.sinceMs ?? until - (opts.seconds ?? 10) * 1000;
    const from = this.begun === null ? since : Math.max(since, this.begun);
    const seconds = Math.max(0, until - from) / 1000;
    if (opts.metric !== undefined && !requestMetrics.has(opts.metric))
      return this.gaugeWindow(opts.metric, opts.filter, since, until, seconds);
    return this.requestWindow(this.filterFor(opts.filter, opts.metric), since, until, seconds, false);
  }

  /** Summary of the whole run (everything recorded, retained or already merged). */
  totals(filter?: Tags, metric?: string): WindowSummary {
    const now = this.now();
    const end = this.ended ?? now;
    const seconds = this.begun === null ? 0 : Math.max(0, end - this.begun) / 1000;
    if (metric !== undefined && !requestMetrics.has(metric))
      return this.gaugeWindow(metric, filter, -Infinity, Infinity, seconds);
    return this.requestWindow(this.filterFor(filter, metric), -Infinity, Infinity, seconds, true);
  }

  /** Names of the gauge metrics recorded so far (cpu_share, vus, ...). */
  gaugeNames(): string[] {
    return [...this.gauges.keys()];
  }

  /** Tag-sets seen so far (request series). */
  tagSets(): Tags[] {
    return [...this.series.values()].map((s) => s.tags);
  }

  private filterFor(filter: Tags | undefined, metric: string | undefined): Tags | undefined {
    const protocol = metric !== undefined ? metricProtocol[metric] : undefined;
    return protocol ? { ...filter, protocol } : filter;
  }

  private requestWindow(
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
    for (const s of this.series.values()) {
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
      for (const [sec, cells] of this.stored) {
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

  private gaugeWindow(
    metric: string,
    filter: Tags | undefined,
    since: number,
    until: number,
    seconds: number,
  ): WindowSummary {
    const acc: GaugePoint = { sum: 0, n: 0, min: Infinity, max: -Infinity, last: NaN, lastAt: -Infinity };
    const all = since === -Infinity;
    const fromSec = Math.floor(since / 1000);
    for (const g of this.gauges.get(metric)?.values() ?? []) {
      if (!matchesFilter(g.tags, filter)) continue;
      if (g.total.n > 0 && (all || (g.foldedFirstSec >= fromSec && g.foldedLastSec * 1000 < until)))
        addPoint(acc, g.total);
      for (const [sec, p] of g.points) if (all || (sec >= fromSec && sec * 1000 < until)) addPoint(acc, p);
    }
    const has = acc.n > 0;
    const avg = has ? acc.sum / acc.n : null;
    return {
      count: acc.n,
      failed: 0,
      errorRate: 0,
      rps: 0,
      seconds,
      avg,
      min: has ? acc.min : null,
      max: has ? acc.max : null,
      percentile: () => null,
      droppedIterations: 0,
      gaugeAvg: avg,
      gaugeMin: has ? acc.min : null,
      gaugeMax: has ? acc.max : null,
      gaugeLast: has ? acc.last : null,
    };
  }
}
