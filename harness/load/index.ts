// load/: the open-model engine, executors (k6 names), the weighted router, HTTP and gRPC transports.
export { LoadEngine } from './engine';
export type { LoadEngineOptions, EngineStats } from './engine';
export { Router } from './router';
export type { Weights, Spread } from './router';
export type { MixSpec, EndpointSpec } from './mix';
export type { ParamSpec } from './params';
export { zipfSampler } from './params';
export { planExecutor, valueAt, executorNames } from './executors';
export type { ExecutorSpec, ExecutionPlan, Segment, Stage } from './executors';
export { runPlan } from './runner';
export type { PlanTarget, RunOptions } from './runner';
export { checkTargets } from './targets';
export {
  isConnectionFault,
  unansweredText,
  type ConnectionFault,
  type Unanswered,
  type UnansweredListener,
} from './unanswered';
