// `headroom edge restore <run>`: puts back the HAProxy weights a run saved before its first change,
// for a run that was killed before it could restore them itself.
import { ConfigError, ExitCode } from '../common';
import { edgeCommand } from '../edge';
import { commandLine, helpText, parseFlags } from './flags';
import type { CliIo } from './io';

export const spec = {
  name: 'edge',
  args: 'restore <run-dir | run-id>',
  summary: 'Restores the edge (HAProxy) weights a run saved in its folder before its first change.',
  positionals: [2, 2] as [number, number],
  flags: {},
} as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(spec, argv);
  if (parsed.help) {
    io.stdout.write(helpText(spec));
    return ExitCode.ok;
  }
  const [sub, runArg] = parsed.positionals;
  if (sub !== 'restore') throw new ConfigError(commandLine, 'subcommand', `got '${sub}'; expected 'restore'`);
  return edgeCommand(['restore', runArg], io);
}
