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
 * Two steps, each a least-squares fit over the probes of both runs:
 * 1. at-rest CPU: cpuMsPerSecond = R + c_a·rps (run a) + c_b·rps (run b). R is one service's idle work
 *    (timers, GC, stats), the same in both runs; each run keeps its own cost per request c. Without it a
 *    run whose search probes lower rates looks costlier per request (R / rps is larger).
 * 2. drift: log((cpuMsPerSecond - R) / rps) = α + δ·[run b] + β·elapsedS. β is shared: both runs start
 *    a fresh replica and walk the same search; the samples are the costs moved to elapsed 0, exp(... - β·t).
 * A step whose fit is singular or absurd (R negative or above a probe's whole CPU) is skipped and the
 * note says so; the rank test then sees the unadjusted values of that step.
 */
export function adjustProbeCosts(pa: readonly CostProbe[], pb: readonly CostProbe[]): AdjustedCosts {
  const all = [...pa, ...pb];
  const inB = all.map((_, i) => (i < pa.length ? 0 : 1));
  const notes: string[] = [];
  let atRest = 0;
  const fit1 = leastSquares(
    all.map((p, i) => [1, inB[i] ? 0 : p.rpsPerReplica, inB[i] ? p.rpsPerReplica : 0]),
    all.map((p) => p.cpuMsPerSecond),
  );
  const minCpu = Math.min(...all.map((p) => p.cpuMsPerSecond));
  if (!fit1) notes.push('at-rest CPU not estimated (too few distinct rates)');
  else if (fit1[0] < 0) notes.push(`at-rest CPU taken as 0 (the fit gave ${fit1[0].toFixed(1)} ms/s)`);
  else if (fit1[0] >= minCpu)
    notes.push(`at-rest CPU not used (the fit gave ${fit1[0].toFixed(1)} ms/s, above a probe's CPU)`);
  else {
    atRest = fit1[0];
    notes.push(`net of ${atRest.toFixed(1)} ms/s of at-rest CPU`);
  }
  const logCost = all.map((p) => Math.log((p.cpuMsPerSecond - atRest) / p.rpsPerReplica));
  const fit2 = leastSquares(
    all.map((p, i) => [1, inB[i], p.elapsedS]),
    logCost,
  );
  const beta = fit2 ? fit2[2] : 0;
  notes.push(
    fit2
      ? `moved to the start of the search along the shared drift of ${pct(Math.expm1(beta * 60))}/min`
      : 'no drift estimated (the probes have no spread in time)',
  );
  const adjusted = logCost.map((v, i) => Math.exp(v - beta * all[i].elapsedS));
  return {
    a: adjusted.slice(0, pa.length),
    b: adjusted.slice(pa.length),
    atRestMsPerS: atRest,
    driftPerMinute: fit2 ? Math.expm1(beta * 60) : 0,
    note: `CPU samples: each probe's CPU ms per request ${notes.join(', ')}`,
  };
}

/** A signed percentage with one decimal; a rounded zero reads +0.0%, never -0.0%. */
const pct = (x: number) => {
  const v = Math.round(x * 1000) / 10;
  return `${v >= 0 ? '+' : ''}${v.toFixed(1)}%`;
};
