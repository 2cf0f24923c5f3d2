// Today's headroom per DC from a plan: what the servers each DC runs carry against its own peak and against
// the load with the binding DC lost. The plan's opening section (plan-opening-view.ts) shows it.
import type { Plan } from '../capacity';

/** Today's headroom of a DC as a share of what its servers carry: normally (its own peak) and with the binding DC lost; null when unknown. */
export function headroomToday(plan: Plan, dc: string): { normal: number | null; withDcLoss: number | null } {
  const f = plan.fleet.find((x) => x.dc === dc);
  const peak = plan.plan.find((p) => p.dc === dc)?.peakRps;
  if (!f || f.capacityRps === null || f.capacityRps <= 0 || peak === undefined)
    return { normal: null, withDcLoss: null };
  return {
    normal: (f.capacityRps - peak) / f.capacityRps,
    withDcLoss: (f.capacityRps - f.bindingLoadRps) / f.capacityRps,
  };
}
