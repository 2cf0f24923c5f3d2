// A seeded pseudo-random source: the same seed gives the same draws on every machine, so the load's
// parameters (user ids, endpoint picks) and capacity's bootstrap and Monte Carlo are reproducible and
// testable exactly. No allocation per draw: the load engine draws once per request.

/** Uniform draws in [0, 1) from mulberry32 (32-bit state; plenty for a few thousand draws). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box-Muller) from a uniform source. */
export function normalDraws(uniform: () => number): () => number {
  return () => {
    const u = 1 - uniform(); // (0, 1]: log(0) never happens
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}
