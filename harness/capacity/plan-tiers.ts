// The plan per tier: every tier of a multi-tier cluster sized by the same rule as plan.ts, with its
// capacity per replica in front req/s (measured, set by its limit, or from its CPU per front
// request), and the bottleneck: the tier whose fleet as run carries the fewest front req/s.
import { ConfigError } from '../common';
import type { Plan, PlanOptions, TierRedline } from '../results';
import { plan, type PlanInput } from './plan';

export interface TierPlanInput extends Omit<PlanInput, 'redlines'> {
  /** Every tier's capacity per replica from the run's redline drills (RedlineResult.tierRedlines). */
  tierRedlines: TierRedline[];
  /** The tiers to plan, front first; the forecast's current_<type> columns count the front tier's servers. */
  tiers: string[];
  /** The fleet as run: dc -> tier -> server type -> replicas; names the bottleneck tier. */
  fleet?: Record<string, Record<string, Record<string, number>>>;
}

/** Per tier and server type the lowest capacity any drill found (the conservative choice), numbers only. */
export function capacityByTier(rows: TierRedline[]): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const r of rows) {
    if (r.rpsPerReplica === null || !(r.rpsPerReplica > 0)) continue;
    const byType = out.get(r.tier) ?? new Map<string, number>();
    byType.set(r.serverType, Math.min(byType.get(r.serverType) ?? Infinity, r.rpsPerReplica));
    out.set(r.tier, byType);
  }
  return out;
}

/** The tier whose fleet carries the fewest front req/s summed over DCs; null without a fleet. */
export function bottleneckTier(
  capacity: Map<string, Map<string, number>>,
  tiers: string[],
  fleet: TierPlanInput['fleet'],
): string | null {
  if (!fleet) return null;
  let best: { tier: string; rps: number } | null = null;
  for (const tier of tiers) {
    let rps = 0;
    for (const byTier of Object.values(fleet)) {
      for (const [type, n] of Object.entries(byTier[tier] ?? {})) rps += n * (capacity.get(tier)?.get(type) ?? 0);
    }
    if (!best || rps < best.rps) best = { tier, rps };
  }
  return best?.tier ?? null;
}

export function planTiers(input: TierPlanInput, opts: PlanOptions): Plan {
  const capacity = capacityByTier(input.tierRedlines);
  const source = input.redlineSource ?? 'redlines';
  const parts: Plan[] = [];
  for (const [i, tier] of input.tiers.entries()) {
    const byType = capacity.get(tier);
    if (!byType?.size) {
      throw new ConfigError(
        source,
        `redlines[].tierRedlines (tier ${tier})`,
        'no capacity per replica for this tier; expected a redline drill of the front tier with CPU samples of every tier',
        'run a redline drill on a cluster with several tiers: each tier gets a capacity from its limit or its CPU per front request',
      );
    }
    // Today's counts in the forecast are the front tier's; the other tiers have none to compare with.
    const forecast = i === 0 ? input.forecast : input.forecast.map((r) => ({ ...r, current: {} }));
    const p = plan(
      {
        ...input,
        forecast,
        redlines: [...byType].map(([serverType, rpsPerReplica]) => ({ serverType, rpsPerReplica })),
      },
      opts,
    );
    parts.push({
      ...p,
      plan: p.plan.map((r) => ({ ...r, tier })),
      recommended: p.recommended.map((r) => ({ ...r, tier })),
    });
  }
  const bottleneck = bottleneckTier(capacity, input.tiers, input.fleet);
  return {
    options: parts[0].options,
    plan: parts.flatMap((p) => p.plan),
    recommended: parts.flatMap((p) => p.recommended),
    fleet: parts[0].fleet,
    totalCostPerHour: Math.round(parts.reduce((s, p) => s + p.totalCostPerHour, 0) * 1e6) / 1e6,
    ...(bottleneck ? { bottleneckTier: bottleneck } : {}),
  };
}
