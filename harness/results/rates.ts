// How request rates are rounded wherever a run records one (steps, probes, redlines, intervals): one
// decimal from 10 req/s up, three significant figures below, so that a service carrying half a request
// a second keeps its resolution (0.1 req/s steps would be 20% of it).
export function roundRate(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  return Math.abs(x) >= 10 ? Math.round(x * 10) / 10 : Number(x.toPrecision(3));
}
