// `headroom status` of a docker cluster: every replica of the spec with its container's state, limits and
// owner (and whether that run's process lives), found by label on the cluster's daemons.
import type { ReplicaStatus } from './driver';
import type { ClusterDaemons, Found } from './docker-daemons';
import type { ContainerState } from './engine';
import { label } from './labels';
import type { ClusterSpec, ReplicaState } from './model';
import { localProbe, ownerIsLive, ownerOf } from './owner';
import { toReplica } from './replicas';

const MiB = 1024 * 1024;

function stateOf(s: ContainerState): ReplicaState {
  switch (s) {
    case 'running':
    case 'restarting':
      return 'running';
    case 'paused':
      return 'paused';
    case 'removing':
    case 'dead':
      return 'dead';
    default:
      return 'exited';
  }
}

export async function clusterStatus(spec: ClusterSpec, daemons: ClusterDaemons): Promise<ReplicaStatus[]> {
  const byName = new Map<string, Found>();
  for (const found of await daemons.containersOfCluster()) byName.set(found.c.labels[label.replica], found);
  const probe = localProbe();
  return Promise.all(
    spec.replicas.map(async (r): Promise<ReplicaStatus> => {
      const type = spec.serverTypes[r.serverType];
      const found = byName.get(r.name);
      if (!found) return { ...toReplica(r), state: 'missing', cpus: type.cpus, memoryMb: type.memoryMb };
      const d = await found.engine.inspect(found.c.id).catch(() => undefined);
      const owner = ownerOf(found.c.labels, label.run);
      return {
        ...toReplica(r, found.c.id),
        ...(owner ? { owner: { ...owner, live: ownerIsLive(owner, probe) } } : {}),
        state: d ? stateOf(d.state) : 'missing',
        cpus: d?.nanoCpus ? d.nanoCpus / 1e9 : type.cpus,
        memoryMb: d?.memoryBytes ? d.memoryBytes / MiB : type.memoryMb,
      };
    }),
  );
}
