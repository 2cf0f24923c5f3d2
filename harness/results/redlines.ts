// The one rule for "a run's redline of a server type", used by the planner, the comparison of two
// runs, the history and the baseline a drill's ramps start from.
import type { RedlineResult, Summary } from './records';

/**
 * One result per server type, sorted by server type: the lowest of its redline drills' results;
 * a sweep's counts only for a type no redline drill measured (a redline drill is the finer search).
 * `rpsPerReplica: null` (even the lowest probe broke a guard) ranks below every number: the
 * capacity is lower than anything probed, so null is the lowest and the conservative answer. A
 * `noBreach` result (no breach up to the cap: the redline is above it, unknown) ranks above every
 * number: it is kept only when nothing measured the type, and stays null, never its cap.
 * Among equal results the first in the summary wins.
 */
export function lowestRedlines(summary: Pick<Summary, 'redlines' | 'sweeps'>): RedlineResult[] {
  const fromRedlines = summary.redlines ?? [];
  const typed = new Set(fromRedlines.map((r) => r.serverType));
  const fromSweeps = (summary.sweeps ?? []).filter((r) => !typed.has(r.serverType));
  const rank = (r: RedlineResult) =>
    r.status === 'noBreach' ? Infinity : r.rpsPerReplica === null ? -Infinity : r.rpsPerReplica;
  const byType = new Map<string, RedlineResult>();
  for (const r of [...fromRedlines, ...fromSweeps]) {
    const prev = byType.get(r.serverType);
    if (!prev || rank(r) < rank(prev)) byType.set(r.serverType, r);
  }
  return [...byType.values()].sort((a, b) => (a.serverType < b.serverType ? -1 : a.serverType > b.serverType ? 1 : 0));
}

/**
 * An earlier run's redlines as starting points for the ramps: lowestRedlines, numbers only. A type
 * whose redline is null has no usable start (its search starts cold), even when a sweep measured it.
 */
export function baselineRedlines(summary: Pick<Summary, 'redlines' | 'sweeps'>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of lowestRedlines(summary)) if (r.rpsPerReplica !== null) out[r.serverType] = r.rpsPerReplica;
  return out;
}
