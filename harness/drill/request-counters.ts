// Cheap per-replica request counts for the checks that run every second (safety stop, dead-replica
// detection, live view): windows on the metrics store merge HDR histograms, which costs milliseconds
// per series-second, too much to run for every replica each second beside the generator.
import { Metrics, Series, Tags, matchesFilter } from '../metrics';

const slotMs = 100;
/** 60 s of 100 ms slots. */
const slots = 600;

class Ring {
  readonly count = new Float64Array(slots);
  readonly failed = new Float64Array(slots);
  readonly dropped = new Float64Array(slots);
  readonly stamp = new Float64Array(slots).fill(-1);

  add(atMs: number, kind: 0 | 1 | 2): void {
    const n = Math.floor(atMs / slotMs);
    const i = n % slots;
    if (this.stamp[i] !== n) {
      this.stamp[i] = n;
      this.count[i] = 0;
      this.failed[i] = 0;
      this.dropped[i] = 0;
    }
    if (kind === 2) this.dropped[i]++;
    else {
      this.count[i]++;
      if (kind === 1) this.failed[i]++;
    }
  }

  sum(sinceMs: number, untilMs: number): { count: number; failed: number; dropped: number } {
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

/** The metrics store, plus counts per replica (and over all) for the last minute, filled as samples arrive. */
export class CountingMetrics extends Metrics {
  private readonly rings = new Map<string, Ring>();
  private readonly all = new Ring();
  /** One ring per tag-set (step included); rings idle for a minute are dropped. */
  private readonly tagged = new Map<string, { tags: Tags; ring: Ring; lastMs: number }>();
  private readonly patched = new WeakSet<Series>();

  override seriesFor(tags: Tags): Series {
    const s = super.seriesFor(tags);
    if (this.patched.has(s)) return s;
    this.patched.add(s);
    const replica = tags.replica ?? '';
    let ring = this.rings.get(replica);
    if (!ring) this.rings.set(replica, (ring = new Ring()));
    const r = ring;
    const all = this.all;
    const now = this.now();
    for (const [k, v] of this.tagged) if (now - v.lastMs > slots * slotMs) this.tagged.delete(k);
    const t = { tags: { ...tags }, ring: new Ring(), lastMs: now };
    const tagged = this.tagged;
    const key = s.key;
    tagged.set(key, t);
    const tr = t.ring;
    // A tag-set back after being dropped as idle (e.g. the 'idle' step) is put back.
    const touch = (atMs: number) => {
      if (atMs - t.lastMs > 10_000 && tagged.get(key) !== t) tagged.set(key, t);
      t.lastMs = atMs;
    };
    const record = s.record.bind(s);
    const drop = s.drop.bind(s);
    s.record = (atMs: number, durationMs: number, failed: boolean) => {
      r.add(atMs, failed ? 1 : 0);
      all.add(atMs, failed ? 1 : 0);
      tr.add(atMs, failed ? 1 : 0);
      touch(atMs);
      record(atMs, durationMs, failed);
    };
    s.drop = (atMs: number) => {
      r.add(atMs, 2);
      all.add(atMs, 2);
      tr.add(atMs, 2);
      touch(atMs);
      drop(atMs);
    };
    return s;
  }

  /** Requests ended (and arrivals dropped) in [sinceMs, untilMs), for one replica or all. */
  counts(sinceMs: number, untilMs: number, replica?: string): { count: number; failed: number; dropped: number } {
    const ring = replica === undefined ? this.all : this.rings.get(replica);
    return ring ? ring.sum(sinceMs, untilMs) : { count: 0, failed: 0, dropped: 0 };
  }

  /** Counts over every tag-set matching the filter (the step tag included, as the metrics store counts). */
  countsWhere(filter: Tags, sinceMs: number, untilMs: number): { count: number; failed: number; dropped: number } {
    const f = filter;
    const out = { count: 0, failed: 0, dropped: 0 };
    for (const { tags, ring } of this.tagged.values()) {
      if (!matchesFilter(tags, f)) continue;
      const c = ring.sum(sinceMs, untilMs);
      out.count += c.count;
      out.failed += c.failed;
      out.dropped += c.dropped;
    }
    return out;
  }
}
