// What every drill kind works with: the controller, the scenario, the cluster, the results so far,
// and the step plan's guard targets of every tier.
import type { ClusterSpec } from '../cluster';
import type { Scenario } from '../config';
import type { Logger } from '../common';
import type { DrainResult, FailoverResult, RedlineResult } from '../results';
import type { DrillController, StepPlan } from './controller';
import type { Clock } from './ports';
import { multiTier, tierGuardTargets } from './tiers';

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
export function tierPlan(
  ctx: DrillContext,
  dcs: string[],
  except?: string,
): { guardTargets: StepPlan['guardTargets']; loadTier?: string } {
  if (!ctx.tiers || !multiTier(ctx.tiers.cluster)) return { guardTargets: [] };
  return { guardTargets: tierGuardTargets(ctx.tiers.cluster, dcs, except), loadTier: ctx.tiers.loadTier };
}
