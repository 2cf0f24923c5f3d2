// What a finished run means, decided once: its plan and the plan's range from the forecast, its comparison
// with the baseline, every reason it failed, its status and exit code, and the summary that says all of it.
// Pure: the drill, `headroom report`, `plan` and `compare` read their files and hand them here.
import { HeadroomError } from '../common';
import type { ForecastRow, Plan, RunCaution, RunFailure, StepRecord, Summary } from '../results';
import { compareRuns, defaultCompareOptions, type Comparison } from './compare';
import type { PlanOptions } from './plan';
import type { PlanRange, PlanRangeOptions } from './plan-range';
import { planRun } from './run-plan';
import { runFailures, runVerdict, storedEnding, type RunEnding } from './verdict';

/** The forecast as parsed, or why it could not be (`headroom report` still renders a run it cannot plan). */
export type ForecastInput = { rows: ForecastRow[] } | { error: HeadroomError };

/** What a drill measured, as summary.json records it; status, failures, error and plan are decided here. */
export type MeasuredRun = Omit<Summary, 'status'> & Partial<Pick<Summary, 'status'>>;

export interface RunAnalysisInput {
  summary: MeasuredRun;
  steps: readonly StepRecord[];
  /** Without one, the plan the summary already carries is kept (and no range is drawn). */
  forecast?: ForecastInput | null;
  /** An earlier run to compare with (its steps feed the regression gate). */
  baseline?: { summary: Summary; steps: readonly StepRecord[] } | null;
  /** How the drills ended; without it, as the summary recorded (a run read back from its files). */
  ending?: RunEnding;
  options?: RunAnalysisOptions;
}

export interface RunAnalysisOptions {
  plan?: Partial<PlanOptions>;
  /** Draws and seed of the plan's range. */
  range?: Partial<PlanRangeOptions>;
  /** Minimum effect of the regression gate (default: capacity's defaultCompareOptions). */
  maxDrop?: number;
  /** Names the redlines in the planner's errors (the summary.json they came from). */
  redlineSource?: string;
}

export interface RunAnalysis {
  /** summary.json as it is to be written: the measurements with status, failures, error and plan. */
  summary: Summary;
  plan: Plan | null;
  /** p5/p50/p95 of the plan over the redlines' intervals and the forecast's peak ranges; with a forecast only. */
  range: PlanRange | null;
  /** Why the forecast could not be planned; the run's verdict does not change, callers may exit 104 on it. */
  planError: HeadroomError | null;
  comparison: Comparison | null;
  /** The baseline's plan, for the plan's change in the webhook. */
  baselinePlan: Plan | null;
  failures: RunFailure[];
  /** Figures to bet on with care (a redline whose cost moved during its search); the status does not change. */
  cautions: RunCaution[];
  status: Summary['status'];
  exitCode: number;
}

/** Plans, compares and judges one run. Throws only on a bug: a forecast that cannot be planned is planError. */
export function analyseRun(input: RunAnalysisInput): RunAnalysis {
  const o = input.options ?? {};
  const measured = input.summary;
  let plan: Plan | null = input.forecast ? null : (measured.plan ?? null);
  let range: PlanRange | null = null;
  let planError: HeadroomError | null = null;
  if (input.forecast && 'error' in input.forecast) planError = input.forecast.error;
  else if (input.forecast) {
    try {
      ({ plan, range } = planRun(measured, input.forecast.rows, o));
    } catch (err) {
      // A run's measurements are worth a report even when they cannot be planned from.
      if (!(err instanceof HeadroomError)) throw err;
      planError = err;
    }
  }
  const comparison = input.baseline
    ? compareRuns(
        input.baseline,
        { summary: measured, steps: input.steps },
        { minEffect: o.maxDrop ?? defaultCompareOptions.minEffect },
      )
    : null;
  const ending = input.ending ?? storedEnding(measured, comparison !== null);
  const failures = runFailures(ending, measured, comparison);
  const verdict = runVerdict(ending, failures);
  const { runId, plan: _plan, failures: _failures, error: _error, status: _status, cautions: _c, ...rest } = measured;
  const cautions = runCautions(measured);
  const summary: Summary = {
    runId,
    status: verdict.status,
    ...rest,
    ...(verdict.error !== undefined ? { error: verdict.error } : {}),
    ...(failures.length ? { failures } : {}),
    ...(cautions.length ? { cautions } : {}),
    ...(plan ? { plan } : {}),
  };
  return {
    summary,
    plan,
    range,
    planError,
    comparison,
    baselinePlan: input.baseline?.summary.plan ?? null,
    failures,
    cautions,
    status: verdict.status,
    exitCode: verdict.exitCode,
  };
}

/** The redlines whose cost per request moved more than their precision allows: said beside the verdict. */
export function runCautions(measured: Pick<Summary, 'redlines' | 'sweeps'>): RunCaution[] {
  return [...measured.redlines, ...measured.sweeps].flatMap((r) =>
    r.caution ? [{ kind: 'drift' as const, name: `redline ${r.pool}`, detail: r.caution }] : [],
  );
}
