// The redline drill on one pool: searches (a ramp aimed by each probe's hint, then a bisection), then more
// probes until the redline's 95% interval is as narrow as the drill's `precision` or its `budget` is spent:
// with a smooth guard (CPU) probes at two fixed rates just below the estimate, which tighten the line and,
// measured again and again at the same load, show a drift of the cost per request; with any other guard,
// whole searches more. Each probe's record says when the cost per request has moved since the pool's
// first probe; the result says what ended the search and how the cost moved.
import type { ResolvedDrill } from '../config';
import type { RedlineEstimate } from '../capacity';
import type { RedlineResult, StepRecord } from '../results';
import type { DrillContext } from './drill-context';
import { closestHeld, probe, resultOf, typeOfPool } from './probe-drills';
import {
  estimateFromSearches,
  faultedStep,
  redlineHint,
  type SearchAttempt,
  searchHint,
  severeBreach,
} from './redline-probes';
import { RedlineSearch } from './redline-search';
import { roundRate } from '../results';

type Drill = Extract<ResolvedDrill, { kind: 'redline' }>;

/** Refinement probes alternate between these shares of the estimated redline: held, and close to it. */
const REFINE_SHARES = [0.9, 0.98] as const;
/**
 * Where a smooth guard's line gets its slope when the search's probes were too close together in load to give
 * a sure one (a search that started near the redline: no probe below ANCHOR_SPREAD of it): one probe at each of
 * these shares of the estimate, once. Through probes within 15% of each other, noise of a few percent tilts the
 * line and its interval is narrow around the wrong crossing.
 */
const ANCHOR_SHARES = [0.6, 0.75] as const;
const ANCHOR_SPREAD = 0.8;

/** The interval's half-width over the redline; Infinity without an interval. */
export function halfWidthOf(e: Pick<RedlineEstimate, 'redline' | 'interval'>): number {
  if (e.redline === null || e.interval === null || !(e.redline > 0)) return Number.POSITIVE_INFINITY;
  return Math.max(e.redline - e.interval[0], e.interval[1] - e.redline) / e.redline;
}

