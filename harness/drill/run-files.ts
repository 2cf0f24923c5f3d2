// The files of one run in reports/<run-id>/: run.json (facts), steps.ndjson (appended as each step
// ends, synchronously, so a crash or Ctrl-C loses nothing already measured), summary.json.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ClusterSpec } from '../cluster/model';
import type { ClusterFacts, StepRecord, Summary } from './records';

/** `2026-11-27T18-05-00Z-capacity-drill`: sortable, safe in a file name. */
export function makeRunId(name: string, at: Date): string {
  const stamp = at.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'scenario';
  return `${stamp}-${safe}`;
}

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

export class RunFiles {
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

  readSteps(): StepRecord[] {
    return fs.readFileSync(this.stepsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as StepRecord);
  }

  private writeJson(name: string, value: unknown): void {
    const file = path.join(this.dir, name);
    fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
    fs.renameSync(`${file}.tmp`, file);
  }
}

export function clusterFacts(spec: ClusterSpec): ClusterFacts {
  return {
    name: spec.name,
    serverTypes: Object.fromEntries(Object.entries(spec.serverTypes).map(([k, t]) => [k, { cpus: t.cpus, memoryMb: t.memoryMb, workers: t.workers, costPerHour: t.costPerHour }])),
    dcs: spec.dcs.map((d) => ({ name: d.name, region: d.region, demand: d.demand, pools: Object.fromEntries(d.pools.map((p) => [p.serverType, p.replicas])) })),
    ...(spec.failover ? { failover: spec.failover } : {}),
  };
}

/** Redlines per server type from an earlier run's summary: its redline drills (the lowest per type), else its sweeps. */
export function readBaselineRedlines(summary: Summary): Record<string, number> {
  const lowest = (results: Summary['redlines']) => {
    const out: Record<string, number> = {};
    for (const r of results ?? []) {
      if (r.rpsPerReplica === null) continue;
      out[r.serverType] = out[r.serverType] === undefined ? r.rpsPerReplica : Math.min(out[r.serverType], r.rpsPerReplica);
    }
    return out;
  };
  return { ...lowest(summary.sweeps), ...lowest(summary.redlines) };
}
