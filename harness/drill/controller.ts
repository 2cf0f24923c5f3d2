// The drill controller's step mechanics: apply a rate and weights, settle, measure while guards run
// each second on sliding windows of the target, end the step at once on a breach, watch replicas
// (mark out the dead within 2 s), enforce the safety limits, and turn the window into a StepRecord.
import type { Replica } from '../cluster';
import { ClusterError, HeadroomError, ExitCode, Interrupted, Logger, silentLogger } from '../common';
import type { Scenario } from '../config';
import type { DrillKind, GuardVerdict, PoolFigures, ReplicaFigures, StepRecord } from '../results';
import type { Clock, ClusterPort, Guard, LoadPort, MetricsPort, Tags, WindowFigures } from './ports';
import type { Weights } from './traffic-plan';

/** The run stopped because a hard safety limit broke (exit 99, like a k6 threshold with abortOnFail). */
export class SafetyStop extends HeadroomError {
  constructor(readonly what: string) {
    super(`safety stop: ${what}`, ExitCode.thresholdsFailed);
  }
}

export interface GuardTarget {
  /** Shown in verdict names when a step has several targets (the survivors of a lost DC). */
  label: string;
  filter: Tags;
}

export interface StepPlan {
  drill: string;
  kind: DrillKind;
  target: StepRecord['target'];
  serverType?: string;
  /** Total offered rate, req/s. */
  offeredRps: number;
  offeredRpsPerReplica?: number;
  /** The rate the target should receive; used to tell an unstable measurement (achieved far from it). */
  expectedTargetRps?: number;
  weights: Weights;
  settleMs: number;
  measureMs: number;
  /** The target's own figures are taken on this filter (empty = all traffic). */
  targetFilter: Tags;
  /** Guards are evaluated on each of these; one breach ends the step. */
  guardTargets: GuardTarget[];
  annotations?: string[];
  lostDc?: string;
  targetShare?: number;
  search?: StepRecord['search'];
}

export interface StepOutcome {
  record: StepRecord;
  /** Per guard target label: did every guard hold, and which broke first. */
  perTarget: Record<string, { ok: boolean; brokenBy?: string }>;
  /** The first guard that broke, `none` when all held. */
  brokenBy: string;
}

export interface LiveState {
  drill: string;
  step: number;
  phase: 'settle' | 'measure';
  kind: DrillKind;
  target: string;
  rateRps: number;
  weights: Weights;
  p99Ms: number | null;
  errorRate: number;
  rps: number;
  cpuByPool: Record<string, number | null>;
  guards: { name: string; ok: boolean | null; value: number | null }[];
  markedOut: string[];
  elapsedMs: number;
}

export interface LiveView {
  /** False when update() would draw nothing (plain lines): the state is then not computed. */
  readonly live: boolean;
  update(state: LiveState): void;
  stepEnded(record: StepRecord): void;
  message(text: string): void;
  close(): void;
}

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
}

/** Consecutive failed resource samples before Docker counts as unreachable. */
const samplerFailuresFatal = 3;
/** A replica whose every request failed over this window (and at least minFailures of them) is marked out. */
const faultWindowS = 2;
const minFailures = 3;
/** A replica with requests outstanding and none ended for this long has stopped answering. */
const silentMs = 1000;
/** Below this CPU share a replica whose requests all fail is not working on them. */
const idleCpuShare = 0.1;
/** Send lag (p99) above which a step is annotated, and above which its measurement is not trusted. */
const lagNoteMs = 25;
const lagUnstableMs = 50;

export class DrillController {
  readonly markedOut = new Map<string, string>();
  private readonly markedInAt = new Map<string, number>();
  private nextIndex = 0;
  private stepTag = 'idle';
  private pendingAnnotations: string[] = [];
  private fatal: Error | null = null;
  private samplerRunning = false;
  private samplerDone: Promise<void> = Promise.resolve();
  private samplerFailures = 0;
  private readonly log: Logger;
  private readonly byName: Map<string, Replica>;
  private live: LiveState | null = null;
  private liveTarget: Tags = {};
  private lastRateChange = 0;

