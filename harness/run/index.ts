// run/: the composition root. Wires the cluster, the load engine, the drill controller and the
// report for one scenario (runScenario); the CLI's `drill` command calls it.
export { runScenario } from './run';
export type { DrillRunOptions, DrillRunResult } from './run';
