// The handle of a docker cluster that is up: its replicas, their CPU and memory sampled from the daemons,
// faults (kill, pause, a CPU quota, knobs), restarting a killed replica, and the run's own teardown.
import { ClusterError } from '../common';
import type { Knobs, RunningCluster } from './driver';
import type { ClusterDaemons } from './docker-daemons';
import { logLines, type WaitReady } from './docker-replica';
import type { ClusterTeardown } from './docker-teardown';
import type { ContainerEngine } from './engine';
import { label } from './labels';
import type { ClusterSpec, Replica, ResourceSample } from './model';
import { postKnobs } from './readiness';
import { replicaNamed } from './replicas';

const MiB = 1024 * 1024;

/** What the handle needs of its driver: the daemons, the run's teardown and the health wait (for restart). */
export interface RunningParts {
  daemons: ClusterDaemons;
  teardown: ClusterTeardown;
  waitReady: WaitReady;
}

export function runningCluster(
  { daemons, teardown, waitReady }: RunningParts,
  spec: ClusterSpec,
  runId: string,
  replicas: Replica[],
  startedAt: number,
): RunningCluster {
  const { engineOf, engineForReplica, hostsInUse, clusterFilter } = daemons;
  const cpus = new Map(replicas.map((r) => [r.name, spec.serverTypes[r.serverType].cpus]));
  const previous = new Map<string, { at: number; cpuNanos: number }>(
    replicas.map((r) => [r.name, { at: startedAt, cpuNanos: 0 }]),
  );
  let downing: Promise<void> | undefined;
  const find = (name: string) => {
    if (downing) throw new ClusterError(`cluster ${spec.name} is down`, name);
    return replicaNamed(spec, replicas, name);
  };
  const act = async (name: string, what: string, fn: (engine: ContainerEngine, id: string) => Promise<void>) => {
    const r = find(name);
    try {
      await fn(engineForReplica(r), r.containerId!);
    } catch (err) {
      throw new ClusterError(`${what} ${name}: ${(err as Error).message}`, name);
    }
  };
  const down = () => {
    downing ??= teardown.removeRun(runId).then(() => undefined);
    return downing;
  };
  return {
    spec,
    replicas,
    runId,
    async sampleResources(): Promise<ResourceSample[]> {
      if (downing) return [];
      const live = new Set<string>();
      for (const h of hostsInUse) {
        for (const c of await engineOf(h).list([clusterFilter, `${label.run}=${runId}`])) {
          if (c.state === 'running' || c.state === 'paused') live.add(c.labels[label.replica]);
        }
      }
      const samples = await Promise.all(
        replicas
          .filter((r) => live.has(r.name))
          .map(async (r): Promise<ResourceSample | undefined> => {
            const s = await engineForReplica(r)
              .stats(r.containerId!)
              .catch(() => undefined);
            if (!s) return undefined;
            const prev = previous.get(r.name)!;
            const dt = (s.at - prev.at) / 1000;
            const used = (s.cpuNanos - prev.cpuNanos) / 1e9;
            previous.set(r.name, { at: s.at, cpuNanos: s.cpuNanos });
            return {
              replica: r.name,
              at: s.at,
              cpuSeconds: s.cpuNanos / 1e9,
              cpuShare: dt > 0 ? Math.max(0, used / (dt * cpus.get(r.name)!)) : 0,
              memoryMb: s.memoryBytes / MiB,
            };
          }),
      );
      return samples.filter((s): s is ResourceSample => !!s);
    },
    kill: (name) => act(name, 'kill', (e, id) => e.kill(id)),
    pause: (name) => act(name, 'pause', (e, id) => e.pause(id)),
    unpause: (name) => act(name, 'unpause', (e, id) => e.unpause(id)),
    async setCpus(name, value) {
      if (!(value > 0))
        throw new ClusterError(`setCpus ${name}: expected a CPU quota above 0 cores, got ${value}`, name);
      await act(name, 'setCpus', (e, id) => e.updateCpus(id, Math.round(value * 1e9)));
      cpus.set(name, value);
    },
    async setKnobs(name, knobs: Partial<Knobs>): Promise<Knobs> {
      const r = find(name);
      try {
        return (await postKnobs(r, knobs)) as unknown as Knobs;
      } catch (err) {
        throw new ClusterError(`setKnobs ${name}: ${(err as Error).message}`, name);
      }
    },
    /** Starts a killed replica's container again and waits until it is healthy. */
    async restart(name: string): Promise<void> {
      const r = find(name);
      const engine = engineForReplica(r);
      try {
        await engine.start(r.containerId!);
        await waitReady(r, engine, new AbortController().signal);
      } catch (err) {
        const tail = await engine.logs(r.containerId!, logLines).catch(() => '');
        throw new ClusterError(`restart ${name}: ${(err as Error).message}`, name, tail);
      }
      previous.set(name, { at: Date.now(), cpuNanos: 0 });
    },
    down,
    [Symbol.asyncDispose]: down,
  };
}
