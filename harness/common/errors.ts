// Errors that carry their diagnosis and the exit code the CLI returns for them.
// Exit codes follow k6 where k6 has one, so CI scripts written for k6 keep working.

export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  thresholdsFailed: 99,
  invalidConfig: 104,
  interrupted: 105,
  writeFailed: 106,
  cluster: 110,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class HeadroomError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A bad cluster file, scenario, forecast or flag: names the file, the field, the value and what was expected. */
export class ConfigError extends HeadroomError {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly problem: string,
    hint?: string,
  ) {
    super(`${file}: ${field ? `${field}: ` : ''}${problem}`, ExitCode.invalidConfig, hint);
  }
}

/** Several configuration problems found in one pass; validation collects every one before anything starts. */
export class ConfigErrors extends HeadroomError {
  constructor(readonly problems: ConfigError[]) {
    super(problems.map((p) => p.message).join('\n'), ExitCode.invalidConfig, problems.find((p) => p.hint)?.hint);
  }
}

/** Docker or a replica misbehaved: says which replica and shows its last log lines. */
export class ClusterError extends HeadroomError {
  constructor(
    message: string,
    readonly replica?: string,
    readonly logTail?: string,
    hint?: string,
  ) {
    super(
      logTail ? `${message}\n--- last log lines of ${replica ?? 'the replica'} ---\n${logTail}` : message,
      ExitCode.cluster,
      hint,
    );
  }
}

export class ThresholdsFailed extends HeadroomError {
  constructor(readonly failed: string[]) {
    super(`thresholds failed: ${failed.join(', ')}`, ExitCode.thresholdsFailed);
  }
}

export class Interrupted extends HeadroomError {
  constructor(readonly signal: string) {
    super(`interrupted by ${signal}`, ExitCode.interrupted);
  }
}

/** A results file could not be written (disk full, read-only filesystem): names the path and the OS reason. */
export class WriteFailed extends HeadroomError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(
      `could not write results: ${file}: ${reason}`,
      ExitCode.writeFailed,
      'free some space or choose a writable --out; every complete step is kept in steps.ndjson (`headroom report <run>` rebuilds the rest)',
    );
  }
}

/** The OS's words for a failed file operation (e.g. "ENOSPC: no space left on device, write"). */
export function osReason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function exitCodeOf(err: unknown): ExitCode {
  return err instanceof HeadroomError ? err.exitCode : ExitCode.internal;
}
