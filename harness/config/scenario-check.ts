// Checks a resolved scenario against its cluster: the server types, DCs, regions and pools its drills
// name exist, no drill's rate would be capped by safety.maxTotalRps, and a gRPC mix meets servers with a
// gRPC address. Every problem at once (exit 104).
import * as path from 'node:path';
import type { ClusterSpec } from '../cluster';
import { ConfigError, ConfigErrors } from '../common';
import { resourceGuardProblems } from './resource-guards';
import type { ResolvedDrill, Scenario } from './scenario-resolve';
import { grpcMixProblems } from './scenario-grpc';
import { scenarioTierProblems } from './scenario-tiers';

/** Checks the names a scenario uses (server types, DCs, regions, pools) against its cluster; throws ConfigErrors. */
export function checkScenarioAgainstCluster(scenario: Scenario, cluster: ClusterSpec): void {
  const problems: ConfigError[] = [];
  const types = Object.keys(cluster.serverTypes);
  const dcs = cluster.dcs.map((d) => d.name);
  const pools = cluster.dcs.flatMap((d) => d.pools.filter((p) => p.replicas > 0).map((p) => p.id));
  const regions = cluster.regions.map((r) => r.name);
  const list = (xs: string[]) => xs.map((x) => `'${x}'`).join(', ');
  scenario.drills.forEach((d, i) => {
    const at = (f: string) => `drills[${i}].${f}`;
    if (d.kind === 'redline' || d.kind === 'sweep') {
      if (d.pool !== undefined && !pools.includes(d.pool))
        problems.push(
          new ConfigError(
            scenario.file,
            at('pool'),
            `got '${d.pool}'; expected a pool of ${path.basename(cluster.file)} with replicas: ${list(pools)}`,
          ),
        );
      if (d.serverTypes !== 'all')
        d.serverTypes.forEach((t, j) => {
          if (!types.includes(t))
            problems.push(
              new ConfigError(
                scenario.file,
                at(`serverTypes[${j}]`),
                `got '${t}'; expected a server type of ${path.basename(cluster.file)}: ${list(types)}`,
              ),
            );
        });
    }
    if (d.kind === 'drain') {
      const t = d.target;
      if ('dc' in t && !dcs.includes(t.dc))
        problems.push(
          new ConfigError(
            scenario.file,
            at('target.dc'),
            `got '${t.dc}'; expected a DC of ${path.basename(cluster.file)}: ${list(dcs)}`,
          ),
        );
      if ('region' in t && !regions.includes(t.region))
        problems.push(
          new ConfigError(
            scenario.file,
            at('target.region'),
            `got '${t.region}'; expected a region of ${path.basename(cluster.file)}: ${list(regions)}`,
          ),
        );
      if ('pool' in t && !pools.includes(t.pool))
        problems.push(
          new ConfigError(
            scenario.file,
            at('target.pool'),
            `got '${t.pool}'; expected a pool of ${path.basename(cluster.file)}: ${list(pools)}`,
          ),
        );
    }
    if (d.kind === 'lose-dc') {
      if (d.dc !== 'each' && !dcs.includes(d.dc))
        problems.push(
          new ConfigError(
            scenario.file,
            at('dc'),
            `got '${d.dc}'; expected 'each' or a DC of ${path.basename(cluster.file)}: ${list(dcs)}`,
          ),
        );
      if (dcs.length < 2)
        problems.push(
          new ConfigError(scenario.file, at('dc'), `the cluster has ${dcs.length} DC; losing one needs at least 2`),
        );
    }
    if (d.kind === 'redline' || d.kind === 'sweep') problems.push(...capProblems(scenario, cluster, d, at));
    if ((d.kind === 'drain' || d.kind === 'lose-dc' || d.kind === 'hold') && d.totalRps > scenario.safety.maxTotalRps) {
      problems.push(
        new ConfigError(
          scenario.file,
          at('totalRps'),
          `got ${d.totalRps}; expected at most safety.maxTotalRps (${scenario.safety.maxTotalRps})`,
        ),
      );
    }
  });
  problems.push(...resourceGuardProblems(scenario, cluster));
  problems.push(...scenarioTierProblems(scenario, cluster));
  problems.push(...grpcMixProblems(scenario, cluster));
  if (scenario.baselineRps > scenario.safety.maxTotalRps)
    problems.push(
      new ConfigError(
        scenario.file,
        'baselineRps',
        `got ${scenario.baselineRps}; expected at most safety.maxTotalRps (${scenario.safety.maxTotalRps})`,
      ),
    );
  if (problems.length) throw new ConfigErrors(problems);
}

/** The pools a redline or sweep probes: its pool, else per server type the pool with the fewest replicas (as the drill picks). */
function probedPools(
  cluster: ClusterSpec,
  d: { serverTypes: 'all' | string[]; pool?: string },
): { id: string; replicas: number }[] {
  const all = cluster.dcs.flatMap((dc) => dc.pools).filter((p) => p.replicas > 0);
  if (d.pool) return all.filter((p) => p.id === d.pool);
  const types = d.serverTypes === 'all' ? Object.keys(cluster.serverTypes) : d.serverTypes;
  return types.flatMap((t) => {
    const candidates = all.filter((p) => p.serverType === t);
    return candidates.length ? [candidates.reduce((a, b) => (b.replicas < a.replicas ? b : a))] : [];
  });
}

/**
 * A probe rate × the pool's replicas above safety.maxTotalRps would be quietly capped, and the cap would read
 * as a redline: say so at load time instead, naming the drill and its fields.
 */
function capProblems(
  scenario: Scenario,
  cluster: ClusterSpec,
  d: Extract<ResolvedDrill, { kind: 'redline' | 'sweep' }>,
  at: (f: string) => string,
): ConfigError[] {
  const cap = scenario.safety.maxTotalRps;
  const rates: [string, number | undefined][] =
    d.kind === 'redline'
      ? [
          ['startRps', d.startRps],
          ['maxRps', d.maxRps],
        ]
      : [
          ['from', d.from],
          ['to', d.to],
        ];
  const problems: ConfigError[] = [];
  for (const pool of probedPools(cluster, d)) {
    for (const [field, rps] of rates) {
      if (rps === undefined || rps * pool.replicas <= cap) continue;
      problems.push(
        new ConfigError(
          scenario.file,
          at(field),
          `drill '${d.name}': got ${rps} req/s per replica × ${pool.replicas} replicas of ${pool.id} = ${rps * pool.replicas} req/s; ` +
            `expected at most safety.maxTotalRps (${cap}): lower ${field} or raise safety.maxTotalRps`,
        ),
      );
    }
  }
  return problems;
}
