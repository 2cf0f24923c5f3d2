// One drill run end to end, the thin shell around the controller: load and check the scenario and
// its cluster, bring the cluster up, start the load engine, run the drills, and on every way out
// (done, breach of a safety limit, SIGINT/SIGTERM, Docker gone, a bug) restore the demand weights,
// stop the load, tear the cluster down unless --keep, write summary.json and the report.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ClusterError, ConfigError, ExitCode, HeadroomError, Interrupted, Logger, exitCodeOf, projectRoot } from '../common';
import { checkScenarioAgainstCluster, loadClusterFile, loadScenario } from '../config';
import type { Scenario } from '../config';
import { createDriver, toReplica, type DriverOptions } from '../cluster';
import type { ClusterDriver, RunningCluster } from '../cluster';
import { Metrics, openOutputs, prometheusLiveView, type OutSpec } from '../metrics';
import type { AgentSource } from '../agent';
import type { Comparison } from '../capacity';
import { writeReport } from '../report';
import { appendHistory, baselineRedlines, makeRunId, readSummary, RunWriter, type RunFacts, type Summary } from '../results';
import {
  buildGuards, countedMetricsPort, demandWeights, DrillController, evaluateRunThresholds, liveView, metricsRetentionSeconds, realClock,
  RequestCounters, runDrillSpec, SafetyStop,
  type Clock, type ClusterPort, type DrillContext, type DrillResults,
} from '../drill';
import { clusterFacts, gitFacts, versions } from './facts';
import { openLoadSource, type LoadSource } from './load-source';
import { openDrillEdge, type DrillEdge } from './edge'; // edge (issue 13)

type Out = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export interface DrillRunOptions {
  scenarioFile: string;
  /** The run directory; default reports/<run-id> under cwd. */
  outDir?: string;
  /** Leave the cluster running at the end. */
  keep?: boolean;
  /** An earlier run (directory or summary.json): its redlines start the ramps, and the end compares against it. */
  baseline?: string;
  /** Forecast CSV for the plan; overrides the scenario's. */
  forecast?: string;
  cwd: string;
  /** Where the path of index.html is printed. */
  stdout: Out;
  /** Live view and log lines. */
  stderr: Out;
  signal?: AbortSignal;
  logger: Logger;
  /** Force the live view on (true) or plain lines (false); default: stderr is a TTY. */
  tty?: boolean;
  /** Driver options from the environment (base image, health timeout, Docker endpoint); the logger is this run's. */
  driver?: DriverOptions;
  /** Called once the cluster is up and the engine started (tests inject faults through it). */
  onClusterUp?: (cluster: RunningCluster) => void | Promise<void>;
  /** Live outputs: k6 JSON points to a file, an OpenMetrics endpoint (`--out json=FILE`, `--out prometheus`). */
  outputs?: OutSpec[];
  /** Generator agents instead of the in-process engine (`--agents N`, or addresses). */
  agents?: AgentSource;
}

export interface DrillRunResult {
  exitCode: number;
  runDir: string | null;
  indexHtml: string | null;
  summary: Summary | null;
  /** Against --baseline, when one was given and the report was written. */
  comparison?: Comparison | null;
}


/**
 * The controller's view of the running cluster. Killed replicas come back through the driver's
 * per-replica restart when it has one, otherwise by bringing the whole cluster up again (same names
 * and ports; the load is idle between drills, so nothing is in flight).
 */
class ClusterHolder implements ClusterPort {
  constructor(public current: RunningCluster, private readonly driver: ClusterDriver, private readonly runId: string, private readonly signal?: AbortSignal) {}
  get spec() {
    return this.current.spec;
  }
  get replicas() {
    return this.current.replicas;
  }
  sampleResources() {
    return this.current.sampleResources();
  }
  kill(replica: string) {
    return this.current.kill(replica);
  }
  async restart(replicas: string[]): Promise<void> {
    const c = this.current;
    if (c.restart) {
      for (const r of replicas) await c.restart(r);
      return;
    }
    await this.current.down();
    this.current = await this.driver.up({ runId: this.runId, signal: this.signal });
  }
}

