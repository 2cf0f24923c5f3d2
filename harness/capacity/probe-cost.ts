// The CPU samples the regression gate ranks: one per probe of both runs, each the CPU ms per request net
// of the replica's at-rest CPU and of the drift that every search shares (a fresh replica gets cheaper as
// it warms up), so the rank test compares the cost of a request with the cost of a request. Pure.
import { leastSquares } from './statistics';

/** One probe of a redline search or sweep, per replica. */
export interface CostProbe {
  /** Requests per second one replica served. */
  rpsPerReplica: number;
  /** CPU ms per second one replica used (CPU ms per request × rpsPerReplica). */
  cpuMsPerSecond: number;
  /** Seconds since the first probe of this server type in its run (the replica's first load). */
  elapsedS: number;
}

export interface AdjustedCosts {
  /** Adjusted CPU ms per request of each probe of run a, then of run b (the cost at the start of a search). */
  a: number[];
  b: number[];
  /** CPU ms per second a replica uses at rest (the common intercept), 0 when not estimated. */
  atRestMsPerS: number;
  /** Shared drift of the cost per minute of the search, as a share (-0.1 = 10% cheaper a minute); 0 when not estimated. */
  driftPerMinute: number;
  /** How the samples were adjusted, one line for the explanation. */
  note: string;
}

/**
 * One least-squares fit over the probes of both runs:
 *   cpuMsPerSecond = R + c_run · rps · exp(β · elapsedS)
 * R is one service's at-rest work (timers, GC, stats), the same in both runs; each run keeps its own cost
 * per request c; β is the drift both share (both start a fresh replica and walk the same search). Without
 * R a run whose search probes lower rates looks costlier (R / rps is larger); without β the order of the
 * probes decides as much as their cost. β is found by golden-section search on the residual sum of
 * squares (linear in R and c once β is fixed), within ±50%/min. Each probe's sample is then its own cost
 * per request at the start of the search: (cpuMsPerSecond - R) / (rps · exp(β · elapsedS)).
 * R below 0, or above a probe's whole CPU, is taken as 0 (the drift still applies); without two distinct
 * rates no fit is made and the probes stay as measured. The note says which.
 */
export function adjustProbeCosts(pa: readonly CostProbe[], pb: readonly CostProbe[]): AdjustedCosts {
  const all = [...pa, ...pb];
  const inB = all.map((_, i) => i >= pa.length);
  const timed = new Set(all.map((p) => p.elapsedS)).size > 1;
  const fitAt = (beta: number) => fitLinear(all, inB, beta);
  let beta = 0;
  if (timed) {
    let lo = Math.log(0.5) / 60,
      hi = Math.log(1.5) / 60;
    const g = (Math.sqrt(5) - 1) / 2;
    for (let k = 0; k < 60; k++) {
      const m1 = hi - g * (hi - lo),
        m2 = lo + g * (hi - lo);
      if ((fitAt(m1)?.sse ?? Infinity) <= (fitAt(m2)?.sse ?? Infinity)) hi = m2;
      else lo = m1;
    }
    beta = (lo + hi) / 2;
  }
  // With one rate, R and c are told apart only through the drift: no fit at all.
  const fit = new Set(all.map((p) => p.rpsPerReplica)).size > 1 ? fitAt(beta) : null;
  const notes: string[] = [];
  const minCpu = Math.min(...all.map((p) => p.cpuMsPerSecond));
  let atRest = 0;
  if (!fit) {
    beta = 0;
    notes.push('as measured (too few distinct rates to fit the at-rest CPU and the drift)');
  } else if (fit.rawIntercept < 0)
    notes.push(`with the at-rest CPU taken as 0 (the fit gave ${fit.rawIntercept.toFixed(1)} ms/s)`);
  else if (fit.rawIntercept >= minCpu)
    notes.push(`with no at-rest CPU (the fit gave ${fit.rawIntercept.toFixed(1)} ms/s, above a probe's CPU)`);
  else {
    atRest = fit.rawIntercept;
    notes.push(`net of ${atRest.toFixed(1)} ms/s of at-rest CPU`);
  }
  if (fit)
    notes.push(
      timed
        ? `moved to the start of the search along the shared drift of ${pct(Math.expm1(beta * 60))}/min`
        : 'no drift estimated (the probes have no spread in time)',
    );
  const adjusted = all.map((p) => (p.cpuMsPerSecond - atRest) / (p.rpsPerReplica * Math.exp(beta * p.elapsedS)));
  return {
    a: adjusted.slice(0, pa.length),
    b: adjusted.slice(pa.length),
    atRestMsPerS: atRest,
    driftPerMinute: Math.expm1(beta * 60),
    note: `CPU samples: each probe's CPU ms per request ${notes.join(', ')}`,
  };
}

/**
 * The fit at a fixed drift: cpuMsPerSecond = R + c_a·x (a) + c_b·x (b) with x = rps·exp(β·t); when R comes
 * out negative, refitted through 0 (at-rest CPU cannot be negative). Null when singular.
 */
function fitLinear(
  all: readonly CostProbe[],
  inB: readonly boolean[],
  beta: number,
): { rawIntercept: number; sse: number } | null {
  const x = all.map((p) => p.rpsPerReplica * Math.exp(beta * p.elapsedS));
  const y = all.map((p) => p.cpuMsPerSecond);
  const withR = leastSquares(
    x.map((v, i) => [1, inB[i] ? 0 : v, inB[i] ? v : 0]),
    y,
  );
  if (!withR) return null;
  const coef =
    withR[0] >= 0
      ? withR
      : [
          0,
          ...(leastSquares(
            x.map((v, i) => [inB[i] ? 0 : v, inB[i] ? v : 0]),
            y,
          ) ?? [NaN, NaN]),
        ];
  const sse = y.reduce((s, v, i) => s + (v - coef[0] - (inB[i] ? coef[2] : coef[1]) * x[i]) ** 2, 0);
  return Number.isFinite(sse) ? { rawIntercept: withR[0], sse } : null;
}

/** A signed percentage with one decimal; a rounded zero reads +0.0%, never -0.0%. */
const pct = (x: number) => {
  const v = Math.round(x * 1000) / 10;
  return `${v >= 0 ? '+' : ''}${v.toFixed(1)}%`;
};
