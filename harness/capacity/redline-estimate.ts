// The redline of one server type as an estimate with a 95% interval, from every probe of one or more
// redline searches. Two methods, chosen by the guard that limited the searches:
// - `fit`, for guards that grow smoothly with load (cpu_share, memory_mb): a least-squares line
//   guard = a + b·rps through every usable probe of every search, and its crossing of the guard's
//   limit. Usable = had data, not faulted, not saturated (served < 95% of offered, or flagged: an
//   overloaded replica's CPU share flattens at its quota and would bend the line). The interval is the
//   inverse-regression (calibration) interval by the delta method: se(x*) = (s/|b|)·sqrt(1/n +
//   (x* - x̄)²/Sxx), times Student t(0.975, n - 2). It is the interval of where the *mean* guard value
//   crosses the limit, which is what a redline is; it ignores the error of the slope's sign (the fit is
//   refused unless the slope is positive with t > 4, i.e. the crossing is well defined). When the
//   searches' levels differ by more than the probes' noise (the machine drifted between them), that
//   spread over √k searches, t on k - 1 degrees of freedom, is added in quadrature (`betweenSearches`).
//   Why a line and not the last probe that held: the last probe is one noisy window; the line uses
//   every window, and a drift of CPU per request within a search averages out instead of deciding.
// - `median`, otherwise (p99, error rate, or a fit that is refused): the median of the searches'
//   redlines (last probe that held). Interval: with n >= 6 searches the distribution-free interval of
//   the median from order statistics (ranks from the binomial, coverage >= 95%); with 2..5 searches
//   median ± t(0.975, n - 1) · 1.2533 · sd/√n (1.2533 = the median's standard error over the mean's
//   for normal data); with one search the bracket [last held, first confirmed breach] of that search,
//   which is not a 95% interval and says so in `note`.
// Searches that ended `noBreach` (no breach up to X) give no redline: they are left out of the median,
// and when every search ended so the method is `none` with `atLeast` set.
import { isSmoothMetric } from '../metrics';
import { type RedlineDrift, roundRate } from '../results';
import { type LineFit, type PlaneFit, fitLine, fitPlane, mean, median, stdDev, tQuantile } from './statistics';

export interface EstimateProbe {
  /** Offered rate per replica, req/s. */
  rps: number;
  /** Served rate per replica, req/s; a probe serving under 95% of its offered rate is saturated. */
  servedRps?: number;
  /** Guard values over the probe's window, by guard metric: `{ cpu_share: 0.71, p99_ms: 40 }`; null = no data. */
  guards: Record<string, number | null>;
  /** held / breached (confirmed) / noData (unstable after its repeats, or 0 req/s served). */
  verdict: 'held' | 'breached' | 'noData';
  /** A replica was marked out, killed or paused during the probe: never used. */
  faulted?: boolean;
  /** Set by the caller when it knows better than the served-rate rule. */
  saturated?: boolean;
  /** When the probe's window started, s (any origin): with `cpuShare`, how the cost per request moved. */
  atS?: number;
  /** The pool's CPU share over the window (whatever guard limited it); null when unknown. */
  cpuShare?: number | null;
}

export interface EstimateSearch {
  probes: EstimateProbe[];
  /** Highest rate that held (null: none held). */
  redlineRps: number | null;
  /** Lowest confirmed breach (null: none). */
  breachedRps: number | null;
  /** The search reached maxRps or a safety cap without a breach. */
  noBreach?: boolean;
}

export interface RedlineGuard {
  /** Guard metric, a key of EstimateProbe.guards. */
  metric: string;
  /** The guard's limit in the metric's unit (0.75 for `cpu_share: avg<0.75`). */
  limit: number;
}

