// capacity/: pure analysis and planning. Takes step results and forecasts, returns numbers;
// never touches Docker, the clock or the disk. analyseRun decides what a finished run means, once.
export { analyseRun } from './analyse-run';
export type { ForecastInput, MeasuredRun, RunAnalysis, RunAnalysisInput, RunAnalysisOptions } from './analyse-run';
export { completed, failuresText, runFailures, runVerdict, storedEnding } from './verdict';
export type { RunEnding, RunVerdict } from './verdict';
export { planRun } from './run-plan';
export type { RunPlanOptions } from './run-plan';
export { redlineIntervalOf, redlineRangesOf } from './redline-ranges';
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
