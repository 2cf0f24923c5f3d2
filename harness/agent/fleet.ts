// The controller's side of generator agents: connects to N agents, splits the rate among them, forwards
// weights, marks and tags, and merges their per-second reports into the controller's metrics store
// exactly (counts add, histograms merge). It has the load engine's face, so the drill can use either.
import * as grpc from '@grpc/grpc-js';
import { ClusterError, type Logger, silentLogger } from '../common';
import type { Weights } from '../load';
import { type Metrics, type Sparse, mergeSparse, percentileUs } from '../metrics';
import { spawnLocalAgents } from './spawn';
import { splitRate } from './watchdog';
import { type WireCommand, type WireReport, agentService, sparseFromWire, tagsFromWire, weightsToWire } from './wire';

/** Where agents come from: local child processes, or addresses of agents started elsewhere. */
import { AgentLink, type AgentInfo, type FleetEvent, type FleetOptions, planCommand } from './fleet-link';

export type { AgentInfo, AgentSource, FleetEvent, FleetOptions } from './fleet-link';

export class Fleet {
  readonly events: FleetEvent[] = [];
  private readonly links: AgentLink[];
  private readonly opts: FleetOptions;
  private metrics: Metrics;
  private readonly log: Logger;
  private rate = 0;
  private ramping = false;
  private lag: Sparse | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;

  private constructor(opts: FleetOptions, links: AgentLink[]) {
    this.opts = opts;
    this.links = links;
    this.metrics = opts.metrics;
    this.log = opts.logger ?? silentLogger;
  }

  /** Starts (or connects to) the agents, sends each the plan at rate 0 and waits until every one runs it. */
  static async connect(opts: FleetOptions): Promise<Fleet> {
    const local = 'local' in opts.agents ? await spawnLocalAgents(opts.agents.local, opts.agents.spawn) : [];
    const addresses = 'local' in opts.agents ? local.map((a) => a.address) : opts.agents.addresses;
    if (addresses.length === 0) throw new RangeError('agents: expected at least one agent');
    const Ctor = agentService();
    const silenceMs = opts.silenceMs ?? 2000;
    const links = addresses.map((address, i) => {
      const client = new Ctor(address, grpc.credentials.createInsecure());
      const call = (client as unknown as { drive(): grpc.ClientDuplexStream<WireCommand, WireReport> }).drive();
      return new AgentLink(address, client, call, silenceMs, local[i]);
    });
    const fleet = new Fleet(opts, links);
    try {
      await fleet.handshake(opts.connectTimeoutMs ?? 60_000);
    } catch (err) {
      await fleet.stop();
      throw err;
    }
    return fleet;
  }

  private handshake(timeoutMs: number): Promise<void> {
    const n = this.links.length;
    const perAgent = Math.ceil((this.opts.maxInFlight ?? 10_000) / n);
    const mixJson = JSON.stringify(this.opts.mix);
    return new Promise<void>((resolve, reject) => {
      let ready = 0;
      const planned = new Set<AgentLink>();
      const timer = setTimeout(() => {
        const silent = this.links.filter((l) => !planned.has(l)).map((l) => l.address);
        const why = `agents ${silent.join(', ')} did not answer within ${timeoutMs / 1000} s`;
        reject(new ClusterError(why, silent[0], undefined, 'start them with `headroom agent --listen HOST:PORT`'));
      }, timeoutMs);
      this.links.forEach((l, i) => {
        l.call.on('data', (r: WireReport) => {
          l.watchdog.beat();
          if (r.hello && l.name === '') {
            l.name = r.hello.agent;
            l.pid = r.hello.pid;
            l.capacity = r.hello.capacity;
            this.event('agent-joined', l, `agent ${l.address} (${l.name}) joined`);
          }
          if (r.planned && !planned.has(l)) {
            planned.add(l);
            // It runs the plan from now on: nothing of it lies before this second. Until its first report,
            // windows end here (never at -Infinity, which left a window without an end).
            l.reportedSec = Math.floor(this.metrics.now() / 1000);
            if (++ready === n) {
              clearTimeout(timer);
              resolve();
            }
          }
          if (r.final && !planned.has(l)) {
            clearTimeout(timer);
            reject(new ClusterError(`agent ${l.address} refused the plan: ${r.stoppedReason}`, l.address));
          }
          this.onReport(l, r);
        });
        l.call.on('error', (e: Error) => {
          if (!planned.has(l)) {
            clearTimeout(timer);
            reject(new ClusterError(`agent ${l.address}: ${e.message}`, l.address));
          }
          this.lose(l, `its stream failed: ${e.message}`);
        });
        l.call.on('end', () => this.lose(l, 'it ended its stream'));
        l.send(planCommand(this.opts, i, perAgent, mixJson));
      });
      this.timer = setInterval(() => this.tick(), Math.min(this.opts.heartbeatMs ?? 500, 250));
    });
  }

