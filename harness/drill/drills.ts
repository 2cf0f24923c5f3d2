// The drill kinds on top of the controller's steps: redline search and sweep per server type, drain
// toward a target, loss of a DC (by weight or by killing it), and a plain hold at demand weights.
import type { ClusterSpec } from '../cluster';
import type { ResolvedDrill, Scenario } from '../config';
import type { Logger } from '../common';
import type { DrainResult, FailoverResult, FailoverSurvivor, RedlineResult, StepRecord } from '../results';
import type { DrillController, StepOutcome, StepPlan } from './controller';
import type { Clock, Tags } from './ports';
import { estimateFromSearches, faultedStep, type SearchAttempt } from './redline-probes';
import { RedlineSearch, sweepGrid } from './redline-search';
import { multiTier, stepDcs, tierFields, tierGuardTargets, tierRedlines } from './tiers';
import {
  dcCapacity,
  demandWeights,
  drainShares,
  drainWeights,
  loseDcWeights,
  poolOnlyWeights,
  redlinePools,
  targetDemandShare,
  type TrafficTarget,
} from './traffic-plan';

export interface DrillResults {
  redlines: RedlineResult[];
  sweeps: RedlineResult[];
  drains: DrainResult[];
  failovers: FailoverResult[];
}

export interface DrillContext {
  ctrl: DrillController;
  scenario: Scenario;
  cluster: ClusterSpec;
  clock: Clock;
  results: DrillResults;
  /** Redlines per server type from a baseline run (the ramp starts there). */
  knownRedlines: Record<string, number>;
  logger: Logger;
  /** Clusters with several tiers: the whole cluster (ctx.cluster is then the loaded tier's view) and the tier loaded. */
  tiers?: { cluster: ClusterSpec; loadTier: string };
}

/** Guard targets of every tier in the DCs (CPU per pool), and the loaded tier, for a step's plan. */
function tierPlan(
  ctx: DrillContext,
  dcs: string[],
  except?: string,
): { guardTargets: StepPlan['guardTargets']; loadTier?: string } {
  if (!ctx.tiers || !multiTier(ctx.tiers.cluster)) return { guardTargets: [] };
  return { guardTargets: tierGuardTargets(ctx.tiers.cluster, dcs, except), loadTier: ctx.tiers.loadTier };
}

export async function runDrillSpec(ctx: DrillContext, drill: ResolvedDrill): Promise<void> {
  switch (drill.kind) {
    case 'redline':
      for (const pool of redlinePools(ctx.cluster, drill)) ctx.results.redlines.push(await redline(ctx, drill, pool));
      break;
    case 'sweep':
      for (const pool of redlinePools(ctx.cluster, drill)) {
        const r = await sweep(ctx, drill, pool);
        if (r) ctx.results.sweeps.push(r);
      }
      break;
    case 'drain':
      ctx.results.drains.push(await drain(ctx, drill));
      break;
    case 'lose-dc':
      for (const dc of drill.dc === 'each' ? ctx.cluster.dcs.map((d) => d.name) : [drill.dc])
        ctx.results.failovers.push(await loseDc(ctx, drill, dc));
      break;
    case 'hold':
      await hold(ctx, drill);
      break;
  }
  // Between drills: demand weights, no load.
  ctx.ctrl.apply(demandWeights(ctx.cluster), 0);
}

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
      guardTargets: [{ label: poolId, filter: { pool: poolId }, tier: tiers.loadTier }, ...tiers.guardTargets],
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

