// results/: the bottom floor of a run's results. The records a drill writes (steps, summary, run
// facts, plan), the one reader and writer of a run directory, the forecast file, the history of runs,
// the run id, and the one rule for a server type's redline. Imports nothing but common/.
export type * from './records';
export type * from './plan';
export {
  RunWriter,
  readRun,
  readRunSamples,
  readSummary,
  writeSummary,
  parseSteps,
  summaryPathOf,
  writeFileAtomic,
  writeFileAtomicSync,
} from './run-files';
export { forecastHeader, parseForecastCsv, readForecast } from './forecast';
export type { ForecastRow } from './forecast';
export { prepareOutDir } from './out-dir';
export type { RunDir, RunFacts } from './run-files';
export { appendHistory, readHistory, historyEntryOf } from './history';
export type { HistoryEntry } from './history';
export { lowestRedlines, baselineRedlines } from './redlines';
export { makeRunId } from './run-id';
export { roundRate } from './rates';
export { isCrashedRun, rebuildCrashedSummary } from './rebuild';
