// The files of one run in reports/<run-id>/, written and read here only: run.json (facts),
// steps.ndjson (appended as each step ends, synchronously, so a crash or Ctrl-C loses nothing
// already measured; a reader skips a torn last line), summary.json (written to a temp file, renamed).
// Every file but steps.ndjson is written to a temp name and renamed.
import * as fs from 'node:fs';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { ConfigError, osReason, WriteFailed } from '../common';
import type { ClusterFacts, StepRecord, Summary } from './records';

/** run.json: what ran, where, from which commit and versions. */
export interface RunFacts {
  runId: string;
  scenario: { name: string; file: string; description?: string };
  cluster: { name: string; file: string; driver: string; replicas: number };
  /** The cluster as summary.json records it, so a crashed run's summary can be rebuilt from run.json alone. */
  clusterFacts?: ClusterFacts;
  git: { commit: string | null; dirty: boolean | null };
  versions: Record<string, string | null>;
  options: { keep: boolean; baseline: string | null; forecast: string | null };
  startedAt: string;
  endedAt: string | null;
  status?: Summary['status'];
}

/**
 * Writes one run directory as the drill goes; creates it and steps.ndjson (appending to one already
 * there, never truncating it). Every failure is a WriteFailed naming the file and the OS reason.
 */
export class RunWriter {
  readonly stepsFile: string;
  constructor(readonly dir: string) {
    this.stepsFile = path.join(dir, 'steps.ndjson');
    guarded(dir, () => fs.mkdirSync(dir, { recursive: true }));
    guarded(this.stepsFile, () => fs.closeSync(fs.openSync(this.stepsFile, 'a')));
  }

  writeRun(facts: RunFacts): void {
    this.writeJson('run.json', facts);
  }

  /** Appends one line; a failed append is cut back to the last complete line, so readers never meet a torn one. */
  appendStep(step: StepRecord): void {
    const before = guarded(this.stepsFile, () => fs.statSync(this.stepsFile).size);
    try {
      fs.appendFileSync(this.stepsFile, `${JSON.stringify(step)}\n`);
    } catch (err) {
      try {
        fs.truncateSync(this.stepsFile, before);
      } catch {
        /* the reader skips a torn last line anyway */
      }
      throw new WriteFailed(this.stepsFile, osReason(err));
    }
  }

  writeSummary(summary: Summary): void {
    writeSummary(this.dir, summary);
  }

  private writeJson(name: string, value: unknown): void {
    writeFileAtomicSync(path.join(this.dir, name), `${JSON.stringify(value, null, 2)}\n`);
  }
}

/** summary.json of a run directory: the one writer of it (a drill once at its end, `headroom report` when the analysis changed it). */
export function writeSummary(runDir: string, summary: Summary): void {
  writeFileAtomicSync(path.join(runDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
}

function guarded<T>(file: string, op: () => T): T {
  try {
    return op();
  } catch (err) {
    throw new WriteFailed(file, osReason(err));
  }
}

/** Writes a temp file beside `file` and renames it over: a reader sees the old file or the new, never half of one. */
export function writeFileAtomicSync(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new WriteFailed(file, osReason(err));
  }
}

/** writeFileAtomicSync for async callers (the report's files). */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new WriteFailed(file, osReason(err));
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
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
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
    throw new ConfigError(
      file,
      '',
      'not found; expected a run directory (reports/<run-id>/) or its summary.json, as written by `headroom drill`',
    );
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
    try {
      steps.push(JSON.parse(line) as StepRecord);
    } catch {
      /* torn line */
    }
  }
  return steps;
}

/** A run directory or its summary.json with the steps beside it, as a baseline is read (steps [] when absent). */
export async function readRunSamples(
  runOrSummary: string,
): Promise<{ file: string; summary: Summary; steps: StepRecord[] }> {
  const { file, summary } = await readSummary(runOrSummary);
  const steps = parseSteps(await readFile(path.join(path.dirname(file), 'steps.ndjson'), 'utf8').catch(() => ''));
  return { file, summary, steps };
}

export async function readRun(runDir: string): Promise<RunDir> {
  const { file, summary } = await readSummary(path.join(runDir, 'summary.json'));
  const steps = parseSteps(await readFile(path.join(runDir, 'steps.ndjson'), 'utf8').catch(() => ''));
  let run: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(await readFile(path.join(runDir, 'run.json'), 'utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) run = parsed;
  } catch {
    /* run.json is optional */
  }
  return { dir: runDir, summaryFile: file, summary, steps, run };
}