  /** Heartbeats out, silence in. */
  private lastBeat = 0;
  private tick(): void {
    const now = performance.now();
    const beat = now - this.lastBeat >= (this.opts.heartbeatMs ?? 500);
    if (beat) this.lastBeat = now;
    for (const l of this.links) {
      if (!l.alive || l.finished) continue;
      if (l.name !== '' && l.watchdog.expired()) this.lose(l, `silent for ${Math.round(l.watchdog.silentForMs())} ms`);
      else if (beat) l.send({ command: 'heartbeat', heartbeat: { atMs: Date.now() } });
    }
  }

  private onReport(l: AgentLink, r: WireReport): void {
    for (const s of r.series) {
      const hist = sparseFromWire(s);
      this.metrics.absorb(tagsFromWire(s.tags), s.sec, hist, s.slots);
      for (let i = 0; i < 10; i++) {
        l.reported.count += s.slots[i];
        l.reported.failed += s.slots[10 + i];
        l.reported.dropped += s.slots[20 + i];
      }
    }
    if (r.counters) {
      l.sent += r.counters.sent;
      l.completed += r.counters.completed;
      l.failed += r.counters.failed;
      l.dropped += r.counters.dropped;
      l.inFlight = r.counters.inFlight;
    }
    const lag = sparseFromWire(r.sendLag);
    if (lag) this.lag = this.lag ? mergeSparse([this.lag, lag]) : lag;
    l.outstanding = r.outstanding ?? {};
    if (r.counters) l.reportedSec = r.final ? Infinity : Math.max(l.reportedSec, Math.floor(r.atMs / 1000));
    if (r.final) {
      l.finished = true;
      l.inFlight = 0;
      l.outstanding = {};
      if (!this.stopping) this.lose(l, `it stopped: ${r.stoppedReason}`);
      l.resolveFinal();
    }
  }

  /** An agent is gone: its share moves to the others, and an event says so. */
  private lose(l: AgentLink, reason: string): void {
    l.resolveFinal();
    if (!l.alive || this.stopping) return;
    l.alive = false;
    l.inFlight = 0;
    l.outstanding = {};
    try {
      l.call.cancel();
    } catch {
      // already closed
    }
    l.client.close();
    if (l.local) void l.local.kill(0);
    this.applyRates();
    const live = this.links.filter((x) => x.alive).length;
    const others = `${live} other agent${live === 1 ? '' : 's'}`;
    const e = this.event('agent-lost', l, `agent ${l.address} lost (${reason}); its share moved to the ${others}`);
    this.log.warn(e.reason);
  }

  private event(type: FleetEvent['type'], l: AgentLink, reason: string): FleetEvent {
    const e: FleetEvent = {
      type,
      agent: l.address,
      atMs: this.metrics.now(),
      reason,
      rates: Object.fromEntries(this.links.map((x) => [x.address, x.rate])),
    };
    this.events.push(e);
    this.opts.onEvent?.(e);
    return e;
  }

  private applyRates(): void {
    const split = this.opts.split ?? 'equal';
    const shares = splitRate(
      this.rate,
      this.links.map((l) => ({ id: l.address, capacity: l.capacity, alive: l.alive })),
      split,
    );
    // Equal shares: each live agent takes its slot of the common grid, so the merged arrivals are evenly spaced.
    // Not while the rate ramps: re-aligning to a new grid at each change (every 100 ms) cost each agent up to an
    // interval per change (a ramp from 2 agents sent 7-10% short); each keeps its own phase until the rate holds.
    const live = this.links.filter((l) => l.alive);
    const of = split === 'equal' && !this.ramping ? live.length : 0;
    for (const l of this.links) {
      const r = shares.get(l.address) ?? 0;
      l.rate = r;
      l.send({ command: 'setRate', setRate: { rps: r, index: Math.max(0, live.indexOf(l)), of } });
    }
  }

  private broadcast(c: WireCommand): void {
    for (const l of this.links) l.send(c);
  }

  // ---- the load engine's face (drill/ports.ts LoadPort) ----

  /** Marks the start of the run in the store, as the engine's start() does (the agents already run at rate 0). */
  start(): void {
    this.metrics.begin();
  }

