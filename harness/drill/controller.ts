// The drill controller's step loop: apply a rate and weights, settle, measure while guards run each
// second on sliding windows of the target, end the step at once on a breach, and hand the window to
// the record builder. Replicas are watched (replica-watch.ts), the live view fed (live-state.ts).
import type { Replica } from '../cluster';
import { Interrupted, type Logger, silentLogger } from '../common';
import type { Scenario } from '../config';
import { LiveStepState } from './live-state';
import type { LiveView } from './live-view';
import { slotMs } from '../metrics';
import type { StepRecord } from '../results';
import type { Clock, ClusterPort, Guard, LoadPort, MetricsPort, Tags } from './ports';
import { ReplicaWatch, SafetyStop } from './replica-watch';
import type { GuardCheck, StepOutcome, StepPlan } from './step';
import { stepLength } from './step-length';
import { buildStepRecord, judgeStep } from './step-record';
import { takeStepWindow } from './step-window';
import { guardApplies, withTierFigures } from './tiers';
import type { Weights } from './traffic-plan';

// Kept here too so that importers of the controller find them where they were.
export { SafetyStop } from './replica-watch';
export type { GuardTarget, StepOutcome, StepPlan } from './step';
export type { LiveState, LiveView } from './live-view';

export interface ControllerDeps {
  runId: string;
  scenario: Scenario;
  cluster: ClusterPort;
  load: LoadPort;
  metrics: MetricsPort;
  guards: Guard[];
  clock: Clock;
  signal?: AbortSignal;
  /** Called when a step ends (persist it first, then show it). */
  onStep: (record: StepRecord) => void;
  view?: LiveView;
  logger?: Logger;
  /** Throws to end the run (whole-run thresholds with abortOnFail); called after every tick. */
  abortCheck?: (nowMs: number) => void;
}

/**
 * Where a step's window ends: the last 100 ms slot boundary (the metrics count whole slots). A window
 * that ended inside a slot would count that slot whole, with requests from after its end when they
 * arrive later (generator agents ship whole seconds): served rates 2-4% high with agents, and the
 * redline with them. Ending on a boundary makes the count exact for every source.
 */
function slotEnd(now: number, measureStart: number): number {
  return Math.max(measureStart, Math.floor(now / slotMs) * slotMs);
}

/** A step begun: its plan (measure window lengthened), index, rate after the cap, notes and measure tag. */
interface StepUnderWay {
  plan: StepPlan;
  index: number;
  rate: number;
  annotations: string[];
  measureTag: string;
  minGuardWindowMs: number;
}

/** What the measure window saw: its span, the guards' verdicts, and what ended it early, if anything. */
interface StepMeasured {
  measureStart: number;
  /** The end on a slot boundary; null when the window never ended (the step was cut). */
  measureEnd: number | null;
  checks: GuardCheck[];
  aborted: unknown;
  sendLag: { count: number; p99: number } | null;
  /** Every guard on every target of the step, on the measure window so far. */
  evaluateAll: () => GuardCheck[];
  breach: GuardCheck[] | null;
}

export class DrillController {
  readonly markedOut = new Map<string, string>();
  private readonly markedInAt = new Map<string, number>();
  private nextIndex = 0;
  private stepTag = 'idle';
  private pendingAnnotations: string[] = [];
  /** Replicas marked out or in since the current step began, with why: the step is faulted. */
  private stepFaults: string[] = [];
  private readonly log: Logger;
  private readonly replicaWatch: ReplicaWatch;
  private readonly live: LiveStepState;

  constructor(readonly deps: ControllerDeps) {
    this.log = deps.logger ?? silentLogger;
    const { cluster, load, metrics, clock, scenario, signal, guards, view } = deps;
    this.replicaWatch = new ReplicaWatch({
      cluster,
      load,
      metrics,
      clock,
      safety: scenario.safety,
      timeoutMs: scenario.timeoutMs,
      signal,
      markedOut: this.markedOut,
      markedInAt: this.markedInAt,
      markOut: (replica, reason) => this.markOut(replica, reason),
      markIn: (replica, reason) => this.markIn(replica, reason),
      stepTag: () => this.stepTag,
    });
    this.live = new LiveStepState({
      view,
      metrics,
      clock,
      guards,
      pools: [...new Set(cluster.replicas.map((r) => r.pool))],
    });
  }

