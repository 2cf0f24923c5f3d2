// `headroom report <run-dir> [--forecast csv] [--baseline run] [--history file] [--max-drop 5%]
// [--utilization 0.8] [--spares 1] [--growth 0.2]`: re-renders a run's report from its files.
import { access } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode } from '../common';
import { writeReport } from '../report';
import { isCrashedRun, rebuildCrashedSummary } from '../results';
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
  const result = await writeReport(runDir, {
    forecastFile: values.forecast ? resolve(values.forecast) : undefined,
    baselineRunDir: values.baseline ? resolve(values.baseline) : undefined,
    historyFile: historyFile || undefined,
    maxDrop,
    planOptions,
  });
  io.stdout.write(`${result.indexHtml}\n`);
  if (result.planError) {
    io.stderr.write(
      `headroom: no plan: ${result.planError.message}\n${result.planError.hint ? `hint: ${result.planError.hint}\n` : ''}`,
    );
    return result.planError.exitCode;
  }
  if (result.comparison?.regressed.length) {
    io.stderr.write(`headroom: regressed against ${values.baseline}: ${result.comparison.regressed.join(', ')}\n`);
    return ExitCode.thresholdsFailed;
  }
  return ExitCode.ok;
}