export interface RedlineEstimate {
  /** Req/s per replica; null when no search found a redline. */
  redline: number | null;
  /** 95% interval; null with `redline`. */
  interval: [number, number] | null;
  /** Probes in the fit (`fit`), or searches with a redline (`median`). */
  samples: number;
  method: 'fit' | 'median' | 'none';
  /** Set when every search ended without a breach: the redline is at least this (req/s per replica). */
  atLeast?: number;
  /** Why this method, and what the interval means when it is not a plain 95% interval. */
  note: string;
  /** How the cost per request moved while the probes ran (absent: too few probes, or too short a time to tell). */
  drift?: Drift;
  /**
   * The guard is smooth (a line through the probes would give the interval) but the probes did not give one:
   * too few, or too close together in load for the slope to be clear. Probes further below the redline help.
   */
  fitFailed?: boolean;
}

/** How the cost per request moved during the searches (the record's RedlineDrift). */
export type Drift = RedlineDrift;

const SATURATED_SHARE = 0.95;
/** A slope whose t statistic is below this is too uncertain to invert. */
const MIN_SLOPE_T = 4;

const usable = (p: EstimateProbe) =>
  p.verdict !== 'noData' &&
  !p.faulted &&
  !p.saturated &&
  (p.servedRps === undefined || p.servedRps >= SATURATED_SHARE * p.rps);

/**
 * How much the guard's level moves between searches beyond the probes' own noise (one-way random effects,
 * moments): each search's mean residual from the common line, their weighted spread against what the
 * residual noise alone would give. Probes of one search share its moment of the machine (CPU per request
 * drifts by 5-8% over minutes here), so a common line through them all is surer than it should be.
 * Null with fewer than 2 searches holding probes, or when the levels agree within the noise.
 */
function betweenSearches(
  points: readonly { x: number; y: number; search: number }[],
  line: LineFit,
): { variance: number; searches: number } | null {
  const groups = new Map<number, { n: number; sum: number }>();
  for (const p of points) {
    const g = groups.get(p.search) ?? { n: 0, sum: 0 };
    g.n++;
    g.sum += p.y - line.intercept - line.slope * p.x;
    groups.set(p.search, g);
  }
  const k = groups.size;
  if (k < 2) return null;
  const n = points.length;
  let weighted = 0;
  let squares = 0;
  for (const g of groups.values()) {
    weighted += (g.sum / g.n) ** 2 * g.n;
    squares += g.n ** 2;
  }
  const variance = (weighted - (k - 1) * line.residualSd ** 2) / (n - squares / n);
  return variance > 0 ? { variance, searches: k } : null;
}

/** A move shorter than this, or fewer probes, says nothing about drift. */
const DRIFT_MIN_SPAN_S = 10;
const DRIFT_MIN_PROBES = 8;
/** Each side of a change holds at least this many probes. */
const DRIFT_MIN_SIDE = 3;
/**
 * The shift's t statistic a drift needs: well above 3, for the split is the best of several tried; with few
 * probes, Student's 99.95% quantile on their degrees of freedom when that is higher (5 probes left after the
 * line's 3 coefficients give 6.9): a handful of noisy windows must not read as a moving machine.
 */
const DRIFT_T = 4.5;
const driftT = (df: number) => Math.max(DRIFT_T, tQuantile(0.9995, df));
const DRIFT_MIN_CHANGE = 0.03;

interface CpuPoint {
  x: number;
  t: number;
  y: number;
}

/** The usable probes with a CPU share and a time, in time order. */
function cpuPoints(searches: readonly EstimateSearch[]): CpuPoint[] {
  return searches
    .flatMap((s) =>
      s.probes
        .filter(usable)
        .flatMap((p) =>
          p.atS === undefined || p.cpuShare == null || !Number.isFinite(p.cpuShare)
            ? []
            : [{ x: p.servedRps ?? p.rps, t: p.atS, y: p.cpuShare }],
        ),
    )
    .sort((a, b) => a.t - b.t);
}

/**
 * Where the cost per request changed most clearly: the probes in time order are split where the mean of their
 * relative residuals from one line (CPU share against rate) differs most, in Welch's t, before and after.
 * A step (a neighbour started) splits where it happened; a steady trend splits near its middle.
 */
