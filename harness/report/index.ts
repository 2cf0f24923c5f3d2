// report/: renders a run that capacity's analyseRun has judged: index.html (the plan it opens with, the
// charts, the comparison, the trend), steps.csv, redlines.csv and plan.csv; JUnit XML and the webhook's
// payload from the same analysis; the history's questions. It reads no run's files: callers hand it the run.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { RunAnalysis } from '../capacity';
import { historyEntryOf, writeFileAtomic, type HistoryEntry, type StepRecord } from '../results';
import { planCsv, redlinesCsv, stepsCsv } from './csv';
import { selectHistory } from './history-query';
import { loadAssets, renderHtml } from './html';
import { planOpeningSection } from './plan-opening-view';
import { redlineViews } from './redline-view';
import { buildReportData } from './view-model';

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
export { planCsv } from './csv';
export { money } from './view-format';

export interface RenderInput {
  /** What the run means; its summary is the one summary.json holds. */
  analysis: RunAnalysis;
  steps: readonly StepRecord[];
  /** run.json as the drill wrote it; {} when absent. */
  run: object;
  /** reports/history.ndjson's runs: the redline trend (this run is added when absent). */
  history?: HistoryEntry[];
}

export interface RenderResult {
  indexHtml: string;
  /** Every file written, in order. */
  files: string[];
}

/** Writes index.html and the CSVs of a run into runDir; a plan.csv of an earlier plan goes when there is none now. */
export async function renderReport(runDir: string, input: RenderInput): Promise<RenderResult> {
  const { analysis } = input;
  const { summary, plan, range, comparison } = analysis;
  const steps = [...input.steps];
  const files: string[] = [];
  const write = async (name: string, text: string) => {
    const file = path.join(runDir, name);
    await writeFileAtomic(file, text);
    files.push(file);
  };
  let history = input.history ?? [];
  if (input.history && !history.some((h) => h.runId === summary.runId)) history = [...history, historyEntryOf(summary)];
  // One trend per cluster and scenario, in time order: the selection `headroom history --cluster C --scenario S` shows.
  history = selectHistory(history, { cluster: summary.cluster.name, scenario: summary.scenario });

  const dcs = summary.cluster.dcs.map((d) => d.name);
  const data = buildReportData({
    summary,
    steps,
    run: input.run as Record<string, unknown>,
    plan: plan ?? undefined,
    planError: analysis.planError?.message,
    comparison: comparison ?? undefined,
    baselineRunId: comparison?.runA,
    history,
    leadSections: plan ? [planOpeningSection(plan, range ?? undefined)] : [],
  });
  const indexHtml = path.join(runDir, 'index.html');
  await write('index.html', renderHtml(data, await loadAssets()));
  await write('steps.csv', stepsCsv(steps, dcs));
  await write('redlines.csv', redlinesCsv(summary, redlineViews(summary, steps)));
  if (plan) await write('plan.csv', planCsv(plan));
  // A plan from an earlier forecast must not stay beside a page that says "No plan".
  else await rm(path.join(runDir, 'plan.csv'), { force: true });
  return { indexHtml, files };
}
