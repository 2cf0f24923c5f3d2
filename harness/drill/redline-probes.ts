// From a redline drill's steps to the estimator's input: each attempt's StepRecord becomes an
// EstimateProbe (its guard values, its verdict, faulted when a replica of the pool was out or restarted
// during it), grouped by search; the limiting guard is the one that broke the confirmed breaches.
import {
  estimateRedline,
  type EstimateProbe,
  type EstimateSearch,
  type RedlineEstimate,
  type RedlineGuard,
} from '../capacity';
import type { StepRecord } from '../results';
import type { SearchOutcome } from './redline-search';

/** One attempt of a search: its step and which search it belongs to. */
export interface SearchAttempt {
  search: number;
  record: StepRecord;
}

/** Annotations that tell of a fault in the step: the search must not use its figures. */
const faultWords = /marked out|killed|paused|restarted|brought back|not answering|not running/;

/** The step was faulted, a replica of the target pool was out, or a fault was annotated, during the step. */
export function faultedStep(record: StepRecord, poolId: string): boolean {
  if (record.verdict === 'faulted') return true;
  if (record.replicas.some((r) => r.pool === poolId && !r.serving)) return true;
  return record.annotations.some((a) => faultWords.test(a));
}

/** CPU share of quota from which a probe counts as saturated. */
const SATURATED_CPU_SHARE = 0.97;

/** The guard's limit from its expression (`avg<0.75` -> 0.75); null when it has no number. */
export function guardLimit(expression: string): number | null {
  const m = /[<>]=?\s*(-?\d+(?:\.\d+)?)/.exec(expression);
  return m ? Number(m[1]) : null;
}

/** A CPU share below this part of its limit is too close to idle to extrapolate from. */
const HINT_MIN_SHARE_OF_LIMIT = 0.05;
/** A probe that served less than this part of its offered rate was saturated: what it served is its capacity. */
const HINT_SATURATED_SERVED = 0.9;
/** Without a CPU guard, the CPU share a replica could be driven to: a ramp aims below saturation, not at it. */
const HINT_DEFAULT_CPU_LIMIT = 0.9;

/**
 * Where one attempt's figures put the redline, in req/s per replica (the search's hint), or undefined.
 * - A saturated attempt (served well under offered) carried what it served, and no more.
 * - Otherwise CPU grows with load: the served rate scaled to where the CPU share meets its guard's limit
 *   (the tightest of every tier's `cpu_share` guard), or, with no CPU guard, 90% of the quota. The line
 *   through zero undershoots a line with an idle floor, so the hint errs low; near idle it is "far above".
 */
export function redlineHint(record: StepRecord): number | undefined {
  const served = record.targetFigures.rpsPerReplica;
  const offered = record.offeredRpsPerReplica;
  if (!(served > 0)) return undefined;
  if (offered && served < HINT_SATURATED_SERVED * offered && record.verdict !== 'held') return served;
  let ratio: number | null = null;
  for (const g of record.guards) {
    const limit = guardLimit(g.expression);
    if (g.metric !== 'cpu_share' || g.value === null || limit === null || !(limit > 0)) continue;
    const r = Math.max(g.value, HINT_MIN_SHARE_OF_LIMIT * limit) / limit;
    ratio = ratio === null ? r : Math.max(ratio, r);
  }
  const cpu = record.targetFigures.cpuShare;
  if (ratio === null && cpu !== null)
    ratio = Math.max(cpu, HINT_MIN_SHARE_OF_LIMIT * HINT_DEFAULT_CPU_LIMIT) / HINT_DEFAULT_CPU_LIMIT;
  return ratio === null ? undefined : served / ratio;
}

/**
 * The hint from every attempt of a search so far: where the line through their CPU shares (against the rate
 * each served) crosses the CPU guard's limit, or 90% of the quota without one. A line has the idle floor a
 * single probe through zero lacks. Undefined with fewer than two usable attempts at distinct rates, a flat
 * line, or several tiers (whose guards are judged on pools of their own: the single probe's hint covers them).
 */
export function searchHint(records: readonly StepRecord[]): number | undefined {
  const last = records.at(-1);
  if (!last) return undefined;
  const cpuGuards = last.guards.filter((g) => g.metric === 'cpu_share');
  if (cpuGuards.length > 1) return undefined;
  const limit = (cpuGuards[0] && guardLimit(cpuGuards[0].expression)) || HINT_DEFAULT_CPU_LIMIT;
  const points = records.flatMap((r) => {
    const x = r.targetFigures.rpsPerReplica;
    const y = r.targetFigures.cpuShare;
    const offered = r.offeredRpsPerReplica ?? x;
    const usable = (r.verdict === 'held' || r.verdict === 'breached') && x > 0 && x >= HINT_SATURATED_SERVED * offered;
    return usable && y !== null && y < SATURATED_CPU_SHARE ? [{ x, y }] : [];
  });
  if (new Set(points.map((p) => p.x)).size < 2) return undefined;
  // Least squares; two points are enough for a hint (the estimate's line wants three).
  const mx = points.reduce((a, p) => a + p.x, 0) / points.length;
  const my = points.reduce((a, p) => a + p.y, 0) / points.length;
  const sxx = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  const slope = points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0) / sxx;
  if (!(slope > 0)) return undefined;
  const at = mx + (limit - my) / slope;
  return at > 0 && Number.isFinite(at) ? at : undefined;
}