  /** Starts the resource sampler (once a second, never overlapping). */
  start(): void {
    this.replicaWatch.start();
  }

  async stop(): Promise<void> {
    await this.replicaWatch.stop();
  }

  get stepsRun(): number {
    return this.nextIndex;
  }

  /** Replicas of a pool (or of every pool when omitted) that are not marked out. */
  serving(poolId?: string): Replica[] {
    return this.deps.cluster.replicas.filter(
      (r) => (poolId === undefined || r.pool === poolId) && !this.markedOut.has(r.name),
    );
  }

  /** Replicas marked out or in so far: a probe during which it changed was faulted (see drills.ts). */
  faultEvents = 0;

  markOut(replica: string, reason: string): void {
    if (this.markedOut.has(replica)) return;
    this.faultEvents++;
    this.markedOut.set(replica, reason);
    this.deps.load.markOut(replica);
    this.stepFaults.push(`${replica} marked out: ${reason}`);
    const note = `replica ${replica} marked out at ${new Date(this.deps.clock.now()).toISOString()}: ${reason}`;
    this.pendingAnnotations.push(note);
    this.deps.view?.message(note);
    this.log.debug(note);
  }

  markIn(replica: string, reason: string): void {
    if (!this.markedOut.delete(replica)) return;
    this.faultEvents++;
    this.markedInAt.set(replica, this.deps.clock.now());
    this.deps.load.markIn(replica);
    this.stepFaults.push(`${replica} marked in: ${reason}`);
    this.pendingAnnotations.push(`replica ${replica} marked in: ${reason}`);
  }

  annotate(note: string): void {
    this.pendingAnnotations.push(note);
  }

  /** Throws when the run must end: a signal, Docker unreachable, the load balancer lost, a safety limit. */
  checkAbort(): void {
    const signal = this.deps.signal;
    if (signal?.aborted) throw new Interrupted(typeof signal.reason === 'string' ? signal.reason : 'SIGINT');
    if (this.replicaWatch.fatal) throw this.replicaWatch.fatal;
    const fault = this.deps.load.fault?.();
    if (fault) throw fault;
    this.deps.abortCheck?.(this.deps.clock.now());
  }

  /** Applies weights and a rate outside a step (e.g. restoring demand weights between drills). */
  apply(weights: Weights, rps: number): void {
    this.deps.load.setWeights(weights);
    this.deps.load.setRate(Math.min(rps, this.deps.scenario.safety.maxTotalRps));
  }

  /**
   * After a breach: no load until the target has worked off its backlog (its CPU share falls below
   * `belowShare`), at least minMs and at most maxMs, so the next probe does not inherit the overload.
   */
  async cooldown(filter: Tags, opts: { minMs?: number; maxMs?: number; belowShare?: number } = {}): Promise<number> {
    const { clock, metrics } = this.deps;
    const start = clock.now();
    // At least one request timeout, so what was queued during the overload has ended before the next probe.
    const minMs = opts.minMs ?? this.deps.scenario.timeoutMs + 500;
    const maxMs = opts.maxMs ?? 15_000;
    const below = opts.belowShare ?? 0.25;
    this.deps.load.setRate(0);
    this.stepTag = 'cooldown';
    this.deps.load.setTags({ step: 'cooldown' });
    await this.wait(
      maxMs,
      () => {
        const elapsed = clock.now() - start;
        if (elapsed < minMs) return null;
        const last = metrics.window({ sinceMs: clock.now() - 1500, metric: 'cpu_share', filter }).gaugeAvg;
        return last === null || last === undefined || last < below ? true : null;
        // The overload's queued requests time out now, by design: that is not a reason for a safety stop.
      },
      { safety: false },
    );
    return clock.now() - start;
  }

