// `headroom compare <run-a> <run-b> [--max-drop 5.5%] [--json]`: did each server type's CPU per request
// rise, or its redline fall, from run a (the baseline) to run b, judged by the statistical gate from
// the samples of both runs with --max-drop as the minimum effect; exit 99 on a regression.
import path from 'node:path';
import { analyseRun, defaultCompareOptions, type Comparison } from '../capacity';
import { ExitCode } from '../common';
import { readRunSamples } from '../results';
import type { CliIo } from './io';
import { helpText, parseFlags, share } from './flags';

export const spec = {
  name: 'compare',
  args: '<run-a|summary.json> <run-b|summary.json>',
  summary: "Compares two runs' CPU per request and redlines by a rank test, a the baseline; exit 99 on a regression.",
  positionals: [2, 2] as [number, number],
  flags: {
    'max-drop': {
      type: 'string',
      value: 'SHARE',
      help: 'minimum effect: the smallest CPU-per-request rise or redline drop that counts (default 5.5%)',
    },
    json: { type: 'boolean', help: 'print the comparison as JSON' },
  },
} as const;

const fmt = (x: number | null, digits: number) => (x === null ? '–' : x.toFixed(digits));
const pct = (x: number | null) => (x === null ? '–' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`);
const fmtP = (p: number | null) => (p === null ? '–' : p < 1e-4 ? '<0.0001' : p.toFixed(4));

export function formatComparison(c: Comparison): string {
  const head = [
    'server type',
    'redline a',
    'redline b',
    'change',
    'cpu ms/req a',
    'cpu ms/req b',
    'shift',
    'n a/b',
    'p',
    'verdict',
  ];
  const rows = c.types.map((t) => [
    t.serverType,
    fmt(t.redlineA, 1),
    fmt(t.redlineB, 1),
    pct(t.redlineChange),
    fmt(t.cpuMsPerRequestA, 3),
    fmt(t.cpuMsPerRequestB, 3),
    pct(t.cpuChange),
    `${t.samplesA}/${t.samplesB}`,
    fmtP(t.p),
    t.regressed ? 'REGRESSED' : t.decision ? 'ok' : t.notes.join('; '),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const why = c.types.flatMap((t) => (t.decision ? t.notes.map((n) => `  ${t.serverType}: ${n}`) : []));
  return `${[
    `${c.runA} (a, baseline) -> ${c.runB} (b)`,
    `Decision: ${c.method}.`,
    line(head),
    ...rows.map(line),
    ...(why.length ? ['', ...why] : []),
  ].join('\n')}\n`;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(spec, argv);
  if (parsed.help) {
    io.stdout.write(helpText(spec));
    return ExitCode.ok;
  }
  const { values, positionals } = parsed;
  const maxDrop =
    values['max-drop'] === undefined
      ? defaultCompareOptions.minEffect
      : share('--max-drop', values['max-drop'], { min: 0, max: 1 });
  const [a, b] = await Promise.all(positionals.map((p) => readRunSamples(path.resolve(io.cwd, p))));
  // The drill's and the report's comparison: run b analysed against a as its baseline.
  const c = analyseRun({ summary: b.summary, steps: b.steps, baseline: a, options: { maxDrop } }).comparison!;
  if (values.json) io.stdout.write(`${JSON.stringify(c, null, 2)}\n`);
  else io.stdout.write(formatComparison(c));
  if (c.regressed.length) {
    const why = c.types
      .filter((t) => t.regressed)
      .map((t) => `${t.serverType}: ${t.notes.filter((n) => /regressed|fell/.test(n)).join('; ')}`);
    io.stderr.write(`headroom: regressed: ${c.regressed.join(', ')}\n${why.map((w) => `  ${w}`).join('\n')}\n`);
    return ExitCode.thresholdsFailed;
  }
  return ExitCode.ok;
}
