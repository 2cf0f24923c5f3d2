// Redlines per server type as a run measured them, the planner's input.
import { lowestRedlines, type Summary } from '../results';

/** One entry per server type, by the one rule of results/ (lowestRedlines): null when no load held. */
export function redlinesOf(summary: Pick<Summary, 'redlines' | 'sweeps'>): { serverType: string; rpsPerReplica: number | null }[] {
  return lowestRedlines(summary).map((r) => ({ serverType: r.serverType, rpsPerReplica: r.rpsPerReplica }));
}
