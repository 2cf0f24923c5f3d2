// `headroom report <run-dir> [--forecast csv] [--baseline run] [--history file] [--max-drop 5%]
// [--utilization 0.8] [--spares 1] [--growth 0.2]`: re-renders a run's report from its files.
import { access } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, HeadroomError } from '../common';
import { writeReport } from '../report';
import type { CliIo } from './io';
import { parseFlags, parseShare } from './compare';
import { planOptionsFromFlags } from './plan';

const usage = 'usage: headroom report <run-dir> [--forecast <csv>] [--baseline <run-dir>] [--history <file>] [--max-drop 5%] [--utilization 0.8] [--spares 1] [--growth 0.2]';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    forecast: { type: 'string' }, baseline: { type: 'string' }, history: { type: 'string' }, 'max-drop': { type: 'string' },
    utilization: { type: 'string' }, spares: { type: 'string' }, growth: { type: 'string' }, help: { type: 'boolean' },
  }, usage);
  if (values.help) { io.stdout.write(`${usage}\n`); return ExitCode.ok; }
  if (positionals.length !== 1) throw new HeadroomError(`report needs one run directory\n${usage}`, ExitCode.usage);
  const resolve = (p: string) => path.resolve(io.cwd, p);
  const runDir = resolve(positionals[0]);
  // Without --history, the history beside the run (reports/history.ndjson) when there is one.
  let historyFile = values.history ? resolve(values.history) : path.join(path.dirname(runDir), 'history.ndjson');
  if (!values.history && !(await access(historyFile).then(() => true, () => false))) historyFile = '';
  const result = await writeReport(runDir, {
    forecastFile: values.forecast ? resolve(values.forecast) : undefined,
    baselineRunDir: values.baseline ? resolve(values.baseline) : undefined,
    historyFile: historyFile || undefined,
    maxDrop: values['max-drop'] !== undefined ? parseShare(values['max-drop'], '--max-drop', { min: 0, max: 1 }) : undefined,
    planOptions: planOptionsFromFlags(values),
  });
  io.stdout.write(`${result.indexHtml}\n`);
  if (result.planError) {
    io.stderr.write(`headroom: no plan: ${result.planError.message}\n${result.planError.hint ? `hint: ${result.planError.hint}\n` : ''}`);
    return result.planError.exitCode;
  }
  if (result.comparison?.regressed.length) {
    io.stderr.write(`headroom: regressed against ${values.baseline}: ${result.comparison.regressed.join(', ')}\n`);
    return ExitCode.thresholdsFailed;
  }
  return ExitCode.ok;
}
