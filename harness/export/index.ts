// export/: hand-offs to other engines; today a scenario as a k6 script and a k6-operator TestRun.
export { exportK6 } from './k6';
export type { ExportK6Options, K6Export } from './k6';
export { exportSteps, replicaShares } from './k6-steps';
export type { ExportStep, StepPlan, StepTarget } from './k6-steps';
export { kubernetesName } from './k6-testrun';
