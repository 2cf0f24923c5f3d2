// drill/: the controller (drain plans, redline search, failover, guards, step persistence, safe stop).
// Scenario scripts import defineScenario from here; the CLI calls runScenario.
export { defineScenario } from '../config/scenario';
export type { ScenarioInput, DrillSpec, RedlineDrill, SweepDrill, DrainDrill, LoseDcDrill, HoldDrill, Guards, ScenarioMix, EndpointSpec, ParamSpec, Safety } from '../config/scenario';
export { runScenario } from './run';
export type { DrillRunOptions, DrillRunResult } from './run';
export { DrillController, SafetyStop } from './controller';
export type { StepPlan, StepOutcome, LiveState, LiveView } from './controller';
export { RedlineSearch, sweepGrid } from './redline-search';
export type { RedlineSearchOptions, Probe, AttemptResult, AttemptVerdict, ProbeRecord, SearchOutcome, RedlineOutcome } from './redline-search';
export { demandWeights, demandShares, drainShares, drainWeights, loseDcWeights, poolOnlyWeights, dcCapacity, redlinePools, targetDemandShare } from './traffic-plan';
export type { Weights, TrafficTarget } from './traffic-plan';
export { makeRunId, RunFiles, clusterFacts } from './run-files';
export { stepLine, liveView } from './live-view';
export type * from './records';
