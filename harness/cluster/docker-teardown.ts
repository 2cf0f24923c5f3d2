// Removing a docker cluster's containers: a run's own teardown, `headroom down` (which spares a live
// owner's containers unless forced), and the owner sort that `up` uses to find a dead run's leftovers.
import { ClusterError } from '../common';
import type { DownOptions } from './driver';
import { type ClusterDaemons, type Found, startConcurrency } from './docker-daemons';
import { label } from './labels';
import type { ClusterSpec } from './model';
import { type Holding, heldError, localProbe, type Owner, sortByOwner } from './owner';
import { mapLimit } from './replicas';

export interface ClusterTeardown {
  /** Removes the containers found and returns how many. */
  remove(found: Found[]): Promise<number>;
  /** Containers held by a live owner that is not `mine`, and the rest (mine, a dead owner's, pre-owner ones). */
  byOwner(mine: (o: Owner) => boolean): Promise<{ held: Holding[]; removable: Found[] }>;
  /** A run's own teardown: its containers and no one else's. */
  removeRun(runId: string): Promise<number>;
  /** `headroom down`: all of the cluster's containers unless a live owner other than this process holds some (or `force`). */
  downCluster(opts?: DownOptions): Promise<number>;
}

export function clusterTeardown(spec: ClusterSpec, daemons: ClusterDaemons): ClusterTeardown {
  async function remove(found: Found[]): Promise<number> {
    await mapLimit(found, startConcurrency, ({ engine, c }) => engine.remove(c.id));
    return found.length;
  }

  /** Removes `found`; then, when some daemon did not answer, exit 110 naming it and what was removed elsewhere. */
  async function removeReachable(found: Found[], unreachable: string[]): Promise<number> {
    const removed = await remove(found);
    if (!unreachable.length) return removed;
    throw new ClusterError(
      `cluster ${spec.name}: removed ${removed} container${removed === 1 ? '' : 's'} on the Docker daemons that answer; ` +
        `not reached, its containers left: ${unreachable.join('; ')}`,
      undefined,
      undefined,
      `make that daemon reachable again (\`docker -H <endpoint> info\`), then run \`headroom down ${spec.file}\` again`,
    );
  }

  async function byOwner(mine: (o: Owner) => boolean) {
    return sortByOwner(await daemons.containersOfCluster(), ({ c }) => c.labels, mine, label.run, localProbe());
  }

  async function removeRun(runId: string): Promise<number> {
    const { found, unreachable } = await daemons.containersOnReachable();
    return removeReachable(
      found.filter(({ c }) => c.labels[label.run] === runId),
      unreachable,
    );
  }

  async function downCluster(opts: DownOptions = {}): Promise<number> {
    if (opts.runId !== undefined) return removeRun(opts.runId);
    const { found, unreachable } = await daemons.containersOnReachable();
    if (opts.force) return removeReachable(found, unreachable);
    const probe = localProbe();
    const mine = (o: Owner) => o.host === probe.hostname && o.pid === probe.self;
    const { held, removable } = sortByOwner(found, ({ c }) => c.labels, mine, label.run, probe);
    if (held.length) throw heldError(spec.name, spec.file, held, 'nothing was removed');
    return removeReachable(removable, unreachable);
  }

  return { remove, byOwner, removeRun, downCluster };
}
