// `headroom drill <scenario.ts> [--out DIR] [--keep] [--baseline RUN] [--forecast CSV]`
import { ExitCode, type EnvOptions, stderrLogger } from '../common';
import { runScenario } from '../run';
import type { CliIo } from './io';
import { driverOptions } from './cluster-command';
import { helpText, parseFlags } from './flags';

export const spec = {
  name: 'drill',
  args: '<scenario.ts>',
  summary: 'Runs a scenario script: redlines, drains, DC loss; writes reports/<run-id>/.\n'
    + 'Environment: HEADROOM_BASE_IMAGE, HEADROOM_HEALTH_TIMEOUT_S, DOCKER_HOST (as for `up`), HEADROOM_LIVE=0|1,\n'
    + 'HEADROOM_VERBOSE=1, HEADROOM_BASELINE (when --baseline is not given).',
  positionals: [1, 1] as [number, number],
  flags: {
    out: { type: 'string', value: 'DIR', help: 'the run directory (default reports/<run-id>)' },
    keep: { type: 'boolean', help: 'leave the cluster running at the end' },
    replace: { type: 'boolean', help: 'when --out exists and is not empty, move it aside (to DIR.replaced-<time>) instead of refusing' },
    baseline: { type: 'string', value: 'RUN', help: 'an earlier run (directory or summary.json) to start ramps from and compare with' },
    forecast: { type: 'string', value: 'CSV', help: 'forecast CSV for the plan; overrides the scenario\'s' },
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
  const logger = stderrLogger({ quiet: values.quiet, verbose: values.verbose || env.verbose === true });
  const result = await runScenario({
    scenarioFile: positionals[0], outDir: values.out, keep: values.keep, replace: values.replace, baseline: values.baseline ?? env.baseline, forecast: values.forecast,
    cwd: io.cwd, stdout: io.stdout, stderr: io.stderr, signal: io.signals, logger, tty: env.live, driver: driverOptions(env, logger),
  });
  return result.exitCode;
}