  constructor(readonly deps: ControllerDeps) {
    this.log = deps.logger ?? silentLogger;
    this.byName = new Map(deps.cluster.replicas.map((r) => [r.name, r]));
  }

  /** Starts the resource sampler (once a second, never overlapping). */
  start(): void {
    if (this.samplerRunning) return;
    this.samplerRunning = true;
    this.samplerDone = this.samplerLoop();
  }

  async stop(): Promise<void> {
    this.samplerRunning = false;
    await this.samplerDone;
  }

  get stepsRun(): number {
    return this.nextIndex;
  }

  /** Replicas of a pool (or of every pool when omitted) that are not marked out. */
  serving(poolId?: string): Replica[] {
    return this.deps.cluster.replicas.filter((r) => (poolId === undefined || r.pool === poolId) && !this.markedOut.has(r.name));
  }

  markOut(replica: string, reason: string): void {
    if (this.markedOut.has(replica)) return;
    this.markedOut.set(replica, reason);
    this.deps.load.markOut(replica);
    const note = `replica ${replica} marked out at ${new Date(this.deps.clock.now()).toISOString()}: ${reason}`;
    this.pendingAnnotations.push(note);
    this.deps.view?.message(note);
    this.log.debug(note);
  }

  markIn(replica: string, reason: string): void {
    if (!this.markedOut.delete(replica)) return;
    this.markedInAt.set(replica, this.deps.clock.now());
    this.deps.load.markIn(replica);
    this.pendingAnnotations.push(`replica ${replica} marked in: ${reason}`);
  }

  annotate(note: string): void {
    this.pendingAnnotations.push(note);
  }

  /** Throws when the run must end: a signal, Docker unreachable, a safety limit. */
  checkAbort(): void {
    const signal = this.deps.signal;
    if (signal?.aborted) throw new Interrupted(typeof signal.reason === 'string' ? signal.reason : 'SIGINT');
    if (this.fatal) throw this.fatal;
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
    await this.watch(maxMs, () => {
      const elapsed = clock.now() - start;
      if (elapsed < minMs) return null;
      const last = metrics.window({ sinceMs: clock.now() - 1500, metric: 'cpu_share', filter }).gaugeAvg;
      return last === null || last === undefined || last < below ? true : null;
      // The overload's queued requests time out now, by design: that is not a reason for a safety stop.
    }, { safety: false });
    return clock.now() - start;
  }

  /** Waits ms while watching faults, safety and signals (no guards), e.g. after a DC comes back. */
  async idle(ms: number): Promise<void> {
    this.stepTag = 'idle';
    this.deps.load.setTags({ step: 'idle' });
    await this.watch(ms, () => null);
  }

