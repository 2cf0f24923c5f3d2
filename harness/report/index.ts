// report/: summary, CSV, the HTML report and run comparison. The run (run/) calls writeReport at the
// end of every drill run, and results' appendHistory to record its redlines.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { ConfigError, HeadroomError } from '../common';
import {
  historyEntryOf,
  parseSteps,
  readHistory,
  readRun,
  readSummary,
  summaryPathOf,
  writeFileAtomic,
  type Summary,
} from '../results';
import {
  compareRuns,
  defaultCompareOptions,
  defaultPlanOptions,
  parseForecastCsv,
  plan as makePlan,
  planTiers,
  redlinesOf,
  type Comparison,
  type Plan,
  type PlanOptions,
  type PlanRange,
  type PlanRangeOptions,
  type RunSamples,
} from '../capacity';
import { planCsv, redlinesCsv, stepsCsv } from './csv';
import { selectHistory } from './history-query';
import { loadAssets, renderHtml } from './html';
import { buildReportData } from './view-model';
import { redlineViews } from './redline-view';
import { planRangeFromSummary } from './plan-opening';
import { planOpeningSection } from './plan-opening-view';

// Kept for the CLI's commands, which read a summary and compare two runs.
export { readSummary } from '../results';
export { compareRuns, defaultCompareOptions } from '../capacity';
export { junitXml } from './junit';
export type { JunitInput } from './junit';
export { historyView, formatHistory, selectHistory, trendOf } from './history-query';
export type {
  HistoryLine,
  HistorySelection,
  HistoryView,
  HistorySeries,
  HistoryPoint,
  HistoryTrend,
  HistoryRegression,
} from './history-query';
export { notifyPayload, shouldNotify, postNotification } from './notify';
export type { NotifyInput, NotifyPayload, PlanChange, PostOptions, PostResult } from './notify';
export { writeCiOutputs } from './ci-outputs';
export type { CiOutputOptions, CiOutputResult } from './ci-outputs';
export type { Comparison, RunSamples } from '../capacity';
export { planCsv } from './csv';
export { money } from './view-format';
export { planRangeFromSummary, planRangeJson, redlineRangesOf, redlineIntervalOf, headroomToday } from './plan-opening';

export interface ReportOptions {
  /** A forecast CSV: the plan is computed and summary.json gains `plan`. */
  forecastFile?: string;
  /** A run directory (or summary.json) to compare with. */
  baselineRunDir?: string;
  /** Minimum effect of the regression gate against the baseline: the smallest redline drop / CPU-per-request rise that counts (default 0.05). */
  maxDrop?: number;
  /** reports/history.ndjson: its runs make the redline trend (this run is added to the chart if absent). */
  historyFile?: string;
  planOptions?: Partial<PlanOptions>;
  /** Draws and seed of the plan's range (default capacity's defaultPlanRangeOptions: 2000 draws, seed 1). */
  planRangeOptions?: Partial<PlanRangeOptions>;
}

export interface ReportResult {
  indexHtml: string;
  /** The summary as written back (with `plan` when a forecast was given). */
  summary: Summary;
  /** Every file written. */
  files: string[];
  plan?: Plan;
  /** The plan's p5/p50/p95 range over the redlines' intervals and the forecast's peak ranges. */
  planRange?: PlanRange;
  /** Why no plan could be made from the forecast (a bad forecast, no usable redline). The report is
   * written all the same, with the problem in its verdict; callers map it to exit 104. */
  planError?: HeadroomError;
  comparison?: Comparison;
}

