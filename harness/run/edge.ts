// The drill's HAProxy edge (cluster file `edge:`): a managed edge is started after the cluster is up and the
// generator sends to its region frontends; an existing one is claimed for the run (one owner at a time) and
// only has its weights moved. Either way the weights found are saved in the run folder first and close()
// restores them (every way out); losing the edge is a fault that ends the drill (edge-faults.ts).
import type { ClusterSpec, Replica } from '../cluster';
import { defaultDockerEngine, type DriverOptions } from '../cluster';
import { ClusterError, type Logger } from '../common';
import type { Weights } from '../load';
import {
  backendOf,
  dcShares,
  EdgeClaimLost,
  type EdgeServerRef,
  type EdgeSession,
  edgeFromReplicas,
  edgeServers,
  haproxyConfig,
  openEdgeSession,
  parseRuntimeAddress,
  RuntimeClient,
  type RunningEdge,
  serverFigures,
  startEdgeContainer,
  type ServerWeight,
  type StatRow,
} from '../edge';
import { EdgeFaults } from './edge-faults';
import { EdgeLoadPort } from './edge-load';
import type { LoadSource } from './load-source';

export interface DrillEdge {
  /** The generator's targets: one per frontend (managed), or undefined = the cluster's replicas (existing edge). */
  targets?: Replica[];
  /** The generator's weights over those targets (frontends by demand); undefined = the drill's own weights. */
  targetWeights?: Weights;
  /** Managed: the header in which HAProxy names the server it chose, and the replica behind each server name. */
  servedBy?: { header: string; replicas: Record<string, Replica> };
  /** The load source whose weights, markOut/markIn go to HAProxy. */
  wrap(source: LoadSource): LoadSource;
  /** Restores the saved weights, releases the claim, stops the stat reader and a managed container; twice is safe. */
  close(): Promise<void>;
}

/** How long a run's claim on an existing edge outlives its last heartbeat, unless the cluster file says. */
export const defaultClaimSeconds = 30;

export interface DrillEdgeOptions {
  spec: ClusterSpec;
  replicas: readonly Replica[];
  runId: string;
  runDir: string;
  driver?: DriverOptions;
  logger: Logger;
  /** Where per-server figures from `show stat` go each second (gauges tagged replica, dc, pool, serverType). */
  recordGauge(metric: string, tags: Record<string, string>, value: number): void;
  /** A note on the current step (the weights HAProxy reported back). */
  annotate(note: string): void;
  /** The generator's request timeout: a managed edge gives up on a replica a little before it (a 504 naming it). */
  requestTimeoutMs?: number;
  /** An existing edge: take it from a live owner, and take weights other than the configured ones as found. */
  force?: boolean;
}

/** Requests in flight per replica behind a managed edge; beyond, HAProxy queues them (see config.ts). */
export const edgeServerMaxconn = 32;

/** The response header in which a managed edge names the server it chose. */
export const servedByHeader = 'x-headroom-server';

/** HAProxy's server timeout under a generator timeout: late enough to be the replica's, early enough to be named. */
export function edgeServerTimeoutMs(requestTimeoutMs: number): number {
  return Math.max(100, requestTimeoutMs - Math.min(250, requestTimeoutMs / 10));
}

/** The edge the drill goes through: how to reach HAProxy's runtime API, its servers, and the generator's targets. */
interface EdgeAttached {
  /** The container of a managed edge (stopped by close()); undefined for an existing edge. */
  running?: RunningEdge;
  client: RuntimeClient;
  servers: EdgeServerRef[];
  targets?: Replica[];
  targetWeights?: Weights;
  servedBy?: DrillEdge['servedBy'];
}

type ManagedEdge = Extract<NonNullable<ClusterSpec['edge']>, { mode: 'managed' }>;

/**
 * A managed edge: HAProxy in a container of the run, a frontend per region (or one for the cluster) over the
 * front tier's replicas, and the generator's targets (one per frontend) weighted by the regions' demand.
 */
