// `headroom history [reports/history.ndjson|reports/] [--cluster C] [--scenario S] [--since 30d|2026-11-01] [--last N] [--json]`:
// each server type's redline over past runs, its trend per week and the runs that regressed.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, ExitCode } from '../common';
import { formatHistory, historyView, type HistoryLine, type HistorySelection } from '../report';
import { readHistory } from '../results';
import { collector, helpText, parseFlags, positiveNumber, share } from './flags';
import type { CliIo } from './io';

const unitMs: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `--since`: an age (`48h`, `30d`, `12w`) before now, or an ISO date or date-time. */
export function parseSince(text: string, nowMs: number): number {
  const age = /^(\d+(?:\.\d+)?)(h|d|w)$/.exec(text.trim());
  if (age) return nowMs - Number(age[1]) * unitMs[age[2]];
  const at = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim()) ? Date.parse(text.trim()) : NaN;
  if (Number.isNaN(at)) {
    throw new ConfigError(
      'command line',
      '--since',
      `value '${text}': expected an age such as 30d, 12w or 48h, or a date such as 2026-11-01`,
    );
  }
  return at;
}

export const spec = {
  name: 'history',
  args: '[reports/history.ndjson | reports/]',
  summary:
    "Each server type's redline over past runs (per cluster and scenario, in time order), its trend per week\n" +
    'and the runs that regressed.',
  positionals: [0, 1] as [number, number],
  flags: {
    cluster: { type: 'string', value: 'NAME', help: 'only runs of this cluster' },
    scenario: { type: 'string', value: 'NAME', help: 'only runs of this scenario' },
    since: {
      type: 'string',
      value: 'AGE|DATE',
      help: 'only runs since 30d, 12w, 48h ago or a date such as 2026-11-01',
    },
    last: { type: 'string', value: 'N', help: 'only the last N runs (after the other filters)' },
    'max-drop': {
      type: 'string',
      value: 'SHARE',
      help: 'a fall from the previous run beyond this counts as a regression (default 5%)',
    },
    json: { type: 'boolean', help: 'print the series as JSON' },
  },
} as const;

export interface HistoryArgs {
  file: string | undefined;
  selection: HistorySelection;
  maxDrop: number;
  json: boolean;
  help: boolean;
}

/** Flags to options, through the shared parser; every bad value is exit 104 naming the flag. */
export function parseHistoryArgs(argv: string[], nowMs: number): HistoryArgs {
  const parsed = parseFlags(spec, argv);
  if (parsed.help) return { file: undefined, selection: {}, maxDrop: 0.05, json: false, help: true };
  const { values: v, positionals } = parsed;
  const c = collector();
  const last = v.last === undefined ? undefined : c.check(() => positiveNumber('--last', v.last as string, true));
  const maxDrop = c.check(() => share('--max-drop', v['max-drop'] ?? '5%', { min: 0, max: 1 })) ?? 0.05;
  const sinceMs = v.since === undefined ? undefined : c.check(() => parseSince(v.since as string, nowMs));
  c.throwIfAny();
  return {
    file: positionals[0],
    selection: {
      ...(v.cluster !== undefined ? { cluster: v.cluster } : {}),
      ...(v.scenario !== undefined ? { scenario: v.scenario } : {}),
      ...(sinceMs !== undefined ? { sinceMs } : {}),
      ...(last !== undefined ? { last } : {}),
    },
    maxDrop,
    json: v.json ?? false,
    help: false,
  };
}

/** A folder means its history.ndjson; a missing file is an error here (readHistory alone would call it empty). */
async function historyFileOf(arg: string | undefined, cwd: string): Promise<string> {
  const p = path.resolve(cwd, arg ?? 'reports');
  const st = await stat(p).catch(() => null);
  const file = st?.isDirectory() || (!st && !p.endsWith('.ndjson')) ? path.join(p, 'history.ndjson') : p;
  if (!(await stat(file).catch(() => null))?.isFile()) {
    throw new ConfigError(
      file,
      '',
      'not found; expected reports/history.ndjson, which `headroom drill` appends a line to after each run',
    );
  }
  return file;
}

export async function run(argv: string[], io: CliIo, _env?: unknown, nowMs = Date.now()): Promise<number> {
  const args = parseHistoryArgs(argv, nowMs);
  if (args.help) {
    io.stdout.write(helpText(spec));
    return ExitCode.ok;
  }
  const file = await historyFileOf(args.file, io.cwd);
  const view = historyView((await readHistory(file)) as HistoryLine[], args.selection, args.maxDrop);
  io.stdout.write(args.json ? `${JSON.stringify(view, null, 2)}\n` : formatHistory(view));
  return ExitCode.ok;
}
