// A run that was killed (SIGKILL, a power cut) has run.json and steps.ndjson but no summary.json: its
// summary is rebuilt from them, marked "crashed", so `headroom report <run>` still shows every step
// that finished. No redline is made up from a search that never ended.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../common';
import type { ClusterFacts, Summary } from './records';
import { parseSteps, writeFileAtomicSync, type RunFacts } from './run-files';

/** Whether runDir is a run directory whose summary.json is missing but whose run.json is there. */
export function isCrashedRun(runDir: string): boolean {
  return !fs.existsSync(path.join(runDir, 'summary.json')) && fs.existsSync(path.join(runDir, 'run.json'));
}

/** Writes summary.json (status crashed) from run.json and steps.ndjson; returns it and the number of steps kept. */
export function rebuildCrashedSummary(runDir: string): { summary: Summary; steps: number } {
  const runFile = path.join(runDir, 'run.json');
  let facts: RunFacts;
  try {
    facts = JSON.parse(fs.readFileSync(runFile, 'utf8')) as RunFacts;
  } catch (err) {
    throw new ConfigError(
      runFile,
      '',
      `cannot rebuild the summary of a crashed run: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const stepsText = fs.existsSync(path.join(runDir, 'steps.ndjson'))
    ? fs.readFileSync(path.join(runDir, 'steps.ndjson'), 'utf8')
    : '';
  const steps = parseSteps(stepsText);
  const cluster: ClusterFacts = facts.clusterFacts ?? {
    name: facts.cluster?.name ?? 'unknown',
    serverTypes: {},
    dcs: [],
  };
  const last = steps[steps.length - 1] as { endedAt?: string } | undefined;
  const summary: Summary = {
    runId: facts.runId,
    status: 'crashed',
    scenario: facts.scenario?.name ?? 'unknown',
    scenarioFile: facts.scenario?.file ?? '',
    startedAt: facts.startedAt,
    endedAt: last?.endedAt ?? facts.startedAt,
    cluster,
    redlines: [],
    sweeps: [],
    drains: [],
    failovers: [],
    thresholds: {},
    error: `the run ended without a summary (killed or crashed); rebuilt from run.json and ${steps.length} complete steps in steps.ndjson`,
  };
  writeFileAtomicSync(path.join(runDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileAtomicSync(runFile, `${JSON.stringify({ ...facts, status: 'crashed' }, null, 2)}\n`);
  return { summary, steps: steps.length };
}
