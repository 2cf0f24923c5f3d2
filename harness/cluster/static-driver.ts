// The static driver: servers headroom does not manage, listed by endpoint in the cluster file.
// up only checks they answer their health checks; resource samples come from the servers' own
// Prometheus metrics where the file says where they are; faults need a managed driver (ClusterError).
import { ClusterError, type Logger, silentLogger } from '../common';
import type { ClusterDriver, DriverOptions, Knobs, ReplicaStatus, RunningCluster, UpOptions } from './driver';
import type { ClusterSpec, Replica } from './model';
import { PrometheusSampler, type ScrapeTarget } from './prometheus-scrape';
import { defaultReadiness, NotReady, passesNow, postKnobs, type ReadinessCheck, readinessFor } from './readiness';
import { replicaNamed, tierOfReplica, tiersOf, toReplica } from './replicas';
import { renderTemplate } from './templates';
import { makeRunId } from '../results';

/** The replicas that say where their metrics are, with the URL to scrape (a path is on the HTTP port). */
export function scrapeTargets(spec: ClusterSpec, replicas: Replica[]): ScrapeTarget[] {
  return replicas.flatMap((r) => {
    if (!r.metrics) return [];
    const url = r.metrics.startsWith('/') ? `${r.http}${r.metrics}` : renderTemplate(r.metrics, r, spec.replicas);
    return [{ replica: r.name, url, cpus: spec.serverTypes[r.serverType].cpus }];
  });
}

export function staticDriver(
  spec: ClusterSpec,
  opts: DriverOptions & { readiness?: ReadinessCheck[] } = {},
): ClusterDriver {
  const log: Logger = opts.logger ?? silentLogger;
  const readiness = opts.readiness ?? defaultReadiness;
  const timeoutMs = opts.healthTimeoutMs ?? 30_000;
  const unsupported = (what: string, name: string) => {
    throw new ClusterError(
      `${what} ${name}: cluster ${spec.name} uses the static driver, which does not manage its servers`,
      name,
      undefined,
      'fault drills need driver: docker',
    );
  };

  return {
    async up(upOpts: UpOptions = {}): Promise<RunningCluster> {
      const replicas: Replica[] = spec.replicas.map((r) => toReplica(r));
      const tiers = new Map(tiersOf(spec).map((t) => [t.name, t]));
      // Each tier's own health check (a reference tier: HTTP /healthz, and gRPC health where the server has a gRPC address).
      const checksOf = (r: Replica) => readinessFor(tiers.get(tierOfReplica(spec, r))!, readiness, r);
      await Promise.all(
        replicas.map(async (r) => {
          for (const check of checksOf(r)) {
            try {
              await check.wait(r, { timeoutMs, signal: upOpts.signal });
            } catch (err) {
              if (err instanceof NotReady)
                throw new ClusterError(
                  `replica ${r.name} (${[r.http, r.grpc].filter(Boolean).join(', ')}) of static cluster ${spec.name} is not healthy: ${err.message}`,
                  r.name,
                );
              throw err;
            }
          }
        }),
      );
      log.debug(`static cluster ${spec.name}: ${replicas.length} endpoints healthy`);
      const targets = scrapeTargets(spec, replicas);
      const sampler = new PrometheusSampler(targets);
      await sampler.prime();
      if (targets.length)
        log.debug(`static cluster ${spec.name}: metrics of ${targets.length} of ${replicas.length} replicas read`);
      const find = (name: string) => replicaNamed(spec, replicas, name);
      const down = async () => {};
      return {
        spec,
        replicas,
        runId: upOpts.runId ?? makeRunId(spec.name, new Date()),
        // Replicas without a metrics source have no sample, and that says nothing about their health.
        sampleResources: () => sampler.sample(),
        healthy: (name, timeoutMs = 1000) => {
          const r = find(name);
          return passesNow(checksOf(r), r, timeoutMs);
        },
        kill: async (name) => unsupported('kill', find(name).name),
        pause: async (name) => unsupported('pause', find(name).name),
        unpause: async (name) => unsupported('unpause', find(name).name),
        setCpus: async (name) => unsupported('setCpus', find(name).name),
        async setKnobs(name, knobs: Partial<Knobs>) {
          try {
            return (await postKnobs(find(name), knobs)) as unknown as Knobs;
          } catch (err) {
            if (err instanceof ClusterError) throw err;
            throw new ClusterError(`setKnobs ${name}: ${(err as Error).message}`, name);
          }
        },
        down,
        [Symbol.asyncDispose]: down,
      };
    },
    down: async () => 0,
    async status(): Promise<ReplicaStatus[]> {
      return spec.replicas.map((r) => ({
        ...toReplica(r),
        state: 'unmanaged',
        cpus: spec.serverTypes[r.serverType].cpus,
        memoryMb: spec.serverTypes[r.serverType].memoryMb,
      }));
    },
  };
}