/** Whether an estimate's interval is a 95% interval a precision can be judged on (one search's bracket is not). */
function statistical(e: RedlineEstimate): boolean {
  return e.method === 'fit' || (e.method === 'median' && e.samples >= 2);
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)}%`;

class RedlineRun {
  readonly started: number;
  readonly search: RedlineSearch;
  readonly attempts: SearchAttempt[] = [];
  limitedBy = 'none';
  limitedTier: string | undefined;
  steps = 0;
  /** No attempt served anything: the pool had no serving replica, faulted or not. */
  nothingServed = true;
  noReplica = false;
  /** The drift last said on a step, so that a step says it only when it is new or has grown. */
  private saidDrift = 0;
  private refineRates: { around: number; rates: number[] } | null = null;
  /** Anchor probes run so far (see ANCHOR_SHARES). */
  private anchors = 0;

  constructor(
    readonly ctx: DrillContext,
    readonly drill: Drill,
    readonly poolId: string,
  ) {
    this.started = ctx.clock.now();
    const replicas = Math.max(1, ctx.cluster.dcs.flatMap((d) => d.pools).find((p) => p.id === poolId)?.replicas ?? 1);
    // The load-time check keeps maxRps × replicas under the cap; should the cap still bind, reaching it is "no breach up to X".
    const capRps = ctx.scenario.safety.maxTotalRps / replicas;
    this.search = new RedlineSearch({
      startRps: drill.startRps,
      maxRps: Math.min(drill.maxRps, capRps),
      capLabel: capRps < drill.maxRps ? 'the safety cap safety.maxTotalRps' : 'maxRps',
      rampFactor: drill.rampFactor,
      resolution: drill.resolution,
      knownRps: ctx.knownRedlines[typeOfPool(poolId)],
      repeats: drill.repeats,
    });
  }

  get elapsedMs(): number {
    return this.ctx.clock.now() - this.started;
  }

  estimate(extra?: SearchAttempt): RedlineEstimate {
    const attempts = extra ? [...this.attempts, extra] : this.attempts;
    return estimateFromSearches(this.search.outcome().searches, attempts, this.poolId);
  }

  /** What a finished probe's record adds: the cost per request's move since the first probe, once it counts. */
  readonly review = (record: StepRecord): string[] => {
    const search = this.search.outcome().searches.length - 1;
    const drift = this.estimate({ search: Math.max(0, search), record }).drift;
    if (!drift?.significant || Math.abs(drift.change) < Math.abs(this.saidDrift) + 0.05) return [];
    this.saidDrift = drift.change;
    return [
      `drift: the cost per request of ${this.poolId} moved ${pct(drift.change)} over the ${drift.overS} s since its first probe (the same load costs more or less CPU than it did): the redline's interval is widened to cover it`,
    ];
  };

  /** Runs the search's probes until it has no more (every search asked for so far). */
  async searchProbes(): Promise<void> {
    for (let p = this.search.next(); p; p = this.search.next()) {
      const done = await this.attempt(p.rps, p.search, { phase: p.phase, low: p.low, high: p.high }, true);
      if (!done) return;
    }
  }

  /** One probe; its verdict goes to the search when `vote`. False when no replica of the pool serves. */
  async attempt(rps: number, search: number, where: StepRecord['search'], vote: boolean): Promise<boolean> {
    const { ctx, drill, poolId } = this;
    const got = await probe(ctx, drill, poolId, rps, where, this.review);
    if (!got) {
      this.limitedBy = 'no serving replica';
      this.noReplica = true;
      return false;
    }
    this.steps += got.steps;
    const record = got.outcome.record;
    this.attempts.push({ search, record });
    const held = got.outcome.brokenBy === 'none';
    const faulted = got.faulted || faultedStep(record, poolId);
    // Served means answered: requests that only failed (a silent server's time out) are not service.
    if (record.targetFigures.rps * (1 - record.targetFigures.errorRate) > 0) this.nothingServed = false;
    if (!vote) return true;
    // Still unstable after the controller's repeats, or nothing served: no data, never held. A guard with
    // nothing to judge (noData) is neither a hold nor a breach; a faulted probe never bounds the search.
    const unstable = record.verdict === 'unstable' || record.verdict === 'aborted';
    this.search.record({
      verdict: record.verdict === 'noData' ? 'noData' : unstable ? 'unstable' : held ? 'held' : 'breached',
      servedRps: record.targetFigures.rps,
      faulted,
      hintRps: searchHint(this.searchRecords(search)) ?? redlineHint(record),
      severe: severeBreach(record),
    });
    if (!held && !faulted && this.search.outcome().breachedRps === rps) {
      this.limitedBy = got.outcome.brokenBy;
      this.limitedTier = record.brokenTier;
    }
    return true;
  }

  /** The records of one search's attempts so far (the last one included). */
  private searchRecords(search: number): StepRecord[] {
    return this.attempts.filter((a) => a.search === search).map((a) => a.record);
  }

  /** A probe at one of two fixed rates just below the estimate (fixed: the same load measured again shows a drift). */
  async refineProbe(estimate: RedlineEstimate): Promise<boolean> {
    const r = estimate.redline!;
    // Fixed while the estimate holds still; set again when it has moved (a drift, or the first estimate was off).
    if (!this.refineRates || Math.abs(r / this.refineRates.around - 1) > 0.05)
      this.refineRates = { around: r, rates: REFINE_SHARES.map((s) => roundRate(r * s)) };
    const index = this.attempts.filter((a) => a.record.search?.phase === 'refine').length;
    const rps = this.refineRates.rates[index % this.refineRates.rates.length];
    const search = this.search.outcome().searches.length - 1;
    return this.attempt(rps, search, { phase: 'refine', low: rps, high: null }, false);
  }

  /** Whether the estimate's line (or its failed fit) lacks a probe well below the redline. */
  private needsAnchor(e: RedlineEstimate): boolean {
    if (e.redline === null || this.anchors >= ANCHOR_SHARES.length) return false;
    if (e.fitFailed) return true;
    if (e.method !== 'fit') return false;
    const lowest = Math.min(...this.attempts.map((a) => a.record.offeredRpsPerReplica ?? Number.POSITIVE_INFINITY));
    return lowest > ANCHOR_SPREAD * e.redline;
  }

  /** A probe well below the estimate (ANCHOR_SHARES), the next not tried yet. */
  async anchorProbe(estimate: RedlineEstimate): Promise<boolean> {
    const rps = roundRate(estimate.redline! * ANCHOR_SHARES[this.anchors++]);
    const search = this.search.outcome().searches.length - 1;
    return this.attempt(rps, search, { phase: 'refine', low: rps, high: null }, false);
  }

  /** The time a probe takes at most, settle and measure (a lengthened window aside). */
  get probeMs(): number {
    return this.drill.settleMs + this.drill.measureMs;
  }

  /** Searches, then probes until the precision is reached or the budget spent; what ended it. */
  async run(): Promise<{ estimate: RedlineEstimate; endedBy: NonNullable<RedlineResult['endedBy']> }> {
    await this.searchProbes();
    for (;;) {
      const estimate = this.estimate();
      if (this.noReplica || estimate.redline === null) return { estimate, endedBy: 'no-redline' };
      const anchor = this.needsAnchor(estimate);
      if (!anchor && statistical(estimate) && halfWidthOf(estimate) <= this.drill.precision)
        return { estimate, endedBy: 'precision' };
      // More probes narrow the statistics, never a move of the machine: say it now rather than spend the budget.
      if (driftMoved(estimate) > this.drill.precision) return { estimate, endedBy: 'drift' };
      if (this.elapsedMs + this.probeMs > this.drill.budgetMs) return { estimate, endedBy: 'budget' };
      const probed = anchor
        ? await this.anchorProbe(estimate)
        : estimate.method === 'fit'
          ? await this.refineProbe(estimate)
          : null;
      if (probed === false) return { estimate: this.estimate(), endedBy: 'no-redline' };
      if (probed === null) {
        if (!this.search.extend()) return { estimate, endedBy: 'budget' };
        await this.searchProbes();
      }
    }
  }
}

