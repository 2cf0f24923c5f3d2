// The docker driver: each replica is a container of its tier's image (the reference image, an
// image on the daemon, or one built from a folder; built or loaded on each daemon that runs it) on
// its DC's daemon, with host networking on its DC's address and its own ports,
// the CPU and memory limits of its server type and headroom's labels. Tiers start in dependsOn
// order. Talks to Docker only through ContainerEngine (docker-engine.ts holds dockerode).
import { ClusterError, Interrupted, type Logger, silentLogger } from '../common';
import type {
  ClusterDriver,
  DownOptions,
  DriverOptions,
  Knobs,
  ReplicaStatus,
  RunningCluster,
  UpOptions,
} from './driver';
import { dockerEngine, dockerHostOptions } from './docker-engine';
import type { ContainerEngine, ContainerState, ContainerSummary } from './engine';
import { buildTag, folderContext } from './build-context';
import { buildContext, referenceRecipe } from './image';
import { label, replicaLabels } from './labels';
import { currentOwner, heldError, localProbe, type Owner, ownerIsLive, ownerOf, sameOwner, sortByOwner } from './owner';
import type { ClusterSpec, Replica, ReplicaSpec, ReplicaState, ResourceSample, TierSpec } from './model';
import { describeHolder, takenPorts } from './ports';
import { defaultReadiness, NotReady, postKnobs, type ReadinessCheck, readinessFor } from './readiness';
import { mapLimit, replicaNamed, tierOfReplica, tiersOf, toReplica } from './replicas';
import { renderAll, renderTemplate } from './templates';
import { makeRunId } from '../results';

export interface DockerDriverOptions extends DriverOptions {
  /** The container client per Docker endpoint (a DC's dockerHost, or undefined for the default). */
  engineFor?: (dockerHost: string | undefined) => ContainerEngine;
  /** Health checks of reference tiers (default: HTTP /healthz and gRPC health). */
  readiness?: ReadinessCheck[];
}

const MiB = 1024 * 1024;
const startConcurrency = 4;
const logLines = 30;

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

