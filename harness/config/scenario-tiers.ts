// A scenario against a cluster with several tiers: which tier the mix loads (the front unless its
// endpoints name another) and the tier names it uses, checked before anything starts.
import * as path from 'node:path';
import type { ClusterSpec } from '../cluster';
import { ConfigError } from '../common';

/** What of a scenario this file reads (kept structural: scenario.ts calls in here). */
interface TieredScenario {
  file: string;
  mix: { endpoints: { tier?: string }[] };
  drills: { kind: string; tier?: string; pool?: string }[];
}

/** The tier the scenario's load enters: the one its endpoints name, else the cluster's front; undefined with one tier. */
export function loadTierOf(scenario: Pick<TieredScenario, 'mix'>, cluster: ClusterSpec): string | undefined {
  const named = scenario.mix.endpoints.map((e) => e.tier).find((t) => t !== undefined);
  return named ?? cluster.front;
}

/** Unknown tiers, endpoints that load different tiers (one router per run), drills on a tier or pool the load does not enter. */
export function scenarioTierProblems(scenario: TieredScenario, cluster: ClusterSpec): ConfigError[] {
  const problems: ConfigError[] = [];
  const tiers = cluster.tiers?.map((t) => t.name) ?? (cluster.front ? [cluster.front] : []);
  const file = path.basename(cluster.file);
  const list = tiers.map((t) => `'${t}'`).join(', ') || '(none: the cluster has one unnamed tier)';
  const load = loadTierOf(scenario, cluster);
  scenario.mix.endpoints.forEach((e, i) => {
    if (e.tier === undefined) return;
    if (!tiers.includes(e.tier))
      problems.push(
        new ConfigError(
          scenario.file,
          `mix.endpoints[${i}].tier`,
          `got '${e.tier}'; expected a tier of ${file}: ${list}`,
        ),
      );
    else if (e.tier !== load) {
      problems.push(
        new ConfigError(
          scenario.file,
          `mix.endpoints[${i}].tier`,
          `got '${e.tier}' while mix.endpoints[0] loads '${load}'; expected one tier for the whole mix`,
          'split the mix into two scenarios, one per tier loaded directly',
        ),
      );
    }
  });
  const poolTier = new Map(cluster.dcs.flatMap((d) => d.pools).map((p) => [p.id, p.tier]));
  scenario.drills.forEach((d, i) => {
    if (d.kind !== 'redline' && d.kind !== 'sweep') return;
    if (d.tier !== undefined && d.tier !== load) {
      problems.push(
        new ConfigError(
          scenario.file,
          `drills[${i}].tier`,
          `got '${d.tier}'; expected '${load ?? 'the only tier'}', the tier the mix loads`,
          `to measure the ${d.tier} tier directly, give the mix's endpoints \`tier: '${d.tier}'\``,
        ),
      );
    }
    const pt = d.pool !== undefined ? poolTier.get(d.pool) : undefined;
    if (pt !== undefined && load !== undefined && pt !== load) {
      problems.push(
        new ConfigError(
          scenario.file,
          `drills[${i}].pool`,
          `got '${d.pool}', a pool of the ${pt} tier; expected a pool of '${load}', the tier the mix loads`,
        ),
      );
    }
  });
  return problems;
}
