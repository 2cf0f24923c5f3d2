// runScenario: one drill from its scenario file to its report. Reads the configuration (the forecast and the
// baseline once), opens the run directory, drives the drills, tears down, and hands the end to finishRun.
import * as path from 'node:path';
import type { Scenario } from '../config';
import { createDriver } from '../cluster';
import { Metrics, openOutputs, prometheusLiveView } from '../metrics';
import type { StepRecord } from '../results';
import {
  abortingThresholds,
  buildGuards,
  evaluateRunThresholds,
  liveView,
  metricsRetentionSeconds,
  realClock,
  RequestCounters,
  ThresholdAbortWatch,
  type Clock,
  type DrillResults,
} from '../drill';
import { driveDrills, type Held, type Instruments } from './drive';
import { finishRun } from './finish';
import type { DrillRunOptions, DrillRunResult } from './options';
import { openRunDir } from './run-dir';
import { loadRunConfig } from './run-config';
import { tearDown } from './teardown';

export type { DrillRunOptions, DrillRunResult } from './options';

export async function runScenario(opts: DrillRunOptions): Promise<DrillRunResult> {
  const config = await loadRunConfig(opts);
  const { scenario, spec } = config;
  const { tools, outputs, offSample } = await openInstruments(scenario, opts);
  // Before anything starts: never into an earlier run's directory, never into one that cannot be written (exit 104).
  const run = openRunDir(config, opts);
  const downHint = `\`headroom down ${path.relative(opts.cwd, spec.file)}\` removes them`;
  opts.shutdown?.holding(`the containers of cluster ${spec.name} (run ${run.runId}) may be left: ${downHint}`);

  const results: DrillResults = { redlines: [], sweeps: [], drains: [], failovers: [] };
  const steps: StepRecord[] = [];
  const driver = createDriver(spec, { ...opts.driver, logger: opts.logger });
  const held: Held = { holder: null, source: null, ctrl: null, edge: null };
  let failure: unknown = null;
  try {
    await driveDrills({ config, run, tools, driver, results, steps }, held, opts);
  } catch (err) {
    failure = err;
  }

  // Every way out: the teardown within its time limit, then the analysis, the report, summary.json and the exit code.
  tools.view.close();
  const { metrics } = tools;
  const { runId, runDir } = run;
  await tearDown({ spec, runId, runDir, driver, ...held, metrics, offSample, outputs, downHint }, opts);
  const stepsRun = held.ctrl?.stepsRun ?? 0;
  return finishRun({ config, run, metrics, results, steps, failure, stepsRun }, opts);
}

/** The metrics store and what reads it: guards, the abortOnFail watch, live outputs and the live view. */
async function openInstruments(scenario: Scenario, opts: DrillRunOptions) {
  const metrics = new Metrics({ retainSeconds: metricsRetentionSeconds(scenario) });
  const counters = new RequestCounters(metrics);
  // One clock for windows and steps: the metrics store's (performance-based epoch ms).
  const clock: Clock = { now: () => metrics.now(), sleep: realClock.sleep };
  const guards = buildGuards(scenario, metrics, counters);
  evaluateRunThresholds(scenario, metrics); // syntax check only: nothing recorded yet
  const outputs = await openOutputs(opts.outputs ?? [], opts.cwd);
  const offSample = metrics.onSample(outputs.sampleListener);
  if (outputs.prometheusUrl) opts.logger.info(`metrics for Prometheus at ${outputs.prometheusUrl}`);
  const abortWatch = new ThresholdAbortWatch(abortingThresholds(scenario, metrics), clock.now());
  const terminalView = liveView(opts.stderr, opts.tty);
  const view = outputs.prometheus ? prometheusLiveView(outputs.prometheus, terminalView) : terminalView;
  const tools: Instruments = { metrics, counters, clock, guards, abortWatch, view };
  return { tools, outputs, offSample };
}