function bestSplit(points: readonly CpuPoint[]): number | null {
  const line = fitLine(points);
  if (!line || !(line.slope > 0)) return null;
  const rel = points.map((p) => {
    const fitted = line.intercept + line.slope * p.x;
    return fitted > 0 ? (p.y - fitted) / fitted : 0;
  });
  let best: { k: number; t: number } | null = null;
  for (let k = DRIFT_MIN_SIDE; k <= points.length - DRIFT_MIN_SIDE; k++) {
    const a = rel.slice(0, k);
    const b = rel.slice(k);
    const se = Math.sqrt(stdDev(a) ** 2 / a.length + stdDev(b) ** 2 / b.length);
    const diff = Math.abs(mean(b) - mean(a));
    const t = se > 0 ? diff / se : diff > 0 ? Number.POSITIVE_INFINITY : 0;
    if (!best || t > best.t) best = { k, t };
  }
  return best?.k ?? null;
}

/**
 * The cost per request's move over the probes (see Drift), at the load `atRps`; null when it cannot be told.
 * Two parallel lines, CPU share = a + b·rps + c·(s - s̄) with s 0 before the best split and 1 after: c is
 * the move, judged by its own t statistic. `plane` holds that fit (its `meanT` is s̄).
 */
export function costDrift(
  searches: readonly EstimateSearch[],
  atRps: number | ((plane: PlaneFit) => number),
): { drift: Drift; plane: PlaneFit; split: number } | null {
  const points = cpuPoints(searches);
  if (points.length < DRIFT_MIN_PROBES) return null;
  const overS = points[points.length - 1].t - points[0].t;
  if (overS < DRIFT_MIN_SPAN_S) return null;
  const k = bestSplit(points);
  if (k === null) return null;
  const plane = fitPlane(points.map((p, i) => ({ x: p.x, t: i < k ? 0 : 1, y: p.y })));
  if (!plane || !(plane.b > 0)) return null;
  const level = plane.a + plane.b * (typeof atRps === 'number' ? atRps : atRps(plane));
  if (!(level > 0)) return null;
  const seC = plane.residualSd * Math.sqrt(plane.inverse[2][2]);
  const tStat = seC > 0 ? plane.c / seC : plane.c === 0 ? 0 : Math.sign(plane.c) * Number.POSITIVE_INFINITY;
  const change = plane.c / level;
  const significant = Math.abs(tStat) >= driftT(plane.n - 3) && Math.abs(change) >= DRIFT_MIN_CHANGE;
  const atS = Math.round(points[k].t - points[0].t);
  return {
    drift: {
      change: round4(change),
      overS: Math.round(overS),
      atS,
      tStat: round2(Math.min(99, Math.max(-99, tStat))),
      significant,
    },
    plane,
    split: k,
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)}%`;

/**
 * An estimate widened by a significant drift: its interval also covers the redline at the first and at the
 * last probe's time (the cost per request there scaled from the move), and its note says so.
 */
function withDrift(est: RedlineEstimate, searches: readonly EstimateSearch[]): RedlineEstimate {
  if (est.redline === null || est.interval === null) return est;
  const found = costDrift(searches, est.redline);
  if (!found) return est;
  const { drift } = found;
  if (!drift.significant) return { ...est, drift };
  // The redline moves against the cost: the estimate sits between the two levels, half the move on each side.
  const fromRps = roundRate(est.redline * (1 + drift.change / 2));
  const toRps = roundRate(est.redline / (1 + drift.change / 2));
  const half = Math.max(est.redline - est.interval[0], est.interval[1] - est.redline);
  return widened(est, drift, fromRps, toRps, half);
}

/** The estimate with its interval covering the redline at both ends of the drift, ± the statistical half-width. */
function widened(est: RedlineEstimate, drift: Drift, fromRps: number, toRps: number, half: number): RedlineEstimate {
  const interval: [number, number] = [
    roundRate(Math.min(est.interval?.[0] ?? Number.POSITIVE_INFINITY, Math.min(fromRps, toRps) - half)),
    roundRate(Math.max(est.interval?.[1] ?? 0, Math.max(fromRps, toRps) + half)),
  ];
  return {
    ...est,
    interval,
    drift: { ...drift, fromRps, toRps },
    note: `${est.note}; cost per request moved ${pct(drift.change)} ${drift.atS} s into ${drift.overS} s of probes (t = ${drift.tStat}): the redline went from about ${fromRps} to ${toRps} req/s, interval widened to cover both`,
  };
}

/**
 * For a CPU guard under a significant drift: the crossing of the guard's limit by the two parallel lines of
 * costDrift, at their weighted middle, with the calibration interval from the coefficients' covariance,
 * widened to the crossings before and after the move.
 */
function planeEstimate(found: { drift: Drift; plane: PlaneFit }, guard: RedlineGuard): RedlineEstimate | null {
  const { plane, drift } = found;
  const x = (guard.limit - plane.a) / plane.b;
  if (!(x > 0)) return null;
  const g = [1, x, 0];
  const v = g.reduce((sum, gi, i) => sum + gi * g.reduce((t, gj, j) => t + plane.inverse[i][j] * gj, 0), 0);
  const se = (plane.residualSd * Math.sqrt(Math.max(0, v))) / plane.b;
  const half = tQuantile(0.975, plane.n - 3) * se;
  const at = (side: number) => roundRate((guard.limit - plane.a - plane.c * (side - plane.meanT)) / plane.b);
  const est: RedlineEstimate = {
    redline: roundRate(x),
    interval: [roundRate(x - half), roundRate(x + half)],
    samples: plane.n,
    method: 'fit',
    note: `${guard.metric} = ${plane.a.toPrecision(4)} + ${plane.b.toPrecision(4)} × rps, ${plane.c >= 0 ? '+' : ''}${plane.c.toPrecision(3)} after ${drift.atS} s, through ${plane.n} probes crosses ${guard.limit} between the two`,
  };
  return widened(est, drift, at(0), at(1), half);
}

function fitEstimate(searches: readonly EstimateSearch[], guard: RedlineGuard): RedlineEstimate | string {
  const points = searches.flatMap((s, search) =>
    s.probes.filter(usable).flatMap((p) => {
      const y = p.guards[guard.metric];
      return y === null || y === undefined || !Number.isFinite(y) ? [] : [{ x: p.servedRps ?? p.rps, y, search }];
    }),
  );
  const line = fitLine(points);
  if (!line) return `only ${points.length} usable probe(s) with ${guard.metric}: a line needs 3 at 2 rates or more`;
  const slopeSe = line.residualSd / Math.sqrt(line.sxx);
  if (!(line.slope > 0) || (slopeSe > 0 && line.slope / slopeSe < MIN_SLOPE_T)) {
    return `${guard.metric} does not rise clearly with load (slope ${line.slope.toPrecision(3)} ± ${slopeSe.toPrecision(3)})`;
  }
  const x = (guard.limit - line.intercept) / line.slope;
  const maxX = Math.max(...points.map((p) => p.x));
  if (!(x > 0) || x > 1.5 * maxX) {
    return `the line crosses ${guard.metric} ${guard.limit} at ${roundRate(x)} req/s, far outside the probes (max ${roundRate(maxX)})`;
  }
  const se = (line.residualSd / line.slope) * Math.sqrt(1 / line.n + (x - line.meanX) ** 2 / line.sxx);
  const within = tQuantile(0.975, line.n - 2) * se;
  const shift = betweenSearches(points, line);
  // A level that moves from one search to the next moves the crossing by level/slope; the mean of k
  // searches carries that spread over √k, with t on k - 1 degrees of freedom (few searches: wide).
  const between = shift
    ? (tQuantile(0.975, shift.searches - 1) * Math.sqrt(shift.variance / shift.searches)) / line.slope
    : 0;
  const half = Math.sqrt(within ** 2 + between ** 2);
  const fitted = `${guard.metric} = ${line.intercept.toPrecision(4)} + ${line.slope.toPrecision(4)} × rps through ${line.n} probes crosses ${guard.limit}`;
  return {
    redline: roundRate(x),
    interval: [roundRate(x - half), roundRate(x + half)],
    samples: line.n,
    method: 'fit',
    note:
      between > 0
        ? `${fitted}; the searches' levels differ by more than their noise (sd ${Math.sqrt(shift!.variance).toPrecision(2)}): interval widened`
        : fitted,
  };
}

