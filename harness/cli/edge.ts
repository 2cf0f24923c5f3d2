// `headroom edge restore <run>` puts back the HAProxy weights a run saved before its first change, for a run
// that was killed before it could restore them itself; `headroom edge release` frees a claim on an edge.
import { ConfigError, ExitCode } from '../common';
import { edgeCommand } from '../edge';
import { commandLine, helpText, parseFlags } from './flags';
import type { CliIo } from './io';

export const spec = {
  name: 'edge',
  args: 'restore <run-dir | run-id> | release <run-dir | run-id | tcp://host:port>',
  summary:
    'restore: puts back the edge (HAProxy) weights a run saved in its folder before its first change, and\n' +
    'releases its claim (refused while another run holds the edge, unless --force).\n' +
    "release: frees a run's claim on an edge, or whatever claim the HAProxy at that runtime address holds.",
  positionals: [2, 2] as [number, number],
  flags: {
    force: { type: 'boolean', help: 'restore: even while another run holds the edge' },
  },
} as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(spec, argv);
  if (parsed.help) {
    io.stdout.write(helpText(spec));
    return ExitCode.ok;
  }
  const [sub, runArg] = parsed.positionals;
  if (sub !== 'restore' && sub !== 'release')
    throw new ConfigError(commandLine, 'subcommand', `got '${sub}'; expected 'restore' or 'release'`);
  return edgeCommand([sub, runArg], io, { force: parsed.values.force });
}
