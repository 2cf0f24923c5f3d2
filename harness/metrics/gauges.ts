// Gauge metrics (cpu_share, vus, ...): per tag-set, one point per second (sum, count, min, max, last)
// kept for retention, older seconds folded into the series' total, as the request series do.
import { matchesFilter, type Tags, tagKey } from './tags';
import type { WindowSummary } from './window';

interface GaugePoint {
  sum: number;
  n: number;
  min: number;
  max: number;
  last: number;
  lastAt: number;
}

const emptyPoint = (): GaugePoint => ({ sum: 0, n: 0, min: Infinity, max: -Infinity, last: NaN, lastAt: -Infinity });

class GaugeSeries {
  points = new Map<number, GaugePoint>();
  total = emptyPoint();
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

/** Every gauge series of a store, by metric and tag key. */
export class Gauges {
  private readonly byMetric = new Map<string, Map<string, GaugeSeries>>();
  /** The oldest second held at one-second resolution (a lower bound): fold() is a no-op until the cutoff passes it. */
  private oldestSec = Infinity;

  /** Adds one point (a finite value); returns its second. */
  record(metric: string, tags: Tags, value: number, atMs: number): number {
    let byKey = this.byMetric.get(metric);
    if (!byKey) this.byMetric.set(metric, (byKey = new Map()));
    const key = tagKey(tags);
    let g = byKey.get(key);
    if (!g) byKey.set(key, (g = new GaugeSeries(Object.freeze({ ...tags }))));
    const sec = Math.floor(atMs / 1000);
    if (sec < this.oldestSec) this.oldestSec = sec;
    let p = g.points.get(sec);
    if (!p) g.points.set(sec, (p = emptyPoint()));
    addPoint(p, { sum: value, n: 1, min: value, max: value, last: value, lastAt: atMs });
    return sec;
  }

  /** Folds the points of seconds before `cutoff` into their series' totals. */
  fold(cutoff: number): void {
    if (this.oldestSec >= cutoff) return;
    let oldest = Infinity;
    for (const byKey of this.byMetric.values()) {
      for (const g of byKey.values()) {
        for (const [t, p] of g.points) {
          if (t < cutoff) {
            addPoint(g.total, p);
            if (t < g.foldedFirstSec) g.foldedFirstSec = t;
            if (t > g.foldedLastSec) g.foldedLastSec = t;
            g.points.delete(t);
          } else if (t < oldest) oldest = t;
        }
      }
    }
    this.oldestSec = oldest;
  }

  /** Points held at one-second resolution. */
  points(): number {
    let n = 0;
    for (const byKey of this.byMetric.values()) for (const g of byKey.values()) n += g.points.size;
    return n;
  }

  names(): string[] {
    return [...this.byMetric.keys()];
  }

  /** A gauge metric's summary over [since, until); since -Infinity is the whole run. */
  window(metric: string, filter: Tags | undefined, since: number, until: number, seconds: number): WindowSummary {
    const acc = emptyPoint();
    const all = since === -Infinity;
    const fromSec = Math.floor(since / 1000);
    for (const g of this.byMetric.get(metric)?.values() ?? []) {
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
