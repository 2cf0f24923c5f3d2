// drill/: the controller (drain plans, redline search, failover, guards, step persistence, safe stop).
// Scenario scripts import defineScenario and the scenario types from here; run/ wires the rest.
export { defineScenario } from '../config';
export type {
  ScenarioInput,
  DrillSpec,
  RedlineDrill,
  SweepDrill,
  DrainDrill,
  LoseDcDrill,
  HoldDrill,
  Guards,
  ScenarioMix,
  EndpointSpec,
  ParamSpec,
  Safety,
} from '../config';
export { DrillController, SafetyStop } from './controller';
export { runDrillSpec } from './drills';
export type { DrillContext, DrillResults } from './drills';
export { buildGuards, evaluateRunThresholds, metricsRetentionSeconds } from './guards';
export { abortingThresholds, ThresholdAbort, ThresholdAbortWatch } from './threshold-abort';
export type { AbortingThreshold } from './threshold-abort';
export { liveView } from './live-view';
export { realClock } from './ports';
export type { Clock, ClusterPort, LoadPort, MetricsPort } from './ports';
export { countedMetricsPort, RequestCounters } from './request-counters';
export { demandWeights } from './traffic-plan';
export type { LiveState, LiveView } from './live-view';
export { sweepGrid } from './redline-search';
export {
  drainShares,
  drainWeights,
  loseDcWeights,
  poolOnlyWeights,
  redlinePools,
  targetDemandShare,
} from './traffic-plan';
export type { TrafficTarget } from './traffic-plan';
export { loadView } from './tiers';
