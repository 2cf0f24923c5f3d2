// The replica watch: samples CPU and memory of every replica once a second, tells a dead or silent replica
// (the controller marks it out through a callback) by how its requests ended (refused, reset, closed without
// an answer, silence), counts Docker unreachable after failed samples, and stops the run when the global
// error rate breaks the scenario's safety limit.
import type { Replica } from '../cluster';
import { ClusterError, ExitCode, HeadroomError } from '../common';
import type { Scenario } from '../config';
import type { Clock, ClusterPort, LoadPort, MetricsPort } from './ports';
import { describeFaults, UnansweredLog } from './unanswered-log';

/** The run stopped because a hard safety limit broke (exit 99, like a k6 threshold with abortOnFail). */
export class SafetyStop extends HeadroomError {
  constructor(readonly what: string) {
    super(`safety stop: ${what}`, ExitCode.thresholdsFailed);
  }
}

/** Consecutive failed resource samples before Docker counts as unreachable. */
const samplerFailuresFatal = 3;
/** Consecutive resource samples a replica must be missing from before it is marked out (one miss is a hiccup). */
const missesToMarkOut = 3;
/** Consecutive resource samples a replica marked out for missing must be back in before it is marked in. */
const seenToMarkIn = 2;
const missingReason = 'not running (missing from the resource samples)';
const unreachableHint = 'check `docker info`; the partial result is in the run directory';
/** A replica whose every request failed over this window (and at least minFailures of them) is marked out. */
const faultWindowS = 2;
const minFailures = 3;
/**
 * A replica with requests outstanding and none ended for this long has stopped answering: three times its own
 * p99 latency over the last 10 s, at least a second and at most half the request timeout (so silence is caught
 * before the timeouts say it); half the timeout when it answered nothing in those 10 s to judge by. A replica that
 * answers in 10 ms and then nothing for a second is paused or hung; a slow one (1.5 s an answer, a 10 s timeout,
 * its CPU idle while it waits) is late, and its latency is the guards' to judge.
 */
const minSilentMs = 1000;
const silentFactor = 3;
const typicalWindowMs = 10_000;
/** Below this CPU share/** Below this CPU share a replica whose requests all fail is not working on them. */
const idleCpuShare = 0.1;
/** From this CPU share another tier of the DC is busy enough that a silent replica may be waiting on it. */
const busyTierShare = 0.5;

export interface ReplicaWatchDeps {
  cluster: ClusterPort;
  load: Pick<LoadPort, 'outstanding' | 'onUnanswered'>;
  metrics: MetricsPort;
  clock: Clock;
  safety: Pick<Scenario['safety'], 'windowMs' | 'maxErrorRate'>;
  /** The scenario's request timeout: how long a replica may leave every request unanswered. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Replicas marked out now (with why), and when each was last marked in. */
  markedOut: ReadonlyMap<string, string>;
  markedInAt: ReadonlyMap<string, number>;
  /** Called once for a replica found dead or silent; the controller marks it out. */
  markOut(replica: string, reason: string): void;
  /** Called for a marked-out replica that is back (answers its health check, or is in the samples again). */
  markIn?(replica: string, reason: string): void;
  /** The step tag the CPU samples are recorded under. */
  stepTag(): string;
}

export class ReplicaWatch {
  /** Set when the run must end (Docker unreachable); the controller throws it at its next check. */
  fatal: Error | null = null;
  private running = false;
  private done: Promise<void> = Promise.resolve();
  private failures = 0;
  private lastRateChange = 0;
  /** Per replica: consecutive samples it was missing from, and (when the watch marked it out) consecutive samples it was back. */
  private readonly misses = new Map<string, number>();
  private readonly backFor = new Map<string, number>();
  private readonly byName: Map<string, Replica>;
  /** Requests that got no answer, and why; null when the load cannot say (generator agents). */
  private readonly unanswered: UnansweredLog | null;
  private stopListening: (() => void) | null = null;

  constructor(private readonly deps: ReplicaWatchDeps) {
    this.byName = new Map(deps.cluster.replicas.map((r) => [r.name, r]));
    this.unanswered = deps.load.onUnanswered ? new UnansweredLog() : null;
  }

