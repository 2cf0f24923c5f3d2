// The Docker daemons of one cluster: a ContainerEngine per endpoint its DCs name (made on first use), the
// daemon each replica runs on, and the cluster's containers found across all of them.
import type { DriverOptions } from './driver';
import { dockerEngine, dockerHostOptions } from './docker-engine';
import type { ContainerEngine, ContainerSummary } from './engine';
import { label } from './labels';
import type { ClusterSpec, ReplicaSpec } from './model';

/** How many containers are created, started or removed at once on the daemons. */
export const startConcurrency = 4;

/** A container of the cluster and the daemon it was found on. */
export type Found = { engine: ContainerEngine; c: ContainerSummary };

export interface DaemonOptions extends DriverOptions {
  /** The container client per Docker endpoint (a DC's dockerHost, or undefined for the default). */
  engineFor?: (dockerHost: string | undefined) => ContainerEngine;
}

export interface ClusterDaemons {
  /** The client of one endpoint (undefined: the default one), made once. */
  engineOf(dockerHost: string | undefined): ContainerEngine;
  /** The endpoint of a replica's DC (undefined: the default one). */
  dockerHostOf(r: ReplicaSpec): string | undefined;
  engineForReplica(r: ReplicaSpec): ContainerEngine;
  /** A daemon on this machine (a unix socket) shares its ports with the harness: they can be checked before up. */
  onThisMachine(r: ReplicaSpec): boolean;
  /** Every endpoint the cluster's DCs name, once each. */
  hostsInUse: (string | undefined)[];
  /** The label filter of the cluster's containers. */
  clusterFilter: string;
  containersOfCluster(): Promise<Found[]>;
  /**
   * For removing: the cluster's containers on every daemon that answers, and the daemons that do not (with
   * their DCs and why), so that one unreachable daemon does not keep the others' containers. A cluster on a
   * single daemon that does not answer gets that daemon's own error.
   */
  containersOnReachable(): Promise<{ found: Found[]; unreachable: string[] }>;
  /** Another daemon of this cluster (or the default one) that holds `ref`. */
  daemonHolding(ref: string, except: ContainerEngine): Promise<ContainerEngine | undefined>;
}

/**
 * The client of the default endpoint, for DCs that name none and for the edge: DOCKER_HOST as common/options
 * read it (with DOCKER_CERT_PATH and the ssh agent), else `opts.docker`, else this machine's socket.
 */
export function defaultDockerEngine(opts: DriverOptions): ContainerEngine {
  if (opts.dockerHost === undefined) return dockerEngine(opts.docker);
  const how = {
    ...(opts.dockerCertPath ? { certPath: opts.dockerCertPath } : {}),
    ...(opts.sshAgent ? { sshAgent: opts.sshAgent } : {}),
    source: 'DOCKER_HOST', // named in its connection errors
  };
  return dockerEngine(dockerHostOptions(opts.dockerHost, how));
}

export function clusterDaemons(spec: ClusterSpec, opts: DaemonOptions): ClusterDaemons {
  const engines = new Map<string, ContainerEngine>();
  const engineOf = (dockerHost: string | undefined): ContainerEngine => {
    const key = dockerHost ?? '';
    let e = engines.get(key);
    if (!e) {
      // The first DC naming an endpoint gives its certificates (one daemon, one set of them).
      const certPath = spec.dcs.find((d) => d.dockerHost === dockerHost && d.dockerCertPath)?.dockerCertPath;
      const how = { ...(certPath ? { certPath } : {}), ...(opts.sshAgent ? { sshAgent: opts.sshAgent } : {}) };
      e = opts.engineFor
        ? opts.engineFor(dockerHost)
        : dockerHost === undefined
          ? defaultDockerEngine(opts)
          : dockerEngine(dockerHostOptions(dockerHost, how));
      engines.set(key, e);
    }
    return e;
  };
  const dockerHostOf = (r: ReplicaSpec) => spec.dcs.find((d) => d.name === r.dc)?.dockerHost;
  const onThisMachine = (r: ReplicaSpec) => {
    const endpoint = dockerHostOf(r) ?? opts.dockerHost;
    return endpoint === undefined || endpoint.startsWith('unix://');
  };
  const engineForReplica = (r: ReplicaSpec) => engineOf(dockerHostOf(r));
  const hostsInUse = [...new Set(spec.dcs.map((d) => d.dockerHost))];
  const clusterFilter = `${label.cluster}=${spec.name}`;

  async function containersOfCluster(): Promise<Found[]> {
    const out = new Map<string, Found>();
    for (const h of hostsInUse) {
      const engine = engineOf(h);
      // Two DCs may name the same daemon in two ways; a container counts once.
      for (const c of await engine.list([clusterFilter])) if (!out.has(c.id)) out.set(c.id, { engine, c });
    }
    return [...out.values()];
  }

  async function containersOnReachable(): Promise<{ found: Found[]; unreachable: string[] }> {
    const out = new Map<string, Found>();
    const unreachable: string[] = [];
    for (const h of hostsInUse) {
      const engine = engineOf(h);
      try {
        for (const c of await engine.list([clusterFilter])) if (!out.has(c.id)) out.set(c.id, { engine, c });
      } catch (err) {
        if (hostsInUse.length === 1) throw err;
        const dcs = spec.dcs.filter((d) => d.dockerHost === h).map((d) => d.name);
        const why = (err instanceof Error ? err.message : String(err)).replace(/^docker: /, '');
        unreachable.push(`${engine.daemon} (dc ${dcs.join(', ')}): ${why}`);
      }
    }
    return { found: [...out.values()], unreachable };
  }

  async function daemonHolding(ref: string, except: ContainerEngine): Promise<ContainerEngine | undefined> {
    for (const h of new Set<string | undefined>([undefined, ...hostsInUse])) {
      const other = engineOf(h);
      if (other !== except && other.daemon !== except.daemon && (await other.imageExists(ref))) return other;
    }
    return undefined;
  }

  return {
    engineOf,
    dockerHostOf,
    engineForReplica,
    onThisMachine,
    hostsInUse,
    clusterFilter,
    containersOfCluster,
    containersOnReachable,
    daemonHolding,
  };
}
