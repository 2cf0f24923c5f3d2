// A small logger to stderr, so stdout stays free for --json output.

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  debug(msg: string): void;
}

export function stderrLogger(
  opts: { quiet?: boolean; verbose?: boolean; stream?: NodeJS.WritableStream } = {},
): Logger {
  const stream = opts.stream ?? process.stderr;
  const write = (level: string, msg: string) => stream.write(`${level}${msg}\n`);
  return {
    info: (msg) => {
      if (!opts.quiet) write('', msg);
    },
    warn: (msg) => write('warning: ', msg),
    debug: (msg) => {
      if (opts.verbose) write('debug: ', msg);
    },
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, debug() {} };