async function startManagedEdge(o: DrillEdgeOptions, e: ManagedEdge): Promise<EdgeAttached> {
  const runtime = { host: '127.0.0.1', port: e.runtimePort };
  const front = o.replicas.filter((r) => !o.spec.front || r.tier === o.spec.front);
  const byRegion = {
    ...edgeFromReplicas(o.spec.file, front, { firstPort: e.port, runtime }),
    // One thread: the container has one CPU of quota, and a second thread only contends on a small machine.
    threads: 1,
    serverMaxconn: edgeServerMaxconn,
    servedByHeader,
    ...(o.requestTimeoutMs ? { serverTimeoutMs: edgeServerTimeoutMs(o.requestTimeoutMs) } : {}),
  };
  const edgeSpec =
    e.per === 'cluster'
      ? {
          ...byRegion,
          frontends: [
            {
              ...byRegion.frontends[0],
              name: 'edge',
              servers: edgeServers(byRegion)
                .filter((s) => s.backend === byRegion.frontends[0].servers[0].backend)
                .map((s) => ({ ...s, backend: backendOf('edge') })),
            },
          ],
        }
      : byRegion;
  const demand: Weights = { dcs: Object.fromEntries(o.spec.dcs.map((d) => [d.name, d.demand])) };
  const running = await startEdgeContainerOnDefault(o, haproxyConfig(edgeSpec, demand), runtime);
  const servers = edgeServers(edgeSpec);
  const replicaByName = new Map(o.replicas.map((r) => [r.name, r]));
  const servedBy = {
    header: servedByHeader,
    replicas: Object.fromEntries(
      servers.flatMap((s) => {
        const r = s.replica ? replicaByName.get(s.replica) : undefined;
        return r ? [[s.server, r] as const] : [];
      }),
    ),
  };
  // One target per frontend, in a region and DC of its own (`edge-<frontend>`): HAProxy, not the generator, picks
  // the replica, and a request no server answered (a client timeout) is not put on any real region's figures.
  const targets = edgeSpec.frontends.map(
    (f, i) =>
      ({
        name: `${o.spec.name}-edge-${f.name}`,
        region: `edge-${f.name}`,
        dc: `edge-${f.name}`,
        tier: o.spec.front ?? 'web',
        pool: `edge-${f.name}/edge`,
        serverType: 'edge',
        index: i + 1,
        host: f.host,
        httpPort: f.port,
        grpcPort: f.port,
        http: `http://${f.host}:${f.port}`,
        grpc: `${f.host}:${f.port}`,
      }) as Replica,
  );
  const regionShare = (f: string) =>
    o.spec.dcs.filter((d) => e.per === 'cluster' || d.region === f).reduce((s, d) => s + d.demand, 0);
  const targetWeights: Weights = {
    dcs: Object.fromEntries(edgeSpec.frontends.map((f) => [`edge-${f.name}`, regionShare(f.name)])),
  };
  o.logger.info(
    `edge: HAProxy with ${edgeSpec.frontends.map((f) => `${f.name} on ${f.host}:${f.port}`).join(', ')}; runtime API tcp://127.0.0.1:${e.runtimePort}`,
  );
  return { running, client: running.client, servers, targets, targetWeights, servedBy };
}

/** Starts (managed) or attaches to (existing) the cluster's edge; null without an `edge:` section. */
export async function openDrillEdge(o: DrillEdgeOptions): Promise<DrillEdge | null> {
  const e = o.spec.edge;
  if (!e) return null;
  let attached: EdgeAttached;
  if (e.mode === 'managed') attached = await startManagedEdge(o, e);
  else {
    const client = new RuntimeClient(parseRuntimeAddress(e.runtime, o.spec.file, 'edge.runtime'), { timeoutMs: 2000 });
    attached = { client, servers: e.servers.map((s) => ({ ...s })) };
    o.logger.info(
      `edge: existing HAProxy at ${e.runtime}, ${attached.servers.length} servers; only its weights change`,
    );
  }
  const { running, client, servers, targets, targetWeights, servedBy } = attached;
  let port: EdgeLoadPort | undefined;
  let saved: ServerWeight[] = [];
  const restoreHint = `\`headroom edge restore ${o.runDir}\` puts back the weights found at start`;
  const faults = new EdgeFaults({
    what: running ? `the edge container ${o.spec.name}-edge (runtime API ${client.url})` : `HAProxy at ${client.url}`,
    lastWeights: () => lastWeights(servers, port?.lastReported?.reported, saved),
    restoreHint: running ? undefined : restoreHint,
    logger: o.logger,
  });
  let session: EdgeSession;
  try {
    session = await openEdgeSession({
      client,
      servers,
      runDir: o.runDir,
      maxShareChange: e.maxShareChange,
      watchdogSeconds: e.watchdogSeconds,
      logger: o.logger,
      ...(e.mode === 'existing'
        ? {
            ownership: {
              runId: o.runId,
              ttlSeconds: e.claimSeconds ?? defaultClaimSeconds,
              force: o.force,
              onLost: (err) => faults.claimWasLost(err),
              onError: (err) => faults.readFailed(err, 'renewing the claim'),
              onOk: () => faults.answered(),
            },
          }
        : {}),
    });
  } catch (err) {
    await running?.stop().catch(() => undefined);
    throw err;
  }
  saved = session.saved;
  if (session.claim)
    o.logger.info(`edge: ${client.url} claimed for run ${o.runId} (claim ${session.claim.gen}, heartbeat on HAProxy)`);
  const stopStats = readStats(o, client, servers, faults);
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      stopStats();
      await port?.settled();
      try {
        const back = await session.close();
        o.logger.info(`edge: weights restored (${back.map((s) => `${s.backend}/${s.server}=${s.weight}`).join(' ')})`);
      } catch (err) {
        if (err instanceof EdgeClaimLost) {
          o.logger.warn(`edge: weights not restored: ${err.message}`);
          return;
        }
        throw new ClusterError(
          `edge: restoring the weights failed: ${err instanceof Error ? err.message : String(err)}` +
            (running ? '' : `; once HAProxy answers again, ${restoreHint}`),
        );
      } finally {
        await running?.stop();
      }
    })());
  const probe = async (): Promise<ClusterError | null> => {
    try {
      await client.command('show info');
      faults.answered();
    } catch (err) {
      faults.readFailed(err as Error, 'asking HAProxy after a breach');
    }
    return faults.fault;
  };
  return {
    targets,
    targetWeights,
    servedBy,
    wrap(source) {
      port = new EdgeLoadPort(source.load, session.router, {
        engineWeights: targetWeights,
        logger: o.logger,
        annotate: o.annotate,
        faults,
        probe,
        stillOwned: async () => {
          await session.claim?.renew();
        },
      });
      return {
        ...source,
        load: port,
        metricsPort: (p) => source.metricsPort(p),
        start: () => source.start(),
        stop: () => source.stop(),
      };
    },
    close,
  };
}

