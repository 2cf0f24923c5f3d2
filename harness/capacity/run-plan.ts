// The plan of one run: servers per DC and server type (per tier on a cluster of several tiers) from the
// run's redlines and a parsed forecast, and the plan's p5/p50/p95 range over the redlines' intervals.
import type { ForecastRow, Summary } from '../results';
import { plan, defaultPlanOptions, type Plan, type PlanOptions } from './plan';
import { planRange, type PlanRange, type PlanRangeOptions } from './plan-range';
import { planTiers } from './plan-tiers';
import { redlineRangesOf } from './redline-ranges';
import { redlinesOf } from './redlines';

export interface RunPlanOptions {
  plan?: Partial<PlanOptions>;
  /** Draws and seed of the range (default: capacity's defaultPlanRangeOptions). */
  range?: Partial<PlanRangeOptions>;
  /** Names the redlines in the planner's errors (the summary.json they came from). */
  redlineSource?: string;
}

/** The plan and its range; ConfigError (exit 104) when the redlines or the forecast cannot be planned from. */
export function planRun(
  summary: Pick<Summary, 'cluster' | 'redlines' | 'sweeps'>,
  forecast: ForecastRow[],
  options: RunPlanOptions = {},
): { plan: Plan; range: PlanRange } {
  const dcs = summary.cluster.dcs.map((d) => d.name);
  const common = {
    serverTypes: summary.cluster.serverTypes,
    forecast,
    dcs,
    failover: summary.cluster.failover,
    redlineSource: options.redlineSource,
  };
  const planOptions = { ...defaultPlanOptions, ...options.plan };
  const tierRedlines = [...summary.redlines, ...summary.sweeps].flatMap((r) => r.tierRedlines ?? []);
  const point =
    summary.cluster.tiers && tierRedlines.length
      ? planTiers(
          {
            ...common,
            tierRedlines,
            tiers: summary.cluster.tiers,
            fleet: Object.fromEntries(summary.cluster.dcs.map((d) => [d.name, d.tierPools ?? {}])),
          },
          planOptions,
        )
      : plan({ ...common, redlines: redlinesOf(summary) }, planOptions);
  const range = planRange({ ...common, redlines: redlineRangesOf(summary) }, point.options, options.range);
  return { plan: point, range };
}
