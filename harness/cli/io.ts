// What a command needs from the outside world, passed in so tests can call commands directly.
import { processEnvironment, type EnvOptions } from '../common';
import type { Shutdown } from './shutdown';

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Fires on SIGINT/SIGTERM/SIGHUP; long commands subscribe to stop safely. */
  signals?: AbortSignal;
  /** The process's shutdown (a second signal forces the exit): runs give it their teardown's deadline. */
  shutdown?: Shutdown;
}

/** A command: its argv after the name, the world, and the environment's options (read once by main). */
export type Command = (argv: string[], io: CliIo, env: EnvOptions) => Promise<number>;

export function processIo(signals?: AbortSignal, shutdown?: Shutdown): CliIo {
  const io: CliIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    env: processEnvironment(),
    cwd: process.cwd(),
    signals,
  };
  return shutdown ? { ...io, shutdown } : io;
}
