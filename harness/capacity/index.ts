// capacity/: pure analysis and planning. Takes step results and forecasts, returns numbers;
// never touches Docker, the clock or the disk.
export { parseForecastCsv, splitCsvLine } from './forecast';
export type { ForecastRow } from './forecast';
export { plan, defaultPlanOptions, ceilLoad } from './plan';
export { planTiers, capacityByTier, bottleneckTier } from './plan-tiers';
export type { TierPlanInput } from './plan-tiers';
export type { Plan, PlanInput, PlanRedline, PlanOptions, PlanRow, RecommendedRow, FleetRow, FleetStatus } from './plan';
export { fitCpuPerRequest, knee } from './fit';
export type { CpuFit } from './fit';
export { redlinesOf } from './redlines';
export { compareRuns, cpuSamplesOf, costProbesOf, defaultCompareOptions, servedProbe } from './compare';
export { adjustProbeCosts } from './probe-cost';
export type { AdjustedCosts, CostProbe } from './probe-cost';
export type { Comparison, TypeComparison, RunSamples, CompareOptions } from './compare';
export { estimateRedline } from './redline-estimate';
export type { EstimateProbe, EstimateSearch, RedlineEstimate, RedlineGuard } from './redline-estimate';
export { regressionGate, mannWhitney, relativeShift, defaultRegressionOptions } from './regression';
export type { RegressionSamples, RegressionOptions, RegressionDecision, MannWhitney } from './regression';
export { planRange, defaultPlanRangeOptions } from './plan-range';
export type {
  PlanRange,
  PlanRangeInput,
  PlanRangeOptions,
  RedlineRange,
  DcRange,
  TypeRange,
  Spread,
  RejectedType,
} from './plan-range';
