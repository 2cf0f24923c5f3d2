import * as path from 'node:path';
import {
  ClusterError,
  ConfigError,
  ExitCode,
  HeadroomError,
  Interrupted,
  type Logger,
  WriteFailed,
  withinTimeLimit,
} from '../common';
import { checkScenarioAgainstCluster, loadClusterFile, loadScenario, loadTierOf } from '../config';
import type { Scenario } from '../config';
import { createDriver, toReplica, type DriverOptions } from '../cluster';
import type { ClusterDriver, RunningCluster } from '../cluster';
import { Metrics, openOutputs, prometheusLiveView, type OutSpec } from '../metrics';
import type { AgentSource } from '../agent';
import type { Comparison } from '../capacity';
import { writeReport } from '../report';
import {
  appendHistory,
  baselineRedlines,
  makeRunId,
  prepareOutDir,
  readSummary,
  RunWriter,
  type RunFacts,
  type Summary,
} from '../results';
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
  type ClusterPort,
  type DrillContext,
  type DrillResults,
  type LoadPort,
} from '../drill';
import { clusterFacts, gitFacts, versions } from './facts';
import { checkForecast } from './forecast-check';
import { openLoadSource, type LoadSource } from './load-source';
import { failuresText, runVerdict } from './verdict';
import { openDrillEdge, type DrillEdge } from './edge'; // edge (issue 13)

