// A fake cluster, load engine, metrics and virtual clock for pure tests of the controller's logic:
// each replica carries `capacity` req/s; above it the p99 jumps and CPU saturates. Not for real runs.
import type { ClusterSpec, Replica, ResourceSample } from '../../cluster';
import type { Clock, ClusterPort, Guard, LoadPort, MetricsPort, Tags, WindowFigures } from '../ports';
import type { Weights } from '../traffic-plan';

/** Virtual time: every sleeper waits in a queue; time jumps to the earliest wake-up. */
export class VirtualClock implements Clock {
  private t = 1_700_000_000_000;
  private queue: { at: number; resolve: () => void }[] = [];
  private scheduled = false;
  now(): number {
    return this.t;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const entry = { at: this.t + ms, resolve };
      this.queue.push(entry);
      signal?.addEventListener(
        'abort',
        () => {
          this.queue = this.queue.filter((e) => e !== entry);
          resolve();
        },
        { once: true },
      );
      this.pump();
    });
  }
  private pump(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.queue.length) return;
      this.queue.sort((a, b) => a.at - b.at);
      const e = this.queue.shift()!;
      this.t = Math.max(this.t, e.at);
      e.resolve();
      this.pump();
    });
  }
}

export function fakeCluster(
  pools: { dc: string; region?: string; demand: number; types: Record<string, number> }[],
  capacity: Record<string, number>,
): ClusterSpec {
  const serverTypes = Object.fromEntries(
    Object.keys(capacity).map((t) => [t, { name: t, cpus: 0.25, memoryMb: 256, workers: 1, costPerHour: 1 }]),
  );
  const dcs = pools.map((p) => ({
    name: p.dc,
    region: p.region ?? `r-${p.dc}`,
    demand: p.demand,
    pools: Object.entries(p.types).map(([t, n]) => ({
      id: `${p.dc}/${t}`,
      region: p.region ?? `r-${p.dc}`,
      dc: p.dc,
      serverType: t,
      replicas: n,
    })),
  }));
  let port = 23400;
  const replicas = dcs.flatMap((d) =>
    d.pools.flatMap((p) =>
      Array.from({ length: p.replicas }, (_, i) => ({
        name: `fake-${d.name}-${p.serverType}-${i}`,
        region: d.region,
        dc: d.name,
        pool: p.id,
        serverType: p.serverType,
        index: i,
        host: '127.0.0.1',
        httpPort: port++,
        grpcPort: port++,
      })),
    ),
  );
  return {
    name: 'fake',
    file: 'fake.yaml',
    driver: 'static',
    serverTypes,
    dcs,
    replicas,
    allowTargets: [],
    serviceEnv: {},
    regions: [...new Set(dcs.map((d) => d.region))].map((r) => ({
      name: r,
      dcs: dcs.filter((d) => d.region === r).map((d) => d.name),
    })),
  };
}

/** Load, metrics and cluster in one: figures follow the current rate and weights at once. */
export class FakeWorld implements LoadPort, MetricsPort, ClusterPort {
  rate = 0;
  w: Weights = { dcs: {} };
  readonly out = new Set<string>();
  readonly dead = new Set<string>();
  tags: Record<string, string> = {};
  readonly rates: number[] = [];
  readonly replicas: Replica[];
  constructor(
    readonly spec: ClusterSpec,
    readonly capacity: Record<string, number>,
  ) {
    this.replicas = spec.replicas.map((r) => ({
      ...r,
      http: `http://127.0.0.1:${r.httpPort}`,
      grpc: `127.0.0.1:${r.grpcPort}`,
    }));
  }
  setRate(rps: number) {
    this.rate = rps;
    this.rates.push(rps);
  }
  readonly weightsLog: Weights[] = [];
  readonly outAt = new Map<string, number>();
  now: () => number = () => Date.now();
  setWeights(w: Weights) {
    this.w = w;
    this.weightsLog.push(w);
  }
  markOut(r: string) {
    this.out.add(r);
    this.outAt.set(r, this.now());
  }
  markIn(r: string) {
    this.out.delete(r);
  }
  setTags(t: Record<string, string>) {
    this.tags = { ...this.tags, ...t };
  }
  stats() {
    return { inFlight: 0, sent: 0, dropped: 0 };
  }
  /** Docker gone: samples fail and every request fails (the containers went with the daemon). */
  unreachable = false;
  async sampleResources(): Promise<ResourceSample[]> {
    if (this.unreachable) throw new Error('connect ENOENT /var/run/docker.sock');
    return this.replicas
      .filter((r) => !this.dead.has(r.name))
      .map((r) => ({
        replica: r.name,
        at: Date.now(),
        cpuSeconds: 0,
        cpuShare: Math.min(1, this.replicaRps(r) / this.capacity[r.serverType]),
        memoryMb: 50,
      }));
  }
  async kill(r: string) {
    this.dead.add(r);
  }
  async restart(rs: string[]) {
    for (const r of rs) this.dead.delete(r);
  }
  recordGauge() {}
  counts(sinceMs: number, untilMs: number, replica?: string) {
    const w = this.window({ filter: replica ? { replica } : {} });
    const s = (untilMs - sinceMs) / 1000;
    return { count: Math.round(w.rps * s), failed: Math.round(w.rps * w.errorRate * s), dropped: 0 };
  }

