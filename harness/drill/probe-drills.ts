import type { ResolvedDrill } from '../config';
import type { RedlineResult, StepRecord } from '../results';
import type { StepOutcome } from './controller';
import { estimateFromSearches, faultedStep, type SearchAttempt } from './redline-probes';
import { RedlineSearch, sweepGrid } from './redline-search';
import { multiTier, poolTags, tierFields, tierRedlines } from './tiers';
import { poolOnlyWeights } from './traffic-plan';
import { type DrillContext, tierPlan } from './drill-context';

type ProbeDrill = Extract<ResolvedDrill, { kind: 'redline' | 'sweep' }>;

/** One probe on a pool at a per-replica rate; an unstable measurement is repeated up to drill.repeatUnstable times. */
async function probe(
  ctx: DrillContext,
  drill: ProbeDrill,
  poolId: string,
  rps: number,
  search: StepRecord['search'],
): Promise<{ outcome: StepOutcome; steps: number; faulted: boolean } | null> {
  const serverType = typeOfPool(poolId);
  const serving = ctx.ctrl.serving(poolId).length;
  const tiers = tierPlan(ctx, [poolId.split('/')[0]], poolId);
  if (serving === 0) {
    ctx.ctrl.annotate(`no replica of ${poolId} is serving`);
    return null;
  }
  const faultsBefore = ctx.ctrl.faultEvents;
  const outcome = await ctx.ctrl.runRepeating(
    {
      drill: drill.name,
      kind: drill.kind,
      target: { kind: 'pool', name: poolId },
      serverType,
      offeredRps: rps * serving,
      offeredRpsPerReplica: rps,
      expectedTargetRps: rps * serving,
      weights: poolOnlyWeights(ctx.cluster, poolId),
      settleMs: drill.settleMs,
      measureMs: drill.measureMs,
      targetFilter: { pool: poolId },
      guardTargets: [
        { label: poolId, filter: { pool: poolId }, tier: tiers.loadTier, ...poolTagsOf(ctx, poolId) },
        ...tiers.guardTargets,
      ],
      search,
      loadTier: tiers.loadTier,
    },
    drill.repeatUnstable,
  );
  // An overloaded pool keeps working off its queue after the load drops: let it, before the next probe.
  if (outcome.brokenBy !== 'none') await ctx.ctrl.cooldown({ pool: poolId });
  // A replica marked out or in during the probe (killed, paused, restarted): the probe says nothing about
  // capacity; wait for the pool to be whole again so that the search repeats it (issue 11, finding 3).
  const faulted = ctx.ctrl.faultEvents !== faultsBefore || ctx.ctrl.serving(poolId).length < serving;
  if (faulted) {
    ctx.ctrl.annotate(
      `probe at ${rps} req/s per replica of ${poolId} faulted (a replica marked out or in): repeated once the pool is whole`,
    );
    await ctx.ctrl.awaitHealthy(poolId, 60_000);
  }
  return { outcome, steps: outcome.attempts, faulted };
}

/** The tags of a pool of the cluster file (`{}` for a pool made by hand outside one). */
function poolTagsOf(ctx: DrillContext, poolId: string): { tags?: ReturnType<typeof poolTags> } {
  const pool = ctx.cluster.dcs.flatMap((d) => d.pools).find((p) => p.id === poolId);
  return pool ? { tags: poolTags(pool) } : {};
}

/** The server type of a pool id: its last part (`<dc>/<type>` or `<dc>/<tier>/<type>`). */
function typeOfPool(poolId: string): string {
  return poolId.split('/').at(-1)!;
}

