// Ground truth for the accuracy suite, independent of the drill's own sampling: the
// container's cgroup CPU accounting (cpu.stat usage_usec) read before and after a load held by a
// separate simple generator, a line through the CPU shares at two or three loads, and the load at
// which the line crosses the guard's limit. Then the table of redline against truth. Pure.

/** Least squares through two or more points (the capacity folder's fitLine wants three). */
function line(points: readonly { x: number; y: number }[]): { intercept: number; slope: number } | null {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  if (!(sxx > 0)) return null;
  const slope = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx;
  return { intercept: my - slope * mx, slope };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length;
  return m % 2 ? s[(m - 1) / 2] : (s[m / 2 - 1] + s[m / 2]) / 2;
}

export interface CpuReading {
  /** Offered (and served) req/s of the separate generator over the window. */
  rps: number;
  /** cgroup usage_usec at the start and the end of the window. */
  usageStartUs: number;
  usageEndUs: number;
  /** Wall time of the window, seconds. */
  seconds: number;
}

/** CPU share of the quota over one window: CPU time used over the time the quota allows. */
export function cpuShareOf(r: CpuReading, cpus: number): number {
  return (r.usageEndUs - r.usageStartUs) / (r.seconds * 1e6 * cpus);
}

export interface Truth {
  /** req/s per replica at which the fitted CPU share reaches `limit`. */
  rps: number;
  /** The line: share = intercept + slope · rps; slope · cpus · 1000 is the CPU ms per request. */
  intercept: number;
  slope: number;
  cpuMsPerRequest: number;
  points: { rps: number; share: number }[];
}

/** The least-squares line share = intercept + slope · rps through the readings; null without a rising one. */
export function shareLine(readings: readonly CpuReading[], cpus: number): { intercept: number; slope: number } | null {
  if (readings.length < 2) return null;
  const fit = line(readings.map((r) => ({ x: r.rps, y: cpuShareOf(r, cpus) })));
  return fit && fit.slope > 0 ? fit : null;
}

/** The crossing of the limit by the line through the readings; a clear error when there is no such crossing. */
export function cpuTruth(readings: readonly CpuReading[], cpus: number, limit: number): Truth {
  const points = readings.map((r) => ({ rps: r.rps, share: cpuShareOf(r, cpus) }));
  const fit = readings.length >= 2 ? line(points.map((p) => ({ x: p.rps, y: p.share }))) : null;
  if (!fit || !(fit.slope > 0)) {
    throw new Error(
      `accuracy: no rising line through the CPU readings ${JSON.stringify(points)}; expected two or more loads with more CPU at more load`,
    );
  }
  return {
    rps: (limit - fit.intercept) / fit.slope,
    intercept: fit.intercept,
    slope: fit.slope,
    cpuMsPerRequest: fit.slope * cpus * 1000,
    points,
  };
}

export interface AccuracyCase {
  name: string;
  truth: number;
  redline: number | null;
  interval: [number, number] | null;
}

export interface AccuracyRow extends AccuracyCase {
  /** |redline - truth| / truth; null without a redline. */
  error: number | null;
  contained: boolean | null;
}

export interface AccuracyTargets {
  medianError: number;
  worstError: number;
}
export const accuracyTargets: AccuracyTargets = { medianError: 0.03, worstError: 0.06 };

export interface AccuracyReport {
  rows: AccuracyRow[];
  medianError: number | null;
  worstError: number | null;
  allContained: boolean;
  meetsTargets: boolean;
}

export function accuracyReport(
  cases: readonly AccuracyCase[],
  targets: AccuracyTargets = accuracyTargets,
): AccuracyReport {
  const rows = cases.map(
    (c): AccuracyRow => ({
      ...c,
      error: c.redline === null ? null : Math.abs(c.redline - c.truth) / c.truth,
      contained: c.interval === null ? null : c.interval[0] <= c.truth && c.truth <= c.interval[1],
    }),
  );
  const errors = rows.map((r) => r.error).filter((e): e is number => e !== null);
  const complete = errors.length === rows.length && rows.length > 0;
  const medianError = errors.length ? median(errors) : null;
  const worstError = errors.length ? Math.max(...errors) : null;
  const allContained = rows.length > 0 && rows.every((r) => r.contained === true);
  return {
    rows,
    medianError,
    worstError,
    allContained,
    meetsTargets: complete && allContained && medianError! <= targets.medianError && worstError! <= targets.worstError,
  };
}

const f1 = (x: number | null) => (x === null ? '–' : x.toFixed(1));
const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);

/** The table `make accuracy` prints and docs/accuracy.md holds (Markdown). */
export function formatAccuracy(report: AccuracyReport, targets: AccuracyTargets = accuracyTargets): string {
  const lines = [
    '| case | truth req/s | redline req/s | 95% interval | error | contained |',
    '| --- | ---: | ---: | --- | ---: | --- |',
    ...report.rows.map(
      (r) =>
        `| ${r.name} | ${f1(r.truth)} | ${f1(r.redline)} | ${r.interval ? `${f1(r.interval[0])}–${f1(r.interval[1])}` : '–'} | ` +
        `${pct(r.error)} | ${r.contained === null ? '–' : r.contained ? 'yes' : 'no'} |`,
    ),
    '',
    `median error ${pct(report.medianError)} (target ≤ ${pct(targets.medianError)}), worst ${pct(report.worstError)} (target ≤ ${pct(targets.worstError)}), ` +
      `intervals contain the truth: ${report.allContained ? 'all' : 'not all'}; ${report.meetsTargets ? 'targets met' : 'targets NOT met'}`,
  ];
  return `${lines.join('\n')}\n`;
}