/** Below this part of its offered rate answered without error, a breached probe is far beyond noise. */
const SEVERE_SERVED = 0.5;

/** A breach no repeat could turn into a hold: most requests failed, or the pool answered under half its rate. */
export function severeBreach(record: StepRecord): boolean {
  if (record.verdict !== 'breached') return false;
  const offered = record.offeredRpsPerReplica;
  const f = record.targetFigures;
  if (f.errorRate >= 0.5) return true;
  return offered !== undefined && offered > 0 && f.rpsPerReplica * (1 - f.errorRate) < SEVERE_SERVED * offered;
}

/**
 * One attempt as a probe. Unstable, aborted or 0 req/s served is noData; the first verdict per metric is its
 * value, but the limiting guard's own (`limiting`, a verdict's name): with several tiers a metric is judged
 * on every pool of the DC, and the line is fitted through the pool that broke, not the front's.
 */
export function probeOf(record: StepRecord, poolId: string, limiting?: string): EstimateProbe {
  const guards: Record<string, number | null> = {};
  for (const g of record.guards) if (!(g.metric in guards)) guards[g.metric] = g.value;
  const own = limiting === undefined ? undefined : record.guards.find((g) => g.name === limiting);
  if (own) guards[own.metric] = own.value;
  const served = record.targetFigures.rpsPerReplica;
  const verdict = record.verdict === 'held' ? 'held' : record.verdict === 'breached' ? 'breached' : 'noData';
  // At its CPU quota a replica is saturated: its CPU share flattens and would bend the line.
  const cpu = guards.cpu_share ?? record.targetFigures.cpuShare;
  return {
    rps: record.offeredRpsPerReplica ?? served,
    servedRps: served,
    guards,
    verdict: served === 0 ? 'noData' : verdict,
    faulted: faultedStep(record, poolId),
    ...(cpu !== null && cpu >= SATURATED_CPU_SHARE ? { saturated: true } : {}),
    atS: Date.parse(record.startedAt) / 1000,
    cpuShare: record.targetFigures.cpuShare,
  };
}

/**
 * The guard that broke most often in the breached attempts (ties: the first seen), with the name of its
 * verdict that broke most often (the pool's, with several targets); undefined when none broke.
 */
export function limitingGuard(attempts: readonly SearchAttempt[]): (RedlineGuard & { name: string }) | undefined {
  const byMetric = new Map<string, { n: number; names: Map<string, { n: number; limit: number }> }>();
  for (const a of attempts) {
    if (a.record.verdict !== 'breached') continue;
    for (const g of a.record.guards) {
      const limit = guardLimit(g.expression);
      if (g.ok || g.value === null || limit === null) continue;
      const m = byMetric.get(g.metric) ?? { n: 0, names: new Map() };
      m.n++;
      const v = m.names.get(g.name) ?? { n: 0, limit };
      v.n++;
      m.names.set(g.name, v);
      byMetric.set(g.metric, m);
    }
  }
  let best: { metric: string; n: number; names: Map<string, { n: number; limit: number }> } | undefined;
  for (const [metric, m] of byMetric) if (!best || m.n > best.n) best = { metric, ...m };
  if (!best) return undefined;
  let top: { name: string; n: number; limit: number } | undefined;
  for (const [name, v] of best.names) if (!top || v.n > top.n) top = { name, ...v };
  return { metric: best.metric, limit: top!.limit, name: top!.name };
}

/** The estimate of one pool's redline from its searches' outcomes and every attempt's step. */
export function estimateFromSearches(
  searches: readonly SearchOutcome[],
  attempts: readonly SearchAttempt[],
  poolId: string,
): RedlineEstimate {
  const limiting = limitingGuard(attempts);
  const input: EstimateSearch[] = searches.map((s, i) => ({
    probes: attempts.filter((a) => a.search === i).map((a) => probeOf(a.record, poolId, limiting?.name)),
    redlineRps: s.status === 'redline' || s.status === 'noBreach' ? s.lastHeldRps || null : null,
    breachedRps: s.breachedRps,
    noBreach: s.status === 'noBreach',
  }));
  return estimateRedline(input, limiting && { metric: limiting.metric, limit: limiting.limit });
}
