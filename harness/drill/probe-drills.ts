import type { ResolvedDrill } from '../config';
import type { RedlineResult, StepRecord } from '../results';
import type { StepOutcome } from './controller';
import type { StepPlan } from './step';
import type { SearchAttempt } from './redline-probes';
import { sweepGrid } from './redline-search';
import { multiTier, poolTags, tierFields, tierRedlines } from './tiers';
import { poolOnlyWeights } from './traffic-plan';
import { type DrillContext, tierPlan } from './drill-context';
import { maxFaultedAttempts } from './fault-steps';

type ProbeDrill = Extract<ResolvedDrill, { kind: 'redline' | 'sweep' }>;

/** One probe on a pool at a per-replica rate; an unstable measurement is repeated up to drill.repeatUnstable times. */
export async function probe(
  ctx: DrillContext,
  drill: ProbeDrill,
  poolId: string,
  rps: number,
  search: StepRecord['search'],
  review?: StepPlan['review'],
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
      review,
    },
    drill.repeatUnstable,
  );
  // An overloaded pool keeps working off its queue after the load drops: let it, before the next probe.
  if (outcome.brokenBy !== 'none') await ctx.ctrl.cooldown({ pool: poolId });
  // A replica marked out or in during the probe (killed, paused, restarted): the probe says nothing about
  // capacity; wait for the pool to be whole again so that the search repeats it.
  const faulted =
    outcome.faulted !== undefined || ctx.ctrl.faultEvents !== faultsBefore || ctx.ctrl.serving(poolId).length < serving;
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
export function typeOfPool(poolId: string): string {
  return poolId.split('/').at(-1)!;
}

export function resultOf(
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

/** The held attempt at the highest rate not above `rps` (its latency and CPU describe the redline). */
export function closestHeld(attempts: readonly SearchAttempt[], rps: number): StepRecord | null {
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
    // A faulted point says nothing about capacity: it is measured again once the pool is whole (probe waits for
    // that), and skipped when it keeps faulting.
    let got: Awaited<ReturnType<typeof probe>> = null;
    for (let attempt = 0; attempt < maxFaultedAttempts; attempt++) {
      got = await probe(ctx, drill, poolId, rps, { phase: 'grid', low: lastHeld, high: null });
      if (got) steps += got.steps;
      if (!got?.faulted) break;
    }
    if (!got) {
      limitedBy = 'no serving replica';
      break;
    }
    if (got.faulted) {
      ctx.ctrl.annotate(
        `sweep ${drill.name}: ${rps} req/s per replica of ${poolId} faulted ${maxFaultedAttempts} times; skipped`,
      );
      continue;
    }
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
