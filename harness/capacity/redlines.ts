// Redlines per server type as a run measured them, the planner's input.
import type { RedlineResult, Summary } from '../drill/records';

/**
 * One entry per server type: the redline drills' results, or a sweep's when a type had no
 * redline drill. Several results for one type stay separate; the planner takes the lowest.
 */
export function redlinesOf(summary: Pick<Summary, 'redlines' | 'sweeps'>): { serverType: string; rpsPerReplica: number | null }[] {
  const fromRedlines = summary.redlines ?? [];
  const typed = new Set(fromRedlines.map((r) => r.serverType));
  const fromSweeps = (summary.sweeps ?? []).filter((r) => !typed.has(r.serverType));
  return [...fromRedlines, ...fromSweeps].map((r: RedlineResult) => ({ serverType: r.serverType, rpsPerReplica: r.rpsPerReplica }));
}