  /** `ramping`: the rate changes again within the next 100 ms (a ramp of `headroom load --stage`). */
  setRate(rps: number, ramping = false): void {
    if (!Number.isFinite(rps) || rps < 0) throw new RangeError(`rate must be a finite number >= 0, got ${rps}`);
    this.rate = rps;
    this.ramping = ramping;
    this.applyRates();
  }

  setWeights(w: Weights): void {
    this.broadcast({ command: 'setWeights', setWeights: { weights: weightsToWire(w) } });
  }

  markOut(replica: string): void {
    this.broadcast({ command: 'markOut', markOut: { replica } });
  }

  markIn(replica: string): void {
    this.broadcast({ command: 'markIn', markIn: { replica } });
  }

  setTags(tags: Record<string, string>): void {
    this.broadcast({ command: 'setTags', setTags: { tags } });
  }

  /** Records into another store from the next report on. */
  setMetrics(metrics: Metrics): void {
    this.metrics = metrics;
    metrics.begin();
  }

  /** Over every agent, the lost ones' last reported figures included; inFlight as of each one's last report. */
  stats(): { inFlight: number; sent: number; dropped: number; completed: number; failed: number; vus: number } {
    let inFlight = 0,
      sent = 0,
      dropped = 0,
      completed = 0,
      failed = 0;
    for (const l of this.links) {
      inFlight += l.inFlight;
      sent += l.sent;
      dropped += l.dropped;
      completed += l.completed;
      failed += l.failed;
    }
    return { inFlight, sent, dropped, completed, failed, vus: 0 };
  }

  /** Send lag over every agent since the last reset, merged exactly (ms). */
  sendLag(): { count: number; p50: number; p99: number; max: number } {
    const h = this.lag;
    if (!h || h.total === 0) return { count: 0, p50: 0, p99: 0, max: 0 };
    return { count: h.total, p50: percentileUs(h, 50)! / 1000, p99: percentileUs(h, 99)! / 1000, max: h.max / 1000 };
  }

  resetSendLag(): void {
    this.lag = null;
  }

  /** Requests sent to a replica and not answered yet, as of the agents' last reports. */
  outstanding(replica: string): number {
    let n = 0;
    for (const l of this.links) if (l.alive) n += l.outstanding[replica] ?? 0;
    return n;
  }

  // ---- what only a fleet has ----

  /** Epoch ms before which every live agent's seconds are in the store (windows ending there are complete). */
  reportedUntil(): number {
    let sec = Infinity;
    for (const l of this.links) if (l.alive && !l.finished) sec = Math.min(sec, l.reportedSec);
    return sec * 1000;
  }

  /**
   * Waits until every live agent has reported every second before `untilMs` (each ships about 20 ms after the
   * second ends), at most `maxWaitMs`: an agent that never does is silent (the watchdog loses it) or lagging.
   * Resolves with the agents still short and how far each had reported.
   */
  async awaitReported(untilMs: number, maxWaitMs: number): Promise<{ agent: string; reportedUntilMs: number }[]> {
    const short = () =>
      this.links
        .filter((l) => l.alive && !l.finished && l.reportedSec * 1000 < untilMs)
        .map((l) => ({ agent: l.address, reportedUntilMs: l.reportedSec * 1000 }));
    const deadline = performance.now() + maxWaitMs;
    for (let s = short(); ; s = short()) {
      if (s.length === 0 || performance.now() >= deadline) return s;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  agents(): AgentInfo[] {
    return this.links.map((l) => ({
      address: l.address,
      name: l.name,
      pid: l.pid,
      capacity: l.capacity,
      alive: l.alive,
      rate: l.rate,
      reported: { ...l.reported },
      sent: l.sent,
      completed: l.completed,
    }));
  }

  /**
   * Stops every agent: each stops its load, waits for its requests in flight, sends its last seconds
   * and ends; then local agent processes are ended. Safe twice.
   */
  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      const waitMs = (this.opts.timeoutMs ?? 10_000) + 5000;
      for (const l of this.links) l.send({ command: 'stop', stop: { reason: 'the controller stopped the load' } });
      await Promise.race([
        Promise.all(this.links.map((l) => l.final)),
        new Promise((r) => setTimeout(r, waitMs).unref()),
      ]);
      if (this.timer) clearInterval(this.timer);
      for (const l of this.links) {
        if (!l.finished && l.alive)
          this.log.warn(`agent ${l.address}: no final report within ${waitMs / 1000} s; its last second is missing`);
        try {
          l.call.end();
        } catch {
          // already closed
        }
        l.client.close();
      }
      await Promise.all(this.links.map((l) => l.local?.kill()));
      this.metrics.end();
    })());
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
