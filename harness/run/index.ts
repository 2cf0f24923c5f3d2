// run/: the composition root. Wires the cluster, the load engine, the drill controller and the
// report for one scenario (runScenario); the CLI's `drill` command calls it. The load source (in-process
// engine or generator agents) is shared with `headroom load`.
export { runScenario } from './run';
export type { DrillRunOptions, DrillRunResult } from './run';
export { openLoadSource } from './load-source';
export type { LoadSource, LoadSourceOptions } from './load-source';
