// The files of one run in reports/<run-id>/, written and read here only: run.json (facts),
// steps.ndjson (appended as each step ends, synchronously, so a crash or Ctrl-C loses nothing
// already measured; a reader skips a torn last line), summary.json (written to a temp file, renamed).
import * as fs from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { ConfigError } from '../common';
import type { StepRecord, Summary } from './records';

/** run.json: what ran, where, from which commit and versions. */
export interface RunFacts {
  runId: string;
  scenario: { name: string; file: string; description?: string };
  cluster: { name: string; file: string; driver: string; replicas: number };
  git: { commit: string | null; dirty: boolean | null };
  versions: Record<string, string | null>;
  options: { keep: boolean; baseline: string | null; forecast: string | null };
  startedAt: string;
  endedAt: string | null;
  status?: Summary['status'];
}

/** Writes one run directory as the drill goes; creates it and an empty steps.ndjson. */
export class RunWriter {
  readonly stepsFile: string;
  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.stepsFile = path.join(dir, 'steps.ndjson');
    fs.writeFileSync(this.stepsFile, '');
  }

  writeRun(facts: RunFacts): void {
    this.writeJson('run.json', facts);
  }

  appendStep(step: StepRecord): void {
    fs.appendFileSync(this.stepsFile, `${JSON.stringify(step)}\n`);
  }

  writeSummary(summary: Summary): void {
    this.writeJson('summary.json', summary);
  }

  private writeJson(name: string, value: unknown): void {
    const file = path.join(this.dir, name);
    fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
    fs.renameSync(`${file}.tmp`, file);
  }
}

/** One run directory as read back. */
export interface RunDir {
  dir: string;
  summaryFile: string;
  summary: Summary;
  steps: StepRecord[];
  /** run.json as the drill wrote it (see RunFacts); {} when absent. */
  run: Record<string, unknown>;
}

async function isDir(p: string): Promise<boolean> {
  try { return (await stat(p)).isDirectory(); } catch { return false; }
}

/** A run directory or a summary.json path, to the summary.json path. */
export async function summaryPathOf(runOrSummary: string): Promise<string> {
  return (await isDir(runOrSummary)) ? path.join(runOrSummary, 'summary.json') : runOrSummary;
}

export async function readSummary(runOrSummary: string): Promise<{ file: string; summary: Summary }> {
  const file = await summaryPathOf(runOrSummary);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ConfigError(file, '', 'not found; expected a run directory (reports/<run-id>/) or its summary.json, as written by `headroom drill`');
  }
  let summary: Summary;
  try {
    summary = JSON.parse(text) as Summary;
  } catch (err) {
    throw new ConfigError(file, '', `is not JSON (${(err as Error).message})`);
  }
  if (!summary || typeof summary !== 'object' || typeof summary.runId !== 'string' || !summary.cluster) {
    throw new ConfigError(file, 'runId', 'missing; expected a summary written by `headroom drill`');
  }
  summary.redlines ??= [];
  summary.sweeps ??= [];
  summary.drains ??= [];
  summary.failovers ??= [];
  summary.thresholds ??= {};
  return { file, summary };
}

/** Steps in the order written. A torn last line (a crash mid-write) is skipped, not fatal. */
export function parseSteps(text: string): StepRecord[] {
  const steps: StepRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try { steps.push(JSON.parse(line) as StepRecord); } catch { /* torn line */ }
  }
  return steps;
}

export async function readRun(runDir: string): Promise<RunDir> {
  const { file, summary } = await readSummary(path.join(runDir, 'summary.json'));
  const steps = parseSteps(await readFile(path.join(runDir, 'steps.ndjson'), 'utf8').catch(() => ''));
  let run: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(await readFile(path.join(runDir, 'run.json'), 'utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) run = parsed;
  } catch { /* run.json is optional */ }
  return { dir: runDir, summaryFile: file, summary, steps, run };
}
