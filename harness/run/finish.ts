// The end of a run, after its teardown: the verdict and summary.json, run.json's end, the report and the
// history line, the comparison against --baseline, and the exit code (99 failed, 106 write failed, ...).
import * as path from 'node:path';
import type { Comparison } from '../capacity';
import type { ClusterSpec } from '../cluster';
import { ClusterError, ConfigError, ExitCode, HeadroomError, Interrupted, WriteFailed } from '../common';
import type { Scenario } from '../config';
import { type DrillResults, evaluateRunThresholds } from '../drill';
import type { Metrics } from '../metrics';
import { writeReport } from '../report';
import { appendHistory, type RunFacts, type RunWriter, type Summary } from '../results';
import { clusterFacts } from './facts';
import type { DrillRunOptions, DrillRunResult } from './options';
import { failuresText, runVerdict } from './verdict';

/** How the run went, gathered by runScenario for its end. */
export interface RunEnd {
  scenario: Scenario;
  spec: ClusterSpec;
  metrics: Metrics;
  results: DrillResults;
  /** What ended the run early (an interrupt, a cluster error, a safety stop...), or null. */
  failure: unknown;
  facts: RunFacts;
  files: RunWriter;
  runDir: string;
  startedAt: Date;
  stepsRun: number;
  forecastFile: string | undefined;
}

export async function finishRun(
  end: RunEnd,
  opts: Pick<DrillRunOptions, 'cwd' | 'baseline' | 'stdout' | 'stderr' | 'logger'>,
): Promise<DrillRunResult> {
  const log = opts.logger;
  const { scenario, spec, metrics, results, failure, facts, files, runDir } = end;
  const thresholds = evaluateRunThresholds(scenario, metrics);
  const thresholdsFailed = Object.entries(thresholds)
    .filter(([, v]) => !v.ok)
    .map(([k]) => k);
  // A failed threshold, a survivor of a lost DC that broke, a safety stop: failed, exit 99, each reason listed.
  const verdict = runVerdict({ failure, thresholds, failovers: results.failovers });
  const status = verdict.status;
  let exitCode = verdict.exitCode;
  const failures = verdict.failures;
  const endedAt = new Date();
  const summary: Summary = {
    runId: facts.runId,
    status,
    scenario: scenario.name,
    scenarioFile: scenario.file,
    startedAt: end.startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    cluster: clusterFacts(spec),
    ...results,
    thresholds,
    ...(failure
      ? { error: failure instanceof Error ? failure.message : String(failure) }
      : failures.length
        ? { error: failuresText(failures) }
        : {}),
    ...(failures.length ? { failures } : {}),
  };
  // A full or read-only disk: say where and why, keep what is there (steps.ndjson's complete lines), exit 106.
  let writeFailure: WriteFailed | null = failure instanceof WriteFailed ? failure : null;
  try {
    files.writeSummary(summary);
    files.writeRun({ ...facts, endedAt: endedAt.toISOString(), status });
  } catch (err) {
    if (!(err instanceof WriteFailed)) throw err;
    writeFailure ??= err;
  }
  if (failure && !(failure instanceof Interrupted))
    log.warn(`drill ended early: ${failure instanceof Error ? failure.message : String(failure)}`);
  if (failure instanceof Interrupted)
    log.warn(`interrupted by ${failure.signal}: ${end.stepsRun} steps kept in ${path.join(runDir, 'steps.ndjson')}`);
  if (thresholdsFailed.length) log.warn(`thresholds failed: ${thresholdsFailed.join(', ')}`);
  for (const f of failures.filter((x) => x.kind === 'survivor')) log.warn(`survivor broke: ${f.name}: ${f.detail}`);

  let indexHtml: string | null = null;
  let comparison: Comparison | null = null;
  if (writeFailure) {
    opts.stderr.write(`headroom: ${writeFailure.message}\nhint: ${writeFailure.hint}\n`);
    return { exitCode: ExitCode.writeFailed, runDir, indexHtml, summary };
  }
  try {
    const historyFile = path.join(path.dirname(runDir), 'history.ndjson');
    const report = await writeReport(runDir, {
      forecastFile: end.forecastFile,
      baselineRunDir: opts.baseline ? path.resolve(opts.cwd, opts.baseline) : undefined,
      historyFile,
    });
    indexHtml = report.indexHtml;
    comparison = report.comparison ?? null;
    if (status === 'passed' || status === 'failed') await appendHistory(historyFile, report.summary);
    if (report.comparison) {
      for (const t of report.comparison.types) {
        const notes = t.notes.length ? ` (${t.notes.join('; ')})` : '';
        log.info(`compare ${t.serverType}: ${t.redlineA ?? '-'} → ${t.redlineB ?? '-'} req/s per replica${notes}`);
      }
      if (report.comparison.regressed.length && exitCode === ExitCode.ok) {
        log.warn(`regression against ${opts.baseline}: ${report.comparison.regressed.join(', ')}`);
        exitCode = ExitCode.thresholdsFailed;
        // The page shows the regression from its comparison; summary.json says it too.
        const regressed = report.comparison.regressed.map((t) => ({
          kind: 'regression' as const,
          name: t,
          detail: `redline regressed against ${opts.baseline}`,
        }));
        const all = [...(report.summary.failures ?? []), ...regressed];
        files.writeSummary({
          ...report.summary,
          status: 'failed',
          failures: all,
          error: report.summary.error ?? failuresText(all),
        });
      }
    }
    opts.stdout.write(`${indexHtml}\n`);
  } catch (err) {
    log.warn(`writing the report failed: ${err instanceof Error ? err.message : String(err)}`);
    if (err instanceof WriteFailed) {
      // The summary must not say "passed" beside a report that could not be written.
      try {
        files.writeSummary({ ...summary, status: 'error', error: err.message });
      } catch {
        /* the disk is still full */
      }
      opts.stderr.write(`headroom: ${err.message}\nhint: ${err.hint}\n`);
      return {
        exitCode: ExitCode.writeFailed,
        runDir,
        indexHtml: null,
        summary: { ...summary, status: 'error', error: err.message },
      };
    }
    if (exitCode === ExitCode.ok) exitCode = err instanceof ConfigError ? ExitCode.invalidConfig : ExitCode.internal;
  }
  if (failure && !(failure instanceof HeadroomError) && exitCode === ExitCode.internal) {
    opts.stderr.write(`headroom: internal error: ${failure instanceof Error ? failure.stack : String(failure)}\n`);
  }
  if (failure instanceof ClusterError)
    opts.stderr.write(`headroom: ${failure.message}\n${failure.hint ? `hint: ${failure.hint}\n` : ''}`);
  return { exitCode, runDir, indexHtml, summary, comparison };
}
