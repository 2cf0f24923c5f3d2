// The run's directory, opened before anything starts: never an earlier run's directory, never one that
// cannot be written (exit 104); run.json says what ran, where, from which commit and with which options.
import * as path from 'node:path';
import { makeRunId, prepareOutDir, RunWriter, type RunFacts } from '../results';
import { clusterFacts, gitFacts, versions } from './facts';
import type { DrillRunOptions } from './options';
import type { RunConfig } from './run-config';

export interface OpenedRun {
  runId: string;
  runDir: string;
  files: RunWriter;
  facts: RunFacts;
  startedAt: Date;
}

export function openRunDir(
  { scenario, spec, forecast }: RunConfig,
  opts: Pick<DrillRunOptions, 'cwd' | 'outDir' | 'replace' | 'keep' | 'baseline' | 'logger'>,
): OpenedRun {
  const startedAt = new Date();
  const runId = makeRunId(scenario.name, startedAt);
  const runDir = path.resolve(opts.cwd, opts.outDir ?? path.join('reports', runId));
  const { movedTo } = prepareOutDir(runDir, { replace: opts.replace, now: startedAt });
  if (movedTo)
    opts.logger.info(`--replace: the earlier ${path.relative(opts.cwd, runDir) || runDir} was moved to ${movedTo}`);
  const files = new RunWriter(runDir);
  const facts: RunFacts = {
    runId,
    scenario: { name: scenario.name, file: scenario.file, description: scenario.description },
    cluster: { name: spec.name, file: spec.file, driver: spec.driver, replicas: spec.replicas.length },
    clusterFacts: clusterFacts(spec),
    git: gitFacts(opts.cwd),
    versions: versions(),
    options: { keep: opts.keep === true, baseline: opts.baseline ?? null, forecast: forecast?.file ?? null },
    startedAt: startedAt.toISOString(),
    endedAt: null,
  };
  files.writeRun(facts);
  opts.logger.info(`drill ${scenario.name}: run ${runId} → ${path.relative(opts.cwd, runDir) || runDir}`);
  return { runId, runDir, files, facts, startedAt };
}