  /** Starts the resource sampler (once a second, never overlapping) and listens to requests that got no answer. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const log = this.unanswered;
    if (log) this.stopListening = this.deps.load.onUnanswered?.((r, why, atMs) => log.add(r, why, atMs)) ?? null;
    this.done = this.samplerLoop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopListening?.();
    this.stopListening = null;
    await this.done;
  }

  /** A new rate gives replicas a second to answer before silence counts. */
  rateChanged(atMs: number): void {
    this.lastRateChange = atMs;
  }

  /**
   * Asks Docker, now: a ClusterError when it cannot be reached, when it answers but none of the cluster's
   * replicas runs (a daemon that is stopping answers while it stops every container), or when the sampler
   * already found it gone; else null. A breach is checked with it before it counts, so that a dying daemon
   * is never a capacity figure. A sample missing some replicas is taken again a second later: a stopping
   * daemon's containers do not all stop at the same instant.
   */
  async clusterGone(): Promise<ClusterError | null> {
    if (this.fatal) return this.fatal instanceof ClusterError ? this.fatal : null;
    try {
      let samples = await this.deps.cluster.sampleResources();
      if (this.expectedRunning().some((r) => !samples.some((s) => s.replica === r))) {
        await this.deps.clock.sleep(1000, this.deps.signal);
        samples = await this.deps.cluster.sampleResources();
      }
      const none = this.noneRunning(samples);
      if (none) this.fatal = none;
      return none;
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      this.fatal =
        err instanceof ClusterError
          ? err
          : new ClusterError(
              `Docker unreachable when a guard broke (${text}): the step's errors are the cluster's, not a breach`,
              undefined,
              undefined,
              unreachableHint,
            );
      return this.fatal as ClusterError;
    }
  }

  /** Replicas that should be in the resource samples: every managed replica but those a drill killed. */
  private expectedRunning(): string[] {
    if (this.deps.cluster.spec.driver === 'static') return [];
    const { markedOut } = this.deps;
    return this.deps.cluster.replicas.map((r) => r.name).filter((r) => !markedOut.get(r)?.startsWith('killed'));
  }

  /**
   * Docker answered, but not one replica that should run is in its samples: the cluster is gone under
   * the drill (a daemon stopping, containers stopped outside it), not each replica on its own.
   */
  private noneRunning(samples: { replica: string }[]): ClusterError | null {
    const expected = this.expectedRunning();
    if (!expected.length || expected.some((r) => samples.some((s) => s.replica === r))) return null;
    return new ClusterError(
      `Docker answers but none of the cluster's ${expected.length} replicas runs (its daemon stopping, or the containers ` +
        "stopped outside the drill): the step's errors are the cluster's, not a breach",
      undefined,
      undefined,
      unreachableHint,
    );
  }

  /**
   * Throws SafetyStop when the global error rate over the safety window is above the limit. Requests that a dead
   * static server refused are not the load's doing: they mark it out (checkFaults), they do not stop the run.
   * (Managed replicas' refusals still count: a stopping Docker daemon is told apart by the stop's cluster check.)
   */
  checkSafety(): void {
    const { safety, metrics } = this.deps;
    const now = this.deps.clock.now();
    const w = metrics.counts(now - safety.windowMs, now);
    const byConnection = this.deps.cluster.spec.driver === 'static';
    const faults = byConnection ? (this.unanswered?.window(now - safety.windowMs, now).faults ?? 0) : 0;
    const errorRate = w.count > 0 ? Math.max(0, w.failed - faults) / w.count : 0;
    if (w.count >= 20 && errorRate > safety.maxErrorRate) {
      const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
      throw new SafetyStop(
        `global error rate ${pct(errorRate)} over the last ${safety.windowMs / 1000} s is above safety.maxErrorRate ${pct(safety.maxErrorRate)}`,
      );
    }
  }

