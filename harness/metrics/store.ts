// The metrics store: one series per tag-set, each second kept as an HDR histogram plus counts per
// 100 ms slot, for `retainSeconds` (what the sliding windows need); older seconds are folded into the
// series' total and dropped, so memory stays flat however long the run. The step is a tag, so a series'
// total is a per-step total: a window that covers a series' whole folded span (a step's record) counts it.
import { metricProtocol, requestMetrics } from './catalog';
import { mergeSparse, type Sparse } from './histogram';
import { Gauges } from './gauges';
import { type Cell, type SampleListener, Series, type SeriesStore, slotMs, slotsPerSecond } from './series';
import { type Tags, tagKey } from './tags';
import { requestWindow, type WindowOptions, type WindowSummary } from './window';

export type { WindowOptions, WindowSummary } from './window';

function mergeCells(a: Cell, b: Cell): Cell {
  const slots = new Float64Array(a.slots.length);
  for (let i = 0; i < slots.length; i++) slots[i] = a.slots[i] + b.slots[i];
  const hist = a.hist && b.hist ? mergeSparse([a.hist, b.hist]) : (a.hist ?? b.hist);
  return { hist, slots };
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
  private readonly gauges = new Gauges();
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
    this.advance(this.gauges.record(metric, tags, value, atMs));
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
    // Gauges fold on their own: a store fed only gauges (a static cluster's scrape) must stay bounded too.
    this.gauges.fold(cutoff);
    if (this.oldestKept >= cutoff) return;
    // Series idle for longer than retention still hold their last second: move it out first.
    for (const s of this.series.values()) if (s.sec >= 0 && s.sec < cutoff) s.roll(sec);
    for (const [t, cells] of this.stored) {
      if (t >= cutoff) continue;
      for (const [s, cell] of cells) this.mergeIntoTotal(s, t, cell);
      this.stored.delete(t);
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
    return { seconds: this.stored.size, cells, gaugePoints: this.gauges.points(), series: this.series.size };
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
      return this.gauges.window(opts.metric, opts.filter, since, until, seconds);
    return requestWindow(
      this.series.values(),
      this.stored,
      this.filterFor(opts.filter, opts.metric),
      since,
      until,
      seconds,
      false,
    );
  }

  /** Summary of the whole run (everything recorded, retained or already merged). */
  totals(filter?: Tags, metric?: string): WindowSummary {
    const now = this.now();
    const end = this.ended ?? now;
    const seconds = this.begun === null ? 0 : Math.max(0, end - this.begun) / 1000;
    if (metric !== undefined && !requestMetrics.has(metric))
      return this.gauges.window(metric, filter, -Infinity, Infinity, seconds);
    return requestWindow(
      this.series.values(),
      this.stored,
      this.filterFor(filter, metric),
      -Infinity,
      Infinity,
      seconds,
      true,
    );
  }

  /** Names of the gauge metrics recorded so far (cpu_share, vus, ...). */
  gaugeNames(): string[] {
    return this.gauges.names();
  }

  /** Tag-sets seen so far (request series). */
  tagSets(): Tags[] {
    return [...this.series.values()].map((s) => s.tags);
  }

  private filterFor(filter: Tags | undefined, metric: string | undefined): Tags | undefined {
    const protocol = metric !== undefined ? metricProtocol[metric] : undefined;
    return protocol ? { ...filter, protocol } : filter;
  }
}
