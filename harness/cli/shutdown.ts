// Stopping on a signal within a time limit. The first SIGINT, SIGTERM or SIGHUP asks the command to
// stop (its AbortSignal fires) and the run tears down within its time limit; a second one forces the
// exit once what remains of that limit is spent, printing what may be left and how to remove it.
import { ExitCode } from '../common';

/** The default time limit of a teardown (restore weights, stop the load, remove the replicas). */
export const defaultTeardownMs = 30_000;

/** What the composition root tells the shutdown (structural: run/ does not import cli/). */
export interface ShutdownHooks {
  /** What the run holds outside this process and how to remove it, for the message of a forced exit. */
  holding(what: string): void;
  /** The teardown has begun and must end by `deadline` (epoch ms). */
  tearingDown(deadline: number): void;
}

export interface ShutdownDeps {
  now(): number;
  /** A timer that must not keep the process alive on its own. */
  setTimer(fn: () => void, ms: number): { cancel(): void };
  write(text: string): void;
  exit(code: number): void;
}

export class Shutdown implements ShutdownHooks {
  private readonly controller = new AbortController();
  private what = 'containers of this run may be left: `headroom down <cluster file>` removes them';
  private deadline: number | undefined;
  private forced: { cancel(): void } | undefined;

  constructor(
    private readonly deps: ShutdownDeps,
    /** The teardown's time limit when the run has not said its deadline yet. */
    public timeLimitMs = defaultTeardownMs,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  holding(what: string): void {
    this.what = what;
  }

  tearingDown(deadline: number): void {
    this.deadline = deadline;
  }

  /** A signal arrived: the first stops the command, the second forces the exit when the teardown's time is up. */
  onSignal(sig: NodeJS.Signals): void {
    if (!this.controller.signal.aborted) {
      this.controller.abort(sig);
      return;
    }
    if (this.forced) return;
    const left = Math.max(0, this.deadline !== undefined ? this.deadline - this.deps.now() : this.timeLimitMs);
    this.deps.write(
      `headroom: second ${sig}: exiting in ${Math.ceil(left / 1000)} s at most (what remains of the teardown's time limit)\n`,
    );
    this.forced = this.deps.setTimer(() => {
      this.deps.write(`headroom: exiting before the teardown finished; ${this.what}\n`);
      this.deps.exit(ExitCode.interrupted);
    }, left);
  }

  /** The command ended on its own: no forced exit any more. */
  done(): void {
    this.forced?.cancel();
  }
}

export function processShutdown(timeLimitMs = defaultTeardownMs): Shutdown {
  return new Shutdown(
    {
      now: () => Date.now(),
      setTimer(fn, ms) {
        const t = setTimeout(fn, ms);
        t.unref();
        return { cancel: () => clearTimeout(t) };
      },
      write: (text) => {
        process.stderr.write(text);
      },
      exit: (code) => process.exit(code),
    },
    timeLimitMs,
  );
}