  /**
   * A server headroom does not manage (driver: static) whose connections are refused, reset or closed before
   * any answer (or that cannot be routed to) is gone: mark it out at once, whatever its CPU, with the errors that
   * showed it. (A managed replica is judged with Docker's word, its container's samples: when a daemon stops,
   * every replica fails at once and the run ends as the cluster's error, no replica marked out.) A replica whose
   * every request failed over the last 2 s without an answer while it used no CPU has stopped answering (dead,
   * paused, hung): mark it out too. A busy replica whose queued requests time out after an overload is not dead,
   * only late, and one that answers 5xx answers: its guards judge it.
   */
  checkFaults(): void {
    const { metrics, clock, markedOut, markedInAt } = this.deps;
    const now = clock.now();
    const byConnection = this.deps.cluster.spec.driver === 'static';
    for (const r of this.deps.cluster.replicas) {
      if (markedOut.has(r.name)) continue;
      // Faults from before a replica was marked back in were already counted against it.
      const since = Math.max(now - faultWindowS * 1000, markedInAt.get(r.name) ?? -Infinity);
      const heard = this.unanswered?.window(since, now, r.name);
      if (byConnection && heard && heard.faults >= minFailures) {
        this.deps.markOut(r.name, `no answer: ${describeFaults(heard)} in the last ${faultWindowS} s`);
        continue;
      }
      const w = metrics.counts(now - faultWindowS * 1000, now, r.name);
      // Stopped answering (paused, hung): requests pile up and none is answered (the first timeouts may
      // already be in), caught before the request timeout on its own would say so.
      const pending = this.deps.load.outstanding?.(r.name) ?? 0;
      // Judged only with requests piling up: most checks of most replicas stop here.
      const silentMs = pending >= minFailures ? this.silentMs(r.name, now) : 0;
      const recent = silentMs > 0 ? metrics.counts(now - silentMs, now, r.name) : null;
      const silent = recent !== null && recent.count === recent.failed && now - this.lastRateChange >= silentMs;
      // Failures that were answers (5xx) are the guards' to judge; where the load says why, only unanswered ones count.
      const unanswered = heard ? heard.unanswered >= w.count : true;
      const failing = w.failed >= minFailures && w.failed === w.count && unanswered;
      if (!silent && !failing) continue;
      // Saturated is not dead: a replica busy at its CPU quota is working off a queue, not failing.
      const busy = this.cpuBusy(r.name, now);
      if (busy !== null && busy >= idleCpuShare) continue;
      // Waiting is not dead either: a replica whose requests wait on a busy tier of its DC (a sync web worker
      // blocked on its database) is late, and the guards charge the breach to that tier.
      if (this.waitingOnBusyTier(r, now)) continue;
      const cpuNote = busy === null ? ', no resource sample' : `, CPU ${(busy * 100).toFixed(0)}% of quota`;
      this.deps.markOut(
        r.name,
        silent
          ? `not answering: ${pending} requests outstanding, none answered in ${silentMs / 1000} s${cpuNote}`
          : `all ${w.count} requests of the last ${faultWindowS} s failed${cpuNote}`,
      );
    }
  }

  /**
   * How long this replica may answer nothing before it counts as silent (see silentFactor). Judged only once it
   * has answered nothing for a second: a replica that answers is never asked for its latency.
   */
  private silentMs(replica: string, now: number): number {
    const capMs = Math.max(minSilentMs, (this.deps.timeoutMs ?? 0) / 2);
    const lastSecond = this.deps.metrics.counts(now - minSilentMs, now, replica);
    if (lastSecond.count > lastSecond.failed) return minSilentMs;
    const before = this.deps.metrics.window({ sinceMs: now - typicalWindowMs, untilMs: now, filter: { replica } });
    const p99 = before.count > before.failed ? before.percentile(0.99) : null;
    if (p99 === null) return capMs;
    return Math.min(capMs, Math.max(minSilentMs, Math.ceil((silentFactor * p99) / 100) * 100));
  }

  /** Whether a replica of another tier in the same DC used at least half its CPU quota over the fault window. */
  private waitingOnBusyTier(r: Replica, now: number): boolean {
    if (r.tier === undefined) return false;
    return this.deps.cluster.replicas.some(
      (o) =>
        o.dc === r.dc && o.tier !== undefined && o.tier !== r.tier && (this.cpuBusy(o.name, now) ?? 0) >= busyTierShare,
    );
  }

  /** The highest CPU share of a replica over the fault window; null without a sample. */
  private cpuBusy(replica: string, now: number): number | null {
    const cpu = this.deps.metrics.window({
      sinceMs: now - faultWindowS * 1000,
      untilMs: now,
      metric: 'cpu_share',
      filter: { replica },
    });
    return cpu.gaugeMax ?? cpu.gaugeAvg ?? null;
  }

