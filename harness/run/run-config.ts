// A drill's configuration, read and checked before anything starts (exit 104): the scenario, its cluster
// file, the forecast and the --baseline run's summary.
import * as path from 'node:path';
import type { ClusterSpec } from '../cluster';
import { ConfigError, HeadroomError } from '../common';
import { checkScenarioAgainstCluster, loadClusterFile, loadScenario, type Scenario } from '../config';
import { readSummary, type Summary } from '../results';
import { checkForecast } from './forecast-check';
import type { DrillRunOptions } from './options';

export interface RunConfig {
  scenario: Scenario;
  spec: ClusterSpec;
  /** --forecast, else the scenario's; checked already. */
  forecastFile: string | undefined;
  baselineSummary: Summary | null;
}

export async function loadRunConfig(
  opts: Pick<DrillRunOptions, 'scenarioFile' | 'cwd' | 'forecast' | 'baseline'>,
): Promise<RunConfig> {
  // Configuration first: every problem before anything starts (exit 104).
  const scenario: Scenario = await loadScenario(path.resolve(opts.cwd, opts.scenarioFile));
  const spec = await loadClusterFile(scenario.clusterFile);
  checkScenarioAgainstCluster(scenario, spec);
  const forecastFile = opts.forecast ? path.resolve(opts.cwd, opts.forecast) : scenario.forecastFile;
  // Parsed now, not at the end: a broken forecast must fail before any container starts (exit 104).
  if (forecastFile)
    checkForecast(
      forecastFile,
      spec.dcs.map((d) => d.name),
    );
  let baselineSummary: Summary | null = null;
  if (opts.baseline) {
    try {
      baselineSummary = (await readSummary(path.resolve(opts.cwd, opts.baseline))).summary;
    } catch (err) {
      if (err instanceof HeadroomError) throw err;
      throw new ConfigError(
        opts.baseline,
        '--baseline',
        `cannot read its summary.json (${err instanceof Error ? err.message : String(err)}); expected a run directory or summary.json`,
      );
    }
  }
  return { scenario, spec, forecastFile, baselineSummary };
}
