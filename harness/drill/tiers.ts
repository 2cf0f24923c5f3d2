// Drills on clusters with several tiers: the load enters one tier (the front), but every tier of the
// target DCs is watched (CPU of each pool), a breach is charged to the tier that ran out, and CPU per
// front request is taken per tier. Pure: the cluster spec and step records in, figures out.
import type { ClusterSpec, PoolSpec } from '../cluster';
import { isResourceMetric } from '../metrics';
import type { StepRecord, TierRedline } from '../results';
import type { Guard } from './ports';
import type { GuardCheck, GuardTarget, StepOutcome, StepPlan } from './step';
import type { Tags } from './ports';

/**
 * A front breach while another tier is the busiest (highest share of its CPU quota, at least this much) is
 * that tier's queue showing at the front. Low on purpose: on a shared host a tier stalls well below its quota.
 */
const busyCpuShare = 0.25;

/** True when the cluster has more than one tier (all of this file is a no-op otherwise). */
export function multiTier(cluster: ClusterSpec): boolean {
  return (cluster.tiers?.length ?? 1) > 1;
}

/** The cluster as the load sees it: only the pools and replicas of the loaded tier (traffic weights, pool choice, capacity). */
export function loadView(cluster: ClusterSpec, tier: string | undefined): ClusterSpec {
  if (!multiTier(cluster) || !tier) return cluster;
  return {
    ...cluster,
    dcs: cluster.dcs.map((d) => ({ ...d, pools: d.pools.filter((p) => p.tier === tier) })),
    replicas: cluster.replicas.filter((r) => r.tier === tier),
  };
}

/** A guard on a resource metric (CPU, memory) applies to every pool; one on requests only where requests arrive. */
export function isResourceGuard(g: Pick<Guard, 'metric'>): boolean {
  return isResourceMetric(g.metric);
}

/** Does this guard run on this guard target (see GuardTarget.only and .tags)? */
export function guardApplies(t: GuardTarget, g: Pick<Guard, 'metric' | 'filter'>): boolean {
  // A guard on one server type, DC or pool (memory_mb{serverType:db}) judges the pools that are of it, and
  // is not 'no data' on the others.
  for (const [tag, value] of Object.entries(g.filter ?? {})) {
    const own = t.tags?.[tag as keyof Tags];
    if (own !== undefined && own !== value) return false;
  }
  if (t.only === 'resources') return isResourceGuard(g);
  if (t.only === 'requests') return !isResourceGuard(g);
  return true;
}

function poolsIn(cluster: ClusterSpec, dcs: string[]): PoolSpec[] {
  return cluster.dcs
    .filter((d) => dcs.includes(d.name))
    .flatMap((d) => d.pools)
    .filter((p) => p.replicas > 0);
}

/**
 * Guard targets beside the front's: one per pool of every tier in the target DCs, resource guards only
 * (a backend pool gets no direct requests, so latency and errors are judged at the front). `except` is
 * a pool already guarded as the front target.
 */
export function tierGuardTargets(cluster: ClusterSpec, dcs: string[], except?: string): GuardTarget[] {
  if (!multiTier(cluster)) return [];
  return poolsIn(cluster, dcs)
    .filter((p) => p.id !== except)
    .map((p) => ({ label: p.id, filter: { pool: p.id }, tier: p.tier, only: 'resources' as const, tags: poolTags(p) }));
}

/** The tags every sample of a pool's replicas carries that say which pool it is. */
export function poolTags(p: Pick<PoolSpec, 'id' | 'region' | 'dc' | 'serverType'>): Tags {
  return { region: p.region, dc: p.dc, pool: p.id, serverType: p.serverType };
}

/** The tier of each pool id. */
function tierOfPool(cluster: ClusterSpec): Map<string, string | undefined> {
  return new Map(cluster.dcs.flatMap((d) => d.pools).map((p) => [p.id, p.tier]));
}

/** DCs of a step's target (every DC for a step on all traffic). */
export function stepDcs(cluster: ClusterSpec, plan: Pick<StepPlan, 'targetFilter'>): string[] {
  const f = plan.targetFilter;
  if (typeof f.pool === 'string') return [f.pool.split('/')[0]];
  if (typeof f.dc === 'string') return [f.dc];
  if (typeof f.region === 'string') return cluster.dcs.filter((d) => d.region === f.region).map((d) => d.name);
  return cluster.dcs.map((d) => d.name);
}

/**
 * The tier that broke: a tier whose resource guard broke (another tier than the front first: the cause,
 * not the symptom); for a breach of request guards only, the busiest tier of the target DCs (highest
 * pool CPU share) when it is another tier above a quarter of its quota, else the tier of the target that broke.
 */
