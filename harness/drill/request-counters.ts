// Cheap per-replica request counts for the checks that run every second (safety stop, dead-replica
// detection, live view): windows on the metrics store merge HDR histograms, which costs milliseconds
// per series-second, too much to run for every replica each second beside the generator. The counters
// are a sample listener of the store: they see each sample as it is recorded.
import { type Metrics, type SampleOutcome, type Series, type Tags, matchesFilter } from '../metrics';
import type { MetricsPort } from './ports';

const slotMs = 100;
/** 60 s of 100 ms slots. */
const slots = 600;

class Ring {
  readonly count = new Float64Array(slots);
  readonly failed = new Float64Array(slots);
  readonly dropped = new Float64Array(slots);
  readonly stamp = new Float64Array(slots).fill(-1);

  add(atMs: number, outcome: SampleOutcome): void {
    const n = Math.floor(atMs / slotMs);
    const i = n % slots;
    if (this.stamp[i] !== n) {
      this.stamp[i] = n;
      this.count[i] = 0;
      this.failed[i] = 0;
      this.dropped[i] = 0;
    }
    if (outcome === 'dropped') this.dropped[i]++;
    else {
      this.count[i]++;
      if (outcome === 'failed') this.failed[i]++;
    }
  }

  sum(sinceMs: number, untilMs: number): { count: number; failed: number; dropped: number } {
    // A window without an end would walk slots forever (a fleet before any agent reported once did).
    if (!Number.isFinite(untilMs)) throw new RangeError(`counts: expected a finite end of the window, got ${untilMs}`);
    const out = { count: 0, failed: 0, dropped: 0 };
    const from = Math.max(Math.floor(sinceMs / slotMs), Math.floor(untilMs / slotMs) - slots + 1);
    const to = Math.floor((untilMs - 1) / slotMs);
    for (let n = from; n <= to; n++) {
      const i = n % slots;
      if (this.stamp[i] !== n) continue;
      out.count += this.count[i];
      out.failed += this.failed[i];
      out.dropped += this.dropped[i];
    }
    return out;
  }
}

type Counts = { count: number; failed: number; dropped: number };
/** A tag-set's ring (step included), and the series it counts. */
interface TaggedRing {
  tags: Tags;
  ring: Ring;
  lastMs: number;
  series: Series;
}
/** One series' rings: its replica's, and its tag-set's. */
interface SeriesRings {
  replica: Ring;
  tagged: TaggedRing;
}

/** Counts per replica, per tag-set and over all for the last minute, kept from the samples of a metrics store. */
export class RequestCounters {
  private readonly rings = new Map<string, Ring>();
  private readonly all = new Ring();
  /** One ring per tag-set (step included); rings idle for a minute are dropped. */
  private readonly tagged = new Map<string, TaggedRing>();
  /** The rings of each series met so far: one look-up per sample, no string keys (a Map: faster than a WeakMap here). */
  private readonly bySeries = new Map<Series, SeriesRings>();
  /** Stops listening. */
  readonly close: () => void;

  constructor(metrics: Metrics) {
    this.close = metrics.onSample((series, atMs, outcome) => this.add(series, atMs, outcome));
  }

  private add(series: Series, atMs: number, outcome: SampleOutcome): void {
    const r = this.bySeries.get(series) ?? this.meet(series, atMs);
    r.replica.add(atMs, outcome);
    this.all.add(atMs, outcome);
    const t = r.tagged;
    t.ring.add(atMs, outcome);
    // A tag-set back after being dropped as idle (e.g. the 'idle' step) is put back.
    if (atMs - t.lastMs > 10_000 && this.tagged.get(series.key) !== t) this.tagged.set(series.key, t);
    t.lastMs = atMs;
  }

  /** A series' first sample: its rings, and idle tag-sets dropped. */
  private meet(series: Series, atMs: number): SeriesRings {
    const replica = series.tags.replica ?? '';
    let ring = this.rings.get(replica);
    if (!ring) this.rings.set(replica, (ring = new Ring()));
    // Every step brings new tag-sets: an idle one's rings go (a ring is 19 KB), or memory grows with the steps.
    for (const [k, v] of this.tagged) {
      if (atMs - v.lastMs <= slots * slotMs) continue;
      this.tagged.delete(k);
      this.bySeries.delete(v.series);
    }
    const tagged = { tags: { ...series.tags }, ring: new Ring(), lastMs: atMs, series };
    this.tagged.set(series.key, tagged);
    const r = { replica: ring, tagged };
    this.bySeries.set(series, r);
    return r;
  }

  /** Requests ended (and arrivals dropped) in [sinceMs, untilMs), for one replica or all. */
  counts(sinceMs: number, untilMs: number, replica?: string): Counts {
    const ring = replica === undefined ? this.all : this.rings.get(replica);
    return ring ? ring.sum(sinceMs, untilMs) : { count: 0, failed: 0, dropped: 0 };
  }

  /** Counts over every tag-set matching the filter (the step tag included, as the metrics store counts). */
  countsWhere(filter: Tags, sinceMs: number, untilMs: number): Counts {
    const out = { count: 0, failed: 0, dropped: 0 };
    for (const { tags, ring } of this.tagged.values()) {
      if (!matchesFilter(tags, filter)) continue;
      const c = ring.sum(sinceMs, untilMs);
      out.count += c.count;
      out.failed += c.failed;
      out.dropped += c.dropped;
    }
    return out;
  }
}

/** What the controller reads: windows and gauges from the store, the cheap counts from the counters. */
export function countedMetricsPort(metrics: Metrics, counters: RequestCounters): MetricsPort {
  return {
    window: (opts) => metrics.window(opts),
    recordGauge: (metric, tags, value, atMs) => metrics.recordGauge(metric, tags, value, atMs),
    counts: (sinceMs, untilMs, replica) => counters.counts(sinceMs, untilMs, replica),
  };
}
