import type { ResolvedDrill } from '../config';
import type { DrainResult, FailoverResult, FailoverSurvivor, StepRecord } from '../results';
import type { StepOutcome } from './controller';
import type { Tags } from './ports';
import { multiTier, stepDcs, tierFields } from './tiers';
import {
  dcCapacity,
  demandWeights,
  drainShares,
  drainWeights,
  loseDcWeights,
  targetDemandShare,
  type TrafficTarget,
} from './traffic-plan';
import { type DrillContext, tierPlan } from './drill-context';
import { runUnfaulted } from './fault-steps';

function filterOf(target: TrafficTarget): Tags {
  return target.kind === 'pool'
    ? { pool: target.name }
    : target.kind === 'dc'
      ? { dc: target.name }
      : { region: target.name };
}

export async function drain(ctx: DrillContext, drill: Extract<ResolvedDrill, { kind: 'drain' }>): Promise<DrainResult> {
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
    // A step during which a server was marked out or in is repeated: its failures are no verdict (fault-steps.ts).
    const out = await runUnfaulted(
      ctx,
      `drain ${drill.name}`,
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

export async function loseDc(
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
    out = await runUnfaulted(
      ctx,
      `lose-dc ${drill.name}`,
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
