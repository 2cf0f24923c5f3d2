// What a command needs from the outside world, passed in so tests can call commands directly.

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Fires on SIGINT/SIGTERM; long commands subscribe to stop safely. */
  signals?: AbortSignal;
}

export type Command = (argv: string[], io: CliIo) => Promise<number>;

export function processIo(signals?: AbortSignal): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), signals };
}
