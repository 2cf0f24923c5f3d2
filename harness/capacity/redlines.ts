// Redlines per server type as a run measured them, the planner's input.
import { lowestRedlines, type Summary } from '../results';
import type { PlanRedline } from './plan';

/** One entry per server type, by the one rule of results/ (lowestRedlines): null when no load held or no breach was found. */
export function redlinesOf(summary: Pick<Summary, 'redlines' | 'sweeps'>): PlanRedline[] {
  return lowestRedlines(summary).map((r) => ({
    serverType: r.serverType,
    rpsPerReplica: r.rpsPerReplica,
    ...(r.status ? { status: r.status } : {}),
    ...(r.atLeast !== undefined ? { atLeast: r.atLeast } : {}),
  }));
}