  async runStep(plan: StepPlan): Promise<StepOutcome> {
    const { load, clock, scenario } = this.deps;
    const index = this.nextIndex++;
    const annotations = [...(plan.annotations ?? []), ...this.pendingAnnotations.splice(0)];
    let rate = plan.offeredRps;
    if (rate > scenario.safety.maxTotalRps) {
      annotations.push(`rate capped from ${rate} to ${scenario.safety.maxTotalRps} req/s by safety.maxTotalRps`);
      rate = scenario.safety.maxTotalRps;
    }
    const settleTag = `${index}-settle`;
    const measureTag = String(index);
    this.live = {
      drill: plan.drill, step: index, phase: 'settle', kind: plan.kind, target: plan.target.name, rateRps: rate, weights: plan.weights,
      p99Ms: null, errorRate: 0, rps: 0, cpuByPool: {}, guards: this.deps.guards.map((g) => ({ name: g.name, ok: null, value: null })), markedOut: [], elapsedMs: 0,
    };
    this.liveTarget = plan.targetFilter;
    load.setWeights(plan.weights);
    this.stepTag = settleTag;
    load.setTags({ step: settleTag });
    load.setRate(rate);
    this.lastRateChange = clock.now();
    const settleStart = clock.now();
    let measureStart = settleStart;
    let verdicts: { target: GuardTarget; guard: Guard; ok: boolean; value: number | null }[] = [];
    let aborted: unknown = null;
    let measureEnd: number | null = null;
    let lag: { count: number; p99: number } | null = null;
    try {
      await this.watch(plan.settleMs, () => null);
      this.stepTag = measureTag;
      load.setTags({ step: measureTag });
      measureStart = clock.now();
      load.resetSendLag?.();
      this.live.phase = 'measure';
      const evaluateAll = () =>
        plan.guardTargets.flatMap((t) => this.deps.guards.map((g) => ({ target: t, guard: g, ...g.evaluate({ ...t.filter, step: measureTag }, measureStart) })));
      const breach = await this.watch(plan.measureMs, () => {
        if (clock.now() - measureStart < scenario.guardDelayMs) return null;
        const v = evaluateAll();
        this.updateGuardsView(v);
        return v.some((x) => !x.ok) ? v : null;
      });
      measureEnd = clock.now();
      lag = load.sendLag?.() ?? null;
      verdicts = breach ?? evaluateAll();
    } catch (err) {
      aborted = err;
    }
    measureEnd ??= clock.now();
    annotations.push(...this.pendingAnnotations.splice(0));
    const record = await this.buildRecord(plan, index, rate, measureStart, measureEnd, measureTag, verdicts, annotations);
    if (lag && lag.count > 0) {
      record.sendLagP99Ms = Math.round(lag.p99 * 10) / 10;
      if (lag.p99 > lagNoteMs) record.annotations.push(`generator late: send lag p99 ${lag.p99.toFixed(1)} ms`);
    }
    let brokenBy = 'none';
    const perTarget: StepOutcome['perTarget'] = {};
    for (const t of plan.guardTargets) perTarget[t.label] = { ok: true };
    for (const v of verdicts) {
      if (v.ok) continue;
      const p = perTarget[v.target.label];
      if (p.ok) Object.assign(p, { ok: false, brokenBy: v.guard.name });
      if (brokenBy === 'none') brokenBy = v.guard.name;
    }
    if (aborted) {
      record.verdict = 'aborted';
      record.annotations.push(`aborted: ${aborted instanceof Error ? aborted.message : String(aborted)}`);
    } else if (brokenBy !== 'none') {
      record.verdict = 'breached';
      if (measureEnd - measureStart < plan.measureMs - 500) record.annotations.push(`ended after ${((measureEnd - measureStart) / 1000).toFixed(1)} s of measure: ${brokenBy} broke`);
      // Latency is measured from the intended send time: a generator that sent late inflates it.
      const onlyLatency = verdicts.filter((v) => !v.ok).every((v) => v.guard.metric.endsWith('_duration'));
      if (onlyLatency && (record.sendLagP99Ms ?? 0) > lagUnstableMs) {
        record.verdict = 'unstable';
        record.annotations.push(`unstable: a latency guard broke while the generator sent late (p99 ${record.sendLagP99Ms} ms behind schedule)`);
      }
    } else {
      const why = this.instability(plan, record, measureEnd - measureStart);
      if (why) {
        record.verdict = 'unstable';
        record.annotations.push(`unstable: ${why}`);
      }
    }
    this.deps.onStep(record);
    this.deps.view?.stepEnded(record);
    if (aborted) throw aborted;
    return { record, perTarget, brokenBy };
  }