  /**
   * Marked-out replicas that the watch took out (not ones a drill killed) are asked for their health;
   * one that answers again is marked back in, so a pool is whole again for the next probe.
   */
  private async checkRecovered(): Promise<void> {
    const { healthy } = this.deps.cluster;
    if (!healthy || !this.deps.markIn) return;
    for (const [name, reason] of [...this.deps.markedOut]) {
      if (reason.startsWith('killed')) continue;
      if (await healthy.call(this.deps.cluster, name).catch(() => false))
        this.deps.markIn(name, `answering again (was: ${reason})`);
    }
  }

  /**
   * Marks a replica out only after it was missing from several samples in a row, and marks it back in
   * once it is in several samples again, when this watch (not a drill's kill) marked it out.
   */
  private missingOrBack(replica: string, seen: boolean): void {
    const { markedOut } = this.deps;
    if (!seen) {
      this.backFor.delete(replica);
      const n = (this.misses.get(replica) ?? 0) + 1;
      this.misses.set(replica, n);
      if (n >= missesToMarkOut && !markedOut.has(replica))
        this.deps.markOut(replica, `${missingReason}, ${n} samples in a row`);
      return;
    }
    this.misses.delete(replica);
    if (!markedOut.get(replica)?.startsWith(missingReason) || !this.deps.markIn) return;
    const n = (this.backFor.get(replica) ?? 0) + 1;
    this.backFor.set(replica, n);
    if (n >= seenToMarkIn) {
      this.backFor.delete(replica);
      this.deps.markIn(replica, `back in the resource samples for ${n} samples in a row`);
    }
  }

  private async samplerLoop(): Promise<void> {
    const { cluster, metrics, clock, markedOut, markedInAt } = this.deps;
    while (this.running) {
      const started = clock.now();
      try {
        const samples = await cluster.sampleResources();
        // No replica at all in the samples counts as a failed sample: a stopping daemon, not each replica's death.
        const none = this.noneRunning(samples);
        if (none) throw none;
        this.failures = 0;
        const seen = new Set<string>();
        const step = this.deps.stepTag();
        for (const s of samples) {
          seen.add(s.replica);
          const r = this.byName.get(s.replica);
          if (!r) continue;
          // A marked-out replica's samples leave the pool's figures: its idle CPU would dilute the pool's share.
          if (markedOut.has(r.name)) continue;
          const tags = { region: r.region, dc: r.dc, pool: r.pool, serverType: r.serverType, replica: r.name, step };
          metrics.recordGauge('cpu_share', tags, s.cpuShare, s.at);
          if (s.memoryMb !== undefined) {
            metrics.recordGauge('memory_mb', tags, s.memoryMb, s.at);
            const limitMb = cluster.spec.serverTypes[r.serverType]?.memoryMb;
            if (limitMb) metrics.recordGauge('memory_share', tags, s.memoryMb / limitMb, s.at);
          }
        }
        await this.checkRecovered();
        // Servers headroom does not manage (driver: static) have no container whose absence says they are
        // down, and may have no metrics at all: only failing or silent requests mark them out (checkFaults).
        const absenceMeansDown = cluster.spec.driver !== 'static';
        for (const r of absenceMeansDown ? cluster.replicas : []) {
          // A sample taken before a replica came back says nothing about it now.
          if ((markedInAt.get(r.name) ?? -Infinity) >= started) continue;
          this.missingOrBack(r.name, seen.has(r.name));
        }
      } catch (err) {
        this.failures++;
        if (this.failures >= samplerFailuresFatal && !this.fatal) {
          const text = err instanceof Error ? err.message : String(err);
          this.fatal =
            err instanceof ClusterError
              ? err
              : new ClusterError(
                  `Docker unreachable: ${this.failures} resource samples in a row failed (${text})`,
                  undefined,
                  undefined,
                  unreachableHint,
                );
        }
      }
      const spent = clock.now() - started;
      if (this.running) await clock.sleep(Math.max(50, 1000 - spent), this.deps.signal);
      if (this.deps.signal?.aborted) break;
    }
  }
}
