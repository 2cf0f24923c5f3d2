// How the drills ended, told to capacity's verdict in its own words: an abortOnFail threshold or a safety
// limit is a verdict on the run (completed, with the reason named), an interrupt is 105, anything else an error.
import { Interrupted, exitCodeOf } from '../common';
import { SafetyStop, ThresholdAbort } from '../drill';
import type { RunEnding } from '../capacity';

const fmt = (v: number | null) => (v === null ? 'no data' : String(v));

/** What ended the run early (null: nothing did) as the verdict takes it. */
export function endingOf(failure: unknown): RunEnding {
  if (failure === null || failure === undefined) return { outcome: 'completed', failures: [] };
  const error = failure instanceof Error ? failure.message : String(failure);
  if (failure instanceof Interrupted) return { outcome: 'interrupted', failures: [], error };
  if (failure instanceof ThresholdAbort) {
    const detail = `abortOnFail: the run was aborted (${fmt(failure.value)})`;
    return { outcome: 'completed', failures: [{ kind: 'threshold', name: failure.threshold, detail }], error };
  }
  if (failure instanceof SafetyStop)
    return { outcome: 'completed', failures: [{ kind: 'safety', name: 'safety', detail: failure.what }], error };
  const name = failure instanceof Error ? failure.name : 'error';
  return {
    outcome: 'error',
    exitCode: exitCodeOf(failure),
    failures: [{ kind: 'error', name, detail: error }],
    error,
  };
}
