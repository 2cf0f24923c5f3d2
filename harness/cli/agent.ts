// `headroom agent --listen HOST:PORT`: a generator agent. It runs the load engine for one drill
// controller at a time, which steers it live over gRPC; it stops its load when the controller goes silent.
import { ConfigError, ExitCode, stderrLogger } from '../common';
import { startAgentServer } from '../agent';
import { collector, commandLine, helpText, parseFlags } from './flags';
import type { CliIo } from './io';

export const spec = {
  name: 'agent',
  args: '',
  summary:
    'Serves the load engine to a drill controller over gRPC (generator agent). Prints {"listening":..,"pid":..}\n' +
    'once bound, then serves until SIGINT/SIGTERM (or stdin closing, with --exit-with-stdin).',
  positionals: [0, 0] as [number, number],
  flags: {
    listen: { type: 'string', value: 'HOST:PORT', help: 'address to listen on (default 127.0.0.1:0, a free port)' },
    capacity: {
      type: 'string',
      value: 'RPS',
      help: 'the rate this agent can sustain, for splitting by capacity (default 0: equal shares)',
    },
    'exit-with-stdin': {
      type: 'boolean',
      help: 'exit when stdin closes (an agent spawned by a controller dies with it)',
    },
  },
} as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(spec, argv);
  if (parsed.help) {
    io.stdout.write(helpText(spec));
    return ExitCode.ok;
  }
  const { values } = parsed;
  const c = collector();
  const capacity =
    values.capacity === undefined ? 0 : (c.check(() => nonNegative('--capacity', values.capacity as string)) ?? 0);
  c.throwIfAny();
  const server = await startAgentServer({ listen: values.listen ?? '127.0.0.1:0', capacity, logger: stderrLogger() });
  io.stdout.write(`${JSON.stringify({ listening: server.address, pid: process.pid })}\n`);
  await new Promise<void>((resolve) => {
    if (io.signals?.aborted) return resolve();
    io.signals?.addEventListener('abort', () => resolve(), { once: true });
    if (values['exit-with-stdin']) {
      process.stdin.on('end', resolve);
      process.stdin.on('close', resolve);
      process.stdin.resume();
    }
  });
  await server.close();
  return ExitCode.ok;
}

function nonNegative(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new ConfigError(commandLine, flag, `value '${text}': expected a number >= 0`);
  }
  return n;
}
