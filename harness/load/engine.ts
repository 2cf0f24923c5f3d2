// The load engine: an open-model arrival schedule (or closed VUs) that routes each request through
// the router, sends it over HTTP or gRPC and records it from its INTENDED send time, so a slow
// server shows in latency, not in fewer requests (no coordinated omission).
import { performance } from 'node:perf_hooks';
import type { Replica } from '../cluster';
import { ConfigError, ConfigErrors } from '../common';
import { type Histogram, type Metrics, newHistogram } from '../metrics';
import { GrpcTransport } from './grpc';
import { type HttpSender, HttpTransport } from './http';
import { NetHttpTransport } from './http-net';
import { type CompiledEndpoint, EndpointPicker, type MixSpec, compileMix } from './mix';
import { Router, type Spread, type Weights } from './router';
import { SeriesSlots } from './series-slots';
import { checkTargets } from './targets';
import type { UnansweredListener } from './unanswered';

export interface LoadEngineOptions {
  replicas: Replica[];
  mix: MixSpec;
  metrics: Metrics;
  /** Default request timeout (an endpoint's own timeout wins); default 10 s. */
  timeoutMs?: number;
  /** In-flight cap (k6's maxVUs): an arrival beyond it is dropped and counted in dropped_iterations. Default 10,000. */
  maxInFlight?: number;
  spread?: Spread;
  /** Non-loopback hosts that may be targeted. */
  allowTargets?: string[];
  seed?: number;
  /** Where relative .proto paths start (default: the working directory). */
  protoBaseDir?: string;
  /** Named in configuration errors. */
  file?: string;
  /** HTTP client: 'net' (lean, llhttp; the default for http:// targets, measured faster) or 'undici'. */
  httpClient?: 'net' | 'undici';
  /**
   * Behind an edge (HAProxy) the targets are its frontends: the edge names the server it chose in this
   * response header, and a response that carries a known name is recorded on that replica's tags.
   */
  servedBy?: { header: string; replicas: Record<string, Replica> };
}

export interface EngineStats {
  inFlight: number;
  sent: number;
  dropped: number;
  completed: number;
  failed: number;
  vus: number;
}

// perf_hooks' object, not the global: Node's global `performance` is an accessor the JIT does not inline (measured).
const perfNow = () => performance.now();

export class LoadEngine {
  readonly router: Router;
  private metrics: Metrics;
  private readonly endpoints: CompiledEndpoint[];
  private readonly picker: EndpointPicker;
  private readonly http: HttpSender;
  private readonly grpc: GrpcTransport;
  private readonly maxInFlight: number;
  private readonly maxTimeoutMs: number;
  private readonly origin = performance.timeOrigin;
  private readonly slots: SeriesSlots;
  private rate = 0;
  private interval = Infinity;
  private slot: { index: number; of: number } | null = null;
  private nextAt = Infinity;
  private lastArrival = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private timerMs = 0;
  private gaugeTimer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = false;
  private inFlight = 0;
  private sent = 0;
  private dropped = 0;
  private completed = 0;
  private failed = 0;
  private vusTarget = 0;
  private vusActive = 0;
  private vuDepth = 0;
  private drained: (() => void) | null = null;
  private readonly lag = newHistogram();
  private unansweredListeners: UnansweredListener[] = [];

