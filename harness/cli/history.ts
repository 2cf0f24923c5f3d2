// `headroom history [reports/history.ndjson|reports/] [--cluster C] [--scenario S] [--since 30d|2026-11-01] [--last N] [--json]`:
// each server type's redline over past runs, its trend per week and the runs that regressed.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, ExitCode } from '../common';
import { formatHistory, historyView, type HistoryLine, type HistorySelection } from '../report';
import { readHistory } from '../results';
import type { CliIo } from './io';

const usage = 'usage: headroom history [reports/history.ndjson | reports/] [--cluster C] [--scenario S] [--since 30d|2026-11-01]'
  + ' [--last N] [--max-drop 5%] [--json]';

const unitMs: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `--since`: an age (`48h`, `30d`, `12w`) before now, or an ISO date or date-time. */
export function parseSince(text: string, nowMs: number): number {
  const age = /^(\d+(?:\.\d+)?)(h|d|w)$/.exec(text.trim());
  if (age) return nowMs - Number(age[1]) * unitMs[age[2]];
  const at = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim()) ? Date.parse(text.trim()) : NaN;
  if (Number.isNaN(at)) {
    throw new ConfigError('command line', '--since', `value '${text}': expected an age such as 30d, 12w or 48h, or a date such as 2026-11-01`);
  }
  return at;
}

export interface HistoryArgs {
  file: string | undefined;
  selection: HistorySelection;
  maxDrop: number;
  json: boolean;
  help: boolean;
}

/** Flags to options; kept apart so the shared flag parser (issue 8) can replace just this function. */
export function parseHistoryArgs(argv: string[], nowMs: number): HistoryArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        cluster: { type: 'string' }, scenario: { type: 'string' }, since: { type: 'string' }, last: { type: 'string' },
        'max-drop': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new ConfigError('command line', 'history', (err as Error).message, usage);
  }
  const { values: v, positionals } = parsed;
  if (positionals.length > 1) {
    throw new ConfigError('command line', 'history', `expected at most one history file or reports folder, got ${positionals.length}`, usage);
  }
  let last: number | undefined;
  if (v.last !== undefined) {
    last = Number(v.last);
    if (!/^\d+$/.test(v.last.trim()) || last < 1) {
      throw new ConfigError('command line', '--last', `value '${v.last}': expected a whole number of runs, 1 or more`);
    }
  }
  let maxDrop = 0.05;
  if (v['max-drop'] !== undefined) {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(v['max-drop']);
    maxDrop = m ? (m[2] ? Number(m[1]) / 100 : Number(m[1])) : NaN;
    if (!(maxDrop >= 0 && maxDrop <= 1)) {
      throw new ConfigError('command line', '--max-drop', `value '${v['max-drop']}': expected a share such as 0.05 or 5% between 0 and 1`);
    }
  }
  return {
    file: positionals[0],
    selection: {
      ...(v.cluster !== undefined ? { cluster: v.cluster } : {}),
      ...(v.scenario !== undefined ? { scenario: v.scenario } : {}),
      ...(v.since !== undefined ? { sinceMs: parseSince(v.since, nowMs) } : {}),
      ...(last !== undefined ? { last } : {}),
    },
    maxDrop,
    json: v.json ?? false,
    help: v.help ?? false,
  };
}

/** A folder means its history.ndjson; a missing file is an error here (readHistory alone would call it empty). */
async function historyFileOf(arg: string | undefined, cwd: string): Promise<string> {
  const p = path.resolve(cwd, arg ?? 'reports');
  const st = await stat(p).catch(() => null);
  const file = st?.isDirectory() || (!st && !p.endsWith('.ndjson')) ? path.join(p, 'history.ndjson') : p;
  if (!(await stat(file).catch(() => null))?.isFile()) {
    throw new ConfigError(file, '', 'not found; expected reports/history.ndjson, which `headroom drill` appends a line to after each run');
  }
  return file;
}

export async function run(argv: string[], io: CliIo, nowMs = Date.now()): Promise<number> {
  const args = parseHistoryArgs(argv, nowMs);
  if (args.help) {
    io.stdout.write(`${usage}\n`);
    return ExitCode.ok;
  }
  const file = await historyFileOf(args.file, io.cwd);
  const view = historyView((await readHistory(file)) as HistoryLine[], args.selection, args.maxDrop);
  io.stdout.write(args.json ? `${JSON.stringify(view, null, 2)}\n` : formatHistory(view));
  return ExitCode.ok;
}
