// `headroom load <url> (--rate N | --vus N) (--duration D | --stage D:N ...)`: ad-hoc load against one URL,
// the way autocannon or `vegeta attack` are used, with k6's thresholds, handleSummary() JSON, outputs
// (`--out json=FILE`, `--out prometheus`) and exit codes; from this process or from generator agents.
import { ConfigErrors, ExitCode, Interrupted, stderrLogger } from '../common';
import type { Replica } from '../cluster';
import { checkTargets, type ExecutionPlan, runPlan } from '../load';
import {
  Metrics,
  failedThresholds,
  handleSummaryData,
  k6Summary,
  type OpenOutputs,
  openOutputs,
  parseThresholds,
  type Threshold,
  type ThresholdInput,
} from '../metrics';
import { openLoadSource, type LoadSource } from '../run';
import type { CliIo } from './io';
import { collector, commandLine, helpText, type Parsed, parseFlags } from './flags';
import { type LoadArgs, loadArgs, planOfArgs, replicaOfUrl, spec, thresholdsOfArgs, warmupPlan } from './load-args';

export { spec } from './load-args';

const fmt = (v: number | null, digits = 2) => (v === null ? '-' : v.toFixed(digits));

/** The command line, checked: every problem at once (flag values, URL, target, thresholds and the plan). */
interface LoadCommand {
  args: LoadArgs;
  target: { replica: Replica; path: string };
  thresholdInput: Record<string, ThresholdInput[]>;
  thresholds: Threshold[];
  plan: ExecutionPlan;
}

function loadCommand(flags: Extract<Parsed<(typeof spec)['flags']>, { help: false }>): LoadCommand {
  const c = collector();
  const rawUrl = flags.positionals[0];
  const parsed = c.check(() => loadArgs(flags.values, rawUrl));
  const target = c.check(() => replicaOfUrl(rawUrl));
  if (target)
    c.check(() =>
      checkTargets(
        [target.replica.host],
        parsed?.allowTargets ?? flags.values['allow-target'] ?? [],
        commandLine,
        'pass --allow-target HOST to load a host outside loopback',
      ),
    );
  const thresholdInput = c.check(() => thresholdsOfArgs(flags.values.threshold ?? []));
  const thresholds = thresholdInput && c.check(() => parseThresholds(thresholdInput, 'command line --threshold'));
  const plan = parsed && c.check(() => planOfArgs(parsed));
  c.throwIfAny();
  if (!parsed || !target || !thresholds || !thresholdInput || !plan) throw new ConfigErrors(c.problems);
  return { args: parsed, target, thresholdInput, thresholds, plan };
}

/** The source of the load (this process or agents) on the one URL. */
function openUrlSource(io: CliIo, cmd: LoadCommand, metrics: Metrics): Promise<LoadSource> {
  const { args, target, plan } = cmd;
  return openLoadSource({
    replicas: [target.replica],
    mix: {
      endpoints: [
        {
          name: 'url',
          weight: 1,
          protocol: 'http',
          method: args.method,
          path: target.path,
          headers: args.headers,
          body: args.body,
        },
      ],
    },
    metrics,
    timeoutMs: args.timeoutMs,
    maxInFlight: plan.maxInFlight ?? args.maxInFlight,
    allowTargets: args.allowTargets,
    file: commandLine,
    agents: args.agents,
    logger: stderrLogger({ stream: io.stderr }),
  });
}

/** One progress line: the last seconds' rate, latency and errors, what is in flight and dropped. */
function progressLine(metrics: Metrics, s: LoadSource, seconds: number, elapsedMs: number): string {
  // With agents the last second may not be in yet: the window ends where every agent has reported.
  const w = metrics.window({ seconds, untilMs: s.reportedUntil() });
  const st = s.load.stats();
  return `${(elapsedMs / 1000).toFixed(0).padStart(4)}s  ${w.rps.toFixed(0).padStart(6)} req/s  p50 ${fmt(w.percentile(50))} ms  p99 ${fmt(w.percentile(99))} ms  errors ${(w.errorRate * 100).toFixed(2)}%  in flight ${st.inFlight}  dropped ${st.dropped}`;
}