export function dockerDriver(spec: ClusterSpec, opts: DockerDriverOptions = {}): ClusterDriver {
  const log: Logger = opts.logger ?? silentLogger;
  const baseImage = opts.baseImage ?? 'scratch';
  const healthTimeoutMs = opts.healthTimeoutMs ?? 30_000;
  const readiness = opts.readiness ?? defaultReadiness;
  const engines = new Map<string, ContainerEngine>();
  const engineOf = (dockerHost: string | undefined): ContainerEngine => {
    const key = dockerHost ?? '';
    let e = engines.get(key);
    if (!e) {
      const host = dockerHost ?? opts.dockerHost;
      // The first DC naming an endpoint gives its certificates (one daemon, one set of them).
      const certPath =
        dockerHost === undefined
          ? opts.dockerCertPath
          : spec.dcs.find((d) => d.dockerHost === dockerHost && d.dockerCertPath)?.dockerCertPath;
      const how = {
        ...(certPath ? { certPath } : {}),
        ...(opts.sshAgent ? { sshAgent: opts.sshAgent } : {}),
        ...(dockerHost === undefined ? { source: 'DOCKER_HOST' } : {}), // named in its connection errors
      };
      e = opts.engineFor ? opts.engineFor(dockerHost) : dockerEngine(host ? dockerHostOptions(host, how) : opts.docker);
      engines.set(key, e);
    }
    return e;
  };
  const dockerHostOf = (r: ReplicaSpec) => spec.dcs.find((d) => d.name === r.dc)?.dockerHost;
  // A daemon on this machine (a unix socket) shares its ports with the harness: they can be checked before up.
  const onThisMachine = (r: ReplicaSpec) => {
    const endpoint = dockerHostOf(r) ?? opts.dockerHost;
    return endpoint === undefined || endpoint.startsWith('unix://');
  };
  const engineForReplica = (r: ReplicaSpec) => engineOf(dockerHostOf(r));
  const hostsInUse = [...new Set(spec.dcs.map((d) => d.dockerHost))];
  const tiers = tiersOf(spec);
  const front = spec.front ?? tiers[0].name;
  const tierOf = (r: ReplicaSpec): TierSpec => tiers.find((t) => t.name === tierOfReplica(spec, r))!;
  const clusterFilter = `${label.cluster}=${spec.name}`;

  async function containersOfCluster(): Promise<{ engine: ContainerEngine; c: ContainerSummary }[]> {
    const out = new Map<string, { engine: ContainerEngine; c: ContainerSummary }>();
    for (const h of hostsInUse) {
      const engine = engineOf(h);
      // Two DCs may name the same daemon in two ways; a container counts once.
      for (const c of await engine.list([clusterFilter])) if (!out.has(c.id)) out.set(c.id, { engine, c });
    }
    return [...out.values()];
  }

  type Found = { engine: ContainerEngine; c: ContainerSummary };
  async function remove(found: Found[]): Promise<number> {
    await mapLimit(found, startConcurrency, ({ engine, c }) => engine.remove(c.id));
    return found.length;
  }

  /**
   * For removing: the cluster's containers on every daemon that answers, and the daemons that do not (with
   * their DCs and why), so that one unreachable daemon does not keep the others' containers. A cluster on a
   * single daemon that does not answer gets that daemon's own error.
   */
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

  /** Containers held by a live owner that is not `mine`, and the rest (mine, a dead owner's, pre-owner ones). */
  async function byOwner(mine: (o: Owner) => boolean) {
    return sortByOwner(await containersOfCluster(), ({ c }) => c.labels, mine, label.run, localProbe());
  }

  /** A run's own teardown: its containers and no one else's. */
  async function removeRun(runId: string): Promise<number> {
    const { found, unreachable } = await containersOnReachable();
    return removeReachable(
      found.filter(({ c }) => c.labels[label.run] === runId),
      unreachable,
    );
  }

  /** `headroom down`: all of the cluster's containers unless a live owner other than this process holds some (or `force`). */
  async function downCluster(opts: DownOptions = {}): Promise<number> {
    if (opts.runId !== undefined) return removeRun(opts.runId);
    const { found, unreachable } = await containersOnReachable();
    if (opts.force) return removeReachable(found, unreachable);
    const probe = localProbe();
    const mine = (o: Owner) => o.host === probe.hostname && o.pid === probe.self;
    const { held, removable } = sortByOwner(found, ({ c }) => c.labels, mine, label.run, probe);
    if (held.length) throw heldError(spec.name, spec.file, held, 'nothing was removed');
    return removeReachable(removable, unreachable);
  }

  /** Another daemon of this cluster (or the default one) that holds `ref`. */
  async function daemonHolding(ref: string, except: ContainerEngine): Promise<ContainerEngine | undefined> {
    for (const h of new Set<string | undefined>([undefined, ...hostsInUse])) {
      const other = engineOf(h);
      if (other !== except && other.daemon !== except.daemon && (await other.imageExists(ref))) return other;
    }
    return undefined;
  }

  /** The image of a tier on one daemon: built, found, loaded from another daemon or pulled. */
  async function tierImage(tier: TierSpec, engine: ContainerEngine): Promise<string> {
    if (tier.source.kind === 'reference') return ensureImage(engine);
    if (tier.source.kind === 'image') {
      const ref = tier.source.image;
      if (await engine.imageExists(ref)) return ref;
      // No registry assumed: an image that another daemon of the cluster holds is copied over from it.
      const holder = await daemonHolding(ref, engine);
      if (holder) {
        const started = Date.now();
        log.info(`tier ${tier.name}: loading image ${ref} from ${holder.daemon} onto ${engine.daemon}`);
        await engine.loadImage(await holder.exportImage(ref));
        log.info(`loaded ${ref} onto ${engine.daemon} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        return ref;
      }
      log.info(`tier ${tier.name}: image ${ref} is not on ${engine.daemon}, pulling it`);
      try {
        await engine.pullImage(ref);
      } catch (err) {
        throw new ClusterError(
          `tier ${tier.name}: image ${ref} is not on the Docker daemon ${engine.daemon} and pulling it failed: ${(err as Error).message.replace(/^docker: /, '')}`,
          undefined,
          undefined,
          `load it there first (docker load / docker build -t ${ref}), or give the tier build: <folder with a Dockerfile>`,
        );
      }
      return ref;
    }
    const dir = tier.source.context;
    const tag = buildTag(tier.name, dir);
    if (await engine.imageExists(tag)) return tag; // same context as a build before: never rebuilt
    const started = Date.now();
    log.info(`tier ${tier.name}: building ${dir} as ${tag}`);
    try {
      await engine.buildImage(folderContext(dir), tag);
    } catch (err) {
      const tail = err instanceof ClusterError ? err.logTail : undefined;
      const reason = (err as Error).message.split('\n')[0].replace(/^docker: /, '');
      throw new ClusterError(
        `tier ${tier.name}: building ${dir} on ${engine.daemon} failed: ${reason}`,
        `the build of ${tag}`,
        tail || undefined,
        `fix the Dockerfile in ${dir}; its last output lines are above`,
      );
    }
    log.info(`built ${tag} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return tag;
  }

  let recipeOnce: ReturnType<typeof referenceRecipe> | undefined;
  /** The reference image on one daemon: built there once, then found by its content tag. */
  async function ensureImage(engine: ContainerEngine): Promise<string> {
    if (!recipeOnce) recipeOnce = referenceRecipe(baseImage);
    const recipe = recipeOnce;
    if (await engine.imageExists(recipe.tag)) return recipe.tag;
    const started = Date.now();
    const mb = recipe.files.reduce((s, f) => s + f.size, 0) / MiB;
    const how =
      baseImage === 'scratch'
        ? `offline, FROM scratch, ${recipe.files.length} files, ${mb.toFixed(0)} MiB`
        : `FROM ${baseImage}`;
    log.info(`building the reference image ${recipe.tag} on ${engine.daemon} (${how})`);
    await engine.buildImage(buildContext(recipe), recipe.tag);
    log.info(`built ${recipe.tag} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return recipe.tag;
  }

  /** Ports of local replicas that something else listens on: a clear error before anything starts. */
  async function checkPorts(): Promise<void> {
    const local = spec.replicas.filter(onThisMachine);
    const taken = await takenPorts(
      local.flatMap((r) => [
        { host: r.host, port: r.httpPort },
        { host: r.host, port: r.grpcPort },
      ]),
    );
    if (!taken.length) return;
    const owners = new Map<string, string>();
    for (const h of new Set(local.map(dockerHostOf))) {
      for (const c of await engineOf(h).list([label.cluster])) {
        const owner = `replica ${c.labels[label.replica]} of headroom cluster ${c.labels[label.cluster]}`;
        for (const key of [label.http, label.grpc]) if (c.labels[key]) owners.set(c.labels[key], owner);
      }
    }
    const lines = taken.map((t) => {
      const owner = owners.get(`${t.host}:${t.port}`);
      const r = local.find((x) => x.host === t.host && (x.httpPort === t.port || x.grpcPort === t.port))!;
      const other = `a process that is not one of headroom's replicas${t.holder ? `: ${describeHolder(t.holder)}` : ''}`;
      return `${t.host}:${t.port} (wanted by ${r.name}) is in use by ${owner ?? other}`;
    });
    throw new ClusterError(
      `cluster ${spec.name}: ${taken.length} of its ports are already in use, nothing was started:\n  ${lines.join('\n  ')}`,
      undefined,
      undefined,
      owners.size
        ? 'bring the other cluster down (headroom down <its file>) or give this one another port range'
        : `stop what listens there, or change 'ports' in ${spec.file}`,
    );
  }

  async function waitReady(replica: Replica, engine: ContainerEngine, signal: AbortSignal): Promise<void> {
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
  }

  async function up(upOpts: UpOptions = {}): Promise<RunningCluster> {
    const runId = upOpts.runId ?? makeRunId(spec.name, new Date());
    const signal = upOpts.signal;
    const interrupted = () => new Interrupted(typeof signal?.reason === 'string' ? signal.reason : 'SIGINT');
    const owner: Owner = { ...(upOpts.owner ?? currentOwner(runId)), runId };
    // One owner per cluster: a live run's replicas are never leftovers; only a dead owner's are removed.
    const { held, removable } = await byOwner((o) => sameOwner(o, owner));
    if (held.length) throw heldError(spec.name, spec.file, held, 'nothing was started or removed');
    const leftovers = await remove(removable);
    if (leftovers)
      log.info(`removed ${leftovers} leftover container(s) of cluster ${spec.name} (their run's process is gone)`);
    await checkPorts();
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
        const type = spec.serverTypes[r.serverType];
        const tier = tierOf(r);
        const fill = (list: string[] | undefined) => list?.map((t) => renderTemplate(t, r, spec.replicas));
        const id = await engineForReplica(r).create({
          name: r.name,
          image: images.get(imageKey(dockerHostOf(r), tier.name))!,
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
        });
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
      return runningCluster(spec, runId, replicas, startedAt);
    } catch (err) {
      await removeRun(runId).catch((e) =>
        log.warn(`could not remove the containers of ${spec.name}: ${(e as Error).message}`),
      );
      // Two runs that started at the same moment: the one that lost says who holds the cluster.
      const { held: winner } = await byOwner((o) => sameOwner(o, owner)).catch(() => ({ held: [] }));
      if (winner.length && !signal?.aborted)
        throw heldError(spec.name, spec.file, winner, 'nothing of this run was left');
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  function runningCluster(spec: ClusterSpec, runId: string, replicas: Replica[], startedAt: number): RunningCluster {
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
      downing ??= removeRun(runId).then(() => undefined);
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

  return {
    up,
    down: downCluster,
    async status(): Promise<ReplicaStatus[]> {
      const byName = new Map<string, { engine: ContainerEngine; c: ContainerSummary }>();
      for (const found of await containersOfCluster()) byName.set(found.c.labels[label.replica], found);
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
    },
  };
}
