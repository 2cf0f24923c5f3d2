// The drills of one run on a live cluster: the cluster up, the edge, the load source, the controller, a
// warm-up, then each drill in turn. What it starts is kept in `held`, so the teardown finds it on every way out.
import { Interrupted } from '../common';
import { loadTierOf } from '../config';
import { toReplica, type ClusterDriver, type ClusterSpec } from '../cluster';
import type { Metrics } from '../metrics';
import { baselineRedlines, type StepRecord } from '../results';
import {
  countedMetricsPort,
  demandWeights,
  DrillController,
  loadView,
  runDrillSpec,
  type buildGuards,
  type Clock,
  type DrillContext,
  type DrillResults,
  type LiveView,
  type RequestCounters,
  type ThresholdAbortWatch,
} from '../drill';
import { openDrillEdge, type DrillEdge } from './edge';
import { openLoadSource, type LoadSource } from './load-source';
import type { DrillRunOptions } from './options';
import { ClusterHolder, loadedTierPort } from './ports';
import type { OpenedRun } from './run-dir';
import type { RunConfig } from './run-config';

/** What the run has started so far; null until started. */
export interface Held {
  holder: ClusterHolder | null;
  source: LoadSource | null;
  ctrl: DrillController | null;
  edge: DrillEdge | null;
}

/** The run's measuring parts, made before anything starts. */
export interface Instruments {
  metrics: Metrics;
  counters: RequestCounters;
  clock: Clock;
  guards: ReturnType<typeof buildGuards>;
  abortWatch: ThresholdAbortWatch;
  view: LiveView;
}

export interface DriveInput {
  config: RunConfig;
  run: OpenedRun;
  tools: Instruments;
  driver: ClusterDriver;
  /** Filled as each drill ends. */
  results: DrillResults;
  /** Each step as it ends, after steps.ndjson has it. */
  steps: StepRecord[];
}

const checkSignal = (signal?: AbortSignal) => {
  if (signal?.aborted) throw new Interrupted(String(signal.reason ?? 'SIGINT'));
};

export async function driveDrills(d: DriveInput, held: Held, opts: DrillRunOptions): Promise<void> {
  const { scenario, spec } = d.config;
  const { runId } = d.run;
  const { clock } = d.tools;
  checkSignal(opts.signal);
  const upStart = Date.now();
  const cluster = await d.driver.up({ runId, signal: opts.signal });
  const holder = (held.holder = new ClusterHolder(cluster, d.driver, runId, opts.signal));
  const upS = ((Date.now() - upStart) / 1000).toFixed(1);
  opts.logger.info(`cluster ${spec.name}: ${cluster.replicas.length} replicas up in ${upS} s`);
  checkSignal(opts.signal);
  // The load enters one tier (the front unless the mix names another); the other tiers serve it.
  const loadTier = loadTierOf(scenario, spec);
  const loaded = loadView(spec, loadTier);
  const source = await startLoad(d, held, loaded, opts);
  const ctrl = (held.ctrl = new DrillController({
    runId,
    scenario,
    cluster: holder,
    load: loadedTierPort(source.load, new Set(loaded.replicas.map((r) => r.name))),
    metrics: source.metricsPort(countedMetricsPort(d.tools.metrics, d.tools.counters)),
    guards: d.tools.guards,
    clock,
    signal: opts.signal,
    view: d.tools.view,
    logger: opts.logger,
    onStep: (r) => {
      d.run.files.appendStep(r);
      d.steps.push(r);
    },
    abortCheck: (now) => d.tools.abortWatch.check(now),
  }));
  ctrl.start();
  if (opts.onClusterUp) await opts.onClusterUp(holder.current);
  const ctx: DrillContext = {
    ctrl,
    scenario,
    cluster: loaded,
    clock,
    results: d.results,
    knownRedlines: d.config.baseline ? baselineRedlines(d.config.baseline.summary) : {},
    logger: opts.logger,
    ...(loadTier && loaded !== spec ? { tiers: { cluster: spec, loadTier } } : {}),
  };
  // Warm-up: connections open, code paths JIT-compiled, before the first measurement.
  ctrl.apply(demandWeights(spec), Math.min(20, scenario.baselineRps));
  await ctrl.idle(3000);
  for (const drill of scenario.drills) {
    ctrl.checkAbort();
    await runDrillSpec(ctx, drill);
  }
}

/** The edge (HAProxy started, or claimed and attached) after the cluster, then the load source sending to it. */
async function startLoad(d: DriveInput, held: Held, loaded: ClusterSpec, opts: DrillRunOptions): Promise<LoadSource> {
  const { scenario, spec } = d.config;
  const { metrics } = d.tools;
  const log = opts.logger;
  const edge = (held.edge = await openDrillEdge({
    spec,
    replicas: held.holder?.replicas ?? [],
    runId: d.run.runId,
    runDir: d.run.runDir,
    driver: opts.driver,
    logger: log,
    recordGauge: (m, t, v) => metrics.recordGauge(m, t, v),
    annotate: (t) => held.ctrl?.annotate(t),
    requestTimeoutMs: scenario.timeoutMs,
    force: opts.force,
  }));
  let source = await openLoadSource({
    replicas: edge?.targets ?? loaded.replicas.map((r) => toReplica(r)),
    mix: scenario.mix,
    metrics,
    timeoutMs: scenario.timeoutMs,
    maxInFlight: scenario.maxInFlight,
    allowTargets: spec.allowTargets,
    file: scenario.file,
    agents: opts.agents,
    logger: log,
    onAgentEvent: (e) => held.ctrl?.annotate(`agent ${e.agent} ${e.type}: ${e.reason}`),
    servedBy: edge?.servedBy,
  });
  if (edge?.servedBy && opts.agents)
    log.warn('edge: generator agents do not read the served-by header yet: per-pool figures stay on the frontends');
  if (edge) source = edge.wrap(source);
  held.source = source;
  source.load.setWeights(demandWeights(spec));
  source.load.setRate(0);
  source.start();
  return source;
}
