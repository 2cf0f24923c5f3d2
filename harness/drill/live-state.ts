// The live view's state while a step runs: what was planned, the guards as last evaluated, and each
// second the target's p99, the error rate, the achieved rate and CPU per pool read from the metrics.
import type { LiveState, LiveView } from './live-view';
import type { Clock, Guard, MetricsPort, Tags } from './ports';
import type { GuardCheck, StepPlan } from './step';

export interface LiveStateDeps {
  view?: LiveView;
  metrics: MetricsPort;
  clock: Clock;
  guards: Guard[];
  pools: string[];
}

export class LiveStepState {
  private state: LiveState | null = null;
  private targetFilter: Tags = {};

  constructor(private readonly deps: LiveStateDeps) {}

  stepStarted(plan: StepPlan, index: number, rateRps: number): void {
    this.targetFilter = plan.targetFilter;
    this.state = {
      drill: plan.drill,
      step: index,
      phase: 'settle',
      kind: plan.kind,
      target: plan.target.name,
      rateRps,
      weights: plan.weights,
      p99Ms: null,
      errorRate: 0,
      rps: 0,
      cpuByPool: {},
      guards: this.deps.guards.map((g) => ({ name: g.name, ok: null, value: null })),
      markedOut: [],
      elapsedMs: 0,
    };
  }

  measuring(): void {
    if (this.state) this.state.phase = 'measure';
  }

  /** Per guard, the worst of its targets: the first that broke, else the first. */
  guardsChecked(checks: GuardCheck[]): void {
    if (!this.state) return;
    this.state.guards = this.deps.guards.map((g) => {
      const mine = checks.filter((x) => x.guard === g);
      const worst = mine.find((x) => !x.ok) ?? mine[0];
      return { name: g.name, ok: worst ? worst.ok : null, value: worst ? worst.value : null };
    });
  }

  /** Reads the last seconds' figures and redraws; nothing is read when the view draws nothing per second. */
  refresh(elapsedMs: number, stepTag: string, markedOut: Iterable<string>): void {
    const { view, metrics, clock } = this.deps;
    if (!view?.live || !this.state) return;
    const s = this.state;
    const now = clock.now();
    const c = metrics.counts(now - 3000, now);
    s.p99Ms = metrics.window({ seconds: 2, filter: { ...this.targetFilter, step: stepTag } }).percentile(99);
    s.errorRate = c.count ? c.failed / c.count : 0;
    s.rps = c.count / 3;
    s.elapsedMs = elapsedMs;
    s.markedOut = [...markedOut];
    const cpu = (pool: string) =>
      metrics.window({ seconds: 3, metric: 'cpu_share', filter: { pool } }).gaugeAvg ?? null;
    s.cpuByPool = Object.fromEntries(this.deps.pools.map((p) => [p, cpu(p)]));
    view.update(s);
  }
}
