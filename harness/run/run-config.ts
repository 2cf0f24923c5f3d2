// A drill's configuration, read and checked before anything starts (exit 104): the scenario, its cluster
// file, the forecast (parsed, here and only here) and the --baseline run (its summary and steps, read once).
import * as path from 'node:path';
import type { ClusterSpec } from '../cluster';
import { ConfigError, HeadroomError } from '../common';
import { checkScenarioAgainstCluster, loadClusterFile, loadScenario, type Scenario } from '../config';
import { readForecast, readRunSamples, type ForecastRow, type StepRecord, type Summary } from '../results';
import type { DrillRunOptions } from './options';

export interface RunConfig {
  scenario: Scenario;
  spec: ClusterSpec;
  /** --forecast, else the scenario's: its file and its rows, parsed for the cluster's DCs. */
  forecast: { file: string; rows: ForecastRow[] } | null;
  /** --baseline: the earlier run's summary and steps. */
  baseline: { file: string; summary: Summary; steps: StepRecord[] } | null;
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
  const forecast = forecastFile
    ? {
        file: forecastFile,
        rows: readForecast(
          forecastFile,
          spec.dcs.map((d) => d.name),
        ),
      }
    : null;
  let baseline: RunConfig['baseline'] = null;
  if (opts.baseline) {
    try {
      baseline = await readRunSamples(path.resolve(opts.cwd, opts.baseline));
    } catch (err) {
      if (err instanceof HeadroomError) throw err;
      throw new ConfigError(
        opts.baseline,
        '--baseline',
        `cannot read its summary.json (${err instanceof Error ? err.message : String(err)}); expected a run directory or summary.json`,
      );
    }
  }
  return { scenario, spec, forecast, baseline };
}