  /** Offered req/s reaching one replica under the current weights (dead replicas still get theirs until marked out). */
  replicaRps(r: Replica): number {
    const dcW = this.w.dcs[r.dc] ?? 0;
    const dcReplicas = this.replicas.filter((x) => x.dc === r.dc && !this.out.has(x.name));
    if (this.out.has(r.name)) return 0;
    const poolW = this.w.pools?.[r.dc];
    let share: number;
    if (poolW) {
      const total = Object.values(poolW).reduce((a, b) => a + b, 0);
      const inPool = dcReplicas.filter((x) => x.pool === r.pool).length;
      share = total > 0 && inPool > 0 ? (poolW[r.serverType] ?? 0) / total / inPool : 0;
    } else share = dcReplicas.length ? 1 / dcReplicas.length : 0;
    return this.rate * dcW * share;
  }

  window(opts: { filter?: Tags; metric?: string }): WindowFigures {
    const f = opts.filter ?? {};
    const match = this.replicas.filter(
      (r) =>
        (['region', 'dc', 'pool', 'serverType'] as const).every((k) => f[k] === undefined || f[k] === r[k]) &&
        (f.replica === undefined || f.replica === r.name),
    );
    let rps = 0,
      failed = 0,
      over = false,
      cpu = 0;
    for (const r of match) {
      const x = this.replicaRps(r);
      if (this.dead.has(r.name) || this.unreachable) {
        failed += x;
        continue;
      }
      rps += x;
      if (x > this.capacity[r.serverType]) over = true;
      cpu += Math.min(1, x / this.capacity[r.serverType]);
    }
    const total = rps + failed;
    const p99 = total === 0 ? null : over ? 900 : 20;
    return {
      count: Math.round(total * 5),
      failed: Math.round(failed * 5),
      errorRate: total ? failed / total : 0,
      rps: total,
      seconds: 5,
      avg: p99,
      droppedIterations: 0,
      percentile: (q) => (p99 === null ? null : q >= 99 ? p99 : 10),
      gaugeAvg: match.length ? cpu / match.length : null,
    };
  }
}

/** An http_req_failed rate<limit guard on the fake metrics. */
export function fakeErrorGuard(world: FakeWorld, limit = 0.05): Guard {
  return {
    name: `http_req_failed: rate<${limit}`,
    metric: 'http_req_failed',
    expression: `rate<${limit}`,
    evaluate: (filter) => {
      const v = world.window({ filter }).errorRate;
      return { ok: v < limit, value: v };
    },
  };
}

/** A p(99)<limit guard on the fake metrics. */
export function fakeP99Guard(world: FakeWorld, limitMs = 250): Guard {
  return {
    name: `http_req_duration: p(99)<${limitMs}`,
    metric: 'http_req_duration',
    expression: `p(99)<${limitMs}`,
    evaluate: (filter) => {
      const v = world.window({ filter }).percentile(99);
      return { ok: v !== null && v < limitMs, value: v };
    },
  };
}
