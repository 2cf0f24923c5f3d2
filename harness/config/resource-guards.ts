// A guard or threshold on a resource metric (CPU, memory) needs resource samples of every replica it judges.
// Servers of a static cluster have them only through their own metrics (`metrics:`); a guard on a pool without
// a source could never see data, so it is refused before anything starts rather than left to pass empty.
import * as path from 'node:path';
import type { ClusterSpec, ReplicaSpec } from '../cluster';
import { ConfigError } from '../common';
import { metricCatalog, type Threshold } from '../metrics';

/** The replicas a threshold's tag filter can judge (tags that are not about replicas match every one). */
function judged(t: Threshold, replicas: readonly ReplicaSpec[]): ReplicaSpec[] {
  const f = t.filter;
  return replicas.filter(
    (r) =>
      (f.region ?? r.region) === r.region &&
      (f.dc ?? r.dc) === r.dc &&
      (f.pool ?? r.pool) === r.pool &&
      (f.serverType ?? r.serverType) === r.serverType &&
      (f.replica ?? r.name) === r.name,
  );
}

/** One problem per guard (or threshold) on a resource metric that judges a pool without a metrics source. */
export function resourceGuardProblems(
  scenario: { file: string; parsed: { guards: readonly Threshold[]; thresholds: readonly Threshold[] } },
  cluster: ClusterSpec,
): ConfigError[] {
  if (cluster.driver !== 'static') return [];
  const problems: ConfigError[] = [];
  const clusterFile = path.basename(cluster.file);
  for (const field of ['guards', 'thresholds'] as const) {
    for (const t of scenario.parsed[field]) {
      const series = metricCatalog[t.metric]?.prometheus;
      if (!series) continue;
      const without = judged(t, cluster.replicas).filter((r) => !r.metrics);
      if (!without.length) continue;
      const pools = [...new Set(without.map((r) => r.pool))];
      const kind = field === 'guards' ? 'guard' : 'threshold';
      problems.push(
        new ConfigError(
          scenario.file,
          `${field}.${t.key}`,
          `${kind} '${t.key}: ${t.expression}' has no data source: pool${pools.length > 1 ? 's' : ''} ${pools.join(', ')} of static cluster ` +
            `${cluster.name} (${clusterFile}) ${pools.length > 1 ? 'have' : 'has'} no metrics:, and a ${kind} with no data never passes`,
          `say where the servers' Prometheus metrics are (with ${series}): metrics: /metrics at the top of ${clusterFile}, under the tier, ` +
            `or on each endpoint; or remove the ${kind}`,
        ),
      );
    }
  }
  return problems;
}
