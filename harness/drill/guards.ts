// Guards and whole-run thresholds from a scenario, on the metrics store: a guard is a k6 threshold
// with a sliding window, evaluated on the target only (the controller adds the target's tag filter).
import type { Scenario } from '../config';
import {
  compareThreshold as compare,
  evaluateThreshold,
  metricProtocol,
  type Metrics,
  type Threshold,
  thresholdName,
} from '../metrics';
import type { Guard, Tags } from './ports';
import type { RequestCounters } from './request-counters';

/**
 * Rates and counters from the cheap counters, over [max(now - window, since), now): the same value the
 * metrics store gives for the step's samples, without merging latency histograms every second.
 */
function countGuardValue(
  t: Threshold,
  now: number,
  counters: RequestCounters,
  extra: Tags,
  sinceMs: number | undefined,
): number | null | undefined {
  if (t.windowMs === undefined || (t.type !== 'rate' && t.type !== 'counter')) return undefined;
  const since = Math.max(now - t.windowMs, sinceMs ?? -Infinity);
  const protocol = metricProtocol[t.metric];
  const c = counters.countsWhere({ ...t.filter, ...extra, ...(protocol ? { protocol } : {}) }, since, now);
  if (t.type === 'rate') return c.count > 0 ? c.failed / c.count : null;
  const n = t.metric === 'dropped_iterations' ? c.dropped : c.count;
  if (t.aggregation.kind === 'rate') return now > since ? n / ((now - since) / 1000) : null;
  return n;
}

/** Guards on the store; rates and counters over a window are read from the counters of the same samples. */
export function buildGuards(scenario: Pick<Scenario, 'parsed'>, metrics: Metrics, counters: RequestCounters): Guard[] {
  return scenario.parsed.guards.map((t) => ({
    name: thresholdName(t),
    metric: t.metric,
    expression: t.expression,
    filter: t.filter,
    // Unlike a k6 threshold, a guard with nothing to judge (value null) does not hold: "no data" is never a pass.
    evaluate: (extraFilter, sinceMs, minWindowMs) => {
      const w =
        t.windowMs !== undefined && minWindowMs && minWindowMs > t.windowMs ? { ...t, windowMs: minWindowMs } : t;
      const v = countGuardValue(w, metrics.now(), counters, extraFilter, sinceMs);
      if (v !== undefined) return { ok: v !== null && compare(v, t.op, t.value), value: v };
      const { value } = evaluateThreshold(w, metrics, { extraFilter });
      return { ok: value !== null && compare(value, t.op, t.value), value };
    },
  }));
}

/**
 * Seconds past which a look-back at a finished step may still come: the failover figures are read after
 * the lost DC is brought back and the pool has cooled down, and the step's tag keeps samples until then.
 */
export const lookBackMarginSeconds = 120;

/**
 * How long the metrics store keeps each second (`retainSeconds`): the longest sliding window of a guard or a
 * whole-run threshold, plus the look-back margin. Older seconds are folded into per-step totals, so memory
 * depends on this and on the number of steps, never on how long the drill runs.
 */
export function metricsRetentionSeconds(scenario: Pick<Scenario, 'parsed'>): number {
  const all = [...scenario.parsed.guards, ...scenario.parsed.thresholds];
  const longestMs = all.reduce((m, t) => Math.max(m, t.windowMs ?? 0), 0);
  return Math.ceil(longestMs / 1000) + lookBackMarginSeconds;
}

/** The scenario's whole-run thresholds, k6 style: `{ 'http_req_failed: rate<0.05': { ok, value } }`. */
export function evaluateRunThresholds(
  scenario: Pick<Scenario, 'parsed'>,
  metrics: Metrics,
): Record<string, { ok: boolean; value: number | null }> {
  const out: Record<string, { ok: boolean; value: number | null }> = {};
  for (const t of scenario.parsed.thresholds) {
    const v = evaluateThreshold(t, metrics);
    out[thresholdName(t)] = { ok: v.ok, value: v.value === null ? null : Math.round(v.value * 1000) / 1000 };
  }
  return out;
}