  /** Idles (no load) until every replica of the pool serves again, at most maxMs; true when it does. */
  async awaitHealthy(poolId: string, maxMs: number): Promise<boolean> {
    const total = this.deps.cluster.replicas.filter((r) => r.pool === poolId).length;
    this.deps.load.setRate(0);
    this.stepTag = 'idle';
    this.deps.load.setTags({ step: 'idle' });
    const ok = await this.wait(maxMs, () => (this.serving(poolId).length >= total ? true : null), { safety: false });
    return ok === true;
  }

  /** Waits ms while watching faults, safety and signals (no guards), e.g. after a DC comes back. */
  async idle(ms: number): Promise<void> {
    this.stepTag = 'idle';
    this.deps.load.setTags({ step: 'idle' });
    await this.wait(ms, () => null);
  }

  /** The step begins: its length, its rate under the safety cap, its notes; weights, tags and rate applied. */
  private beginStep(asked: StepPlan): StepUnderWay {
    const { load, clock, scenario } = this.deps;
    const length = stepLength(asked, scenario);
    const plan: StepPlan = { ...asked, measureMs: length.measureMs };
    const index = this.nextIndex++;
    const annotations = [...(plan.annotations ?? []), ...this.pendingAnnotations.splice(0)];
    // Replicas marked out or in before the step (a drill's own kill, a fault between steps) are not its faults.
    this.stepFaults = [];
    let rate = plan.offeredRps;
    if (rate > scenario.safety.maxTotalRps) {
      annotations.push(`rate capped from ${rate} to ${scenario.safety.maxTotalRps} req/s by safety.maxTotalRps`);
      rate = scenario.safety.maxTotalRps;
    }
    if (length.note) annotations.push(length.note);
    const settleTag = `${index}-settle`;
    this.live.stepStarted(plan, index, rate);
    load.setWeights(plan.weights);
    this.stepTag = settleTag;
    load.setTags({ step: settleTag });
    load.setRate(rate);
    this.replicaWatch.rateChanged(clock.now());
    return { plan, index, rate, annotations, measureTag: String(index), minGuardWindowMs: length.minGuardWindowMs };
  }

  /**
   * Settle, then measure with the guards checked every second; a breach ends the measure window at once. Whatever
   * ends the step early (a fault, a signal, a safety stop) is returned as `aborted`, the guards judged so far with it.
   */
  private async measureStep(s: StepUnderWay): Promise<StepMeasured> {
    const { load, clock, scenario, guards } = this.deps;
    const { plan, measureTag } = s;
    const m: StepMeasured = {
      measureStart: clock.now(),
      measureEnd: null,
      checks: [],
      aborted: null,
      sendLag: null,
      evaluateAll: () => [],
      breach: null,
    };
    try {
      await this.wait(plan.settleMs, () => null);
      this.stepTag = measureTag;
      load.setTags({ step: measureTag });
      m.measureStart = clock.now();
      load.resetSendLag?.();
      this.live.measuring();
      m.evaluateAll = (): GuardCheck[] =>
        plan.guardTargets.flatMap((t) =>
          guards
            .filter((g) => guardApplies(t, g))
            .map((g) => ({
              target: t,
              guard: g,
              ...g.evaluate({ ...t.filter, step: measureTag }, m.measureStart, s.minGuardWindowMs),
            })),
        );
      m.breach = await this.wait(plan.measureMs, () => {
        if (clock.now() - m.measureStart < scenario.guardDelayMs) return null;
        const v = m.evaluateAll();
        this.live.guardsChecked(v);
        // No data yet (the first samples of a window) is not a breach: it is judged when the step ends.
        return v.some((x) => !x.ok && x.value !== null) ? v : null;
      });
      m.measureEnd = slotEnd(clock.now(), m.measureStart);
      m.sendLag = load.sendLag?.() ?? null;
      m.checks = m.breach ?? m.evaluateAll();
      // The step's weights must have taken effect for its figures to be the step's: a change that failed late ends it.
      await load.settled?.();
      this.checkAbort();
    } catch (err) {
      m.aborted = err;
    }
    // Errors because Docker or the load balancer went away are a cluster error, not the target's breach nor a safety stop.
    if (m.checks.some((c) => !c.ok) || m.aborted instanceof SafetyStop)
      m.aborted = (await this.replicaWatch.clusterGone()) ?? (await load.probeFault?.()) ?? m.aborted;
    return m;
  }