/** Plans from a run's summary and a forecast file. ConfigError (exit 104) for a bad forecast or unusable redlines. */
export async function planFromSummary(
  summary: Summary,
  summaryFile: string,
  forecastFile: string,
  options: Partial<PlanOptions> = {},
): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(forecastFile, 'utf8');
  } catch {
    throw new ConfigError(
      forecastFile,
      '',
      'not found; expected a forecast CSV with a header row `dc,peak_rps[,growth][,current_<serverType>...]`',
    );
  }
  const dcs = summary.cluster.dcs.map((d) => d.name);
  const tierRedlines = [...(summary.redlines ?? []), ...(summary.sweeps ?? [])].flatMap((r) => r.tierRedlines ?? []);
  if (summary.cluster.tiers && tierRedlines.length) {
    return planTiers(
      {
        tierRedlines,
        tiers: summary.cluster.tiers,
        serverTypes: summary.cluster.serverTypes,
        forecast: parseForecastCsv(text, forecastFile, dcs),
        dcs,
        failover: summary.cluster.failover,
        redlineSource: summaryFile,
        fleet: Object.fromEntries(summary.cluster.dcs.map((d) => [d.name, d.tierPools ?? {}])),
      },
      { ...defaultPlanOptions, ...options },
    );
  }
  return makePlan(
    {
      redlines: redlinesOf(summary),
      serverTypes: summary.cluster.serverTypes,
      forecast: parseForecastCsv(text, forecastFile, dcs),
      dcs,
      failover: summary.cluster.failover,
      redlineSource: summaryFile,
    },
    { ...defaultPlanOptions, ...options },
  );
}

/** A run directory or its summary.json, with the steps beside it, as compare reads a run (steps [] when absent). */
export async function readRunSamples(runOrSummary: string): Promise<RunSamples & { file: string }> {
  const { file, summary } = await readSummary(runOrSummary);
  const steps = parseSteps(
    await readFile(path.join(path.dirname(await summaryPathOf(runOrSummary)), 'steps.ndjson'), 'utf8').catch(() => ''),
  );
  return { file, summary, steps };
}

export async function writeReport(runDir: string, opts: ReportOptions = {}): Promise<ReportResult> {
  const run = await readRun(runDir);
  const { summary, steps } = run;
  const files: string[] = [];
  const write = async (name: string, text: string) => {
    const file = path.join(runDir, name);
    await writeFileAtomic(file, text);
    files.push(file);
  };

  let plan = summary.plan;
  let planError: HeadroomError | undefined;
  let range: PlanRange | undefined;
  if (opts.forecastFile) {
    try {
      plan = await planFromSummary(summary, run.summaryFile, opts.forecastFile, opts.planOptions);
      range = await planRangeFromSummary(
        summary,
        run.summaryFile,
        opts.forecastFile,
        plan.options,
        opts.planRangeOptions,
      );
      summary.plan = plan;
      await write('summary.json', `${JSON.stringify(summary, null, 2)}\n`);
    } catch (err) {
      // A run's measurements are worth a report even when they cannot be planned from.
      if (!(err instanceof HeadroomError)) throw err;
      planError = err;
      plan = undefined;
      range = undefined;
      // A plan from an earlier forecast must not stay beside a page that says "No plan".
      if (summary.plan) {
        delete summary.plan;
        await write('summary.json', `${JSON.stringify(summary, null, 2)}\n`);
      }
      await rm(path.join(runDir, 'plan.csv'), { force: true });
    }
  }

  let comparison: Comparison | undefined;
  let baselineRunId: string | undefined;
  if (opts.baselineRunDir) {
    const baseline = await readRunSamples(opts.baselineRunDir);
    comparison = compareRuns(
      baseline,
      { summary, steps },
      { minEffect: opts.maxDrop ?? defaultCompareOptions.minEffect },
    );
    baselineRunId = baseline.summary.runId;
  }

  let history = opts.historyFile ? await readHistory(opts.historyFile) : [];
  if (opts.historyFile && !history.some((h) => h.runId === summary.runId))
    history = [...history, historyEntryOf(summary)];
  // One trend per cluster and scenario, in time order: the selection `headroom history --cluster C --scenario S` shows.
  history = selectHistory(history, { cluster: summary.cluster.name, scenario: summary.scenario });

  const dcs = summary.cluster.dcs.map((d) => d.name);
  const data = buildReportData({
    summary,
    steps,
    run: run.run,
    plan,
    planError: planError?.message,
    comparison,
    baselineRunId,
    history,
    leadSections: plan ? [planOpeningSection(plan, range)] : [],
  });
  const indexHtml = path.join(runDir, 'index.html');
  await write('index.html', renderHtml(data, await loadAssets()));
  await write('steps.csv', stepsCsv(steps, dcs));
  await write('redlines.csv', redlinesCsv(summary, redlineViews(summary, steps)));
  if (plan) await write('plan.csv', planCsv(plan));
  return { indexHtml, summary, files, plan, planRange: range, planError, comparison };
}
