// `headroom drill <scenario.ts> [--out DIR] [--keep] [--baseline RUN] [--forecast CSV] [--junit FILE] [--force] ...`
import * as path from 'node:path';
import { ExitCode, type EnvOptions, stderrLogger } from '../common';
import { splitOutFlags } from '../metrics';
import { writeCiOutputs } from '../report';
import { runScenario } from '../run';
import { driverOptions } from './cluster-command';
import { agentsFlag, collector, duration, helpText, parseFlags } from './flags';
import type { CliIo } from './io';
import { defaultTeardownMs } from './shutdown';

export const spec = {
  name: 'drill',
  args: '<scenario.ts>',
  summary:
    'Runs a scenario script: redlines, drains, DC loss; writes reports/<run-id>/.\n' +
    'Environment: HEADROOM_BASE_IMAGE, HEADROOM_HEALTH_TIMEOUT_S, DOCKER_HOST (as for `up`), HEADROOM_LIVE=0|1,\n' +
    'HEADROOM_VERBOSE=1, HEADROOM_BASELINE (when --baseline is not given), HEADROOM_NOTIFY_URL (when --notify is not given).',
  positionals: [1, 1] as [number, number],
  flags: {
    out: {
      type: 'string',
      multiple: true,
      value: 'DIR|json=FILE|prometheus[=ADDR]',
      help: 'the run directory (default reports/<run-id>); json=FILE writes k6 JSON points, prometheus serves OpenMetrics',
    },
    keep: { type: 'boolean', help: 'leave the cluster running at the end' },
    replace: {
      type: 'boolean',
      help: 'when --out exists and is not empty, move it aside (to DIR.replaced-<time>) instead of refusing',
    },
    baseline: {
      type: 'string',
      value: 'RUN',
      help: 'an earlier run (directory or summary.json) to start ramps from and compare with',
    },
    forecast: { type: 'string', value: 'CSV', help: "forecast CSV for the plan; overrides the scenario's" },
    junit: {
      type: 'string',
      value: 'FILE',
      help: 'write JUnit XML: one test case per guard verdict, regression and DC-loss survivor',
    },
    notify: {
      type: 'string',
      value: 'URL',
      help: 'POST a JSON summary to this webhook when the drill fails or regresses',
    },
    'notify-always': { type: 'boolean', help: 'with --notify: post after every drill, passed ones too' },
    agents: {
      type: 'string',
      value: 'N|HOST:PORT,...',
      help: 'generate the load from N local agent processes, or from agents at these addresses',
    },
    'max-duration': {
      type: 'string',
      value: 'DURATION',
      help: 'stop the drill after this long (exit 105, partial report), e.g. 45m',
    },
    'teardown-timeout': {
      type: 'string',
      value: 'DURATION',
      help: `time limit of the teardown (default ${defaultTeardownMs / 1000}s); a second Ctrl-C exits when it is up`,
    },
    force: {
      type: 'boolean',
      help: 'an existing edge: take it from the run that holds it, and take weights other than its configured ones as found',
    },
    quiet: { type: 'boolean', short: 'q', help: 'only errors and warnings on stderr' },
    verbose: { type: 'boolean', short: 'v', help: 'debug lines on stderr' },
  },
} as const;

export async function run(argv: string[], io: CliIo, env: EnvOptions): Promise<number> {
  const parsed = parseFlags(spec, argv);
  if (parsed.help) {
    io.stdout.write(helpText(spec));
    return ExitCode.ok;
  }
  const { values, positionals } = parsed;
  const c = collector();
  const out = c.check(() => splitOutFlags(values.out ?? [])) ?? { outputs: [] };
  const agents = values.agents === undefined ? undefined : c.check(() => agentsFlag(values.agents as string));
  const maxDurationMs =
    values['max-duration'] === undefined
      ? undefined
      : c.check(() => duration('--max-duration', values['max-duration'] as string));
  const teardown = values['teardown-timeout'];
  const teardownMs =
    teardown === undefined ? defaultTeardownMs : c.check(() => duration('--teardown-timeout', teardown as string));
  c.throwIfAny();
  if (io.shutdown && teardownMs !== undefined) io.shutdown.timeLimitMs = teardownMs;
  const logger = stderrLogger({ quiet: values.quiet, verbose: values.verbose || env.verbose === true });
  const budget =
    maxDurationMs === undefined ? null : wallClockBudget(maxDurationMs, values['max-duration'] as string, io.signals);
  const baseline = values.baseline ?? env.baseline;
  try {
    const result = await runScenario({
      scenarioFile: positionals[0],
      outDir: out.outDir,
      keep: values.keep,
      replace: values.replace,
      baseline,
      forecast: values.forecast,
      cwd: io.cwd,
      stdout: io.stdout,
      stderr: io.stderr,
      signal: budget?.signal ?? io.signals,
      logger,
      tty: env.live,
      driver: driverOptions(env, logger),
      outputs: out.outputs,
      agents,
      teardownTimeoutMs: teardownMs,
      shutdown: io.shutdown,
      force: values.force,
    });
    const notifyUrl = values.notify ?? env.notifyUrl;
    if (values.junit || notifyUrl) {
      // From the run's analysis in memory: the same summary, comparison and plan the report shows.
      const { analysis } = result;
      const ci = await writeCiOutputs(
        {
          summary: result.summary,
          steps: result.steps,
          comparison: analysis.comparison ?? undefined,
          plan: analysis.plan ?? undefined,
          baselinePlan: analysis.baselinePlan ?? undefined,
          exitCode: result.exitCode,
          report: result.indexHtml ?? undefined,
        },
        {
          junitFile: values.junit ? path.resolve(io.cwd, values.junit) : undefined,
          notifyUrl,
          notifyAlways: values['notify-always'],
        },
      );
      for (const w of ci.warnings) logger.warn(w);
      io.stderr.write(`${ci.logLine}\n`);
    }
    return result.exitCode;
  } finally {
    budget?.clear();
  }
}

/** The drill's wall-clock budget: on expiry it stops as an interrupt does (exit 105, partial report kept). */
function wallClockBudget(ms: number, text: string, outer?: AbortSignal): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(`--max-duration ${text}`), ms);
  timer.unref();
  const onOuter = () => controller.abort(outer?.reason ?? 'SIGINT');
  outer?.addEventListener('abort', onOuter, { once: true });
  if (outer?.aborted) onOuter();
  return {
    signal: controller.signal,
    clear() {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuter);
    },
  };
}
