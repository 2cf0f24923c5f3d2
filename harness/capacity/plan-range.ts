// Plans with ranges: the planner (plan.ts) run over seeded Monte Carlo draws of the
// redlines and the forecast peaks, giving p5/p50/p95 servers and cost per DC; and why each server
// type the plan did not recommend lost. Reproducible: the same input and seed give the same figures.
// Distributions (the choices):
// - A redline with a 95% interval [low, high] is normal with the interval as ±1.96σ; when the interval
//   is not symmetric around the estimate (order statistics), a split normal: σ below the estimate from
//   low, σ above from high. Draws are kept above 10% of the estimate (a redline is never <= 0).
//   Server types' redlines are drawn independently (separate searches).
// - A DC's peak with `peak_rps_low`/`peak_rps_high` is triangular on [low, high] with its mode at
//   `peak_rps`: a planner's "at least, likely, at most", with no tails beyond what they wrote.
//   DCs are drawn independently. Without a range, the peak is taken as known.
// Quantiles are nearest-rank, so servers are whole numbers that some draw actually needed.
import { ConfigError, normalDraws, seededRandom } from '../common';
import type { ForecastRow } from '../results';
import { plan, type Plan, type PlanInput, type PlanOptions } from './plan';

export interface RedlineRange {
  serverType: string;
  /** The estimate, req/s per replica; null = no load held its guards (the type loses on capacity). */
  redline: number | null;
  /** 95% interval; null = taken as known. */
  interval: [number, number] | null;
}

export interface PlanRangeInput extends Omit<PlanInput, 'redlines'> {
  redlines: RedlineRange[];
}

export interface PlanRangeOptions {
  draws: number;
  seed: number;
}

export const defaultPlanRangeOptions: PlanRangeOptions = { draws: 2000, seed: 1 };

export interface Spread {
  p5: number;
  p50: number;
  p95: number;
}

export interface TypeRange {
  serverType: string;
  normal: Spread;
  withDcLoss: Spread;
  costPerHour: Spread;
  /** Share of draws in which this type was the cheapest for the DC (0..1). */
  cheapestShare: number;
}

export interface DcRange {
  dc: string;
  /** Servers of the recommended type per draw (the type may differ between draws). */
  servers: Spread;
  costPerHour: Spread;
  types: TypeRange[];
}

export interface RejectedType {
  dc: string;
  serverType: string;
  reason: 'cost' | 'capacity';
  explanation: string;
}

export interface PlanRange {
  /** The plan at the estimates and the forecast's peaks. */
  point: Plan;
  draws: number;
  seed: number;
  dcs: DcRange[];
  totalCostPerHour: Spread;
  /** Per DC, every server type not recommended in the point plan, and why. */
  rejected: RejectedType[];
}

/** Nearest-rank quantile of sorted values. */
function rank(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
function spread(values: number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 1e6) / 1e6;
  return { p5: r(rank(s, 0.05)), p50: r(rank(s, 0.5)), p95: r(rank(s, 0.95)) };
}

/** A triangular draw on [low, high] with its mode at mode, by inverting the CDF. */
function triangular(u: number, low: number, mode: number, high: number): number {
  if (high <= low) return mode;
  const f = (mode - low) / (high - low);
  return u < f
    ? low + Math.sqrt(u * (high - low) * (mode - low))
    : high - Math.sqrt((1 - u) * (high - low) * (high - mode));
}

function checkInput(input: PlanRangeInput, o: PlanRangeOptions): void {
  const source = input.redlineSource ?? 'redlines';
  if (!(Number.isInteger(o.draws) && o.draws >= 20)) {
    throw new ConfigError('options', 'draws', `value ${o.draws}: expected a whole number >= 20, such as 2000`);
  }
  if (!Number.isInteger(o.seed)) throw new ConfigError('options', 'seed', `value ${o.seed}: expected a whole number`);
  for (const r of input.redlines) {
    if (r.redline === null || !r.interval) continue;
    const [low, high] = r.interval;
    if (!(low <= r.redline && r.redline <= high)) {
      throw new ConfigError(
        source,
        `redlines[${r.serverType}].interval`,
        `[${low}, ${high}] does not hold the redline ${r.redline}; expected low <= redline <= high`,
      );
    }
  }
}