export async function runScenario(opts: DrillRunOptions): Promise<DrillRunResult> {
  const log = opts.logger;
  // Configuration first: every problem before anything starts (exit 104).
  const scenario: Scenario = await loadScenario(path.resolve(opts.cwd, opts.scenarioFile));
  const spec = await loadClusterFile(scenario.clusterFile);
  checkScenarioAgainstCluster(scenario, spec);
  const forecastFile = opts.forecast ? path.resolve(opts.cwd, opts.forecast) : scenario.forecastFile;
  if (forecastFile && !fs.existsSync(forecastFile)) throw new ConfigError(forecastFile, '', 'no such file; expected a forecast CSV (dc,peak_rps,...)');
  let baselineSummary: Summary | null = null;
  if (opts.baseline) {
    try {
      baselineSummary = (await readSummary(path.resolve(opts.cwd, opts.baseline))).summary;
    } catch (err) {
      if (err instanceof HeadroomError) throw err;
      throw new ConfigError(opts.baseline, '--baseline', `cannot read its summary.json (${err instanceof Error ? err.message : String(err)}); expected a run directory or summary.json`);
    }
  }
  const metrics = new Metrics({ retainSeconds: metricsRetentionSeconds(scenario) });
  const counters = new RequestCounters(metrics);
  // One clock for windows and steps: the metrics store's (performance-based epoch ms).
  const clock: Clock = { now: () => metrics.now(), sleep: realClock.sleep };
  const guards = buildGuards(scenario, metrics, counters);
  evaluateRunThresholds(scenario, metrics); // syntax check only: nothing recorded yet
  const outputs = await openOutputs(opts.outputs ?? [], opts.cwd);
  const offSample = metrics.onSample(outputs.sampleListener);
  if (outputs.prometheusUrl) log.info(`metrics for Prometheus at ${outputs.prometheusUrl}`);

  const startedAt = new Date();
  const runId = makeRunId(scenario.name, startedAt);
  const runDir = path.resolve(opts.cwd, opts.outDir ?? path.join('reports', runId));
  const files = new RunWriter(runDir);
  const facts: RunFacts = {
    runId,
    scenario: { name: scenario.name, file: scenario.file, description: scenario.description },
    cluster: { name: spec.name, file: spec.file, driver: spec.driver, replicas: spec.replicas.length },
    git: gitFacts(opts.cwd),
    versions: versions(),
    options: { keep: opts.keep === true, baseline: opts.baseline ?? null, forecast: forecastFile ?? null },
    startedAt: startedAt.toISOString(),
    endedAt: null,
  };
  files.writeRun(facts);
  log.info(`drill ${scenario.name}: run ${runId} → ${path.relative(opts.cwd, runDir) || runDir}`);

  const results: DrillResults = { redlines: [], sweeps: [], drains: [], failovers: [] };
  const terminalView = liveView(opts.stderr, opts.tty);
  const view = outputs.prometheus ? prometheusLiveView(outputs.prometheus, terminalView) : terminalView;
  const driver = createDriver(spec, { ...opts.driver, logger: log });
  let holder: ClusterHolder | null = null;
  let source: LoadSource | null = null;
  let ctrl: DrillController | null = null;
  let failure: unknown = null;
  let edge: DrillEdge | null = null; // edge (issue 13)
  try {
    if (opts.signal?.aborted) throw new Interrupted(String(opts.signal.reason ?? 'SIGINT'));
    const upStart = Date.now();
    const cluster = await driver.up({ runId, signal: opts.signal });
    holder = new ClusterHolder(cluster, driver, runId, opts.signal);
    log.info(`cluster ${spec.name}: ${cluster.replicas.length} replicas up in ${((Date.now() - upStart) / 1000).toFixed(1)} s`);
    if (opts.signal?.aborted) throw new Interrupted(String(opts.signal.reason ?? 'SIGINT'));
    // edge (issue 13): HAProxy started or attached after the cluster; the generator then sends to its frontends.
    edge = await openDrillEdge({ spec, replicas: cluster.replicas, runId, runDir, driver: opts.driver, logger: log,
      recordGauge: (m, t, v) => metrics.recordGauge(m, t, v), annotate: (t) => ctrl?.annotate(t) });
    source = await openLoadSource({
      replicas: edge?.targets ?? spec.replicas.map((r) => toReplica(r)), mix: scenario.mix, metrics, timeoutMs: scenario.timeoutMs,
      maxInFlight: scenario.maxInFlight, allowTargets: spec.allowTargets, file: scenario.file, agents: opts.agents, logger: log,
      onAgentEvent: (e) => ctrl?.annotate(`agent ${e.agent} ${e.type}: ${e.reason}`),
    });
    if (edge) source = edge.wrap(source); // edge (issue 13)
    source.load.setWeights(demandWeights(spec));
    source.load.setRate(0);
    source.start();
    ctrl = new DrillController({
      runId, scenario, cluster: holder, load: source.load, metrics: source.metricsPort(countedMetricsPort(metrics, counters)), guards, clock,
      signal: opts.signal, view, logger: log,
      onStep: (r) => files.appendStep(r),
    });
    ctrl.start();
    if (opts.onClusterUp) await opts.onClusterUp(holder.current);
    const ctx: DrillContext = { ctrl, scenario, cluster: spec, clock, results, knownRedlines: baselineSummary ? baselineRedlines(baselineSummary) : {}, logger: log };
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

  // Every way out: demand weights, no load, replicas gone (unless --keep).
  view.close();
  if (source) {
    source.load.setWeights(demandWeights(spec));
    source.load.setRate(0);
    await source.stop().catch((e: unknown) => log.warn(`stopping the load: ${String(e)}`));
  }
  metrics.end();
  offSample();
  await outputs.end().catch((e: unknown) => log.warn(`closing the outputs: ${String(e)}`));
  if (ctrl) await ctrl.stop();
  if (edge) await edge.close().catch((e: unknown) => log.warn(`edge: restoring the weights failed: ${String(e)}; run \`headroom edge restore ${runDir}\``)); // edge (issue 13)
  if (!opts.keep) {
    try {
      if (holder) await holder.current.down();
      const left = await driver.down();
      log.info(`cluster ${spec.name}: torn down${left ? ` (${left} leftover containers removed)` : ''}`);
    } catch (err) {
      log.warn(`tearing the cluster down failed: ${err instanceof Error ? err.message : String(err)}; run \`headroom down ${path.relative(opts.cwd, spec.file)}\``);
    }
  } else if (holder) {
    log.info(`cluster ${spec.name}: kept running (--keep); \`headroom down ${path.relative(opts.cwd, spec.file)}\` removes it`);
  }

  const thresholds = evaluateRunThresholds(scenario, metrics);
  const thresholdsFailed = Object.entries(thresholds).filter(([, v]) => !v.ok).map(([k]) => k);
  let status: Summary['status'];
  let exitCode: number;
  if (failure instanceof Interrupted) {
    status = 'interrupted';
    exitCode = ExitCode.interrupted;
  } else if (failure instanceof SafetyStop) {
    status = 'failed';
    exitCode = ExitCode.thresholdsFailed;
  } else if (failure) {
    status = 'error';
    exitCode = exitCodeOf(failure);
  } else if (thresholdsFailed.length) {
    status = 'failed';
    exitCode = ExitCode.thresholdsFailed;
  } else {
    status = 'passed';
    exitCode = ExitCode.ok;
  }
  const endedAt = new Date();
  const summary: Summary = {
    runId, status, scenario: scenario.name, scenarioFile: scenario.file, startedAt: startedAt.toISOString(), endedAt: endedAt.toISOString(),
    cluster: clusterFacts(spec), ...results, thresholds,
    ...(failure ? { error: failure instanceof Error ? failure.message : String(failure) } : {}),
  };
  files.writeSummary(summary);
  files.writeRun({ ...facts, endedAt: endedAt.toISOString(), status });
  if (failure && !(failure instanceof Interrupted)) log.warn(`drill ended early: ${failure instanceof Error ? failure.message : String(failure)}`);
  if (failure instanceof Interrupted) log.warn(`interrupted by ${failure.signal}: ${ctrl?.stepsRun ?? 0} steps kept in ${path.join(runDir, 'steps.ndjson')}`);
  if (thresholdsFailed.length) log.warn(`thresholds failed: ${thresholdsFailed.join(', ')}`);

  let indexHtml: string | null = null;
  let comparison: Comparison | null = null;
  try {
    const historyFile = path.join(path.dirname(runDir), 'history.ndjson');
    const report = await writeReport(runDir, { forecastFile, baselineRunDir: opts.baseline ? path.resolve(opts.cwd, opts.baseline) : undefined, historyFile });
    indexHtml = report.indexHtml;
    comparison = report.comparison ?? null;
    if (status === 'passed' || status === 'failed') await appendHistory(historyFile, report.summary);
    if (report.comparison) {
      for (const t of report.comparison.types) log.info(`compare ${t.serverType}: ${t.redlineA ?? '-'} → ${t.redlineB ?? '-'} req/s per replica${t.notes.length ? ` (${t.notes.join('; ')})` : ''}`);
      if (report.comparison.regressed.length && exitCode === ExitCode.ok) {
        log.warn(`regression against ${opts.baseline}: ${report.comparison.regressed.join(', ')}`);
        exitCode = ExitCode.thresholdsFailed;
      }
    }
    opts.stdout.write(`${indexHtml}\n`);
  } catch (err) {
    log.warn(`writing the report failed: ${err instanceof Error ? err.message : String(err)}`);
    if (exitCode === ExitCode.ok) exitCode = err instanceof ConfigError ? ExitCode.invalidConfig : ExitCode.internal;
  }
  if (failure && !(failure instanceof HeadroomError) && exitCode === ExitCode.internal) {
    opts.stderr.write(`headroom: internal error: ${failure instanceof Error ? failure.stack : String(failure)}\n`);
  }
  if (failure instanceof ClusterError) opts.stderr.write(`headroom: ${failure.message}\n${failure.hint ? `hint: ${failure.hint}\n` : ''}`);
  return { exitCode, runDir, indexHtml, summary, comparison };
}
