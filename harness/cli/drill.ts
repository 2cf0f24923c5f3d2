// `headroom drill <scenario.ts> [--out DIR] [--keep] [--baseline RUN] [--forecast CSV]`
import { parseArgs } from 'node:util';
import { ConfigError, stderrLogger } from '../common';
import { runScenario } from '../run';
import type { CliIo } from './io';

const usage = 'usage: headroom drill <scenario.ts> [--out DIR] [--keep] [--baseline RUN] [--forecast CSV] [--quiet] [--verbose]';

export async function run(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string' }, keep: { type: 'boolean' }, baseline: { type: 'string' }, forecast: { type: 'string' },
        quiet: { type: 'boolean', short: 'q' }, verbose: { type: 'boolean', short: 'v' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new ConfigError('headroom drill', 'argv', `${err instanceof Error ? err.message : String(err)}`, usage);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(`${usage}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new ConfigError('headroom drill', 'argv', `expected one scenario script, got ${positionals.length}`, usage);
  const env = io.env;
  const tty = env.HEADROOM_LIVE === '0' ? false : env.HEADROOM_LIVE === '1' ? true : undefined;
  const logger = stderrLogger({ quiet: values.quiet, verbose: values.verbose || env.HEADROOM_VERBOSE === '1' });
  const result = await runScenario({
    scenarioFile: positionals[0], outDir: values.out, keep: values.keep, baseline: values.baseline ?? (env.HEADROOM_BASELINE || undefined), forecast: values.forecast,
    cwd: io.cwd, stdout: io.stdout, stderr: io.stderr, signal: io.signals, logger, tty,
  });
  return result.exitCode;
}
