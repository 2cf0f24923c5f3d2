// The plan a report opens with: servers per DC and server type, normal and with a DC lost, today's
// headroom per DC, and the p5/p50/p95 range of the plan over the redlines' 95% intervals and the
// forecast's peak ranges (capacity/plan-range, seeded); the binding DC loss and why each rejected type lost.
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../common';
import { lowestRedlines, type RedlineResult, type Summary } from '../results';
import {
  parseForecastCsv,
  planRange,
  type Plan,
  type PlanOptions,
  type PlanRange,
  type PlanRangeOptions,
  type RedlineRange,
} from '../capacity';

/** The 95% interval a drill wrote beside a redline (an optional field of newer summaries); null when absent or malformed. */
export function redlineIntervalOf(r: RedlineResult): [number, number] | null {
  const i = (r as RedlineResult & { interval?: unknown }).interval;
  return Array.isArray(i) &&
    i.length === 2 &&
    i.every((x) => typeof x === 'number' && Number.isFinite(x)) &&
    i[0] <= i[1]
    ? [i[0], i[1]]
    : null;
}

/** Per server type, the redline by the one rule (lowestRedlines) with its interval when it has one. */
export function redlineRangesOf(summary: Pick<Summary, 'redlines' | 'sweeps'>): RedlineRange[] {
  return lowestRedlines(summary).map((r) => {
    const interval = r.rpsPerReplica === null ? null : redlineIntervalOf(r);
    // An interval that misses its own estimate (rounding) would be refused by the planner: widen it to hold it.
    const held =
      interval && r.rpsPerReplica !== null
        ? ([Math.min(interval[0], r.rpsPerReplica), Math.max(interval[1], r.rpsPerReplica)] as [number, number])
        : null;
    return { serverType: r.serverType, redline: r.rpsPerReplica, interval: held };
  });
}

/** The plan's range from a run's summary and a forecast file (ConfigError, exit 104, for a bad forecast). */
export async function planRangeFromSummary(
  summary: Summary,
  summaryFile: string,
  forecastFile: string,
  options: PlanOptions,
  rangeOptions: Partial<PlanRangeOptions> = {},
): Promise<PlanRange> {
  let text: string;
  try {
    text = await readFile(forecastFile, 'utf8');
  } catch {
    throw new ConfigError(
      forecastFile,
      '',
      'not found; expected a forecast CSV with a header row `dc,peak_rps[,peak_rps_low,peak_rps_high][,growth][,current_<serverType>...]`',
    );
  }
  const dcs = summary.cluster.dcs.map((d) => d.name);
  return planRange(
    {
      redlines: redlineRangesOf(summary),
      serverTypes: summary.cluster.serverTypes,
      forecast: parseForecastCsv(text, forecastFile, dcs),
      dcs,
      failover: summary.cluster.failover,
      redlineSource: summaryFile,
    },
    options,
    rangeOptions,
  );
}

/** The range as `plan --json` prints it: per DC the recommended servers' and cost's p5/p50/p95, per type too. */
export function planRangeJson(range: PlanRange) {
  return {
    draws: range.draws,
    seed: range.seed,
    totalCostPerHour: range.totalCostPerHour,
    dcs: range.dcs.map((d) => ({
      dc: d.dc,
      servers: d.servers,
      costPerHour: d.costPerHour,
      types: d.types.map((t) => ({
        serverType: t.serverType,
        normal: t.normal,
        withDcLoss: t.withDcLoss,
        costPerHour: t.costPerHour,
        cheapestShare: t.cheapestShare,
      })),
    })),
    rejected: range.rejected,
  };
}

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