/** `be_live use1=0.500 euw1=0.500 (be_live/use1-a=128 be_live/euw1-a=128)`: the DC shares and server weights. */
function lastWeights(
  servers: readonly EdgeServerRef[],
  reported: Record<string, number> | undefined,
  found: readonly ServerWeight[],
): string {
  const weights = reported ?? Object.fromEntries(found.map((s) => [`${s.backend}/${s.server}`, s.weight] as const));
  const shares = [...new Set(servers.map((s) => s.backend))].map(
    (b) =>
      `${b} ${Object.entries(dcShares(servers, weights, b))
        .map(([dc, v]) => `${dc}=${v.toFixed(3)}`)
        .join(' ')}`,
  );
  const each = servers.map((s) => `${s.backend}/${s.server}=${weights[`${s.backend}/${s.server}`] ?? '?'}`);
  return `${shares.join('; ')} (${each.join(' ')})${reported ? '' : ', those found at start'}`;
}

async function startEdgeContainerOnDefault(
  o: DrillEdgeOptions,
  cfgText: string,
  runtime: { host: string; port: number },
): Promise<RunningEdge> {
  return startEdgeContainer({
    engine: defaultDockerEngine(o.driver ?? {}),
    name: `${o.spec.name}-edge`,
    cluster: o.spec.name,
    runId: o.runId,
    cfgText,
    runtime,
    origin: o.spec.file,
  });
}

/**
 * Each second: per-server rate, 5xx, queue and weight from `show stat`, as gauges the controller's pool filters
 * find. A read that finds HAProxy gone goes to the faults (it ends the drill even when no weight changes).
 */
function readStats(
  o: DrillEdgeOptions,
  client: RuntimeClient,
  servers: readonly EdgeServerRef[],
  faults: EdgeFaults,
): () => void {
  const poolOf = new Map(o.replicas.map((r) => [r.name, r.pool]));
  let before: { rows: StatRow[]; at: number } | undefined;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    client
      .showStat()
      .then(
        (rows) => {
          faults.answered();
          const at = Date.now();
          if (before) {
            for (const [key, f] of Object.entries(serverFigures(servers, before.rows, rows, (at - before.at) / 1000))) {
              const tags = {
                replica: key,
                dc: f.dc,
                pool: poolOf.get(key) ?? `${f.dc}/${f.serverType}`,
                serverType: f.serverType,
              };
              o.recordGauge('edge_server_rps', tags, f.rps);
              o.recordGauge('edge_server_5xx', tags, f.errors5xx);
              o.recordGauge('edge_server_queue', tags, f.qcur);
              if (f.weight !== null) o.recordGauge('edge_server_weight', tags, f.weight);
            }
          }
          before = { rows, at };
        },
        (err: Error) => faults.readFailed(err, 'reading show stat'),
      )
      .finally(() => {
        busy = false;
      });
  }, 1000);
  timer.unref();
  return () => clearInterval(timer);
}
