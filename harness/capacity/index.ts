// capacity/: pure analysis and planning. Takes step results and forecasts, returns numbers;
// never touches Docker, the clock or the disk.
export { parseForecastCsv, splitCsvLine } from './forecast';
export type { ForecastRow } from './forecast';
export { plan, defaultPlanOptions, ceilLoad } from './plan';
export type { Plan, PlanInput, PlanOptions, PlanRow, RecommendedRow, FleetRow, FleetStatus } from './plan';
export { fitCpuPerRequest, knee } from './fit';
export type { CpuFit } from './fit';
export { redlinesOf } from './redlines';
export { compareRuns } from './compare';
export type { Comparison, TypeComparison } from './compare';
