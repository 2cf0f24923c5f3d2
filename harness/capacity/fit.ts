// Curves from redline and sweep steps: CPU cost per request (least squares) and the latency knee.

export interface CpuFit {
  /** CPU milliseconds one request costs (the slope). */
  cpuMsPerRequest: number;
  /** CPU share of quota used at zero load (the intercept), 0..1. */
  interceptShare: number;
  /** Coefficient of determination of the fit, 0..1 (1 when every point is on the line). */
  r2: number;
}

/**
 * Fits CPU time per second (cpuShare × cpus × 1000 ms) = intercept + slope × rps by least squares.
 * Points without a CPU share are skipped. Returns null with fewer than two distinct rates.
 * `interceptShare` is expressed against the mean `cpus` of the points (one server type per fit).
 */
export function fitCpuPerRequest(points: { rps: number; cpuShare: number | null; cpus: number }[]): CpuFit | null {
  const usable = points.filter(
    (p) => p.cpuShare !== null && Number.isFinite(p.cpuShare) && Number.isFinite(p.rps) && p.cpus > 0,
  );
  const n = usable.length;
  if (n < 2) return null;
  const xs = usable.map((p) => p.rps);
  const ys = usable.map((p) => (p.cpuShare as number) * p.cpus * 1000);
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0,
    sxy = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
    syy += (ys[i] - my) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  const cpus = usable.reduce((s, p) => s + p.cpus, 0) / n;
  return { cpuMsPerRequest: slope, interceptShare: intercept / (cpus * 1000), r2 };
}

/**
 * The knee of a latency curve (Kneedle on a rising, convex curve): with rate and p99 both scaled
 * to 0..1, the point farthest below the straight line from the first point to the last. Null with
 * fewer than three points, when p99 does not rise, or when no point lies more than 10% of the
 * range below that line (no bend worth the name).
 */
export function knee(points: { rps: number; p99Ms: number | null }[]): number | null {
  const pts = points
    .filter((p): p is { rps: number; p99Ms: number } => p.p99Ms !== null && Number.isFinite(p.p99Ms))
    .slice()
    .sort((a, b) => a.rps - b.rps);
  if (pts.length < 3) return null;
  const x0 = pts[0].rps,
    x1 = pts[pts.length - 1].rps;
  const y0 = Math.min(...pts.map((p) => p.p99Ms)),
    y1 = Math.max(...pts.map((p) => p.p99Ms));
  if (x1 === x0 || y1 === y0 || pts[pts.length - 1].p99Ms <= pts[0].p99Ms) return null;
  let best: number | null = null;
  let bestGap = 0.1;
  for (const p of pts) {
    const gap = (p.rps - x0) / (x1 - x0) - (p.p99Ms - y0) / (y1 - y0);
    if (gap > bestGap + 1e-12) {
      bestGap = gap;
      best = p.rps;
    }
  }
  return best;
}
