// The drill's HAProxy edge (cluster file `edge:`, issue 13): a managed edge is started after the cluster
// is up and the generator sends to its region frontends; an existing one only has its weights moved.
// Either way the weights found are saved in the run folder first and close() restores them (every way out).
import type { ClusterSpec, Replica } from '../cluster';
import { dockerEngine, type DriverOptions } from '../cluster';
import type { Logger } from '../common';
import type { Weights } from '../load';
import {
  backendOf,
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
  type StatRow,
} from '../edge';
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
  /** Restores the saved weights, stops the stat reader and a managed container; twice is safe. */
  close(): Promise<void>;
}

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
}

/** Requests in flight per replica behind a managed edge; beyond, HAProxy queues them (see config.ts). */
export const edgeServerMaxconn = 32;

/** The response header in which a managed edge names the server it chose. */
export const servedByHeader = 'x-headroom-server';

/** HAProxy's server timeout under a generator timeout: late enough to be the replica's, early enough to be named. */
export function edgeServerTimeoutMs(requestTimeoutMs: number): number {
  return Math.max(100, requestTimeoutMs - Math.min(250, requestTimeoutMs / 10));
}

/** Starts (managed) or attaches to (existing) the cluster's edge; null without an `edge:` section. */
export async function openDrillEdge(o: DrillEdgeOptions): Promise<DrillEdge | null> {
  const e = o.spec.edge;
  if (!e) return null;
  let running: RunningEdge | undefined;
  let client: RuntimeClient;
  let servers: EdgeServerRef[];
  let targets: Replica[] | undefined;
  let targetWeights: Weights | undefined;
  let servedBy: DrillEdge['servedBy'];
  if (e.mode === 'managed') {
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
    running = await startEdgeContainerOnDefault(o, haproxyConfig(edgeSpec, demand), runtime);
    client = running.client;
    servers = edgeServers(edgeSpec);
    const replicaByName = new Map(o.replicas.map((r) => [r.name, r]));
    servedBy = {
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
    targets = edgeSpec.frontends.map(
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
    targetWeights = { dcs: Object.fromEntries(edgeSpec.frontends.map((f) => [`edge-${f.name}`, regionShare(f.name)])) };
    o.logger.info(
      `edge: HAProxy with ${edgeSpec.frontends.map((f) => `${f.name} on ${f.host}:${f.port}`).join(', ')}; runtime API tcp://127.0.0.1:${e.runtimePort}`,
    );
  } else {
    client = new RuntimeClient(parseRuntimeAddress(e.runtime, o.spec.file, 'edge.runtime'), { timeoutMs: 2000 });
    servers = e.servers.map((s) => ({ ...s }));
    o.logger.info(`edge: existing HAProxy at ${e.runtime}, ${servers.length} servers; only its weights change`);
  }
  let session: EdgeSession;
  try {
    session = await openEdgeSession({
      client,
      servers,
      runDir: o.runDir,
      maxShareChange: e.maxShareChange,
      watchdogSeconds: e.watchdogSeconds,
    });
  } catch (err) {
    await running?.stop().catch(() => undefined);
    throw err;
  }
  const stopStats = readStats(o, client, servers);
  let closed: Promise<void> | undefined;
  let port: EdgeLoadPort | undefined;
  const close = () =>
    (closed ??= (async () => {
      stopStats();
      await port?.settled();
      try {
        const back = await session.close();
        o.logger.info(`edge: weights restored (${back.map((s) => `${s.backend}/${s.server}=${s.weight}`).join(' ')})`);
      } finally {
        await running?.stop();
      }
    })());
  return {
    targets,
    targetWeights,
    servedBy,
    wrap(source) {
      port = new EdgeLoadPort(source.load, session.router, {
        engineWeights: targetWeights,
        logger: o.logger,
        annotate: o.annotate,
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

async function startEdgeContainerOnDefault(
  o: DrillEdgeOptions,
  cfgText: string,
  runtime: { host: string; port: number },
): Promise<RunningEdge> {
  return startEdgeContainer({
    engine: dockerEngine(o.driver?.docker ?? {}),
    name: `${o.spec.name}-edge`,
    cluster: o.spec.name,
    runId: o.runId,
    cfgText,
    runtime,
    origin: o.spec.file,
  });
}

/** Each second: per-server rate, 5xx, queue and weight from `show stat`, as gauges the controller's pool filters find. */
function readStats(o: DrillEdgeOptions, client: RuntimeClient, servers: readonly EdgeServerRef[]): () => void {
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
        (err: Error) => o.logger.warn(`edge: show stat failed: ${err.message}`),
      )
      .finally(() => {
        busy = false;
      });
  }, 1000);
  timer.unref();
  return () => clearInterval(timer);
}
