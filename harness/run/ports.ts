// The controller's ports onto what runScenario started: the running cluster (ClusterHolder, which also
// brings killed replicas back) and the load, narrowed to the tier it enters.
import type { ClusterDriver, RunningCluster } from '../cluster';
import type { ClusterPort, LoadPort } from '../drill';
import type { LoadSource } from './load-source';

/**
 * The controller's view of the running cluster. Killed replicas come back through the driver's
 * per-replica restart when it has one, otherwise by bringing the whole cluster up again (same names
 * and ports; the load is idle between drills, so nothing is in flight).
 */
export class ClusterHolder implements ClusterPort {
  constructor(
    public current: RunningCluster,
    private readonly driver: ClusterDriver,
    private readonly runId: string,
    private readonly signal?: AbortSignal,
  ) {}
  get spec() {
    return this.current.spec;
  }
  get replicas() {
    return this.current.replicas;
  }
  sampleResources() {
    return this.current.sampleResources();
  }
  kill(replica: string) {
    return this.current.kill(replica);
  }
  /**
   * The driver's check of the replica's tier when it has one (static servers: their tier's `health:`), else
   * GET /healthz within a second: a paused or dead replica does not answer, a recovered one does.
   */
  async healthy(replica: string): Promise<boolean> {
    if (this.current.healthy) return this.current.healthy(replica, 1000).catch(() => false);
    const r = this.current.replicas.find((x) => x.name === replica);
    if (!r) return false;
    try {
      const res = await fetch(`${r.http}/healthz`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return res.ok;
    } catch {
      return false;
    }
  }
  async restart(replicas: string[]): Promise<void> {
    const c = this.current;
    if (c.restart) {
      for (const r of replicas) await c.restart(r);
      return;
    }
    await this.current.down();
    this.current = await this.driver.up({ runId: this.runId, signal: this.signal });
  }
}

/** The controller's load port: replicas of the other tiers are watched, not loaded, so the router never hears of them. */
export function loadedTierPort(inner: LoadSource['load'], loadedNames: ReadonlySet<string>): LoadPort {
  return {
    setRate: (r) => inner.setRate(r),
    setWeights: (w) => inner.setWeights(w),
    setTags: (t) => inner.setTags(t),
    markOut: (r) => {
      if (loadedNames.has(r)) inner.markOut(r);
    },
    markIn: (r) => {
      if (loadedNames.has(r)) inner.markIn(r);
    },
    stats: () => inner.stats(),
    sendLag: () => inner.sendLag?.() ?? { count: 0, p99: 0, max: 0 },
    resetSendLag: () => inner.resetSendLag?.(),
    outstanding: (r) => (loadedNames.has(r) ? (inner.outstanding?.(r) ?? 0) : 0),
    // Generator agents and an edge cannot say why a request got no answer: the watch then judges failures alone.
    ...(inner.onUnanswered ? { onUnanswered: inner.onUnanswered.bind(inner) } : {}),
    fault: () => inner.fault?.() ?? null,
    probeFault: async () => (await inner.probeFault?.()) ?? null,
    settled: async () => inner.settled?.(),
  };
}