  async runStep(asked: StepPlan): Promise<StepOutcome> {
    const { clock } = this.deps;
    const s = this.beginStep(asked);
    const { plan, index, annotations, measureTag } = s;
    const m = await this.measureStep(s);
    const { measureStart, aborted, sendLag, breach } = m;
    let checks = m.checks;
    const measureEnd = m.measureEnd ?? slotEnd(clock.now(), measureStart);
    const { cluster, metrics, runId } = this.deps;
    // Samples that arrive late (generator agents ship each second when it ends): a bounded wait until the
    // window is complete, what is still missing recorded; the guards are judged again on the whole window.
    // Not after a signal: the run is ending, its teardown must not wait for figures of a cut step.
    if (metrics.complete && !(aborted instanceof Interrupted)) {
      const missing = await metrics.complete(measureEnd);
      annotations.push(...missing);
      if (!aborted && !breach) checks = m.evaluateAll();
    }
    annotations.push(...this.pendingAnnotations.splice(0));
    const window = await takeStepWindow(metrics, cluster.replicas, plan, measureStart, measureEnd, measureTag);
    const cpusByType = Object.fromEntries(Object.entries(cluster.spec.serverTypes).map(([name, t]) => [name, t.cpus]));
    const facts = {
      runId,
      plan,
      index,
      rateRps: s.rate,
      replicas: cluster.replicas,
      cpusByType,
      markedOut: this.markedOut,
      checks,
      annotations,
    };
    const built = buildStepRecord(facts, window);
    const faults = this.stepFaults.splice(0);
    const judged = judgeStep(built, plan, checks, {
      aborted,
      sendLag,
      measuredMs: measureEnd - measureStart,
      faults,
    });
    const outcome = withTierFigures(cluster.spec, plan, checks, judged);
    outcome.record.annotations.push(...(plan.review?.(outcome.record) ?? []));
    this.deps.onStep(outcome.record);
    this.deps.view?.stepEnded(outcome.record);
    if (aborted) throw aborted;
    return outcome;
  }

  /**
   * A step repeated while its measurement is unstable (at most `repeats` more times). The outcome is the
   * last attempt's; a guard that broke counts (brokenBy) even when the last attempt was still unstable.
   */
  async runRepeating(plan: StepPlan, repeats: number): Promise<StepOutcome & { attempts: number }> {
    for (let attempt = 0; ; attempt++) {
      const repeat = `repeat ${attempt} of an unstable step`;
      const outcome = await this.runStep(
        attempt > 0 ? { ...plan, annotations: [...(plan.annotations ?? []), repeat] } : plan,
      );
      if (outcome.record.verdict !== 'unstable' || attempt >= repeats) return { ...outcome, attempts: attempt + 1 };
    }
  }

  /**
   * Waits up to ms in ticks of one second; after each tick checks signals, Docker, safety and faults,
   * then calls check(); returns its first non-null answer at once (a breach ends the step).
   */
  private async wait<T>(ms: number, check: () => T | null, opts: { safety?: boolean } = {}): Promise<T | null> {
    const { clock, signal } = this.deps;
    const start = clock.now();
    const deadline = start + ms;
    for (;;) {
      this.checkAbort();
      const now = clock.now();
      if (now >= deadline) return null;
      await clock.sleep(Math.min(1000, deadline - now), signal);
      this.checkAbort();
      if (opts.safety !== false) this.replicaWatch.checkSafety();
      this.replicaWatch.checkFaults();
      const answer = check();
      this.live.refresh(clock.now() - start, this.stepTag, this.markedOut.keys());
      if (answer !== null) return answer;
    }
  }
}
