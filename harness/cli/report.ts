// `headroom report <run-dir> [--forecast csv] [--baseline run] [--history file] [--max-drop 5%]
// [--utilization 0.8] [--spares 1] [--growth 0.2]`: re-renders a run's report from its files. The run, the
// forecast and the baseline are read once and analysed as the drill does (capacity's analyseRun).
import { access } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { analyseRun, type ForecastInput, type PlanOptions, type RunAnalysis } from '../capacity';
import { ExitCode, HeadroomError } from '../common';
import { renderReport } from '../report';
import {
  isCrashedRun,
  readForecast,
  readHistory,
  readRun,
  readRunSamples,
  rebuildCrashedSummary,
  writeSummary,
} from '../results';
import type { CliIo } from './io';
import { collector, helpText, parseFlags, share } from './flags';
import { planFlags, planOptionsFromFlags } from './plan';

export const spec = {
  name: 'report',
  args: '<run-dir>',
  summary: "Re-renders a run's report (index.html, CSVs) from its files; prints the path of index.html.",
  positionals: [1, 1] as [number, number],
  flags: {
    forecast: { type: 'string', value: 'CSV', help: 'forecast CSV for the plan' },
    baseline: { type: 'string', value: 'RUN', help: 'an earlier run to compare with; exit 99 on a regression' },
    history: {
      type: 'string',
      value: 'FILE',
      help: 'history of runs (default: history.ndjson beside the run, when there is one)',
    },
    'max-drop': {
      type: 'string',
      value: 'SHARE',
      help: 'the largest redline drop allowed against --baseline (default 5%)',
    },
    ...planFlags,
  },
} as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(spec, argv);
  if (parsed.help) {
    io.stdout.write(helpText(spec));
    return ExitCode.ok;
  }
  const { values, positionals } = parsed;
  const c = collector();
  const maxDrop =
    values['max-drop'] !== undefined
      ? c.check(() => share('--max-drop', values['max-drop']!, { min: 0, max: 1 }))
      : undefined;
  const planOptions = c.check(() => planOptionsFromFlags(values));
  c.throwIfAny();
  const resolve = (p: string) => path.resolve(io.cwd, p);
  const runDir = resolve(positionals[0]);
  // Without --history, the history beside the run (reports/history.ndjson) when there is one.
  let historyFile = values.history ? resolve(values.history) : path.join(path.dirname(runDir), 'history.ndjson');
  if (
    !values.history &&
    !(await access(historyFile).then(
      () => true,
      () => false,
    ))
  )
    historyFile = '';
  // A killed run has no summary.json: rebuild it from run.json and steps.ndjson, marked crashed.
  if (isCrashedRun(runDir)) {
    const rebuilt = rebuildCrashedSummary(runDir);
    io.stderr.write(
      `headroom: ${positionals[0]}: crashed run (no summary.json): summary rebuilt from run.json and ${rebuilt.steps} steps in steps.ndjson\n`,
    );
  }
  const { indexHtml, analysis } = await reportRun(runDir, {
    forecastFile: values.forecast ? resolve(values.forecast) : undefined,
    baselineRunDir: values.baseline ? resolve(values.baseline) : undefined,
    historyFile: historyFile || undefined,
    maxDrop,
    planOptions,
  });
  io.stdout.write(`${indexHtml}\n`);
  if (analysis.planError) {
    const { message, hint } = analysis.planError;
    io.stderr.write(`headroom: no plan: ${message}\n${hint ? `hint: ${hint}\n` : ''}`);
    return analysis.planError.exitCode;
  }
  if (analysis.comparison?.regressed.length) {
    io.stderr.write(`headroom: regressed against ${values.baseline}: ${analysis.comparison.regressed.join(', ')}\n`);
    return ExitCode.thresholdsFailed;
  }
  return ExitCode.ok;
}

export interface ReportRunOptions {
  /** A forecast CSV: the run is planned (a forecast that cannot be planned is the analysis' planError). */
  forecastFile?: string;
  /** A run directory (or summary.json) to compare with. */
  baselineRunDir?: string;
  /** Minimum effect of the regression gate against the baseline (default capacity's). */
  maxDrop?: number;
  /** reports/history.ndjson: its runs make the redline trend. */
  historyFile?: string;
  planOptions?: Partial<PlanOptions>;
}

/**
 * A run re-rendered from its files: read once, analysed as the drill analyses it, summary.json written
 * again when the analysis changed it (a plan added or dropped, a new comparison's verdict), then rendered.
 */
export async function reportRun(
  runDir: string,
  opts: ReportRunOptions = {},
): Promise<{ indexHtml: string; files: string[]; analysis: RunAnalysis }> {
  const read = await readRun(runDir);
  const dcs = read.summary.cluster.dcs.map((d) => d.name);
  let forecast: ForecastInput | null = null;
  if (opts.forecastFile) {
    try {
      forecast = { rows: readForecast(opts.forecastFile, dcs) };
    } catch (err) {
      // A run's measurements are worth a report even when they cannot be planned from.
      if (!(err instanceof HeadroomError)) throw err;
      forecast = { error: err };
    }
  }
  const analysis = analyseRun({
    summary: read.summary,
    steps: read.steps,
    forecast,
    baseline: opts.baselineRunDir ? await readRunSamples(opts.baselineRunDir) : null,
    options: { plan: opts.planOptions, maxDrop: opts.maxDrop, redlineSource: read.summaryFile },
  });
  const files: string[] = [];
  if (!isDeepStrictEqual(analysis.summary, read.summary)) {
    writeSummary(runDir, analysis.summary);
    files.push(read.summaryFile);
  }
  const history = opts.historyFile ? await readHistory(opts.historyFile) : undefined;
  const rendered = await renderReport(runDir, { analysis, steps: read.steps, run: read.run, history });
  return { indexHtml: rendered.indexHtml, files: [...files, ...rendered.files], analysis };
}
