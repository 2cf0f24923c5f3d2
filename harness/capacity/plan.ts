// The planner: servers per DC and server type for a forecast, in normal operation and when any
// one other DC is lost, the cheapest type per DC, and the headroom of today's fleet.
// The rule, checkable by hand (P peak, g growth, R redline, u utilization, k spares):
//   normal     = ceil(P(d)(1+g) / (R u)) + k
//   withDcLoss = max over x != d of ceil(L(d,x) / (R u)) + k,
//                L(d,x) = P(d)(1+g) + P(x)(1+g) · share(d,x)
//   share(d,x) = P(d)(1+g) / sum over e != x of P(e)(1+g)   (or failover[x][d] when a map is given)
import { ConfigError } from '../common';
import type { FleetRow, FleetStatus, ForecastRow, Plan, PlanOptions, PlanRow, RecommendedRow } from '../results';

export type { Plan, PlanOptions, PlanRow, RecommendedRow, FleetRow, FleetStatus };

export const defaultPlanOptions: PlanOptions = { utilization: 0.8, spares: 1, growth: 0, overProvisionedRatio: 1.5 };

export interface PlanInput {
  redlines: PlanRedline[];
  serverTypes: Record<string, { costPerHour: number }>;
  forecast: ForecastRow[];
  dcs: string[];
  /** lost DC -> survivor DC -> share of the lost DC's traffic it takes. */
  failover?: Record<string, Record<string, number>>;
  /** Named in errors about the redlines (the summary.json they came from). */
  redlineSource?: string;
}

/** ceil that does not turn 18.000000000000004 (float noise from 600 × 1.2) into 19. */
export function ceilLoad(x: number): number {
  return Math.ceil(x - 1e-9 * Math.max(1, Math.abs(x)));
}

const roundCost = (x: number) => Math.round(x * 1e6) / 1e6;
const roundRps = (x: number) => Math.round(x * 1e3) / 1e3;

function checkOptions(opts: PlanOptions): void {
  if (!(opts.utilization > 0 && opts.utilization <= 1))
    throw new ConfigError(
      'options',
      'utilization',
      `value ${opts.utilization}: expected a share in (0, 1], such as 0.8`,
    );
  if (!(Number.isInteger(opts.spares) && opts.spares >= 0))
    throw new ConfigError('options', 'spares', `value ${opts.spares}: expected a whole number >= 0`);
  if (!(Number.isFinite(opts.growth) && opts.growth > -1))
    throw new ConfigError('options', 'growth', `value ${opts.growth}: expected a share above -1, such as 0.2`);
  if (!(opts.overProvisionedRatio >= 1))
    throw new ConfigError(
      'options',
      'overProvisionedRatio',
      `value ${opts.overProvisionedRatio}: expected a number >= 1`,
    );
}

/** A server type's redline as the planner takes it; status and atLeast say why it is null. */
export interface PlanRedline {
  serverType: string;
  rpsPerReplica: number | null;
  status?: 'redline' | 'noBreach' | 'noData' | 'allBreached';
  atLeast?: number;
}

/** One redline per server type: the lowest measured (the conservative choice when several drills measured it). */
function redlineByType(input: PlanInput): Map<string, number> {
  const source = input.redlineSource ?? 'redlines';
  const byType = new Map<string, number>();
  for (const r of input.redlines) {
    if (r.status === 'noBreach' || r.status === 'noData') {
      // A search that never broke (or gave no verdict) measured no redline; its cap is not a capacity.
      throw new ConfigError(
        source,
        `redlines[${r.serverType}]`,
        r.status === 'noBreach'
          ? `no breach up to ${r.atLeast ?? '?'} req/s per replica: that is not a redline, so servers of this type cannot be planned from it; expected a redline drill that found a breach`
          : 'no data: a probe gave no verdict (unstable, nothing served or faulted), so servers of this type cannot be planned; expected a redline',
        r.status === 'noBreach'
          ? 'raise maxRps of the redline drill (or safety.maxTotalRps) until a guard breaks'
          : 'look at the unstable probes of this server type in the report',
      );
    }
    if (r.rpsPerReplica === null || !(r.rpsPerReplica > 0) || !Number.isFinite(r.rpsPerReplica)) {
      throw new ConfigError(
        source,
        `redlines[${r.serverType}].rpsPerReplica`,
        `is ${r.rpsPerReplica}: no load held its guards, so servers of this type cannot be planned; expected req/s per replica > 0`,
        'look at the redline drill of this server type in the report: its lowest probe already broke a guard',
      );
    }
    byType.set(r.serverType, Math.min(byType.get(r.serverType) ?? Infinity, r.rpsPerReplica));
  }
  if (byType.size === 0)
    throw new ConfigError(
      source,
      'redlines',
      'no server type has a redline; expected a run with at least one redline drill',
    );
  for (const type of byType.keys()) {
    const cost = input.serverTypes[type]?.costPerHour;
    if (cost === undefined || !Number.isFinite(cost) || cost < 0) {
      throw new ConfigError(
        source,
        `cluster.serverTypes.${type}.costPerHour`,
        `is ${cost}; expected a cost per hour >= 0`,
      );
    }
  }
  return byType;
}