/** How far a significant drift moved the redline, as a share of it (0 without one). */
function driftMoved(e: Pick<RedlineEstimate, 'redline' | 'drift'>): number {
  const d = e.drift;
  if (!d?.significant || !e.redline || d.fromRps === undefined || d.toRps === undefined) return 0;
  return Math.abs(d.fromRps - d.toRps) / e.redline;
}

/** Why a drift is worth a warning: it moved the redline by more than the precision the drill asked for. */
export function driftWarning(result: RedlineResult, precision: number): string | null {
  const d = result.drift;
  const moved = driftMoved({ redline: result.rpsPerReplica, drift: d });
  if (!d || moved <= precision) return null;
  return `the cost per request moved ${pct(d.change)} during the search of ${result.pool} (redline from about ${d.fromRps} to ${d.toRps} req/s), more than its ±${(precision * 100).toFixed(0)}% precision allows: an unstable service or a busy machine; repeat when the machine is quiet`;
}

export async function redline(ctx: DrillContext, drill: Drill, poolId: string): Promise<RedlineResult> {
  const run = new RedlineRun(ctx, drill, poolId);
  const { estimate, endedBy } = await run.run();
  const out = run.search.outcome();
  const status: NonNullable<RedlineResult['status']> =
    estimate.redline !== null ? 'redline' : out.status === 'redline' ? 'noData' : out.status;
  let limitedBy = run.limitedBy;
  // Not a redline: say why (no breach up to X, no serving replica, no data), never "limited by none".
  if (status !== 'redline') {
    if (estimate.atLeast !== undefined) limitedBy = `no breach up to ${estimate.atLeast} req/s per replica`;
    else if (limitedBy === 'none' && run.attempts.length > 0 && run.nothingServed) limitedBy = 'no serving replica';
    else if (limitedBy === 'none') limitedBy = out.note || status;
  }
  // The figures shown beside the redline: the decided hold closest below it.
  const best = estimate.redline === null ? null : closestHeld(run.attempts, estimate.redline);
  const half = halfWidthOf(estimate);
  const result: RedlineResult = {
    ...resultOf(
      ctx,
      drill,
      poolId,
      best,
      limitedBy,
      run.steps,
      run.elapsedMs / 1000,
      estimate.redline,
      run.limitedTier,
    ),
    status,
    interval: estimate.interval,
    samples: estimate.samples,
    estimateMethod: estimate.method,
    note: estimate.note,
    searches: out.searches.length,
    endedBy,
    ...(Number.isFinite(half) ? { halfWidth: Math.round(half * 1e4) / 1e4 } : {}),
    ...(estimate.drift ? { drift: estimate.drift } : {}),
    ...(estimate.atLeast !== undefined ? { atLeast: estimate.atLeast } : {}),
  };
  const caution = driftWarning(result, drill.precision);
  if (caution) result.caution = caution;
  logResult(ctx, result, drill.precision);
  return result;
}

function logResult(ctx: DrillContext, result: RedlineResult, precision: number): void {
  // The caution, when there is one, is said by the run's verdict at its end, and here as it happens.
  const shown =
    result.rpsPerReplica !== null
      ? `${result.rpsPerReplica} req/s per replica [${result.interval?.join(', ')}] (${result.estimateMethod}, ±${((result.halfWidth ?? 0) * 100).toFixed(1)}%)`
      : result.status === 'noBreach'
        ? `no breach up to ${result.atLeast} req/s per replica`
        : `none (${result.status})`;
  const tier = result.limitedByTier ? ` of the ${result.limitedByTier} tier` : '';
  const ended =
    result.endedBy === 'precision'
      ? `precision ±${(precision * 100).toFixed(1)}% reached`
      : result.endedBy === 'budget'
        ? 'time budget spent'
        : result.endedBy === 'drift'
          ? 'the cost per request moved'
          : 'no redline to refine';
  ctx.logger.info(
    `redline ${result.pool}: ${shown}, limited by ${result.limitedBy}${tier} (${result.probes} probes, ${result.durationS} s; ${ended})`,
  );
  if (result.caution) ctx.logger.warn(`redline ${result.pool}: ${result.caution}`);
}