async function redline(
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

async function sweep(
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

function filterOf(target: TrafficTarget): Tags {
  return target.kind === 'pool'
    ? { pool: target.name }
    : target.kind === 'dc'
      ? { dc: target.name }
      : { region: target.name };
}

async function drain(ctx: DrillContext, drill: Extract<ResolvedDrill, { kind: 'drain' }>): Promise<DrainResult> {
  const t = drill.target;
  const target: TrafficTarget =
    'pool' in t
      ? { kind: 'pool', name: t.pool }
      : 'dc' in t
        ? { kind: 'dc', name: t.dc }
        : { kind: 'region', name: t.region };
  const filter = filterOf(target);
  const shares = drainShares(targetDemandShare(ctx.cluster, target), drill.steps);
  let held: { share: number; record: StepRecord } | null = null;
  let brokenBy = 'none';
  let brokenTier: string | undefined;
  let steps = 0;
  const tiers = tierPlan(ctx, stepDcs(ctx.cluster, { targetFilter: filter }));
  // With several tiers the DC filter spans them all: requests are judged there, CPU per pool.
  const front = {
    label: target.name,
    filter,
    ...(tiers.loadTier ? { tier: tiers.loadTier, only: 'requests' as const } : {}),
  };
  for (const share of shares) {
    const weights = drainWeights(ctx.cluster, target, share);
    const out = await ctx.ctrl.runRepeating(
      {
        drill: drill.name,
        kind: 'drain',
        target,
        offeredRps: drill.totalRps,
        expectedTargetRps: drill.totalRps * share,
        weights,
        settleMs: drill.settleMs,
        measureMs: drill.measureMs,
        targetFilter: filter,
        guardTargets: [front, ...tiers.guardTargets],
        targetShare: share,
        loadTier: tiers.loadTier,
      },
      1,
    );
    steps += out.attempts;
    if (out.brokenBy !== 'none') {
      brokenBy = out.brokenBy;
      brokenTier = out.record.brokenTier;
      // Back off to the last step that held, so the target recovers before the next drill.
      if (held) {
        ctx.ctrl.apply(held.record.weights, drill.totalRps);
        ctx.ctrl.annotate(
          `drain ${drill.name}: restored the weights of share ${held.share} after ${brokenBy} broke at ${share}`,
        );
        await ctx.ctrl.idle(Math.min(drill.settleMs, 5000));
      }
      await ctx.ctrl.cooldown(filter);
      break;
    }
    held = { share, record: out.record };
  }
  const result: DrainResult = {
    drill: drill.name,
    target,
    totalRps: drill.totalRps,
    heldShare: held?.share ?? 0,
    heldRpsPerReplica: held?.record.targetFigures.rpsPerReplica ?? 0,
    brokenBy,
    steps,
    ...(ctx.tiers ? tierFields(ctx.tiers.cluster, ctx.tiers.loadTier, brokenTier) : {}),
    ...(ctx.tiers && multiTier(ctx.tiers.cluster)
      ? { cpuMsPerFrontRequestByTier: held?.record.cpuMsPerFrontRequestByTier ?? {} }
      : {}),
  };
  ctx.logger.info(
    `drain ${target.name}: held ${(result.heldShare * 100).toFixed(1)}% of ${drill.totalRps} req/s (${result.heldRpsPerReplica} req/s per replica), broken by ${brokenBy}${result.limitedByTier ? ` of the ${result.limitedByTier} tier` : ''}`,
  );
  return result;
}

/** The redline per server type to size capacity with: this run's (redline drills first, then sweeps), else the baseline's. */
function redlineMap(ctx: DrillContext): Record<string, number | null> {
  const map: Record<string, number | null> = { ...ctx.knownRedlines };
  for (const r of [...ctx.results.sweeps, ...ctx.results.redlines]) map[r.serverType] = r.rpsPerReplica;
  return map;
}

async function loseDc(
  ctx: DrillContext,
  drill: Extract<ResolvedDrill, { kind: 'lose-dc' }>,
  lostDc: string,
): Promise<FailoverResult> {
  const { ctrl, cluster } = ctx;
  const survivors = cluster.dcs.map((d) => d.name).filter((n) => n !== lostDc);
  const weights = loseDcWeights(cluster, lostDc);
  const killed: string[] = [];
  const lossTiers = tierPlan(ctx, survivors);
  let out: StepOutcome;
  try {
    if (drill.mode === 'kill') {
      for (const r of ctrl.deps.cluster.replicas.filter((x) => x.dc === lostDc)) {
        await ctrl.deps.cluster.kill(r.name);
        killed.push(r.name);
        ctrl.markOut(r.name, `killed: lose-dc ${lostDc}`);
      }
    }
    out = await ctrl.runRepeating(
      {
        drill: drill.name,
        kind: 'lose-dc',
        target: { kind: 'dc', name: lostDc },
        offeredRps: drill.totalRps,
        expectedTargetRps: drill.totalRps,
        weights,
        settleMs: drill.settleMs,
        measureMs: drill.measureMs,
        targetFilter: {},
        guardTargets: [
          ...survivors.map((dc) => ({
            label: dc,
            filter: { dc },
            ...(lossTiers.loadTier ? { tier: lossTiers.loadTier, only: 'requests' as const } : {}),
          })),
          ...lossTiers.guardTargets,
        ],
        lostDc,
        loadTier: lossTiers.loadTier,
        annotations: [`${lostDc} lost (${drill.mode}); its traffic spread over ${survivors.join(', ')}`],
      },
      1,
    );
  } finally {
    if (killed.length) await bringBack(ctx, killed, lostDc);
  }
  if (out.brokenBy !== 'none') await ctrl.cooldown({});
  const record = out.record;
  const redlines = redlineMap(ctx);
  const figures: FailoverSurvivor[] = survivors.map((dc) => {
    const w = ctrl.deps.metrics.window({
      sinceMs: Date.parse(record.startedAt),
      untilMs: Date.parse(record.endedAt),
      filter: { dc, step: String(record.index) },
    });
    const serving = Object.fromEntries(record.pools.filter((p) => p.dc === dc).map((p) => [p.pool, p.replicasServing]));
    const loadRps = Math.round(w.rps * 10) / 10;
    const capacityRps = dcCapacity(cluster, dc, redlines, serving);
    const p99 = w.percentile(99);
    const verdict = out.perTarget[dc];
    return {
      dc,
      held: verdict?.ok ?? true,
      loadRps,
      capacityRps,
      loadFraction: capacityRps ? Math.round((loadRps / capacityRps) * 1000) / 1000 : null,
      p99Ms: p99 === null ? null : Math.round(p99 * 100) / 100,
      errorRate: Math.round(w.errorRate * 1e4) / 1e4,
      ...(verdict && !verdict.ok ? { brokenBy: verdict.brokenBy } : {}),
    };
  });
  const result: FailoverResult = {
    drill: drill.name,
    lostDc,
    mode: drill.mode,
    totalRps: drill.totalRps,
    held: figures.every((s) => s.held),
    survivors: figures,
    ...(ctx.tiers ? tierFields(ctx.tiers.cluster, ctx.tiers.loadTier, record.brokenTier) : {}),
  };
  ctx.logger.info(
    `lose ${lostDc}: ${result.held ? 'survivors held' : 'a survivor broke'} (${figures.map((s) => `${s.dc} ${s.loadRps} req/s${s.loadFraction !== null ? ` = ${(s.loadFraction * 100).toFixed(0)}% of capacity` : ''}${s.held ? '' : ` broke ${s.brokenBy}`}`).join('; ')})`,
  );
  return result;
}

/** After a kill-mode DC loss: restart the DC's replicas and mark them back in (or say why not). */
async function bringBack(ctx: DrillContext, killed: string[], lostDc: string): Promise<void> {
  const { ctrl } = ctx;
  ctrl.apply(demandWeights(ctx.cluster), 0);
  const restart = ctrl.deps.cluster.restart?.bind(ctrl.deps.cluster);
  if (!restart) {
    ctrl.annotate(`${lostDc} cannot be brought back: the driver has no restart; its replicas stay out`);
    ctx.logger.warn(`${lostDc}: the cluster driver cannot restart replicas; they stay out for the rest of the run`);
    return;
  }
  const started = ctx.clock.now();
  await restart(killed);
  for (const name of killed) ctrl.markIn(name, `${lostDc} brought back after the lose-dc drill`);
  ctx.logger.info(
    `${lostDc}: ${killed.length} replicas brought back in ${((ctx.clock.now() - started) / 1000).toFixed(1)} s`,
  );
}

async function hold(ctx: DrillContext, drill: Extract<ResolvedDrill, { kind: 'hold' }>): Promise<void> {
  for (let i = 0; i < drill.steps; i++) {
    await ctx.ctrl.runStep({
      drill: drill.name,
      kind: 'hold',
      target: { kind: 'region', name: 'all' },
      offeredRps: drill.totalRps,
      expectedTargetRps: drill.totalRps,
      weights: demandWeights(ctx.cluster),
      settleMs: i === 0 ? drill.settleMs : 0,
      measureMs: drill.measureMs,
      targetFilter: {},
      guardTargets: [{ label: 'all', filter: {} }],
    });
  }
}