/** Every DC has a forecast row, every row a known DC, and every current_<type> column a type with a redline. */
function checkForecast(input: PlanInput, redlines: Map<string, number>, rowOf: Map<string, ForecastRow>): void {
  for (const dc of input.dcs) {
    if (!rowOf.has(dc))
      throw new ConfigError('forecast', 'dc', `no row for dc '${dc}'; every dc needs a peak (0 is allowed)`);
  }
  for (const r of input.forecast) {
    if (!input.dcs.includes(r.dc))
      throw new ConfigError(
        r.source.file,
        `line ${r.source.line}, dc`,
        `unknown dc '${r.dc}'; expected one of ${input.dcs.join(', ')}`,
      );
    for (const type of Object.keys(r.current)) {
      if (!redlines.has(type)) {
        throw new ConfigError(
          r.source.file,
          `line ${r.source.line}, current_${type}`,
          `server type '${type}' has no redline in this run; expected one of ${[...redlines.keys()].map((t) => `current_${t}`).join(', ')}`,
        );
      }
    }
  }
}

/** The worst loss for one DC: the other DC whose loss puts the most load on it (none: its own peak binds). */
function bindingLossOf(
  input: PlanInput,
  peak: Map<string, number>,
  dc: string,
): { bindingLoss: string | null; bindingLoad: number } {
  /** Load on d when x is lost. */
  const loadWhenLost = (d: string, x: string): number => {
    const lost = peak.get(x)!;
    const map = input.failover?.[x];
    if (map) return peak.get(d)! + lost * (map[d] ?? 0);
    const survivors = input.dcs.filter((e) => e !== x);
    const sum = survivors.reduce((s, e) => s + peak.get(e)!, 0);
    // Survivors with no traffic of their own have no proportion to take: spread evenly.
    const share = sum > 0 ? peak.get(d)! / sum : 1 / survivors.length;
    return peak.get(d)! + lost * share;
  };
  let bindingLoss: string | null = null;
  let bindingLoad = peak.get(dc)!;
  for (const x of input.dcs) {
    if (x === dc) continue;
    const load = loadWhenLost(dc, x);
    if (load > bindingLoad + 1e-9) {
      bindingLoad = load;
      bindingLoss = x;
    }
  }
  return { bindingLoss, bindingLoad };
}

/** Today's fleet of one DC against its worst loss: what it carries (spares set aside), short, ok or over. */
function fleetRow(
  dc: string,
  current: Record<string, number>,
  redlines: Map<string, number>,
  opts: PlanOptions,
  loss: { bindingLoss: string | null; bindingLoad: number },
): FleetRow {
  const { bindingLoss, bindingLoad } = loss;
  const known = Object.keys(current).length > 0;
  const capacity = known
    ? Object.entries(current).reduce(
        (sum, [t, n]) => sum + Math.max(0, n - opts.spares) * redlines.get(t)! * opts.utilization,
        0,
      )
    : null;
  const status: FleetStatus =
    capacity === null
      ? 'unknown'
      : capacity < bindingLoad - 1e-9
        ? 'short'
        : capacity > bindingLoad * opts.overProvisionedRatio + 1e-9
          ? 'over-provisioned'
          : 'ok';
  return {
    dc,
    current: { ...current },
    capacityRps: capacity === null ? null : roundRps(capacity),
    bindingLoss,
    bindingLoadRps: roundRps(bindingLoad),
    headroomRps: capacity === null ? null : roundRps(capacity - bindingLoad),
    status,
  };
}

export function plan(input: PlanInput, opts: PlanOptions): Plan {
  checkOptions(opts);
  const redlines = redlineByType(input);
  const rowOf = new Map(input.forecast.map((r) => [r.dc, r]));
  checkForecast(input, redlines, rowOf);
  const peak = new Map(
    input.dcs.map((dc) => {
      const row = rowOf.get(dc)!;
      return [dc, row.peakRps * (1 + (row.growth ?? opts.growth))];
    }),
  );
  const rows: PlanRow[] = [];
  const fleet: FleetRow[] = [];
  for (const dc of input.dcs) {
    const loss = bindingLossOf(input, peak, dc);
    const current = rowOf.get(dc)!.current;
    for (const [serverType, redline] of redlines) {
      const perServer = redline * opts.utilization;
      const normal = ceilLoad(peak.get(dc)! / perServer) + opts.spares;
      const withDcLoss = ceilLoad(loss.bindingLoad / perServer) + opts.spares;
      rows.push({
        dc,
        serverType,
        redlineRps: redline,
        peakRps: roundRps(peak.get(dc)!),
        normal,
        withDcLoss,
        bindingLoss: loss.bindingLoss,
        bindingLoadRps: roundRps(loss.bindingLoad),
        current: current[serverType] ?? null,
        costPerHour: roundCost(withDcLoss * input.serverTypes[serverType].costPerHour),
      });
    }
    fleet.push(fleetRow(dc, current, redlines, opts, loss));
  }
  const recommended: RecommendedRow[] = input.dcs.map((dc) => {
    const best = rows
      .filter((r) => r.dc === dc)
      .sort(
        (a, b) =>
          a.costPerHour - b.costPerHour || a.withDcLoss - b.withDcLoss || a.serverType.localeCompare(b.serverType),
      )[0];
    return { dc, serverType: best.serverType, servers: best.withDcLoss, costPerHour: best.costPerHour };
  });
  return {
    options: { ...opts },
    plan: rows,
    recommended,
    fleet,
    totalCostPerHour: roundCost(recommended.reduce((s, r) => s + r.costPerHour, 0)),
  };
}
