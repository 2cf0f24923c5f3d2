// A drill-shaped stream of samples in virtual time (no waiting): replicas across DCs, steps that change
// the step tag (settle, then measure), a CPU gauge per replica each second. For tests and figures on the
// metrics store's memory and windows.
import type { Metrics } from '../store';

export interface DrillStreamOptions {
  /** Epoch ms of the first sample. */
  startMs: number;
  seconds: number;
  /** Requests per second over all replicas. */
  rps: number;
  replicas?: number;
  /** A step: `settleS` seconds tagged `<n>-settle`, then `measureS` tagged `<n>`. */
  settleS?: number;
  measureS?: number;
  /** 1 in `failEvery` requests fails. */
  failEvery?: number;
}

export interface StepSpan {
  tag: string;
  sinceMs: number;
  untilMs: number;
}

/**
 * Feeds `m` and calls `tick(nowMs)` once per simulated second (after that second's samples). Latencies are
 * spread over 1-60 ms by a fixed sequence, so histograms use a realistic number of buckets. Returns the
 * measure spans of the steps, to ask the store for step windows afterwards.
 */
export function feedDrillStream(
  m: Metrics,
  o: DrillStreamOptions,
  tick: (nowMs: number) => void = () => {},
): StepSpan[] {
  const replicas = o.replicas ?? 6;
  const settleS = o.settleS ?? 10;
  const measureS = o.measureS ?? 50;
  const failEvery = o.failEvery ?? 97;
  const stepS = settleS + measureS;
  const names = Array.from({ length: replicas }, (_, i) => ({
    dc: `dc${i % 3}`,
    pool: `dc${i % 3}/gen1`,
    replica: `r${i}`,
  }));
  const spans: StepSpan[] = [];
  let n = 0;
  let seed = 12345;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let s = 0; s < o.seconds; s++) {
    const step = Math.floor(s / stepS);
    const inStep = s % stepS;
    const tag = inStep < settleS ? `${step}-settle` : String(step);
    if (inStep === settleS)
      spans.push({ tag, sinceMs: o.startMs + s * 1000, untilMs: o.startMs + (s + measureS) * 1000 });
    for (let i = 0; i < o.rps; i++) {
      const at = o.startMs + s * 1000 + (i * 1000) / o.rps;
      const r = names[n % replicas];
      const latency = 1 + 59 * next() * next();
      m.seriesFor({ ...r, protocol: 'http', step: tag }).record(at, latency, ++n % failEvery === 0);
    }
    for (const r of names)
      m.recordGauge('cpu_share', { ...r, step: tag }, 0.2 + 0.6 * next(), o.startMs + s * 1000 + 500);
    tick(o.startMs + (s + 1) * 1000);
  }
  return spans.filter((x) => x.untilMs <= o.startMs + o.seconds * 1000);
}