  /**
   * A step repeated while its measurement is unstable (at most `repeats` more times). The outcome is the
   * last attempt's; a guard that broke counts (brokenBy) even when the last attempt was still unstable.
   */
  async runRepeating(plan: StepPlan, repeats: number): Promise<StepOutcome & { attempts: number }> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.runStep(attempt > 0 ? { ...plan, annotations: [...(plan.annotations ?? []), `repeat ${attempt} of an unstable step`] } : plan);
      if (outcome.record.verdict !== 'unstable' || attempt >= repeats) return { ...outcome, attempts: attempt + 1 };
    }
  }

  /** Why a measurement cannot be trusted: the target got far from the rate it was offered, or arrivals were dropped. */
  private instability(plan: StepPlan, record: StepRecord, measuredMs: number): string | null {
    const expected = plan.expectedTargetRps;
    if (expected && expected > 0) {
      const achieved = record.targetFigures.rps;
      const off = Math.abs(achieved / expected - 1);
      if (off > 0.05) return `target achieved ${achieved.toFixed(1)} req/s, ${(off * 100).toFixed(1)}% off the ${expected.toFixed(1)} offered`;
    }
    if ((record.sendLagP99Ms ?? 0) > lagUnstableMs) return `the generator sent late (p99 ${record.sendLagP99Ms} ms behind schedule)`;
    const seconds = Math.max(1, measuredMs / 1000);
    if (record.droppedIterations > 0.01 * record.offeredRps * seconds) return `${record.droppedIterations} arrivals dropped (generator or in-flight cap saturated)`;
    return null;
  }

  /**
   * Waits up to ms in ticks of one second; after each tick checks signals, Docker, safety and faults,
   * then calls check(); returns its first non-null answer at once (a breach ends the step).
   */
  private async watch<T>(ms: number, check: () => T | null, opts: { safety?: boolean } = {}): Promise<T | null> {
    const { clock, signal } = this.deps;
    const start = clock.now();
    const deadline = start + ms;
    for (;;) {
      this.checkAbort();
      const now = clock.now();
      if (now >= deadline) return null;
      await clock.sleep(Math.min(1000, deadline - now), signal);
      this.checkAbort();
      if (opts.safety !== false) this.checkSafety();
      this.checkTransportFaults();
      const answer = check();
      this.refreshView(clock.now() - start);
      if (answer !== null) return answer;
    }
  }

  private checkSafety(): void {
    const { scenario, metrics } = this.deps;
    const now = this.deps.clock.now();
    const w = metrics.counts(now - scenario.safety.windowMs, now);
    const errorRate = w.count > 0 ? w.failed / w.count : 0;
    if (w.count >= 20 && errorRate > scenario.safety.maxErrorRate) {
      throw new SafetyStop(`global error rate ${(errorRate * 100).toFixed(1)}% over the last ${scenario.safety.windowMs / 1000} s is above safety.maxErrorRate ${(scenario.safety.maxErrorRate * 100).toFixed(1)}%`);
    }
  }

  /**
   * A replica whose every request failed over the last 2 s while it used no CPU has stopped answering
   * (dead, paused, unreachable): mark it out. A busy replica whose queued requests time out after an
   * overload is not dead, only late.
   */
  private checkTransportFaults(): void {
    const { metrics, clock } = this.deps;
    const now = clock.now();
    for (const r of this.deps.cluster.replicas) {
      if (this.markedOut.has(r.name)) continue;
      const w = metrics.counts(now - faultWindowS * 1000, now, r.name);
      // Stopped answering (paused, hung): requests pile up and none is answered (the first timeouts may
      // already be in), caught before the request timeout on its own would say so.
      const pending = this.deps.load.outstanding?.(r.name) ?? 0;
      const recent = metrics.counts(now - silentMs, now, r.name);
      if (recent.count === recent.failed && pending >= minFailures && now - this.lastRateChange >= silentMs) {
        this.markOut(r.name, `not answering: ${pending} requests outstanding, none answered in ${silentMs / 1000} s`);
        continue;
      }
      if (w.failed < minFailures || w.failed !== w.count) continue;
      const cpu = metrics.window({ sinceMs: now - faultWindowS * 1000, untilMs: now, metric: 'cpu_share', filter: { replica: r.name } });
      const busy = cpu.gaugeMax ?? cpu.gaugeAvg ?? null;
      if (busy !== null && busy >= idleCpuShare) continue;
      this.markOut(r.name, `all ${w.count} requests of the last ${faultWindowS} s failed${busy === null ? ', no resource sample' : `, CPU ${(busy * 100).toFixed(0)}% of quota`}`);
    }
  }

  private async samplerLoop(): Promise<void> {
    const { cluster, metrics, clock } = this.deps;
    while (this.samplerRunning) {
      const started = clock.now();
      try {
        const samples = await cluster.sampleResources();
        this.samplerFailures = 0;
        const seen = new Set<string>();
        for (const s of samples) {
          seen.add(s.replica);
          const r = this.byName.get(s.replica);
          if (!r) continue;
          metrics.recordGauge('cpu_share', { region: r.region, dc: r.dc, pool: r.pool, serverType: r.serverType, replica: r.name, step: this.stepTag }, s.cpuShare, s.at);
        }
        for (const r of cluster.replicas) {
          // A sample taken before a replica came back says nothing about it now.
          if ((this.markedInAt.get(r.name) ?? -Infinity) >= started) continue;
          if (!seen.has(r.name) && !this.markedOut.has(r.name)) this.markOut(r.name, 'not running (missing from the resource samples)');
        }
      } catch (err) {
        this.samplerFailures++;
        if (this.samplerFailures >= samplerFailuresFatal && !this.fatal) {
          const text = err instanceof Error ? err.message : String(err);
          this.fatal = err instanceof ClusterError ? err : new ClusterError(`Docker unreachable: ${this.samplerFailures} resource samples in a row failed (${text})`, undefined, undefined, 'check `docker info`; the partial result is in the run directory');
        }
      }
      const spent = clock.now() - started;
      if (this.samplerRunning) await clock.sleep(Math.max(50, 1000 - spent), this.deps.signal);
      if (this.deps.signal?.aborted) break;
    }
  }

  private updateGuardsView(v: { target: GuardTarget; guard: Guard; ok: boolean; value: number | null }[]): void {
    if (!this.live) return;
    this.live.guards = this.deps.guards.map((g) => {
      const mine = v.filter((x) => x.guard === g);
      const worst = mine.find((x) => !x.ok) ?? mine[0];
      return { name: g.name, ok: worst ? worst.ok : null, value: worst ? worst.value : null };
    });
  }

  private refreshView(elapsedMs: number): void {
    const view = this.deps.view;
    if (!view || !view.live || !this.live) return;
    const { metrics, clock } = this.deps;
    const now = clock.now();
    const c = metrics.counts(now - 3000, now);
    this.live.p99Ms = metrics.window({ seconds: 2, filter: { ...this.liveTarget, step: this.stepTag } }).percentile(99);
    this.live.errorRate = c.count ? c.failed / c.count : 0;
    this.live.rps = c.count / 3;
    this.live.elapsedMs = elapsedMs;
    this.live.markedOut = [...this.markedOut.keys()];
    const pools = [...new Set(this.deps.cluster.replicas.map((r) => r.pool))];
    this.live.cpuByPool = Object.fromEntries(pools.map((p) => [p, metrics.window({ seconds: 3, metric: 'cpu_share', filter: { pool: p } }).gaugeAvg ?? null]));
    view.update(this.live);
  }

  /**
   * The step's figures over its measure window. Latency windows merge histograms (costly), so they are
   * taken only where they matter (the target, each pool with traffic, a pool target's replicas), with a
   * yield between them so the generator keeps its schedule; counts come from the cheap counters.
   */
  private async buildRecord(plan: StepPlan, index: number, rate: number, since: number, until: number, stepTag: string, verdicts: { target: GuardTarget; guard: Guard; ok: boolean; value: number | null }[], annotations: string[]): Promise<StepRecord> {
    const { metrics, cluster } = this.deps;
    const seconds = Math.max(0.001, (until - since) / 1000);
    const yieldNow = () => new Promise<void>((resolve) => setImmediate(resolve));
    const win = async (filter: Tags, metric?: string): Promise<WindowFigures> => {
      const w = metrics.window({ sinceMs: since, untilMs: until, filter: { ...filter, step: stepTag }, metric });
      if (metric === undefined) await yieldNow();
      return w;
    };
    const cpusOf = (type: string) => cluster.spec.serverTypes[type]?.cpus ?? 0;
    const counted = new Map(cluster.replicas.map((r) => [r.name, metrics.counts(since, until, r.name)]));
    const cpuOf = async (filter: Tags) => rnd3((await win(filter, 'cpu_share')).gaugeAvg ?? null);
    const inTarget = (r: Replica) => Object.entries(plan.targetFilter).every(([k, v]) => (r as unknown as Record<string, unknown>)[k] === v);
    const poolIds = [...new Set(cluster.replicas.map((r) => r.pool))];
    const pools: PoolFigures[] = [];
    for (const id of poolIds) {
      const members = cluster.replicas.filter((r) => r.pool === id);
      const c = members.reduce((acc, r) => ({ count: acc.count + counted.get(r.name)!.count, failed: acc.failed + counted.get(r.name)!.failed }), { count: 0, failed: 0 });
      const w = c.count > 0 ? await win({ pool: id }) : null;
      const serving = this.serving(id).length;
      const rps = c.count / seconds;
      pools.push({
        pool: id, dc: members[0].dc, serverType: members[0].serverType, rps: round1(rps), replicasServing: serving,
        rpsPerReplica: serving > 0 ? round1(rps / serving) : 0, p50Ms: rnd(w?.percentile(50) ?? null), p99Ms: rnd(w?.percentile(99) ?? null),
        errorRate: round4(c.count ? c.failed / c.count : 0), cpuShare: await cpuOf({ pool: id }),
      });
    }
    const replicas: ReplicaFigures[] = [];
    for (const r of cluster.replicas) {
      const c = counted.get(r.name)!;
      const p99 = plan.target.kind === 'pool' && inTarget(r) && c.count > 0 ? (await win({ replica: r.name })).percentile(99) : null;
      replicas.push({ replica: r.name, pool: r.pool, rps: round1(c.count / seconds), p99Ms: rnd(p99), errorRate: round4(c.count ? c.failed / c.count : 0), cpuShare: await cpuOf({ replica: r.name }), serving: !this.markedOut.has(r.name) });
    }
    const targetReplicas = cluster.replicas.filter((r) => inTarget(r) && !this.markedOut.has(r.name) && r.dc !== plan.lostDc);
    const t = await win(plan.targetFilter);
    const targetPools = pools.filter((p) => cluster.replicas.some((r) => r.pool === p.pool && inTarget(r)));
    let cpuMs = 0;
    let cpuKnown = targetPools.length > 0;
    for (const p of targetPools) {
      if (p.cpuShare === null) cpuKnown = false;
      else cpuMs += p.cpuShare * cpusOf(p.serverType) * p.replicasServing * 1000;
    }
    const tCpu = await cpuOf(plan.targetFilter);
    const all = metrics.counts(since, until);
    const many = plan.guardTargets.length > 1;
    const guards: GuardVerdict[] = verdicts.map((v) => ({
      name: many ? `${v.target.label} ${v.guard.name}` : v.guard.name, metric: v.guard.metric, expression: v.guard.expression, ok: v.ok, value: rnd3(v.value),
    }));
    return {
      runId: this.deps.runId,
      drill: plan.drill,
      kind: plan.kind,
      index,
      startedAt: new Date(since).toISOString(),
      endedAt: new Date(until).toISOString(),
      target: plan.target,
      serverType: plan.serverType,
      offeredRps: round1(rate),
      offeredRpsPerReplica: plan.offeredRpsPerReplica,
      achievedRps: round1(all.count / seconds),
      droppedIterations: all.dropped,
      weights: plan.weights,
      targetFigures: {
        rps: round1(t.rps),
        rpsPerReplica: targetReplicas.length > 0 ? round1(t.rps / targetReplicas.length) : 0,
        p50Ms: rnd(t.percentile(50)),
        p90Ms: rnd(t.percentile(90)),
        p99Ms: rnd(t.percentile(99)),
        errorRate: round4(t.errorRate),
        cpuShare: tCpu,
        cpuMsPerRequest: cpuKnown && t.rps > 0 ? round3(cpuMs / t.rps) : null,
      },
      pools,
      replicas,
      guards,
      verdict: 'held',
      annotations,
      lostDc: plan.lostDc,
      targetShare: plan.targetShare,
      search: plan.search,
    };
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round3 = (x: number) => Math.round(x * 1000) / 1000;
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
const rnd = (x: number | null) => (x === null || !Number.isFinite(x) ? null : Math.round(x * 100) / 100);
const rnd3 = (x: number | null) => (x === null || !Number.isFinite(x) ? null : round3(x));
