// `headroom compare <run-a> <run-b> [--max-drop 5%] [--json]`: the change of each server type's
// redline and CPU per request from run a (the baseline) to run b; exit 99 on a regression.
import { parseArgs } from 'node:util';
import { ConfigError, ExitCode, HeadroomError } from '../common';
import { compareRuns, readSummary, type Comparison } from '../report';
import type { CliIo } from './io';

const usage = 'usage: headroom compare <run-a|summary.json> <run-b|summary.json> [--max-drop 5%] [--json]';

/** A share from a flag: `5%` or `0.05`. */
export function parseShare(text: string, flag: string, opts: { min?: number; max?: number } = {}): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  const value = m ? (m[2] ? Number(m[1]) / 100 : Number(m[1])) : NaN;
  const { min = 0, max = Infinity } = opts;
  if (!Number.isFinite(value) || value < min || value > max || (!m![2] && value > 1 && max <= 1)) {
    throw new ConfigError('command line', flag, `value '${text}': expected a share such as 0.05 or 5%${max < Infinity ? ` between ${min} and ${max}` : ''}`);
  }
  return value;
}

export function parseFlags<T extends Record<string, { type: 'string' | 'boolean' }>>(argv: string[], options: T, usageLine: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new HeadroomError(`${(err as Error).message}\n${usageLine}`, ExitCode.usage);
  }
}

const fmt = (x: number | null, digits: number) => (x === null ? '–' : x.toFixed(digits));
const pct = (x: number | null) => (x === null ? '–' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`);

export function formatComparison(c: Comparison): string {
  const head = ['server type', 'redline a', 'redline b', 'change', 'cpu ms/req a', 'cpu ms/req b', 'change', 'verdict'];
  const rows = c.types.map((t) => [
    t.serverType, fmt(t.redlineA, 1), fmt(t.redlineB, 1), pct(t.redlineChange),
    fmt(t.cpuMsPerRequestA, 3), fmt(t.cpuMsPerRequestB, 3), pct(t.cpuChange), t.regressed ? 'REGRESSED' : t.notes.length ? t.notes.join('; ') : 'ok',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [
    `${c.runA} (a, baseline) -> ${c.runB} (b); a redline drop or CPU-per-request rise beyond ${(c.maxDrop * 100).toFixed(1)}% fails`,
    line(head), ...rows.map(line),
  ].join('\n') + '\n';
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, { 'max-drop': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } }, usage);
  if (values.help) { io.stdout.write(`${usage}\n`); return ExitCode.ok; }
  if (positionals.length !== 2) throw new HeadroomError(`compare needs two runs\n${usage}`, ExitCode.usage);
  const maxDrop = parseShare(values['max-drop'] ?? '5%', '--max-drop', { min: 0, max: 1 });
  const [a, b] = await Promise.all(positionals.map((p) => readSummary(p)));
  const c = compareRuns(a.summary, b.summary, maxDrop);
  if (values.json) io.stdout.write(JSON.stringify(c, null, 2) + '\n');
  else io.stdout.write(formatComparison(c));
  if (c.regressed.length) {
    const why = c.types.filter((t) => t.regressed).map((t) => `${t.serverType}: ${t.notes.join('; ')}`);
    io.stderr.write(`headroom: regressed: ${c.regressed.join(', ')}\n${why.map((w) => `  ${w}`).join('\n')}\n`);
    return ExitCode.thresholdsFailed;
  }
  return ExitCode.ok;
}
