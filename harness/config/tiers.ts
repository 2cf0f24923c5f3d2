// A valid file's tiers to the model: the short form (`service: { env }`) as one reference tier,
// each service's source, ports, health check and durations resolved, tiers in start order.
import path from 'node:path';
import { parseDuration } from '../common';
import type { TierHealth, TierSource, TierSpec } from '../cluster';
import type { ClusterFile, ServiceFile } from './cluster-schema';
import { servedPorts, shortFormTier, startOrder } from './service-rules';

const text = (env: Record<string, string | number | boolean> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(env ?? {}).map(([k, v]) => [k, String(v)]));

function sourceOf(s: ServiceFile, baseDir: string): TierSource {
  if (s.image !== undefined) return { kind: 'image', image: s.image };
  if (s.build !== undefined)
    return {
      kind: 'build',
      context: path.resolve(baseDir, s.build),
      ...(s.packages !== undefined ? { packages: s.packages } : {}),
    };
  if (s.packages !== undefined) return { kind: 'packages', packages: s.packages };
  return { kind: 'reference' };
}

function healthOf(s: ServiceFile, source: TierSource): TierHealth {
  if (s.health === undefined) return source.kind === 'reference' ? { kind: 'reference' } : { kind: 'tcp' };
  if (typeof s.health === 'string') return { kind: s.health };
  return { kind: 'http', path: s.health.http };
}

function tierOf(name: string, s: ServiceFile, baseDir: string): TierSpec {
  const source = sourceOf(s, baseDir);
  const startTimeoutMs = s.startTimeout === undefined ? undefined : parseDuration(s.startTimeout);
  const stopGraceMs = s.stopGracePeriod === undefined ? undefined : parseDuration(s.stopGracePeriod);
  return {
    name,
    source,
    ...(s.command ? { command: s.command } : {}),
    ...(s.entrypoint ? { entrypoint: s.entrypoint } : {}),
    // The service's env is applied over the reference service's knobs.
    env: { ...text(s.reference?.env), ...text(s.env) },
    serves: servedPorts(s as unknown as Record<string, unknown>),
    health: healthOf(s, source),
    ...(startTimeoutMs !== undefined ? { startTimeoutMs } : {}),
    dependsOn: s.dependsOn,
    ...(s.stopSignal ? { stopSignal: s.stopSignal } : {}),
    ...(stopGraceMs !== undefined ? { stopGraceMs } : {}),
  };
}

/** The tiers in start order and the front tier (the only one, or the one marked front: true). */
export function buildTiers(f: ClusterFile, baseDir: string): { tiers: TierSpec[]; front: string } {
  if (!f.services) {
    const env = text(f.service?.env);
    return {
      tiers: [
        {
          name: shortFormTier,
          source: { kind: 'reference' },
          env,
          serves: ['http', 'grpc'],
          health: { kind: 'reference' },
          dependsOn: [],
        },
      ],
      front: shortFormTier,
    };
  }
  const byName = new Map(Object.entries(f.services).map(([name, s]) => [name, tierOf(name, s, baseDir)]));
  const order = startOrder(new Map([...byName].map(([n, t]) => [n, t.dependsOn])))!; // the rules refused cycles
  const names = [...byName.keys()];
  const front = names.length === 1 ? names[0] : names.find((n) => f.services![n].front === true)!;
  return { tiers: order.map((n) => byName.get(n)!), front };
}