type Out = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export interface DrillRunOptions {
  scenarioFile: string;
  /** The run directory; default reports/<run-id> under cwd. */
  outDir?: string;
  /** Leave the cluster running at the end. */
  keep?: boolean;
  /** An existing, non-empty outDir is moved aside instead of refused. */
  replace?: boolean;
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
  /** Time limit of the teardown (weights, load, replicas); default 30 s. Past it the run says what may be left. */
  teardownTimeoutMs?: number;
  /** Told what the run holds and when its teardown must end (a second signal forces the exit then; cli/shutdown.ts). */
  shutdown?: { holding(what: string): void; tearingDown(deadline: number): void };
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
  constructor(
    public current: RunningCluster,
    private readonly driver: ClusterDriver,
    private readonly runId: string,
    private readonly signal?: AbortSignal,
  ) {}
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
  /** GET /healthz within a second: a paused or dead replica does not answer, a recovered one does. */
  async healthy(replica: string): Promise<boolean> {
    const r = this.current.replicas.find((x) => x.name === replica);
    if (!r) return false;
    try {
      const res = await fetch(`${r.http}/healthz`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return res.ok;
    } catch {
      return false;
    }
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
  // Parsed now, not at the end: a broken forecast must fail before any container starts (exit 104).
  if (forecastFile)
    checkForecast(
      forecastFile,
      spec.dcs.map((d) => d.name),
    );
  let baselineSummary: Summary | null = null;
  if (opts.baseline) {
    try {
      baselineSummary = (await readSummary(path.resolve(opts.cwd, opts.baseline))).summary;
    } catch (err) {
      if (err instanceof HeadroomError) throw err;
      throw new ConfigError(
        opts.baseline,
        '--baseline',
        `cannot read its summary.json (${err instanceof Error ? err.message : String(err)}); expected a run directory or summary.json`,
      );
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
  let edge: DrillEdge | null = null; // edge (issue 13)
  try {
    if (opts.signal?.aborted) throw new Interrupted(String(opts.signal.reason ?? 'SIGINT'));
    const upStart = Date.now();
    const cluster = await driver.up({ runId, signal: opts.signal });
    holder = new ClusterHolder(cluster, driver, runId, opts.signal);
    log.info(
      `cluster ${spec.name}: ${cluster.replicas.length} replicas up in ${((Date.now() - upStart) / 1000).toFixed(1)} s`,
    );
    if (opts.signal?.aborted) throw new Interrupted(String(opts.signal.reason ?? 'SIGINT'));
    // edge (issue 13): HAProxy started or attached after the cluster; the generator then sends to its frontends.
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
    if (edge) source = edge.wrap(source); // edge (issue 13)
    source.load.setWeights(demandWeights(spec));
    source.load.setRate(0);
    source.start();
    const inner = source.load;
    const load: LoadPort = {
      setRate: (r) => inner.setRate(r),
      setWeights: (w) => inner.setWeights(w),
      setTags: (t) => inner.setTags(t),
      // Replicas of the other tiers are watched, not loaded: the router does not know them.
      markOut: (r) => {
        if (loadedNames.has(r)) inner.markOut(r);
      },
      markIn: (r) => {
        if (loadedNames.has(r)) inner.markIn(r);
      },
      stats: () => inner.stats(),
      sendLag: () => inner.sendLag?.() ?? { count: 0, p99: 0, max: 0 },
      resetSendLag: () => inner.resetSendLag?.(),
      outstanding: (r) => (loadedNames.has(r) ? (inner.outstanding?.(r) ?? 0) : 0),
    };
    ctrl = new DrillController({
      runId,
      scenario,
      cluster: holder,
      load,
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

  // Every way out: demand weights, no load, replicas gone (unless --keep), within the teardown's time limit.
  view.close();
  const teardownMs = opts.teardownTimeoutMs ?? 30_000;
  opts.shutdown?.tearingDown(Date.now() + teardownMs);
  const tornDown = await withinTimeLimit(
    (async () => {
      if (source) {
        source.load.setWeights(demandWeights(spec));
        source.load.setRate(0);
        await source.stop().catch((e: unknown) => log.warn(`stopping the load: ${String(e)}`));
      }
      metrics.end();
      offSample();
      await outputs.end().catch((e: unknown) => log.warn(`closing the outputs: ${String(e)}`));
      if (ctrl) await ctrl.stop();
      // edge (issue 13): the weights found at start go back before anything is torn down.
      if (edge)
        await edge
          .close()
          .catch((e: unknown) =>
            log.warn(`edge: restoring the weights failed: ${String(e)}; run \`headroom edge restore ${runDir}\``),
          );
      if (!opts.keep) {
        try {
          if (holder) await holder.current.down();
          const left = await driver.down({ runId }); // this run's containers only: never another run's
          log.info(`cluster ${spec.name}: torn down${left ? ` (${left} leftover containers removed)` : ''}`);
        } catch (err) {
          log.warn(
            `tearing the cluster down failed: ${err instanceof Error ? err.message : String(err)}; run \`headroom down ${path.relative(opts.cwd, spec.file)}\``,
          );
        }
      } else if (holder) {
        log.info(
          `cluster ${spec.name}: kept running (--keep); \`headroom down ${path.relative(opts.cwd, spec.file)}\` removes it`,
        );
      }
    })(),
    teardownMs,
  );
  if (!tornDown)
    log.warn(
      `the teardown did not end within ${teardownMs / 1000} s: the containers of cluster ${spec.name} (run ${runId}) may be left; ${downHint}`,
    );

  const thresholds = evaluateRunThresholds(scenario, metrics);
  const thresholdsFailed = Object.entries(thresholds)
    .filter(([, v]) => !v.ok)
    .map(([k]) => k);
  // A failed threshold, a survivor of a lost DC that broke, a safety stop: failed, exit 99, each reason listed.
  const verdict = runVerdict({ failure, thresholds, failovers: results.failovers });
  const status = verdict.status;
  let exitCode = verdict.exitCode;
  const failures = verdict.failures;
  const endedAt = new Date();
  const summary: Summary = {
    runId,
    status,
    scenario: scenario.name,
    scenarioFile: scenario.file,
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    cluster: clusterFacts(spec),
    ...results,
    thresholds,
    ...(failure
      ? { error: failure instanceof Error ? failure.message : String(failure) }
      : failures.length
        ? { error: failuresText(failures) }
        : {}),
    ...(failures.length ? { failures } : {}),
  };
  // A full or read-only disk: say where and why, keep what is there (steps.ndjson's complete lines), exit 106.
  let writeFailure: WriteFailed | null = failure instanceof WriteFailed ? failure : null;
  try {
    files.writeSummary(summary);
    files.writeRun({ ...facts, endedAt: endedAt.toISOString(), status });
  } catch (err) {
    if (!(err instanceof WriteFailed)) throw err;
    writeFailure ??= err;
  }
  if (failure && !(failure instanceof Interrupted))
    log.warn(`drill ended early: ${failure instanceof Error ? failure.message : String(failure)}`);
  if (failure instanceof Interrupted)
    log.warn(
      `interrupted by ${failure.signal}: ${ctrl?.stepsRun ?? 0} steps kept in ${path.join(runDir, 'steps.ndjson')}`,
    );
  if (thresholdsFailed.length) log.warn(`thresholds failed: ${thresholdsFailed.join(', ')}`);
  for (const f of failures.filter((x) => x.kind === 'survivor')) log.warn(`survivor broke: ${f.name}: ${f.detail}`);

  let indexHtml: string | null = null;
  let comparison: Comparison | null = null;
  if (writeFailure) {
    opts.stderr.write(`headroom: ${writeFailure.message}\nhint: ${writeFailure.hint}\n`);
    return { exitCode: ExitCode.writeFailed, runDir, indexHtml, summary };
  }
  try {
    const historyFile = path.join(path.dirname(runDir), 'history.ndjson');
    const report = await writeReport(runDir, {
      forecastFile,
      baselineRunDir: opts.baseline ? path.resolve(opts.cwd, opts.baseline) : undefined,
      historyFile,
    });
    indexHtml = report.indexHtml;
    comparison = report.comparison ?? null;
    if (status === 'passed' || status === 'failed') await appendHistory(historyFile, report.summary);
    if (report.comparison) {
      for (const t of report.comparison.types)
        log.info(
          `compare ${t.serverType}: ${t.redlineA ?? '-'} → ${t.redlineB ?? '-'} req/s per replica${t.notes.length ? ` (${t.notes.join('; ')})` : ''}`,
        );
      if (report.comparison.regressed.length && exitCode === ExitCode.ok) {
        log.warn(`regression against ${opts.baseline}: ${report.comparison.regressed.join(', ')}`);
        exitCode = ExitCode.thresholdsFailed;
        // The page shows the regression from its comparison; summary.json says it too.
        const regressed = report.comparison.regressed.map((t) => ({
          kind: 'regression' as const,
          name: t,
          detail: `redline regressed against ${opts.baseline}`,
        }));
        const all = [...(report.summary.failures ?? []), ...regressed];
        files.writeSummary({
          ...report.summary,
          status: 'failed',
          failures: all,
          error: report.summary.error ?? failuresText(all),
        });
      }
    }
    opts.stdout.write(`${indexHtml}\n`);
  } catch (err) {
    log.warn(`writing the report failed: ${err instanceof Error ? err.message : String(err)}`);
    if (err instanceof WriteFailed) {
      // The summary must not say "passed" beside a report that could not be written.
      try {
        files.writeSummary({ ...summary, status: 'error', error: err.message });
      } catch {
        /* the disk is still full */
      }
      opts.stderr.write(`headroom: ${err.message}\nhint: ${err.hint}\n`);
      return {
        exitCode: ExitCode.writeFailed,
        runDir,
        indexHtml: null,
        summary: { ...summary, status: 'error', error: err.message },
      };
    }
    if (exitCode === ExitCode.ok) exitCode = err instanceof ConfigError ? ExitCode.invalidConfig : ExitCode.internal;
  }
  if (failure && !(failure instanceof HeadroomError) && exitCode === ExitCode.internal) {
    opts.stderr.write(`headroom: internal error: ${failure instanceof Error ? failure.stack : String(failure)}\n`);
  }
  if (failure instanceof ClusterError)
    opts.stderr.write(`headroom: ${failure.message}\n${failure.hint ? `hint: ${failure.hint}\n` : ''}`);
  return { exitCode, runDir, indexHtml, summary, comparison };
}
