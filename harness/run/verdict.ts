// The run's verdict from how it ended: status, exit code and the list of reasons it failed (a
// threshold, a survivor of a lost DC, a safety limit, an error). Pure; the report's badge shows the list.
import { ExitCode, Interrupted, exitCodeOf } from '../common';
import { SafetyStop, ThresholdAbort } from '../drill';
import type { FailoverResult, RunFailure, Summary } from '../results';

export interface RunEnding {
  /** What ended the drills early, if anything. */
  failure: unknown;
  thresholds: Summary['thresholds'];
  failovers: readonly FailoverResult[];
}

export interface RunVerdict {
  status: Summary['status'];
  exitCode: number;
  failures: RunFailure[];
}

const fmt = (v: number | null) => (v === null ? 'no data' : String(v));

/** Every reason the run did not pass, in the order a reader should see them. */
export function runFailures(end: RunEnding): RunFailure[] {
  const failures: RunFailure[] = [];
  const { failure } = end;
  if (failure instanceof ThresholdAbort) {
    failures.push({
      kind: 'threshold',
      name: failure.threshold,
      detail: `abortOnFail: the run was aborted (${fmt(failure.value)})`,
    });
  } else if (failure instanceof SafetyStop) {
    failures.push({ kind: 'safety', name: 'safety', detail: failure.what });
  } else if (failure && !(failure instanceof Interrupted)) {
    failures.push({
      kind: 'error',
      name: failure instanceof Error ? failure.name : 'error',
      detail: failure instanceof Error ? failure.message : String(failure),
    });
  }
  for (const [name, t] of Object.entries(end.thresholds)) {
    if (t.ok || (failure instanceof ThresholdAbort && failure.threshold === name)) continue;
    failures.push({ kind: 'threshold', name, detail: `failed (${fmt(t.value)})` });
  }
  for (const f of end.failovers) {
    for (const s of f.survivors) {
      if (s.held) continue;
      const load = `${s.loadRps} req/s${s.loadFraction !== null ? `, ${Math.round(s.loadFraction * 100)}% of its capacity` : ''}`;
      failures.push({
        kind: 'survivor',
        name: `${f.lostDc} lost → ${s.dc}`,
        detail: `${s.brokenBy ?? 'a guard'} broke at ${load} (drill ${f.drill})`,
      });
    }
  }
  return failures;
}

/** Status and exit code: interrupted 105, an error its own code, any other failure 99 (k6's thresholds code), else passed. */
export function runVerdict(end: RunEnding): RunVerdict {
  const failures = runFailures(end);
  const { failure } = end;
  if (failure instanceof Interrupted) return { status: 'interrupted', exitCode: ExitCode.interrupted, failures };
  if (failure && !(failure instanceof SafetyStop) && !(failure instanceof ThresholdAbort)) {
    return { status: 'error', exitCode: exitCodeOf(failure), failures };
  }
  if (failures.length) return { status: 'failed', exitCode: ExitCode.thresholdsFailed, failures };
  return { status: 'passed', exitCode: ExitCode.ok, failures };
}

/** One line naming every failure, for summary.error and the log. */
export function failuresText(failures: readonly RunFailure[]): string {
  return failures.map((f) => `${f.kind} ${f.name}: ${f.detail}`).join('; ');
}