/** The warm-up (into a store of its own, when asked), then the measured plan, with progress lines. */
async function driveLoad(
  io: CliIo,
  cmd: LoadCommand,
  metrics: Metrics,
  prom: OpenOutputs['prometheus'],
): Promise<{ interrupted: boolean }> {
  const { args, plan } = cmd;
  // The warm-up records into a store of its own, left out of the summary and the outputs.
  const warmupMetrics = args.warmupMs > 0 ? new Metrics() : metrics;
  const offered = (rps: number) =>
    prom?.setStep({ drill: 'load', index: 0, kind: plan.executor, target: args.url, offeredRps: rps });
  let source: LoadSource | undefined;
  let result: { interrupted: boolean } = { interrupted: false };
  const tty = io.stderr.isTTY === true;
  try {
    source = await openUrlSource(io, cmd, warmupMetrics);
    const s = source;
    const driven = {
      setRate: (r: number, ramping?: boolean) => s.load.setRate(r, ramping),
      setVus: s.setVus,
      start: () => s.start(),
    };
    const every = tty ? 1000 : plan.durationMs > 120_000 ? 10_000 : 5_000;
    const line = (elapsedMs: number) => progressLine(metrics, s, tty ? 2 : every / 1000, elapsedMs);
    if (args.warmupMs > 0) {
      io.stderr.write(`warming up for ${args.warmupMs / 1000} s (not measured)\n`);
      prom?.setDrillState('settling');
      const warm = await runPlan(driven, warmupPlan(plan, args.warmupMs), { signal: io.signals, onApply: offered });
      if (warm.interrupted)
        throw new Interrupted(typeof io.signals?.reason === 'string' ? io.signals.reason : 'a signal');
      await s.switchMetrics(metrics);
    }
    prom?.setDrillState('measuring');
    result = await runPlan(driven, plan, {
      signal: io.signals,
      progressMs: every,
      onProgress: (t) => io.stderr.write(tty ? `\r\x1b[K${line(t)}` : `${line(t)}\n`),
      onApply: offered,
    });
  } finally {
    await source?.stop();
    prom?.setDrillState(result.interrupted ? 'stopped' : 'done');
  }
  return result;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(spec, argv);
  if (flags.help) {
    io.stdout.write(helpText(spec));
    return ExitCode.ok;
  }
  const cmd = loadCommand(flags);
  const metrics = new Metrics();
  const expressions = Object.fromEntries(
    Object.entries(cmd.thresholdInput).map(([m, list]) => [
      m,
      list.map((t) => (typeof t === 'string' ? t : t.threshold)),
    ]),
  );
  const outputs = await openOutputs(cmd.args.outputs, io.cwd, { thresholds: expressions });
  const offSample = metrics.onSample(outputs.sampleListener);
  if (outputs.prometheusUrl) io.stderr.write(`metrics for Prometheus at ${outputs.prometheusUrl}\n`);
  const startedAt = performance.now();
  let result: { interrupted: boolean };
  try {
    result = await driveLoad(io, cmd, metrics, outputs.prometheus);
  } finally {
    offSample();
    await outputs.end();
  }
  const tty = io.stderr.isTTY === true;
  if (tty) io.stderr.write('\r\x1b[K');
  const summary = k6Summary(metrics, cmd.thresholds);
  if (cmd.args.json) {
    const state = {
      isStdOutTTY: io.stdout.isTTY === true,
      isStdErrTTY: tty,
      testRunDurationMs: performance.now() - startedAt,
    };
    io.stdout.write(`${JSON.stringify(handleSummaryData(summary, state), null, 2)}\n`);
  } else io.stdout.write(textSummary(metrics, summary));
  const failed = failedThresholds(summary);
  if (result.interrupted) {
    const sig = io.signals?.reason;
    throw new Interrupted(typeof sig === 'string' ? sig : 'a signal');
  }
  if (failed.length > 0) {
    io.stderr.write(`headroom: thresholds failed:\n${failed.map((f) => `  ✗ ${f}`).join('\n')}\n`);
    return ExitCode.thresholdsFailed;
  }
  return ExitCode.ok;
}

function textSummary(metrics: Metrics, summary: ReturnType<typeof k6Summary>): string {
  const t = metrics.totals({}, 'http_req_duration');
  const lines = [
    `requests   ${t.count} in ${t.seconds.toFixed(1)} s (${t.rps.toFixed(1)} req/s), failed ${t.failed} (${(t.errorRate * 100).toFixed(2)}%), dropped ${metrics.totals().droppedIterations}`,
    `latency    avg ${fmt(t.avg)} ms  min ${fmt(t.min)}  p50 ${fmt(t.percentile(50))}  p90 ${fmt(t.percentile(90))}  p99 ${fmt(t.percentile(99))}  max ${fmt(t.max)} ms (from the intended send time)`,
  ];
  for (const [key, m] of Object.entries(summary.metrics)) {
    for (const [expr, r] of Object.entries(m.thresholds ?? {}))
      lines.push(
        `threshold  ${r.ok ? '✓' : '✗'} ${key}: ${expr}  (${r.value === null ? 'no data' : +r.value.toFixed(3)})`,
      );
  }
  return `${lines.join('\n')}\n`;
}