/** Why each type that the point plan did not recommend for a DC lost to the one it did. */
function rejectedTypes(point: Plan, noRedline: string[], dcs: string[]): RejectedType[] {
  const out: RejectedType[] = [];
  for (const dc of dcs) {
    const best = point.recommended.find((r) => r.dc === dc)!;
    for (const row of point.plan.filter((r) => r.dc === dc && r.serverType !== best.serverType)) {
      const more =
        best.costPerHour > 0
          ? ` (+${(((row.costPerHour - best.costPerHour) / best.costPerHour) * 100).toFixed(1)}%)`
          : '';
      const tie = row.costPerHour === best.costPerHour ? '; same cost, more servers or later in name order' : '';
      out.push({
        dc,
        serverType: row.serverType,
        reason: 'cost',
        explanation:
          `${row.withDcLoss} × ${row.serverType} cost ${row.costPerHour}/h against ${best.servers} × ${best.serverType} ` +
          `at ${best.costPerHour}/h${more}${tie}`,
      });
    }
    for (const serverType of noRedline) {
      out.push({
        dc,
        serverType,
        reason: 'capacity',
        explanation: `${serverType} has no redline: no load held its guards, so no number of servers carries the load`,
      });
    }
  }
  return out;
}

/** The plan at the estimates, and its range over `draws` seeded draws of redlines and peaks. */
export function planRange(
  input: PlanRangeInput,
  opts: PlanOptions,
  options: Partial<PlanRangeOptions> = {},
): PlanRange {
  const o = { ...defaultPlanRangeOptions, ...options };
  checkInput(input, o);
  const measured = input.redlines.filter((r): r is RedlineRange & { redline: number } => r.redline !== null);
  const noRedline = [...new Set(input.redlines.filter((r) => r.redline === null).map((r) => r.serverType))].filter(
    (t) => !measured.some((r) => r.serverType === t),
  );
  // The point plan also validates the rest of the input (forecast, costs) with the planner's errors.
  const point = plan(
    { ...input, redlines: measured.map((r) => ({ serverType: r.serverType, rpsPerReplica: r.redline })) },
    opts,
  );

  const uniform = seededRandom(o.seed);
  const z = normalDraws(uniform);
  const drawRedline = (r: RedlineRange & { redline: number }): number => {
    if (!r.interval) return r.redline;
    const d = z();
    const sigma = (d < 0 ? r.redline - r.interval[0] : r.interval[1] - r.redline) / 1.96;
    return Math.max(0.1 * r.redline, r.redline + d * sigma);
  };
  const drawPeak = (row: ForecastRow): number =>
    row.peakRpsLow === undefined && row.peakRpsHigh === undefined
      ? row.peakRps
      : triangular(uniform(), row.peakRpsLow ?? row.peakRps, row.peakRps, row.peakRpsHigh ?? row.peakRps);

  const perDc = new Map(input.dcs.map((dc) => [dc, { servers: [] as number[], cost: [] as number[] }]));
  const perType = new Map<string, { normal: number[]; withDcLoss: number[]; cost: number[]; cheapest: number }>();
  const totals: number[] = [];
  for (let i = 0; i < o.draws; i++) {
    const redlines = measured.map((r) => ({ serverType: r.serverType, rpsPerReplica: drawRedline(r) }));
    const forecast = input.forecast.map((row) => ({ ...row, peakRps: drawPeak(row) }));
    const p = plan({ ...input, redlines, forecast }, opts);
    totals.push(p.totalCostPerHour);
    for (const rec of p.recommended) {
      perDc.get(rec.dc)!.servers.push(rec.servers);
      perDc.get(rec.dc)!.cost.push(rec.costPerHour);
    }
    for (const row of p.plan) {
      const key = `${row.dc}\u0000${row.serverType}`;
      const t = perType.get(key) ?? { normal: [], withDcLoss: [], cost: [], cheapest: 0 };
      t.normal.push(row.normal);
      t.withDcLoss.push(row.withDcLoss);
      t.cost.push(row.costPerHour);
      if (p.recommended.some((r) => r.dc === row.dc && r.serverType === row.serverType)) t.cheapest++;
      perType.set(key, t);
    }
  }
  const types = [...new Set(measured.map((r) => r.serverType))];
  return {
    point,
    draws: o.draws,
    seed: o.seed,
    dcs: input.dcs.map((dc) => ({
      dc,
      servers: spread(perDc.get(dc)!.servers),
      costPerHour: spread(perDc.get(dc)!.cost),
      types: types.map((serverType) => {
        const t = perType.get(`${dc}\u0000${serverType}`)!;
        return {
          serverType,
          normal: spread(t.normal),
          withDcLoss: spread(t.withDcLoss),
          costPerHour: spread(t.cost),
          cheapestShare: t.cheapest / o.draws,
        };
      }),
    })),
    totalCostPerHour: spread(totals),
    rejected: rejectedTypes(point, noRedline, input.dcs),
  };
}
