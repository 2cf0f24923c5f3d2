// Small statistics shared by the redline estimate, the regression gate and plan ranges: order
// statistics, the normal and Student t quantiles, and a least-squares line with its standard errors.

export function mean(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

/** Sample standard deviation (n - 1); 0 for fewer than two values. */
export function stdDev(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

/** Quantile q (0..1) with linear interpolation between order statistics (R's type 7, numpy's default). */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) throw new RangeError('quantile of no values');
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  return lo + 1 < s.length ? s[lo] + (h - lo) * (s[lo + 1] - s[lo]) : s[lo];
}

export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

/** erfc with fractional error below 1.2e-7 everywhere (Numerical Recipes' Chebyshev fit). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** P(Z <= z) for a standard normal Z. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** z such that P(Z <= z) = p (Acklam's rational approximation, relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile(${p}): expected 0 < p < 1`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) =>
    (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

/**
 * Student t quantile for df degrees of freedom: exact for df 1 and 2, otherwise the Cornish-Fisher
 * expansion around the normal quantile (within 0.2% of the tables for df >= 3 at p = 0.975).
 */
export function tQuantile(p: number, df: number): number {
  if (!(df >= 1)) throw new RangeError(`tQuantile: df ${df}, expected >= 1`);
  if (df === 1) return Math.tan(Math.PI * (p - 0.5));
  if (df === 2) return (2 * p - 1) * Math.sqrt(2 / (4 * p * (1 - p)));
  const z = normalQuantile(p);
  const z3 = z ** 3,
    z5 = z ** 5,
    z7 = z ** 7,
    z9 = z ** 9;
  return (
    z +
    (z3 + z) / (4 * df) +
    (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) +
    (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3) +
    (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / (92160 * df ** 4)
  );
}

export interface LineFit {
  intercept: number;
  slope: number;
  /** Residual standard deviation (n - 2 degrees of freedom). */
  residualSd: number;
  n: number;
  meanX: number;
  meanY: number;
  /** Sum of squared deviations of x from its mean. */
  sxx: number;
}

/** Least-squares line y = intercept + slope x; null with fewer than three points or one distinct x. */
export function fitLine(points: readonly { x: number; y: number }[]): LineFit | null {
  const n = points.length;
  if (n < 3) return null;
  const meanX = mean(points.map((p) => p.x));
  const meanY = mean(points.map((p) => p.y));
  let sxx = 0,
    sxy = 0;
  for (const p of points) {
    sxx += (p.x - meanX) ** 2;
    sxy += (p.x - meanX) * (p.y - meanY);
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  const sse = points.reduce((s, p) => s + (p.y - intercept - slope * p.x) ** 2, 0);
  return { intercept, slope, residualSd: Math.sqrt(sse / (n - 2)), n, meanX, meanY, sxx };
}

/**
 * Least squares for y ≈ X·β with a few columns (normal equations, Gaussian elimination with partial
 * pivoting). Null when X'X is singular (a column constant zero, or one column a multiple of another).
 */
export function leastSquares(rows: readonly (readonly number[])[], y: readonly number[]): number[] | null {
  const k = rows[0]?.length ?? 0;
  if (k === 0 || rows.length < k || rows.length !== y.length) return null;
  // Augmented [X'X | X'y], in one pass over the rows; X'X is symmetric, so its lower half is copied (each sum
  // runs over the rows in the same order either way). The regression gate's drift search calls this ~100 times
  // a comparison.
  const m: number[][] = [];
  for (let i = 0; i < k; i++) m.push(new Array<number>(k + 1).fill(0));
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    for (let i = 0; i < k; i++) {
      const mi = m[i];
      for (let j = i; j < k; j++) mi[j] += row[i] * row[j];
      mi[k] += row[i] * y[r];
    }
  }
  for (let i = 1; i < k; i++) for (let j = 0; j < i; j++) m[i][j] = m[j][i];
  const scale = Math.max(...m.map((row, i) => Math.abs(row[i])));
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    if (!(Math.abs(m[p][c]) > 1e-10 * scale)) return null;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let j = c; j <= k; j++) m[r][j] -= f * m[c][j];
    }
  }
  return m.map((row, i) => row[k] / row[i]);
}

export interface PlaneFit {
  /** y = a + b·x + c·(t - meanT): the level at the mean time, the slope in x, the drift per unit of t. */
  a: number;
  b: number;
  c: number;
  meanT: number;
  /** Residual standard deviation (n - 3 degrees of freedom). */
  residualSd: number;
  n: number;
  /** (X'X)⁻¹ for the columns [1, x, t - meanT]: times residualSd² it is the coefficients' covariance. */
  inverse: number[][];
}

/** Inverse of a 3×3 matrix; null when it is singular. */
function invert3(m: readonly (readonly number[])[]): number[][] | null {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  const scale = Math.max(...m.flat().map(Math.abs));
  if (!(Math.abs(det) > 1e-12 * scale ** 3)) return null;
  return [
    [A / det, -(b * i - c * h) / det, (b * f - c * e) / det],
    [B / det, (a * i - c * g) / det, -(a * f - c * d) / det],
    [C / det, -(a * h - b * g) / det, (a * e - b * d) / det],
  ];
}

/**
 * Least squares with a second regressor: y = a + b·x + c·(t - t̄), with the coefficients' (X'X)⁻¹. Null with
 * fewer than five points, or when x and t do not vary independently (all at one rate, or all at one time).
 */
export function fitPlane(points: readonly { x: number; t: number; y: number }[]): PlaneFit | null {
  const n = points.length;
  if (n < 5) return null;
  const meanT = mean(points.map((p) => p.t));
  const rows = points.map((p) => [1, p.x, p.t - meanT]);
  const xtx = [0, 1, 2].map((i) => [0, 1, 2].map((j) => rows.reduce((s, r) => s + r[i] * r[j], 0)));
  const inverse = invert3(xtx);
  if (!inverse) return null;
  const xty = [0, 1, 2].map((i) => rows.reduce((s, r, k) => s + r[i] * points[k].y, 0));
  const [a, b, c] = inverse.map((row) => row[0] * xty[0] + row[1] * xty[1] + row[2] * xty[2]);
  const sse = points.reduce((s, p, k) => s + (p.y - a - b * p.x - c * rows[k][2]) ** 2, 0);
  return { a, b, c, meanT, residualSd: Math.sqrt(sse / (n - 3)), n, inverse };
}
