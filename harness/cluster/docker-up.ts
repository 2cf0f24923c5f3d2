// Bringing a docker cluster up: refuse a cluster a live run holds, remove a dead run's leftovers, check the
// ports, get each tier's image onto each daemon that runs it, create every container, then start the tiers in
// dependsOn order, each once the ones before it are healthy. On any failure or abort, the run's containers go.
import { ClusterError, Interrupted, type Logger } from '../common';
import type { RunningCluster, UpOptions } from './driver';
import { type ClusterDaemons, startConcurrency } from './docker-daemons';
import type { TierImage } from './docker-images';
import { checkPorts } from './docker-port-check';
import { containerOf, logLines, type WaitReady } from './docker-replica';
import { runningCluster } from './docker-running';
import type { ClusterTeardown } from './docker-teardown';
import type { ClusterSpec, Replica, ReplicaSpec, TierSpec } from './model';
import { currentOwner, heldError, type Owner, sameOwner } from './owner';
import { NotReady } from './readiness';
import { mapLimit, toReplica } from './replicas';
import { makeRunId } from '../results';

/** The parts of the docker driver that `up` wires together, made once per driver. */
export interface UpParts {
  spec: ClusterSpec;
  log: Logger;
  daemons: ClusterDaemons;
  teardown: ClusterTeardown;
  tierImage: TierImage;
  waitReady: WaitReady;
  /** The tiers in start (dependsOn) order, the front tier's name and each replica's tier. */
  tiers: TierSpec[];
  front: string;
  tierOf: (r: ReplicaSpec) => TierSpec;
}

export async function upCluster(parts: UpParts, upOpts: UpOptions = {}): Promise<RunningCluster> {
  const { spec, log, daemons, teardown, tierImage, waitReady, tiers, front, tierOf } = parts;
  const { dockerHostOf, engineForReplica } = daemons;
  const runId = upOpts.runId ?? makeRunId(spec.name, new Date());
  const signal = upOpts.signal;
  const interrupted = () => new Interrupted(typeof signal?.reason === 'string' ? signal.reason : 'SIGINT');
  const owner: Owner = { ...(upOpts.owner ?? currentOwner(runId)), runId };
  // One owner per cluster: a live run's replicas are never leftovers; only a dead owner's are removed.
  const { held, removable } = await teardown.byOwner((o) => sameOwner(o, owner));
  if (held.length) throw heldError(spec.name, spec.file, held, 'nothing was started or removed');
  const leftovers = await teardown.remove(removable);
  if (leftovers)
    log.info(`removed ${leftovers} leftover container(s) of cluster ${spec.name} (their run's process is gone)`);
  await checkPorts(spec, daemons);
  // Images per (daemon, tier): only the tiers a daemon runs replicas of.
  const images = new Map<string, string>();
  const imageKey = (host: string | undefined, tier: string) => `${host ?? ''}\u0000${tier}`;
  for (const r of spec.replicas) {
    const key = imageKey(dockerHostOf(r), tierOf(r).name);
    if (!images.has(key)) images.set(key, await tierImage(tierOf(r), engineForReplica(r)));
  }
  if (signal?.aborted) throw interrupted();

  const replicas: Replica[] = [];
  const ready = new AbortController();
  const onAbort = () => ready.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // Create every container first (labelled, so a crash from here on leaves only what up/down remove).
    const created = await mapLimit(spec.replicas, startConcurrency, async (r) => {
      if (signal?.aborted) throw interrupted();
      const tier = tierOf(r);
      const id = await engineForReplica(r).create(
        containerOf(spec, r, tier, front, images.get(imageKey(dockerHostOf(r), tier.name))!, owner),
      );
      return toReplica(r, id);
    });
    replicas.push(...created);
    const startedAt = Date.now();
    let failed = false;
    // dependsOn is the start order: a tier starts once every tier before it is healthy.
    for (const tier of tiers) {
      const members = replicas.filter((r) => tierOf(r) === tier);
      await mapLimit(members, startConcurrency, async (r) => {
        if (signal?.aborted) throw interrupted();
        await engineForReplica(r).start(r.containerId!);
      });
      await mapLimit(members, members.length, async (r) => {
        try {
          await waitReady(r, engineForReplica(r), ready.signal);
        } catch (err) {
          if (signal?.aborted) throw interrupted();
          if (!(err instanceof NotReady)) throw err;
          if (failed) return; // another replica failed first; its error is the one to show
          failed = true;
          ready.abort(); // the others stop waiting: the whole cluster comes down
          const tail = await engineForReplica(r)
            .logs(r.containerId!, logLines)
            .catch(() => '');
          throw new ClusterError(
            `replica ${r.name} of cluster ${spec.name} did not become healthy: ${err.message}; every replica of the cluster was removed`,
            r.name,
            tail || '(no output)',
            err.exited
              ? 'the service exited: its last lines above say why'
              : `a replica of type ${r.serverType} has ${spec.serverTypes[r.serverType].cpus} CPU; on a busy machine starting can be slow`,
          );
        }
      });
      if (signal?.aborted) throw interrupted();
    }
    if (signal?.aborted) throw interrupted();
    log.debug(`cluster ${spec.name}: ${replicas.length} replicas healthy ${Date.now() - startedAt} ms after start`);
    return runningCluster(parts, spec, runId, replicas, startedAt);
  } catch (err) {
    await teardown
      .removeRun(runId)
      .catch((e) => log.warn(`could not remove the containers of ${spec.name}: ${(e as Error).message}`));
    // Two runs that started at the same moment: the one that lost says who holds the cluster.
    const { held: winner } = await teardown.byOwner((o) => sameOwner(o, owner)).catch(() => ({ held: [] }));
    if (winner.length && !signal?.aborted)
      throw heldError(spec.name, spec.file, winner, 'nothing of this run was left');
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
