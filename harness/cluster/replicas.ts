// Small shared pieces of both drivers (and of run/): replica addresses, lookup by name, bounded parallelism.
import { ClusterError } from '../common';
import type { ClusterSpec, Replica, ReplicaSpec, TierSpec } from './model';

/** A spec's tiers; one made by hand without them has the one reference tier `web`. */
export function tiersOf(spec: ClusterSpec): TierSpec[] {
  return (
    spec.tiers ?? [
      {
        name: 'web',
        source: { kind: 'reference' },
        env: { ...spec.serviceEnv },
        serves: ['http', 'grpc'],
        health: { kind: 'reference' },
        dependsOn: [],
      },
    ]
  );
}

/** The tier a replica belongs to (the front tier when the replica was made without one). */
export function tierOfReplica(spec: ClusterSpec, r: ReplicaSpec): string {
  return r.tier ?? spec.front ?? tiersOf(spec)[0].name;
}

export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function toReplica(r: ReplicaSpec, containerId?: string): Replica {
  return {
    ...r,
    http: `http://${hostPort(r.host, r.httpPort)}`,
    ...(r.grpcPort !== undefined ? { grpc: hostPort(r.grpcHost ?? r.host, r.grpcPort) } : {}),
    ...(containerId ? { containerId } : {}),
  };
}

export function replicaNamed<T extends { name: string }>(spec: ClusterSpec, replicas: T[], name: string): T {
  const found = replicas.find((r) => r.name === name);
  if (!found) {
    throw new ClusterError(
      `cluster ${spec.name} has no replica named '${name}'`,
      name,
      undefined,
      `its replicas: ${replicas.map((r) => r.name).join(', ')}`,
    );
  }
  return found;
}

/** Runs `fn` over `items`, at most `limit` at a time; rejects with the first failure once all started ones settled. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failure: { err: unknown } | undefined;
  const lane = async () => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        out[i] = await fn(items[i]);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw failure.err;
  return out;
}
