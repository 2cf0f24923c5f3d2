// A run's verdict: every reason it did not pass (what ended it early, a failed threshold, a survivor of a
// lost DC that broke, a server type that regressed against the baseline), its status and its exit code.
import { ExitCode } from '../common';
import type { RunFailure, Summary } from '../results';
import type { Comparison } from './compare';

/** How the drills ended, as the run's composition root tells it (the drill's error types live above capacity/). */
export interface RunEnding {
  /** completed: ran to its end, or was stopped by abortOnFail or a safety limit (a verdict, not a fault). */
  outcome: 'completed' | 'interrupted' | 'error' | 'crashed';
  /** With outcome error: the error's exit code. */
  exitCode?: number;
  /** What ended the run early, named: the abortOnFail threshold, the safety limit, the error. */
  failures: RunFailure[];
  /** The message of what ended the run early; summary.error says it. */
  error?: string;
  /** A run read back: its failures are the drill's verdict already, thresholds and survivors are not counted again. */
  judged?: boolean;
  /** A run read back that failed without naming why (written before summaries listed failures). */
  failed?: boolean;
}

export const completed: RunEnding = { outcome: 'completed', failures: [] };

export interface RunVerdict {
  status: Summary['status'];
  exitCode: number;
  failures: RunFailure[];
  /** summary.error: what ended the run early, else every failure on one line; undefined when it passed. */
  error?: string;
}

const fmt = (v: number | null) => (v === null ? 'no data' : String(v));
const regressing = (notes: string[]) => notes.filter((n) => /regressed|fell/.test(n)).join('; ');

/** Every reason the run did not pass, in the order a reader should see them; a reason already named is not repeated. */
export function runFailures(
  ending: RunEnding,
  summary: Pick<Summary, 'thresholds' | 'failovers'>,
  comparison: Comparison | null,
): RunFailure[] {
  const failures = [...ending.failures];
  const add = (f: RunFailure) => {
    if (!failures.some((x) => x.kind === f.kind && x.name === f.name)) failures.push(f);
  };
  const judged = ending.judged === true;
  for (const [name, t] of Object.entries(summary.thresholds))
    if (!t.ok && !judged) add({ kind: 'threshold', name, detail: `failed (${fmt(t.value)})` });
  for (const f of summary.failovers) {
    for (const s of f.survivors) {
      if (s.held || judged) continue;
      const load = `${s.loadRps} req/s${s.loadFraction !== null ? `, ${Math.round(s.loadFraction * 100)}% of its capacity` : ''}`;
      add({
        kind: 'survivor',
        name: `${f.lostDc} lost → ${s.dc}`,
        detail: `${s.brokenBy ?? 'a guard'} broke at ${load} (drill ${f.drill})`,
      });
    }
  }
  for (const t of comparison?.types ?? []) {
    if (!t.regressed) continue;
    const why = regressing(t.notes);
    add({
      kind: 'regression',
      name: t.serverType,
      // Named by its run id: the same however the baseline's path was written.
      detail: `regressed against ${comparison!.runA}${why ? `: ${why}` : ''}`,
    });
  }
  return failures;
}

/** Status and exit code: interrupted 105, an error its own code, any failure 99 (k6's thresholds code), else passed. */
export function runVerdict(ending: RunEnding, failures: RunFailure[]): RunVerdict {
  const error = ending.error ?? (failures.length ? failuresText(failures) : undefined);
  const verdict = (status: Summary['status'], exitCode: number): RunVerdict => ({ status, exitCode, failures, error });
  if (ending.outcome === 'interrupted') return verdict('interrupted', ExitCode.interrupted);
  if (ending.outcome === 'error') return verdict('error', ending.exitCode ?? ExitCode.internal);
  // A run killed before its end: nothing decided it, so no code says it passed.
  if (ending.outcome === 'crashed') return verdict('crashed', ExitCode.internal);
  return failures.length || ending.failed
    ? verdict('failed', ExitCode.thresholdsFailed)
    : verdict('passed', ExitCode.ok);
}

/** One line naming every failure, for summary.error and the log. */
export function failuresText(failures: readonly RunFailure[]): string {
  return failures.map((f) => `${f.kind} ${f.name}: ${f.detail}`).join('; ');
}

/**
 * How a run read back from its summary.json ended: its status and the failures it recorded, as the drill
 * judged them. Its regressions are dropped when it is compared again (the new comparison names them), kept
 * otherwise; its error is kept unless it was only the failures on one line (the verdict writes that again).
 */
export function storedEnding(
  summary: Pick<Summary, 'failures' | 'error'> & { status?: Summary['status'] },
  comparing: boolean,
): RunEnding {
  const outcome =
    summary.status === 'interrupted' || summary.status === 'error' || summary.status === 'crashed'
      ? summary.status
      : 'completed';
  const stored = summary.failures ?? [];
  const failures = comparing ? stored.filter((f) => f.kind !== 'regression') : stored;
  const error = summary.error !== undefined && summary.error !== failuresText(stored) ? summary.error : undefined;
  const failed = summary.status === 'failed' && stored.length === 0;
  return { outcome, failures, judged: true, ...(failed ? { failed } : {}), ...(error !== undefined ? { error } : {}) };
}