export function brokenTierOf(
  cluster: ClusterSpec,
  plan: StepPlan,
  checks: GuardCheck[],
  record: StepRecord,
): string | undefined {
  const failed = checks.filter((c) => !c.ok);
  if (!failed.length) return undefined;
  const front = plan.loadTier;
  const resource = failed.filter((c) => isResourceGuard(c.guard) && c.target.tier !== undefined);
  const other = resource.find((c) => c.target.tier !== front);
  if (other) return other.target.tier;
  if (resource.length) return resource[0].target.tier;
  const tiers = tierOfPool(cluster);
  const dcs = new Set(stepDcs(cluster, plan));
  let busiest: { tier: string; cpu: number } | null = null;
  for (const p of record.pools) {
    const tier = tiers.get(p.pool);
    if (!tier || !dcs.has(p.dc) || p.cpuShare === null) continue;
    if (!busiest || p.cpuShare > busiest.cpu) busiest = { tier, cpu: p.cpuShare };
  }
  if (busiest && busiest.tier !== front && busiest.cpu >= busyCpuShare) return busiest.tier;
  return failed[0].target.tier ?? front;
}

/** CPU ms each tier of the step's DCs spent per front request of the target; null for a tier without CPU samples. */
export function cpuMsPerFrontRequestByTier(
  cluster: ClusterSpec,
  plan: StepPlan,
  record: StepRecord,
): Record<string, number | null> {
  const tiers = tierOfPool(cluster);
  const dcs = new Set(stepDcs(cluster, plan));
  const rps = record.targetFigures.rps;
  const out: Record<string, number | null> = {};
  const spent: Record<string, number | null> = {};
  for (const p of record.pools) {
    const tier = tiers.get(p.pool);
    if (!tier || !dcs.has(p.dc)) continue;
    const cpus = cluster.serverTypes[p.serverType]?.cpus ?? 0;
    const prev = tier in spent ? spent[tier] : 0;
    spent[tier] = prev === null || p.cpuShare === null ? null : prev + p.cpuShare * cpus * p.replicasServing * 1000;
  }
  for (const [tier, ms] of Object.entries(spent))
    out[tier] = ms === null || !(rps > 0) ? null : Math.round((ms / rps) * 1000) / 1000;
  return out;
}

/** The step's outcome with the tier figures added (brokenTier, CPU per front request by tier); unchanged with one tier. */
export function withTierFigures(
  cluster: ClusterSpec,
  plan: StepPlan,
  checks: GuardCheck[],
  outcome: StepOutcome,
): StepOutcome {
  if (!multiTier(cluster)) return outcome;
  const record: StepRecord = {
    ...outcome.record,
    cpuMsPerFrontRequestByTier: cpuMsPerFrontRequestByTier(cluster, plan, outcome.record),
  };
  const broken = brokenTierOf(cluster, plan, checks, outcome.record);
  if (broken) record.brokenTier = broken;
  return { ...outcome, record };
}

/** `tier` and, when another tier set the limit, `limitedByTier`, for a result; nothing with one tier. */
export function tierFields(
  cluster: ClusterSpec,
  tier: string | undefined,
  brokenTier: string | undefined,
): { tier?: string; limitedByTier?: string } {
  if (!multiTier(cluster) || !tier) return {};
  return { tier, ...(brokenTier && brokenTier !== tier ? { limitedByTier: brokenTier } : {}) };
}

/**
 * What one replica of each tier carries in front req/s, from a redline probe of a pool of the measured
 * tier (its best held step): the measured tier by its redline when it set the limit; the tier that set
 * it by the front rate over its replicas in that DC (split by CPUs across its server types); any other
 * tier from its CPU ms per front request at its full quota.
 */
export function tierRedlines(
  cluster: ClusterSpec,
  poolId: string,
  measured: string,
  redlineRps: number | null,
  best: StepRecord | null,
  limitedByTier: string | undefined,
): TierRedline[] {
  if (!multiTier(cluster)) return [];
  const dc = poolId.split('/')[0];
  const pools = poolsIn(cluster, [dc]);
  const frontRps = best?.targetFigures.rps ?? null;
  const cpuMs = best?.cpuMsPerFrontRequestByTier ?? {};
  const out: TierRedline[] = [];
  for (const p of pools) {
    const tier = p.tier!;
    // Only the probed pool of the measured tier had traffic.
    if (tier === measured && p.id !== poolId) continue;
    const cpus = cluster.serverTypes[p.serverType]?.cpus ?? 0;
    if (out.some((x) => x.tier === tier && x.serverType === p.serverType)) continue;
    let row: TierRedline;
    if (tier === measured && p.id === poolId && (limitedByTier === undefined || limitedByTier === measured)) {
      row = { tier, serverType: p.serverType, rpsPerReplica: redlineRps, basis: 'measured' };
    } else if (tier === limitedByTier) {
      const tierCpus = pools
        .filter((x) => x.tier === tier)
        .reduce((s, x) => s + x.replicas * (cluster.serverTypes[x.serverType]?.cpus ?? 0), 0);
      const v = frontRps !== null && tierCpus > 0 ? (frontRps * cpus) / tierCpus : null;
      row = { tier, serverType: p.serverType, rpsPerReplica: v === null ? null : round1(v), basis: 'limit' };
    } else {
      const ms = cpuMs[tier];
      row = { tier, serverType: p.serverType, rpsPerReplica: ms ? round1((cpus * 1000) / ms) : null, basis: 'cpu' };
    }
    out.push(row);
  }
  return out;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
