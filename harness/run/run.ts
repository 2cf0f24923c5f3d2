// runScenario: one drill from its scenario file to its report. Wires the cluster, the edge, the load source,
// the controller and the outputs; the configuration, the ports, the teardown and the end have their own files.
import * as path from 'node:path';
import { Interrupted } from '../common';
import { loadTierOf } from '../config';
import { createDriver, toReplica } from '../cluster';
import { Metrics, openOutputs, prometheusLiveView } from '../metrics';
import { baselineRedlines, makeRunId, prepareOutDir, RunWriter, type RunFacts } from '../results';
import {
  abortingThresholds,
  buildGuards,
  countedMetricsPort,
  demandWeights,
  DrillController,
  evaluateRunThresholds,
  liveView,
  loadView,
  metricsRetentionSeconds,
  realClock,
  RequestCounters,
  runDrillSpec,
  ThresholdAbortWatch,
  type Clock,
  type DrillContext,
  type DrillResults,
} from '../drill';
import { clusterFacts, gitFacts, versions } from './facts';
import { finishRun } from './finish';
import { openLoadSource, type LoadSource } from './load-source';
import type { DrillRunOptions, DrillRunResult } from './options';
import { ClusterHolder, loadedTierPort } from './ports';
import { loadRunConfig } from './run-config';
import { tearDown } from './teardown';
import { openDrillEdge, type DrillEdge } from './edge';

export type { DrillRunOptions, DrillRunResult } from './options';

