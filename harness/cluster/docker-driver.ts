// The docker driver: each replica is a container of its tier's image on its DC's daemon (host networking, its own
// ports, its server type's limits, headroom's labels). This file wires the docker-* parts (daemons, images, up, the
// running handle, teardown, status); they reach Docker only through ContainerEngine (docker-engine.ts holds dockerode).
import { type Logger, silentLogger } from '../common';
import type { ClusterDriver, UpOptions } from './driver';
import { clusterDaemons, type DaemonOptions } from './docker-daemons';
import { tierImages } from './docker-images';
import { readyWaiter } from './docker-replica';
import { clusterStatus } from './docker-status';
import { clusterTeardown } from './docker-teardown';
import { upCluster } from './docker-up';
import type { ClusterSpec, ReplicaSpec, TierSpec } from './model';
import { defaultReadiness, type ReadinessCheck } from './readiness';
import { tierOfReplica, tiersOf } from './replicas';

export interface DockerDriverOptions extends DaemonOptions {
  /** Health checks of reference tiers (default: HTTP /healthz and gRPC health). */
  readiness?: ReadinessCheck[];
}

export function dockerDriver(spec: ClusterSpec, opts: DockerDriverOptions = {}): ClusterDriver {
  const log: Logger = opts.logger ?? silentLogger;
  const daemons = clusterDaemons(spec, opts);
  const tiers = tiersOf(spec);
  const tierOf = (r: ReplicaSpec): TierSpec => tiers.find((t) => t.name === tierOfReplica(spec, r))!;
  const teardown = clusterTeardown(spec, daemons);
  const parts = {
    spec,
    log,
    daemons,
    teardown,
    tierImage: tierImages(daemons, log, opts.baseImage ?? 'scratch'),
    waitReady: readyWaiter(tierOf, opts.readiness ?? defaultReadiness, opts.healthTimeoutMs ?? 30_000),
    tiers,
    front: spec.front ?? tiers[0].name,
    tierOf,
  };
  return {
    up: (upOpts?: UpOptions) => upCluster(parts, upOpts),
    down: teardown.downCluster,
    status: () => clusterStatus(spec, daemons),
  };
}
