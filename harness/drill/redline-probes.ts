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

/** A replica of the target pool was out, or a fault was annotated, during the step. */
export function faultedStep(record: StepRecord, poolId: string): boolean {
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