export async function runScenario(opts: DrillRunOptions): Promise<DrillRunResult> {
  const log = opts.logger;
  const { scenario, spec, forecastFile, baselineSummary } = await loadRunConfig(opts);
  const metrics = new Metrics({ retainSeconds: metricsRetentionSeconds(scenario) });
  const counters = new RequestCounters(metrics);
  // One clock for windows and steps: the metrics store's (performance-based epoch ms).
  const clock: Clock = { now: () => metrics.now(), sleep: realClock.sleep };
  const guards = buildGuards(scenario, metrics, counters);
  evaluateRunThresholds(scenario, metrics); // syntax check only: nothing recorded yet
  const outputs = await openOutputs(opts.outputs ?? [], opts.cwd);
  const offSample = metrics.onSample(outputs.sampleListener);
  if (outputs.prometheusUrl) log.info(`metrics for Prometheus at ${outputs.prometheusUrl}`);
  const abortWatch = new ThresholdAbortWatch(abortingThresholds(scenario, metrics), clock.now());
  // The load enters one tier (the front unless the mix names another); the other tiers serve it.
  const loadTier = loadTierOf(scenario, spec);
  const loaded = loadView(spec, loadTier);
  const loadedNames = new Set(loaded.replicas.map((r) => r.name));

  const startedAt = new Date();
  const runId = makeRunId(scenario.name, startedAt);
  const runDir = path.resolve(opts.cwd, opts.outDir ?? path.join('reports', runId));
  // Before anything starts: never into an earlier run's directory, never into one that cannot be written (exit 104).
  const { movedTo } = prepareOutDir(runDir, { replace: opts.replace, now: startedAt });
  if (movedTo) log.info(`--replace: the earlier ${path.relative(opts.cwd, runDir) || runDir} was moved to ${movedTo}`);
  const files = new RunWriter(runDir);
  const facts: RunFacts = {
    runId,
    scenario: { name: scenario.name, file: scenario.file, description: scenario.description },
    cluster: { name: spec.name, file: spec.file, driver: spec.driver, replicas: spec.replicas.length },
    clusterFacts: clusterFacts(spec),
    git: gitFacts(opts.cwd),
    versions: versions(),
    options: { keep: opts.keep === true, baseline: opts.baseline ?? null, forecast: forecastFile ?? null },
    startedAt: startedAt.toISOString(),
    endedAt: null,
  };
  files.writeRun(facts);
  log.info(`drill ${scenario.name}: run ${runId} → ${path.relative(opts.cwd, runDir) || runDir}`);
  const downHint = `\`headroom down ${path.relative(opts.cwd, spec.file)}\` removes them`;
  opts.shutdown?.holding(`the containers of cluster ${spec.name} (run ${runId}) may be left: ${downHint}`);

  const results: DrillResults = { redlines: [], sweeps: [], drains: [], failovers: [] };
  const terminalView = liveView(opts.stderr, opts.tty);
  const view = outputs.prometheus ? prometheusLiveView(outputs.prometheus, terminalView) : terminalView;
  const driver = createDriver(spec, { ...opts.driver, logger: log });
  let holder: ClusterHolder | null = null;
  let source: LoadSource | null = null;
  let ctrl: DrillController | null = null;
  let failure: unknown = null;
  let edge: DrillEdge | null = null;
  try {
    if (opts.signal?.aborted) throw new Interrupted(String(opts.signal.reason ?? 'SIGINT'));
    const upStart = Date.now();
    const cluster = await driver.up({ runId, signal: opts.signal });
    holder = new ClusterHolder(cluster, driver, runId, opts.signal);
    log.info(
      `cluster ${spec.name}: ${cluster.replicas.length} replicas up in ${((Date.now() - upStart) / 1000).toFixed(1)} s`,
    );
    if (opts.signal?.aborted) throw new Interrupted(String(opts.signal.reason ?? 'SIGINT'));
    // HAProxy started, or claimed and attached, after the cluster; the generator then sends to its frontends.
    edge = await openDrillEdge({
      spec,
      replicas: cluster.replicas,
      runId,
      runDir,
      driver: opts.driver,
      logger: log,
      recordGauge: (m, t, v) => metrics.recordGauge(m, t, v),
      annotate: (t) => ctrl?.annotate(t),
      requestTimeoutMs: scenario.timeoutMs,
      force: opts.force,
    });
    source = await openLoadSource({
      replicas: edge?.targets ?? loaded.replicas.map((r) => toReplica(r)),
      mix: scenario.mix,
      metrics,
      timeoutMs: scenario.timeoutMs,
      maxInFlight: scenario.maxInFlight,
      allowTargets: spec.allowTargets,
      file: scenario.file,
      agents: opts.agents,
      logger: log,
      onAgentEvent: (e) => ctrl?.annotate(`agent ${e.agent} ${e.type}: ${e.reason}`),
      servedBy: edge?.servedBy,
    });
    if (edge?.servedBy && opts.agents)
      log.warn('edge: generator agents do not read the served-by header yet: per-pool figures stay on the frontends');
    if (edge) source = edge.wrap(source);
    source.load.setWeights(demandWeights(spec));
    source.load.setRate(0);
    source.start();
    ctrl = new DrillController({
      runId,
      scenario,
      cluster: holder,
      load: loadedTierPort(source.load, loadedNames),
      metrics: source.metricsPort(countedMetricsPort(metrics, counters)),
      guards,
      clock,
      signal: opts.signal,
      view,
      logger: log,
      onStep: (r) => files.appendStep(r),
      abortCheck: (now) => abortWatch.check(now),
    });
    ctrl.start();
    if (opts.onClusterUp) await opts.onClusterUp(holder.current);
    const ctx: DrillContext = {
      ctrl,
      scenario,
      cluster: loaded,
      clock,
      results,
      knownRedlines: baselineSummary ? baselineRedlines(baselineSummary) : {},
      logger: log,
      ...(loadTier && loaded !== spec ? { tiers: { cluster: spec, loadTier } } : {}),
    };
    // Warm-up: connections open, code paths JIT-compiled, before the first measurement.
    ctrl.apply(demandWeights(spec), Math.min(20, scenario.baselineRps));
    await ctrl.idle(3000);
    for (const drill of scenario.drills) {
      ctrl.checkAbort();
      await runDrillSpec(ctx, drill);
    }
  } catch (err) {
    failure = err;
  }

  // Every way out: the teardown within its time limit, then the summary, the report and the exit code.
  view.close();
  await tearDown(
    { spec, runId, runDir, driver, holder, source, ctrl, edge, metrics, offSample, outputs, downHint },
    opts,
  );
  const stepsRun = ctrl?.stepsRun ?? 0;
  return finishRun(
    { scenario, spec, metrics, results, failure, facts, files, runDir, startedAt, stepsRun, forecastFile },
    opts,
  );
}
