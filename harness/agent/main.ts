// The agent command: `headroom agent --listen HOST:PORT [--capacity RPS]`. Prints one JSON line
// `{"listening":"HOST:PORT","pid":N}` once bound (local spawners wait for it) and serves until a signal.
import { ConfigError, HeadroomError, type Logger, stderrLogger } from '../common';
import { startAgentServer } from './server';

export interface AgentArgs {
  listen: string;
  capacity: number;
  /** Exit when stdin closes: a local agent dies with the controller process that spawned it. */
  exitWithStdin: boolean;
}

export function parseAgentArgs(argv: string[]): AgentArgs {
  const out: AgentArgs = { listen: '127.0.0.1:0', capacity: 0, exitWithStdin: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new ConfigError('argv', a, 'expected a value after it');
      return v;
    };
    if (a === '--listen') out.listen = value();
    else if (a === '--capacity') {
      const v = value();
      out.capacity = Number(v);
      if (!(Number.isFinite(out.capacity) && out.capacity >= 0)) {
        throw new ConfigError('argv', '--capacity', `expected requests per second >= 0, got ${JSON.stringify(v)}`);
      }
    } else if (a === '--exit-with-stdin') out.exitWithStdin = true;
    else throw new ConfigError('argv', a, 'unknown option; expected --listen HOST:PORT, --capacity RPS');
  }
  return out;
}

/** Runs an agent until SIGINT/SIGTERM (or stdin closing); returns the exit code. */
export async function main(argv: string[], log: Logger = stderrLogger()): Promise<number> {
  let args: AgentArgs;
  try {
    args = parseAgentArgs(argv);
  } catch (err) {
    if (err instanceof HeadroomError) {
      process.stderr.write(`headroom agent: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
  const server = await startAgentServer({ listen: args.listen, capacity: args.capacity, logger: log });
  process.stdout.write(`${JSON.stringify({ listening: server.address, pid: process.pid })}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    if (args.exitWithStdin) {
      process.stdin.on('end', resolve);
      process.stdin.on('close', resolve);
      process.stdin.resume();
    }
  });
  await server.close();
  return 0;
}
