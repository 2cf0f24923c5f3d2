// How long a step measures. A window is judged on what its target completed, so at a low rate it must
// last long enough to hold `minRequests` of them (0.5 req/s over 5 s is 2.5 requests: nothing to judge a
// p99, a count or a CPU share on). The measure window and every guard's sliding window are lengthened
// to hold them at the rate the target is expected to get, up to `maxMeasureMs`, and the step says so.
import type { StepPlan } from './step';

export interface StepLength {
  measureMs: number;
  /** The shortest guard window at this rate; 0 when the guards' own windows hold enough. */
  minGuardWindowMs: number;
  /** Set when the measure was lengthened: what the step record says. */
  note?: string;
}

export function stepLength(
  plan: Pick<StepPlan, 'measureMs' | 'expectedTargetRps'>,
  opts: { minRequests: number; maxMeasureMs: number },
): StepLength {
  const rate = plan.expectedTargetRps;
  if (!rate || rate <= 0 || opts.minRequests <= 0) return { measureMs: plan.measureMs, minGuardWindowMs: 0 };
  // Rounded up to whole seconds: the guards run once a second and windows end on slot boundaries.
  const needMs = Math.ceil(opts.minRequests / rate) * 1000;
  const cap = Math.max(plan.measureMs, opts.maxMeasureMs);
  const minGuardWindowMs = Math.min(needMs, cap);
  if (needMs <= plan.measureMs) return { measureMs: plan.measureMs, minGuardWindowMs };
  const measureMs = Math.min(needMs, cap);
  const held = Math.floor((rate * measureMs) / 1000);
  const note =
    measureMs < needMs
      ? `measure lengthened to ${measureMs / 1000} s (the longest allowed, maxMeasure): ${held} requests expected at ${fmt(rate)} req/s, fewer than minRequests ${opts.minRequests}`
      : `measure lengthened to ${measureMs / 1000} s to hold ${opts.minRequests} requests at ${fmt(rate)} req/s`;
  return { measureMs, minGuardWindowMs, note };
}

const fmt = (x: number) => (x >= 10 ? x.toFixed(1) : String(Number(x.toPrecision(3))));
