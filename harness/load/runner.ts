// Runs an execution plan on a LoadEngine: sets the rate (or VUs) from the plan every 100 ms
// (once for constant executors) until the plan ends or the signal aborts.
import type { LoadEngine } from './engine';
import { type ExecutionPlan, valueAt } from './executors';

export interface RunOptions {
  signal?: AbortSignal;
  /** Called about every `progressMs` with the elapsed ms. */
  onProgress?: (elapsedMs: number) => void;
  progressMs?: number;
}

/** Drives the engine through the plan; resolves when it ends (the engine is left running: the caller stops it). */
export async function runPlan(
  engine: LoadEngine,
  plan: ExecutionPlan,
  opts: RunOptions = {},
): Promise<{ interrupted: boolean; elapsedMs: number }> {
  const started = performance.now();
  const apply = (t: number) => {
    const v = valueAt(plan, t);
    if (plan.model === 'rate') engine.setRate(v);
    else engine.setVus(v);
  };
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
      if (plan.model === 'rate') engine.setRate(0);
      else engine.setVus(0);
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