  constructor(opts: LoadEngineOptions) {
    const hosts = opts.replicas.flatMap((r) => [
      r.host,
      ...(r.http ? [new URL(r.http).hostname.replace(/^\[|\]$/g, '')] : []),
      ...(r.grpc ? [r.grpc.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')] : []),
    ]);
    checkTargets(hosts, opts.allowTargets ?? [], opts.file ?? 'replicas');
    this.metrics = opts.metrics;
    this.router = new Router(opts.replicas, { spread: opts.spread, seed: opts.seed });
    this.maxInFlight = opts.maxInFlight ?? 10_000;
    const origins = opts.replicas.map((r) => r.http);
    const lean = (opts.httpClient ?? 'net') === 'net' && NetHttpTransport.handles(origins);
    const servedByHeader = opts.servedBy?.header;
    this.http = lean
      ? new NetHttpTransport(origins, { servedByHeader })
      : new HttpTransport(origins, { servedByHeader });
    this.grpc = new GrpcTransport(opts.replicas.map((r) => r.grpc));
    this.endpoints = compileMix(opts.mix, {
      file: opts.file,
      baseDir: opts.protoBaseDir,
      defaultTimeoutMs: opts.timeoutMs ?? 10_000,
      seed: opts.seed,
      http: this.http,
      grpc: this.grpc,
    });
    this.picker = new EndpointPicker(this.endpoints.map((e) => e.weight));
    this.slots = new SeriesSlots(this.metrics, this.router.replicas, this.endpoints, opts.servedBy?.replicas);
    this.maxTimeoutMs = Math.max(...this.endpoints.map((e) => e.timeoutMs));
    if (!(Number.isInteger(this.maxInFlight) && this.maxInFlight >= 1)) {
      throw new ConfigErrors([
        new ConfigError(
          opts.file ?? 'load',
          'maxInFlight',
          `expected an integer >= 1, got ${JSON.stringify(opts.maxInFlight)}`,
        ),
      ]);
    }
  }

  /**
   * Open model: arrivals per second from the next arrival on; 0 = idle. `slot`: this engine is number
   * `index` of `of` engines sharing one rate equally (generator agents); its arrivals go on the common grid
   * of the whole rate (anchored at the epoch, offset index/of of its own interval), so the merged arrivals
   * are evenly spaced as one engine's are. At a random relative phase two agents' arrivals bunched, and
   * the replica spent 2-4% less CPU per request than under one engine.
   */
  setRate(rps: number, slot?: { index: number; of: number }): void {
    if (!Number.isFinite(rps) || rps < 0) throw new RangeError(`rate must be a finite number >= 0, got ${rps}`);
    // Arrivals of the old rate that fell due while this process was held up (its timer had not fired yet)
    // leave first, as a late tick would send them: a rate change never skips them (coordinated omission).
    this.tick();
    this.rate = rps;
    this.slot = slot && slot.of > 1 ? slot : null;
    if (rps === 0) {
      this.interval = Infinity;
      this.nextAt = Infinity;
    } else {
      this.interval = 1000 / rps;
      const now = perfNow();
      const base = this.lastArrival === -Infinity ? now : this.lastArrival + this.interval;
      this.nextAt = this.onGrid(Math.max(base, now));
    }
    if (this.running) this.arm();
  }

  /** The first arrival time at or after `t` on this engine's slot of the shared grid (t itself without a slot). */
  private onGrid(t: number): number {
    if (this.slot === null) return t;
    const offset = (this.slot.index / this.slot.of) * this.interval;
    const epoch = this.origin + t;
    return Math.ceil((epoch - offset) / this.interval) * this.interval + offset - this.origin;
  }

  /** Closed model: this many virtual users, each sending its next request when the last one ends. */
  setVus(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`vus must be an integer >= 0, got ${n}`);
    this.vusTarget = n;
    if (this.running) this.spawnVus();
  }

  setWeights(w: Weights): void {
    this.router.setWeights(w);
  }

  /** Records into another store from the next request on (e.g. after a warm-up whose samples are thrown away). */
  setMetrics(metrics: Metrics): void {
    this.metrics = metrics;
    this.slots.setMetrics(metrics);
    metrics.begin();
  }

  markOut(replica: string): void {
    this.router.markOut(replica);
  }

  /**
   * Hears every request that ended without an answer (a connection fault, a timeout), with its replica: the
   * drill's replica watch tells a dead server from a busy one by it. Returns a function that stops listening.
   */
  onUnanswered(listener: UnansweredListener): () => void {
    this.unansweredListeners = [...this.unansweredListeners, listener];
    return () => {
      this.unansweredListeners = this.unansweredListeners.filter((l) => l !== listener);
    };
  }

  markIn(replica: string): void {
    this.router.markIn(replica);
  }

  /** Tags added to every following sample (e.g. { step: '12' }); names outside the tag set are ignored. */
  setTags(tags: Record<string, string>): void {
    this.slots.setTags(tags);
  }

  start(): void {
    if (this.stopped) throw new Error('a stopped LoadEngine cannot start again');
    if (this.running) return;
    this.running = true;
    this.metrics.begin();
    if (this.rate > 0 && this.nextAt === Infinity) this.setRate(this.rate, this.slot ?? undefined);
    if (this.rate > 0) this.nextAt = this.onGrid(Math.max(this.nextAt, perfNow()));
    this.arm();
    this.spawnVus();
    this.gaugeTimer = setInterval(
      () => this.metrics.recordGauge('vus', {}, this.vusTarget > 0 ? this.vusActive : this.inFlight),
      1000,
    );
    this.gaugeTimer.unref();
  }

  /** Stops sending, waits for requests in flight (at most the longest timeout + 1 s), closes connections. Safe twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.running = false;
    this.vusTarget = 0;
    if (this.timer) clearTimeout(this.timer);
    if (this.gaugeTimer) clearInterval(this.gaugeTimer);
    this.timer = null;
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.maxTimeoutMs + 1000);
        this.drained = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    this.metrics.end();
    this.grpc.close();
    await this.http.close();
  }

  stats(): EngineStats {
    return {
      inFlight: this.inFlight,
      sent: this.sent,
      dropped: this.dropped,
      completed: this.completed,
      failed: this.failed,
      vus: this.vusActive,
    };
  }

  /** How late requests left versus their schedule (open model), in ms. */
  sendLag(): { count: number; p50: number; p99: number; max: number } {
    const h = this.lag;
    return {
      count: h.totalCount,
      p50: h.getValueAtPercentile(50) / 1000,
      p99: h.getValueAtPercentile(99) / 1000,
      max: h.maxValue / 1000,
    };
  }

  /** The send-lag histogram itself (µs, the metrics histograms' layout), for generator agents that ship it. */
  sendLagHistogram(): Readonly<Histogram> {
    return this.lag;
  }

  resetSendLag(): void {
    this.lag.reset();
  }

  private arm(): void {
    if (!this.running || this.nextAt === Infinity) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      return;
    }
    const delay = this.nextAt - perfNow();
    // Timers fire at 1 ms granularity at best: arrivals due in between leave together, each with its own intended time.
    const ms = delay > 1 ? Math.floor(delay) : 1;
    if (this.timer && this.timerMs === ms) {
      // At high rates every tick re-arms the same 1 ms timer: reuse it instead of allocating one per tick.
      this.timer.refresh();
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timerMs = ms;
    this.timer = setTimeout(this.tick, ms);
  }

  private readonly tick = (): void => {
    if (!this.running) return;
    const now = perfNow();
    while (this.nextAt <= now) {
      const at = this.nextAt;
      this.lastArrival = at;
      this.nextAt = at + this.interval;
      this.fire(at, now, false);
    }
    this.arm();
  };

  /** One arrival: intended is when it should have left (perf ms), now when it does. */
  private fire(intended: number, now: number, vu: boolean): void {
    const replica = this.router.pickIndex();
    const endpoint = this.picker.next();
    const series = this.slots.of(replica, endpoint);
    if (replica < 0 || (!vu && this.inFlight >= this.maxInFlight)) {
      this.dropped++;
      series.drop(this.origin + now);
      return;
    }
    if (!vu) this.lag.recordValue(Math.max(1, Math.round((now - intended) * 1000)));
    this.inFlight++;
    this.sent++;
    this.router.outstanding[replica]++;
    this.endpoints[endpoint].send(replica, (failed, _status, servedBy, unanswered) => {
      const end = perfNow();
      this.inFlight--;
      this.router.outstanding[replica]--;
      this.completed++;
      if (failed) this.failed++;
      (this.slots.servedBy(servedBy, endpoint) ?? series).record(this.origin + end, end - intended, failed);
      if (unanswered !== undefined)
        for (const l of this.unansweredListeners) l(this.router.replicas[replica].name, unanswered, this.origin + end);
      if (vu) this.vuNext();
      if (this.inFlight === 0 && this.drained) this.drained();
    });
  }

  private spawnVus(): void {
    while (this.running && this.vusActive < this.vusTarget) {
      this.vusActive++;
      this.vuNext();
    }
  }

  /** A VU's next request, or its end when there are more VUs than wanted. */
  private vuNext(): void {
    if (!this.running || this.vusActive > this.vusTarget) {
      this.vusActive--;
      return;
    }
    // A request that fails synchronously calls back at once: break the recursion every so often.
    if (++this.vuDepth > 64) {
      this.vuDepth = 0;
      setImmediate(() => this.vuNext());
      return;
    }
    const now = perfNow();
    const before = this.dropped;
    this.fire(now, now, true);
    this.vuDepth = 0;
    if (this.dropped !== before) {
      // No replica to send to: wait a little instead of spinning.
      setTimeout(() => this.vuNext(), 10).unref();
    }
  }
}
