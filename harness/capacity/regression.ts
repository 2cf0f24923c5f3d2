// The statistical regression gate: did a server type get worse between a baseline run a and
// a new run b, judged from the samples of both runs rather than a fixed percentage of two numbers.
// - CPU per request: one-sided Mann-Whitney U on the per-second (or per-probe) CPU ms per request of
//   both runs (normal approximation with continuity and tie corrections), p < alpha, AND the shift
//   (Hodges-Lehmann: the median of every ratio b_j / a_i, minus 1) at least `minEffect`. The rank test
//   guards against per-second noise; the minimum effect against what a rank test cannot see: two runs
//   on a shared machine differ a little as a whole (drift, neighbours), and with 60 samples a side
//   any such offset is "significant".
// - Redline: the two estimates' 95% intervals do not overlap (b entirely below a; a conservative
//   test, about p < 0.006 for equal widths) AND the drop is at least `minEffect`. A side without an
//   interval is not compared, and the explanation says so.
// Each decision comes with explanation lines a report can print as they are.
import { normalCdf } from './statistics';

export interface RegressionSamples {
  runId: string;
  /** CPU ms per request, one value per second (or per probe) of the runs' measure windows. */
  cpuMsPerRequest: readonly number[];
  /** The run's redline estimate of this server type (capacity/redline-estimate), when it has one. */
  redline?: { redline: number | null; interval: [number, number] | null };
}

export interface RegressionOptions {
  /** Significance level of the rank test (one-sided). */
  alpha: number;
  /** Smallest change that counts, as a share (0.05 = 5%). */
  minEffect: number;
  /** Fewer samples than this on either side: the CPU test is not made. */
  minSamples: number;
}

export const defaultRegressionOptions: RegressionOptions = { alpha: 0.01, minEffect: 0.05, minSamples: 8 };

export interface MannWhitney {
  u: number;
  z: number;
  /** One-sided p-value of "b tends to be larger than a". */
  p: number;
}

export interface RegressionDecision {
  regressed: boolean;
  cpu: { tested: boolean; change: number | null; p: number | null; regressed: boolean };
  redline: { tested: boolean; change: number | null; regressed: boolean };
  /** One line per figure: what was compared, the numbers, and the decision. */
  explanation: string[];
}

/** Mann-Whitney U of b against a, one-sided (b larger), normal approximation with tie and continuity corrections. */
export function mannWhitney(a: readonly number[], b: readonly number[]): MannWhitney {
  const n1 = a.length,
    n2 = b.length,
    n = n1 + n2;
  const all = [...a.map((v) => ({ v, b: false })), ...b.map((v) => ({ v, b: true }))].sort((x, y) => x.v - y.v);
  let rankSumB = 0;
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && all[j + 1].v === all[i].v) j++;
    const t = j - i + 1;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (all[k].b) rankSumB += rank;
    tieTerm += t ** 3 - t;
    i = j + 1;
  }
  const u = rankSumB - (n2 * (n2 + 1)) / 2;
  const mu = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(variance > 0)) return { u, z: 0, p: 0.5 };
  const z = (u - mu - 0.5) / Math.sqrt(variance);
  return { u, z, p: 1 - normalCdf(z) };
}

/** Hodges-Lehmann relative shift of b over a: the median of b_j / a_i over every pair, minus 1. */
export function relativeShift(a: readonly number[], b: readonly number[]): number {
  // A typed array sorts numbers natively: the gate's A/A and A/B rates sort 3,600 ratios thousands of times.
  const ratios = new Float64Array(a.length * b.length);
  let k = 0;
  for (const x of a) for (const y of b) ratios[k++] = y / x;
  ratios.sort();
  const m = ratios.length;
  const mid = m % 2 ? ratios[(m - 1) / 2] : (ratios[m / 2 - 1] + ratios[m / 2]) / 2;
  return mid - 1;
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
const fmtP = (p: number) => (p < 1e-4 ? '< 0.0001' : p.toFixed(4));

function cpuDecision(
  a: RegressionSamples,
  b: RegressionSamples,
  o: RegressionOptions,
): RegressionDecision['cpu'] & { line: string } {
  const xa = a.cpuMsPerRequest.filter((v) => Number.isFinite(v) && v > 0);
  const xb = b.cpuMsPerRequest.filter((v) => Number.isFinite(v) && v > 0);
  if (xa.length < o.minSamples || xb.length < o.minSamples) {
    return {
      tested: false,
      change: null,
      p: null,
      regressed: false,
      line:
        `CPU per request: not compared (${xa.length} samples in ${a.runId}, ${xb.length} in ${b.runId}; ` +
        `at least ${o.minSamples} a side needed)`,
    };
  }
  const change = relativeShift(xa, xb);
  const { p } = mannWhitney(xa, xb);
  const significant = p < o.alpha;
  const large = change >= o.minEffect - 1e-12;
  const regressed = significant && large;
  const why = regressed
    ? `regressed: rank test p ${fmtP(p)} < ${o.alpha} and the rise is at least ${pct(o.minEffect)}`
    : !significant
      ? `no regression: rank test p ${fmtP(p)} >= ${o.alpha} (within the noise)`
      : `no regression: significant (p ${fmtP(p)}) but below the ${pct(o.minEffect)} minimum effect`;
  return {
    tested: true,
    change,
    p,
    regressed,
    line: `CPU per request ${pct(change)} (Hodges-Lehmann, ${xa.length} vs ${xb.length} samples): ${why}`,
  };
}

function redlineDecision(
  a: RegressionSamples,
  b: RegressionSamples,
  o: RegressionOptions,
): RegressionDecision['redline'] & { line: string } {
  const ra = a.redline,
    rb = b.redline;
  if (!ra?.interval || ra.redline === null || !rb?.interval || rb.redline === null) {
    const missing = !ra?.interval || ra.redline === null ? a.runId : b.runId;
    return {
      tested: false,
      change: null,
      regressed: false,
      line: `Redline: not compared (no redline with an interval in ${missing})`,
    };
  }
  const change = (rb.redline - ra.redline) / ra.redline;
  const apart = rb.interval[1] < ra.interval[0];
  const large = -change >= o.minEffect - 1e-12;
  const regressed = apart && large;
  const fmt = (r: { redline: number | null; interval: [number, number] | null }) =>
    `${r.redline} [${r.interval![0]}, ${r.interval![1]}]`;
  const why = regressed
    ? `regressed: the 95% intervals do not overlap and the drop is at least ${pct(o.minEffect)}`
    : !apart
      ? 'no regression: the 95% intervals overlap'
      : `no regression: the intervals are apart but the drop is below ${pct(o.minEffect)}`;
  return {
    tested: true,
    change,
    regressed,
    line: `Redline ${pct(change)} (${fmt(ra)} -> ${fmt(rb)} req/s per replica): ${why}`,
  };
}

/** Compares one server type of run b against the baseline run a. Pure. */
export function regressionGate(
  a: RegressionSamples,
  b: RegressionSamples,
  options: Partial<RegressionOptions> = {},
): RegressionDecision {
  const o = { ...defaultRegressionOptions, ...options };
  const cpu = cpuDecision(a, b, o);
  const redline = redlineDecision(a, b, o);
  return {
    regressed: cpu.regressed || redline.regressed,
    cpu: { tested: cpu.tested, change: cpu.change, p: cpu.p, regressed: cpu.regressed },
    redline: { tested: redline.tested, change: redline.change, regressed: redline.regressed },
    explanation: [cpu.line, redline.line],
  };
}
