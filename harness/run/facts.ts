// Run facts for run.json and summary.json: the git commit, the versions of what ran, and the
// cluster as the results record it (results/ cannot import cluster/, so the conversion lives here).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ClusterSpec } from '../cluster';
import { projectRoot } from '../common';
import type { ClusterFacts, RunFacts } from '../results';

export function gitFacts(cwd: string): RunFacts['git'] {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 3000,
    }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
        cwd,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 3000,
      }).trim().length > 0;
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: null };
  }
}

export function versions(): Record<string, string | null> {
  const pkg = (name: string) => {
    try {
      return (require(`${name}/package.json`) as { version: string }).version;
    } catch {
      return null;
    }
  };
  let headroom: string | null = null;
  try {
    headroom = (JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    headroom = null;
  }
  return {
    headroom,
    node: process.version,
    typescript: pkg('typescript'),
    dockerode: pkg('dockerode'),
    undici: pkg('undici'),
    '@grpc/grpc-js': pkg('@grpc/grpc-js'),
  };
}

export function clusterFacts(spec: ClusterSpec): ClusterFacts {
  return {
    name: spec.name,
    serverTypes: Object.fromEntries(
      Object.entries(spec.serverTypes).map(([k, t]) => [
        k,
        { cpus: t.cpus, memoryMb: t.memoryMb, workers: t.workers, costPerHour: t.costPerHour },
      ]),
    ),
    dcs: spec.dcs.map((d) => {
      const front = d.pools.filter((p) => p.tier === undefined || p.tier === spec.front);
      const base = {
        name: d.name,
        region: d.region,
        demand: d.demand,
        pools: Object.fromEntries(front.map((p) => [p.serverType, p.replicas])),
      };
      if ((spec.tiers?.length ?? 1) < 2) return base;
      const tierPools: Record<string, Record<string, number>> = {};
      for (const p of d.pools) (tierPools[p.tier!] ??= {})[p.serverType] = p.replicas;
      return { ...base, tierPools };
    }),
    ...(spec.failover ? { failover: spec.failover } : {}),
    ...((spec.tiers?.length ?? 1) > 1
      ? { tiers: [spec.front!, ...spec.tiers!.map((t) => t.name).filter((n) => n !== spec.front)], front: spec.front }
      : {}),
  };
}