function resultOf(
  ctx: DrillContext,
  drill: ProbeDrill,
  poolId: string,
  best: StepRecord | null,
  limitedBy: string,
  probes: number,
  durationS: number,
  redlineRps: number | null,
  limitedTier?: string,
): RedlineResult {
  const f = best?.targetFigures;
  const result: RedlineResult = {
    drill: drill.name,
    serverType: typeOfPool(poolId),
    pool: poolId,
    rpsPerReplica: redlineRps,
    limitedBy,
    p50Ms: f?.p50Ms ?? null,
    p99Ms: f?.p99Ms ?? null,
    cpuShare: f?.cpuShare ?? null,
    cpuMsPerRequest: f?.cpuMsPerRequest ?? null,
    probes,
    durationS: Math.round(durationS * 10) / 10,
    method: drill.kind,
  };
  if (!ctx.tiers || !multiTier(ctx.tiers.cluster)) return result;
  const t = tierFields(ctx.tiers.cluster, ctx.tiers.loadTier, limitedTier);
  return {
    ...result,
    ...t,
    cpuMsPerFrontRequestByTier: best?.cpuMsPerFrontRequestByTier ?? {},
    tierRedlines: tierRedlines(ctx.tiers.cluster, poolId, ctx.tiers.loadTier, redlineRps, best, t.limitedByTier),
  };
}

export async function redline(
  ctx: DrillContext,
  drill: Extract<ResolvedDrill, { kind: 'redline' }>,
  poolId: string,
): Promise<RedlineResult> {
  const started = ctx.clock.now();
  const serverType = typeOfPool(poolId);
  const replicas = Math.max(1, ctx.cluster.dcs.flatMap((d) => d.pools).find((p) => p.id === poolId)?.replicas ?? 1);
  // The load-time check keeps maxRps × replicas under the cap; should the cap still bind, reaching it is "no breach up to X".
  const capRps = ctx.scenario.safety.maxTotalRps / replicas;
  const search = new RedlineSearch({
    startRps: drill.startRps,
    maxRps: Math.min(drill.maxRps, capRps),
    capLabel: capRps < drill.maxRps ? 'the safety cap safety.maxTotalRps' : 'maxRps',
    rampFactor: drill.rampFactor,
    resolution: drill.resolution,
    knownRps: ctx.knownRedlines[serverType],
    repeats: drill.repeats,
  });
  const attempts: SearchAttempt[] = [];
  let limitedBy = 'none';
  let limitedTier: string | undefined;
  let steps = 0;
  // A replica that answers its health check but never a request is marked out, back in, and out again; whether
  // a given attempt ends while it is out is timing. When no attempt served anything, the pool had no serving
  // replica, faulted or not (a step where the mark-out came too late read "no data after 4 attempts").
  let nothingServedAnyAttempt = true;
  for (let p = search.next(); p; p = search.next()) {
    const got = await probe(ctx, drill, poolId, p.rps, { phase: p.phase, low: p.low, high: p.high });
    if (!got) {
      limitedBy = 'no serving replica';
      break;
    }
    steps += got.steps;
    const record = got.outcome.record;
    attempts.push({ search: p.search, record });
    const held = got.outcome.brokenBy === 'none';
    const faulted = got.faulted || faultedStep(record, poolId);
    // Served means answered: requests that only failed (a silent server's time out) are not service.
    if (record.targetFigures.rps * (1 - record.targetFigures.errorRate) > 0) nothingServedAnyAttempt = false;
    // Still unstable after the controller's repeats, or nothing served: no data, never held (issue 10). A guard with
    // nothing to judge (noData) is neither a hold nor a breach; a faulted probe never bounds the search (issue 11).
    const unstable = record.verdict === 'unstable' || record.verdict === 'aborted';
    search.record({
      verdict: record.verdict === 'noData' ? 'noData' : unstable ? 'unstable' : held ? 'held' : 'breached',
      servedRps: record.targetFigures.rps,
      faulted,
    });
    const out = search.outcome();
    if (!held && !faulted && out.breachedRps === p.rps) {
      limitedBy = got.outcome.brokenBy;
      limitedTier = got.outcome.record.brokenTier;
    }
  }
  const out = search.outcome();
  const estimate = estimateFromSearches(out.searches, attempts, poolId);
  const status: NonNullable<RedlineResult['status']> =
    estimate.redline !== null ? 'redline' : out.status === 'redline' ? 'noData' : out.status;
  // No breach up to the cap, or no data: not a redline; say which instead of "limited by none".
  // Not a redline: say why (no breach up to X, no serving replica, no data), never "limited by none".
  if (status !== 'redline') {
    if (estimate.atLeast !== undefined) limitedBy = `no breach up to ${estimate.atLeast} req/s per replica`;
    else if (limitedBy === 'none' && attempts.length > 0 && nothingServedAnyAttempt) limitedBy = 'no serving replica';
    else if (limitedBy === 'none') limitedBy = out.note || status;
  }
  // The figures shown beside the redline: the decided hold closest below it.
  const best = estimate.redline === null ? null : closestHeld(attempts, estimate.redline);
  const result: RedlineResult = {
    ...resultOf(
      ctx,
      drill,
      poolId,
      best,
      limitedBy,
      steps,
      (ctx.clock.now() - started) / 1000,
      estimate.redline,
      limitedTier,
    ),
    status,
    interval: estimate.interval,
    samples: estimate.samples,
    estimateMethod: estimate.method,
    note: estimate.note,
    searches: out.searches.length,
    ...(estimate.atLeast !== undefined ? { atLeast: estimate.atLeast } : {}),
  };
  const shown =
    result.rpsPerReplica !== null
      ? `${result.rpsPerReplica} req/s per replica [${result.interval?.join(', ')}] (${result.estimateMethod})`
      : status === 'noBreach'
        ? `no breach up to ${result.atLeast} req/s per replica`
        : `none (${status})`;
  const tier = result.limitedByTier ? ` of the ${result.limitedByTier} tier` : '';
  ctx.logger.info(
    `redline ${poolId}: ${shown}, limited by ${result.limitedBy}${tier} (${steps} probes, ${result.durationS} s)`,
  );
  return result;
}

