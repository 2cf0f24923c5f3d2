// Takes a step's measure window from the metrics, the raw input of its record. Latency windows merge
// histograms (costly), so they are taken only where they matter (the target, each pool with traffic, a
// pool target's replicas), with a yield between them so the generator keeps its schedule; counts come
// from the cheap counters.
import type { MetricsPort, Tags } from './ports';
import type { StepPlan } from './step';
import { inTarget, type ReplicaRef, type StepWindow } from './step-record';

const yieldNow = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The figures of [sinceMs, untilMs) on samples tagged with `stepTag`. */
export async function takeStepWindow(
  metrics: MetricsPort,
  replicas: readonly ReplicaRef[],
  plan: StepPlan,
  sinceMs: number,
  untilMs: number,
  stepTag: string,
): Promise<StepWindow> {
  const latency = async (filter: Tags) => {
    const w = metrics.window({ sinceMs, untilMs, filter: { ...filter, step: stepTag } });
    await yieldNow();
    return w;
  };
  const gauge = (metric: string) => (filter: Tags) =>
    metrics.window({ sinceMs, untilMs, filter: { ...filter, step: stepTag }, metric }).gaugeAvg ?? null;
  const cpu = gauge('cpu_share');
  // Mean memory per replica (MB) over the window; null when no sample had it.
  const memory = gauge('memory_mb');
  const out: StepWindow = {
    sinceMs,
    untilMs,
    replicas: {},
    pools: {},
    all: { count: 0, dropped: 0 },
    target: { rps: 0, errorRate: 0, p50Ms: null, p90Ms: null, p99Ms: null, cpuShare: null },
  };
  for (const r of replicas) {
    const c = metrics.counts(sinceMs, untilMs, r.name);
    out.replicas[r.name] = { count: c.count, failed: c.failed, cpuShare: null, p99Ms: null };
  }
  for (const id of new Set(replicas.map((r) => r.pool))) {
    const traffic = replicas.some((r) => r.pool === id && out.replicas[r.name].count > 0);
    const w = traffic ? await latency({ pool: id }) : null;
    out.pools[id] = {
      p50Ms: w?.percentile(50) ?? null,
      p99Ms: w?.percentile(99) ?? null,
      cpuShare: cpu({ pool: id }),
      memoryMb: memory({ pool: id }),
    };
  }
  for (const r of replicas) {
    const mine = out.replicas[r.name];
    if (plan.target.kind === 'pool' && inTarget(plan, r) && mine.count > 0)
      mine.p99Ms = (await latency({ replica: r.name })).percentile(99);
    mine.cpuShare = cpu({ replica: r.name });
    mine.memoryMb = memory({ replica: r.name });
  }
  const t = await latency(plan.targetFilter);
  out.target = {
    rps: t.rps,
    errorRate: t.errorRate,
    p50Ms: t.percentile(50),
    p90Ms: t.percentile(90),
    p99Ms: t.percentile(99),
    cpuShare: cpu(plan.targetFilter),
  };
  const all = metrics.counts(sinceMs, untilMs);
  out.all = { count: all.count, dropped: all.dropped };
  return out;
}
