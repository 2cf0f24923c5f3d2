// abortOnFail as in k6: the scenario's whole-run thresholds marked `abortOnFail` are evaluated during
// the run (every 2 s, after their `delayAbortEval`); the first that fails ends the run: exit 99, the
// threshold named. Thresholds without abortOnFail are only judged at the end.
import { ExitCode, HeadroomError } from '../common';
import type { Scenario } from '../config';
import { evaluateThreshold, type Metrics, thresholdName } from '../metrics';

/** A threshold with abortOnFail failed: the run stops (exit 99, like k6). */
export class ThresholdAbort extends HeadroomError {
  constructor(
    readonly threshold: string,
    readonly value: number | null,
  ) {
    super(
      `threshold ${threshold} failed (value ${value ?? 'no data'}) and has abortOnFail: run aborted`,
      ExitCode.thresholdsFailed,
    );
  }
}

/** One abortOnFail threshold, ready to evaluate on the run so far. */
export interface AbortingThreshold {
  name: string;
  delayAbortEvalMs: number;
  evaluate(): { ok: boolean; value: number | null };
}

/** How often the thresholds are evaluated (k6 does every 2 s: it merges every sample so far). */
const everyMs = 2000;

/** Checks the aborting thresholds at most every 2 s; `check(now)` throws ThresholdAbort on the first failure. */
export class ThresholdAbortWatch {
  private lastMs = -Infinity;
  constructor(
    private readonly thresholds: readonly AbortingThreshold[],
    private readonly startMs: number,
  ) {}

  check(nowMs: number): void {
    if (this.thresholds.length === 0 || nowMs - this.lastMs < everyMs) return;
    this.lastMs = nowMs;
    for (const t of this.thresholds) {
      if (nowMs - this.startMs < t.delayAbortEvalMs) continue;
      const v = t.evaluate();
      if (!v.ok) throw new ThresholdAbort(t.name, v.value);
    }
  }
}

/** The scenario's abortOnFail thresholds on the run's metrics store. */
export function abortingThresholds(scenario: Pick<Scenario, 'parsed'>, metrics: Metrics): AbortingThreshold[] {
  return scenario.parsed.thresholds
    .filter((t) => t.abortOnFail)
    .map((t) => ({
      name: thresholdName(t),
      delayAbortEvalMs: t.delayAbortEvalMs,
      evaluate: () => evaluateThreshold(t, metrics),
    }));
}
