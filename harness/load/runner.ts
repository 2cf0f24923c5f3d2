// Runs an execution plan on a load engine, or on generator agents behind the same face: sets the rate
// (or VUs) from the plan every 100 ms (once for constant executors) until the plan ends or the signal aborts.
import { type ExecutionPlan, valueAt } from './executors';

/** What a plan drives: the in-process LoadEngine, or a fleet of agents (open model only: no setVus). */
export interface PlanTarget {
  /** `ramping`: the plan changes the rate again within 100 ms (a ramping executor's ramp). */
  setRate(rps: number, ramping?: boolean): void;
  setVus?(n: number): void;
  start(): void;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Called about every `progressMs` with the elapsed ms. */
  onProgress?: (elapsedMs: number) => void;
  progressMs?: number;
  /** Called with each rate (or VU count) the plan applies, 0 at its end. */
  onApply?: (value: number) => void;
}

/** Drives the engine through the plan; resolves when it ends (the engine is left running: the caller stops it). */
export async function runPlan(
  engine: PlanTarget,
  plan: ExecutionPlan,
  opts: RunOptions = {},
): Promise<{ interrupted: boolean; elapsedMs: number }> {
  if (plan.model === 'vus' && !engine.setVus) throw new RangeError('this load source runs arrival rates only');
  const started = performance.now();
  const set = (v: number, ramping = false) => {
    if (plan.model === 'rate') engine.setRate(v, ramping);
    else engine.setVus!(v);
    opts.onApply?.(v);
  };
  const rampingAt = (t: number) =>
    plan.segments.some((s) => t >= s.startMs && t < s.startMs + s.durationMs && s.from !== s.to);
  const apply = (t: number) => set(valueAt(plan, t), rampingAt(t));
  const constant = plan.segments.every((s) => s.from === s.to) && new Set(plan.segments.map((s) => s.from)).size === 1;
  apply(0);
  engine.start();
  const progressMs = opts.progressMs ?? 1000;
  let lastProgress = 0;
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | null = null;
    const finish = (interrupted: boolean) => {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      set(0);
      resolve({ interrupted, elapsedMs: performance.now() - started });
    };
    const onAbort = () => finish(true);
    if (opts.signal?.aborted) return finish(true);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const step = () => {
      const t = performance.now() - started;
      if (t >= plan.durationMs) return finish(false);
      if (!constant) apply(t);
      if (opts.onProgress && t - lastProgress >= progressMs) {
        lastProgress = t;
        opts.onProgress(t);
      }
      timer = setTimeout(step, Math.min(100, plan.durationMs - t));
    };
    timer = setTimeout(step, Math.min(100, plan.durationMs));
  });
}