/** The held attempt at the highest rate not above `rps` (its latency and CPU describe the redline). */
function closestHeld(attempts: readonly SearchAttempt[], rps: number): StepRecord | null {
  let best: StepRecord | null = null;
  for (const { record } of attempts) {
    const at = record.offeredRpsPerReplica ?? 0;
    if (record.verdict !== 'held' || at > rps * 1.0001) continue;
    if (!best || at > (best.offeredRpsPerReplica ?? 0)) best = record;
  }
  return best;
}

export async function sweep(
  ctx: DrillContext,
  drill: Extract<ResolvedDrill, { kind: 'sweep' }>,
  poolId: string,
): Promise<RedlineResult | null> {
  const started = ctx.clock.now();
  const serverType = typeOfPool(poolId);
  let from = drill.from;
  let to = drill.to;
  if (drill.aroundRedline) {
    const known =
      [...ctx.results.redlines].reverse().find((r) => r.serverType === serverType)?.rpsPerReplica ??
      ctx.knownRedlines[serverType];
    if (!known) {
      ctx.logger.warn(`sweep ${drill.name}: no redline of ${serverType} in this run to sweep around; skipped`);
      return null;
    }
    from = known * drill.aroundRedline[0];
    to = known * drill.aroundRedline[1];
  }
  const grid = sweepGrid(from!, to!, drill.spacing);
  let best: StepRecord | null = null;
  let limitedBy = 'none';
  let steps = 0;
  let lastHeld = 0;
  for (const rps of grid) {
    const got = await probe(ctx, drill, poolId, rps, { phase: 'grid', low: lastHeld, high: null });
    if (!got) {
      limitedBy = 'no serving replica';
      break;
    }
    steps += got.steps;
    if (got.outcome.brokenBy !== 'none') {
      if (limitedBy === 'none') limitedBy = got.outcome.brokenBy;
      if (drill.stopAtBreach) break;
    } else if (limitedBy === 'none') {
      best = got.outcome.record;
      lastHeld = rps;
    }
  }
  const result = resultOf(
    ctx,
    drill,
    poolId,
    best,
    limitedBy,
    steps,
    (ctx.clock.now() - started) / 1000,
    best ? lastHeld : null,
  );
  ctx.logger.info(
    `sweep ${poolId}: ${result.rpsPerReplica ?? 'none'} req/s per replica, limited by ${result.limitedBy} (${steps} points, ${result.durationS} s)`,
  );
  return result;
}