/** Smallest rank k such that [x(k), x(n+1-k)] covers the median with probability >= 0.95 (n >= 6). */
export function medianRank(n: number): number {
  // P(x(k) <= median <= x(n+1-k)) = 1 - 2 P(Binomial(n, 1/2) <= k - 1); exact sum for small n.
  let best = 1;
  let cdf = 0;
  let term = 0.5 ** n; // P(B = 0)
  for (let k = 1; k <= Math.floor(n / 2); k++) {
    cdf += term; // P(B <= k - 1)
    if (1 - 2 * cdf >= 0.95) best = k;
    else break;
    term = (term * (n - (k - 1))) / k; // P(B = k)
  }
  return best;
}

function medianEstimate(searches: readonly EstimateSearch[], why: string): RedlineEstimate {
  const found = searches.filter((s) => !s.noBreach && s.redlineRps !== null);
  const values = found.map((s) => s.redlineRps!).sort((a, b) => a - b);
  const n = values.length;
  if (n === 0) {
    const reached = searches.filter((s) => s.noBreach && s.redlineRps !== null).map((s) => s.redlineRps!);
    if (reached.length > 0) {
      const atLeast = Math.min(...reached);
      return {
        redline: null,
        interval: null,
        samples: 0,
        method: 'none',
        atLeast,
        note: `no breach up to ${atLeast} req/s per replica`,
      };
    }
    return { redline: null, interval: null, samples: 0, method: 'none', note: 'no probe held in any search' };
  }
  const m = roundRate(median(values));
  if (n === 1) {
    const high = found[0].breachedRps ?? values[0];
    return {
      redline: m,
      interval: [values[0], high],
      samples: 1,
      method: 'median',
      note: `${why}; one search: the interval is its bracket [last held, first breach], not a 95% interval`,
    };
  }
  if (n >= 6) {
    const k = medianRank(n);
    return {
      redline: m,
      interval: [values[k - 1], values[n - k]],
      samples: n,
      method: 'median',
      note: `${why}; median of ${n} searches, interval from order statistics ${k} and ${n + 1 - k}`,
    };
  }
  const half = (tQuantile(0.975, n - 1) * 1.2533 * stdDev(values)) / Math.sqrt(n);
  return {
    redline: m,
    interval: [roundRate(m - half), roundRate(m + half)],
    samples: n,
    method: 'median',
    note: `${why}; median of ${n} searches ± t·1.2533·sd/√n`,
  };
}

/**
 * The redline of one server type from its searches. `guard` is the guard that limited them (its
 * metric and limit); a smooth guard gets the `fit`, any other guard (or none) the `median`.
 */
export function estimateRedline(searches: readonly EstimateSearch[], guard?: RedlineGuard): RedlineEstimate {
  if (guard && isSmoothMetric(guard.metric)) {
    const fit = fitEstimate(searches, guard);
    // A CPU guard whose cost moved: the line with time, not a line that averages two machines.
    if (guard.metric === 'cpu_share') {
      // The move is measured where the line with time crosses the limit: near the redline, whatever the fit did.
      const found = costDrift(searches, (plane) => (guard.limit - plane.a) / plane.b);
      const plane = found?.drift.significant ? planeEstimate(found, guard) : null;
      if (plane) return plane;
    }
    if (typeof fit !== 'string') return withDrift(fit, searches);
    return withDrift({ ...medianEstimate(searches, `no fit: ${fit}`), fitFailed: true }, searches);
  }
  return withDrift(
    medianEstimate(searches, guard ? `${guard.metric} is not a smooth guard` : 'no limiting guard'),
    searches,
  );
}
