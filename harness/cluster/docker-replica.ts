// One replica's container: what it is created with (its tier's image, env and command, its server
// type's CPU and memory limits, headroom's labels), and the wait until its tier's health checks pass.
import type { ContainerCreate, ContainerEngine } from './engine';
import { replicaLabels } from './labels';
import type { ClusterSpec, Replica, ReplicaSpec, TierSpec } from './model';
import type { Owner } from './owner';
import { type ReadinessCheck, readinessFor } from './readiness';
import { renderAll, renderTemplate } from './templates';

const MiB = 1024 * 1024;

/** How many of its last log lines the error of a replica that failed shows. */
export const logLines = 30;

/** The container of replica `r` of tier `tier` (`front`: the cluster's front tier), running `image`. */
export function containerOf(
  spec: ClusterSpec,
  r: ReplicaSpec,
  tier: TierSpec,
  front: string,
  image: string,
  owner: Owner,
): ContainerCreate {
  const type = spec.serverTypes[r.serverType];
  const fill = (list: string[] | undefined) => list?.map((t) => renderTemplate(t, r, spec.replicas));
  return {
    name: r.name,
    image,
    env: {
      // serviceEnv is the front reference tier's env, which a caller may still adjust on the spec.
      ...renderAll(
        tier.name === front && tier.source.kind === 'reference' ? { ...tier.env, ...spec.serviceEnv } : tier.env,
        r,
        spec.replicas,
      ),
      HTTP_PORT: String(r.httpPort),
      GRPC_PORT: String(r.grpcPort),
      HOST: r.host,
      REPLICA: r.name,
      WORKERS: String(type.workers),
    },
    ...(tier.command ? { cmd: fill(tier.command) } : {}),
    ...(tier.entrypoint ? { entrypoint: fill(tier.entrypoint) } : {}),
    ...(tier.stopSignal ? { stopSignal: tier.stopSignal } : {}),
    ...(tier.stopGraceMs !== undefined ? { stopTimeoutS: Math.ceil(tier.stopGraceMs / 1000) } : {}),
    labels: replicaLabels(spec, r, owner),
    nanoCpus: Math.round(type.cpus * 1e9),
    // Weight in proportion to the quota, so that on a busy machine a large replica still gets
    // its larger part (equal weights would squeeze every type towards the same share).
    cpuShares: Math.max(2, Math.round(type.cpus * 1024)),
    memoryBytes: type.memoryMb * MiB,
  };
}

/** Resolves once the replica's tier's checks pass; rejects with NotReady when one times out or the container stops. */
export type WaitReady = (replica: Replica, engine: ContainerEngine, signal: AbortSignal) => Promise<void>;

/** `readiness`: the checks of reference tiers; `healthTimeoutMs`: each check's limit where a tier sets none. */
export function readyWaiter(
  tierOf: (r: ReplicaSpec) => TierSpec,
  readiness: ReadinessCheck[],
  healthTimeoutMs: number,
): WaitReady {
  return async (replica, engine, signal) => {
    const tier = tierOf(replica);
    const checks = readinessFor(tier, readiness);
    const timeoutMs = tier.startTimeoutMs ?? healthTimeoutMs;
    const alive = async () => {
      try {
        return (await engine.inspect(replica.containerId!)).state === 'running';
      } catch {
        return false;
      }
    };
    for (const check of checks) await check.wait(replica, { timeoutMs, signal, alive });
  };
}
