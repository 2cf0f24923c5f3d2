// The end of a run, after its teardown: analyseRun once (plan, range, comparison, failures, exit code), the
// report rendered from it, summary.json written once, run.json's end, the history line, and the exit code.
import * as path from 'node:path';
import { analyseRun, type MeasuredRun, type RunAnalysis } from '../capacity';
import { ClusterError, ConfigError, ExitCode, HeadroomError, Interrupted, WriteFailed } from '../common';
import { type DrillResults, evaluateRunThresholds } from '../drill';
import type { Metrics } from '../metrics';
import { renderReport } from '../report';
import { appendHistory, readHistory, type StepRecord, type Summary } from '../results';
import { clusterFacts } from './facts';
import type { DrillRunOptions, DrillRunResult } from './options';
import type { OpenedRun } from './run-dir';
import type { RunConfig } from './run-config';
import { endingOf } from './verdict';

/** How the run went, gathered by runScenario for its end. */
export interface RunEnd {
  config: RunConfig;
  run: OpenedRun;
  metrics: Metrics;
  results: DrillResults;
  /** Every step, in the order steps.ndjson has them. */
  steps: StepRecord[];
  /** What ended the run early (an interrupt, a cluster error, a safety stop...), or null. */
  failure: unknown;
  stepsRun: number;
}

type FinishOptions = Pick<DrillRunOptions, 'baseline' | 'stdout' | 'stderr' | 'logger'>;

export async function finishRun(end: RunEnd, opts: FinishOptions): Promise<DrillRunResult> {
  const { runDir, files, facts } = end.run;
  const analysis = analyse(end);
  logEnd(end, analysis, opts);
  const historyFile = path.join(path.dirname(runDir), 'history.ndjson');
  // A full or read-only disk: say where and why, keep what is there (steps.ndjson's complete lines), exit 106.
  let writeFailure: WriteFailed | null = end.failure instanceof WriteFailed ? end.failure : null;
  let exitCode = analysis.exitCode;
  let indexHtml: string | null = null;
  if (!writeFailure) {
    try {
      const history = await readHistory(historyFile);
      const run = { ...facts, endedAt: analysis.summary.endedAt, status: analysis.summary.status };
      indexHtml = (await renderReport(runDir, { analysis, steps: end.steps, run, history })).indexHtml;
    } catch (err) {
      if (err instanceof WriteFailed) writeFailure = err;
      else {
        opts.logger.warn(`writing the report failed: ${err instanceof Error ? err.message : String(err)}`);
        if (exitCode === ExitCode.ok)
          exitCode = err instanceof ConfigError ? ExitCode.invalidConfig : ExitCode.internal;
      }
    }
  }
  // The summary must not say "passed" beside a report that could not be written.
  let summary: Summary =
    writeFailure && writeFailure !== end.failure
      ? { ...analysis.summary, status: 'error', error: writeFailure.message }
      : analysis.summary;
  try {
    files.writeSummary(summary);
    files.writeRun({ ...facts, endedAt: summary.endedAt, status: summary.status });
    if (!writeFailure && (summary.status === 'passed' || summary.status === 'failed'))
      await appendHistory(historyFile, summary);
  } catch (err) {
    if (!(err instanceof WriteFailed)) throw err;
    writeFailure ??= err;
  }
  const result = { runDir, summary, analysis, steps: end.steps };
  if (writeFailure) {
    opts.stderr.write(`headroom: ${writeFailure.message}\nhint: ${writeFailure.hint}\n`);
    summary = { ...summary, status: 'error', error: writeFailure.message };
    return { ...result, summary, exitCode: ExitCode.writeFailed, indexHtml: null };
  }
  if (indexHtml) opts.stdout.write(`${indexHtml}\n`);
  reportFailure(end.failure, exitCode, opts);
  return { ...result, exitCode, indexHtml };
}

/** The run's measurements as summary.json records them, and what they mean. */
function analyse(end: RunEnd): RunAnalysis {
  const { scenario, spec, forecast, baseline } = end.config;
  const measured: MeasuredRun = {
    runId: end.run.runId,
    scenario: scenario.name,
    scenarioFile: scenario.file,
    startedAt: end.run.startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    cluster: clusterFacts(spec),
    ...end.results,
    thresholds: evaluateRunThresholds(scenario, end.metrics),
  };
  return analyseRun({
    summary: measured,
    steps: end.steps,
    forecast,
    baseline,
    ending: endingOf(end.failure),
    options: { redlineSource: path.join(end.run.runDir, 'summary.json') },
  });
}

/** The log lines of a run's end: why it ended early, what failed, the plan it could not make, the comparison. */
function logEnd({ failure, stepsRun, run }: RunEnd, a: RunAnalysis, opts: FinishOptions): void {
  const log = opts.logger;
  if (failure && !(failure instanceof Interrupted))
    log.warn(`drill ended early: ${failure instanceof Error ? failure.message : String(failure)}`);
  if (failure instanceof Interrupted)
    log.warn(`interrupted by ${failure.signal}: ${stepsRun} steps kept in ${run.files.stepsFile}`);
  const thresholds = a.failures.filter((f) => f.kind === 'threshold').map((f) => f.name);
  if (thresholds.length) log.warn(`thresholds failed: ${thresholds.join(', ')}`);
  for (const f of a.failures.filter((x) => x.kind === 'survivor')) log.warn(`survivor broke: ${f.name}: ${f.detail}`);
  if (a.planError) log.warn(`no plan: ${a.planError.message}`);
  for (const t of a.comparison?.types ?? []) {
    const notes = t.notes.length ? ` (${t.notes.join('; ')})` : '';
    log.info(`compare ${t.serverType}: ${t.redlineA ?? '-'} → ${t.redlineB ?? '-'} req/s per replica${notes}`);
  }
  if (a.comparison?.regressed.length)
    log.warn(`regression against ${opts.baseline}: ${a.comparison.regressed.join(', ')}`);
  for (const c of a.cautions) log.warn(`verdict ${a.status}, with a caution: ${c.name}: ${c.detail}`);
}

/** An internal error's stack, a cluster error's diagnosis: what the exit code alone does not say. */
function reportFailure(failure: unknown, exitCode: number, opts: FinishOptions): void {
  if (failure && !(failure instanceof HeadroomError) && exitCode === ExitCode.internal)
    opts.stderr.write(`headroom: internal error: ${failure instanceof Error ? failure.stack : String(failure)}\n`);
  if (failure instanceof ClusterError)
    opts.stderr.write(`headroom: ${failure.message}\n${failure.hint ? `hint: ${failure.hint}\n` : ''}`);
}
