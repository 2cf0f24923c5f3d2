// `headroom agent`: a gRPC server that runs the load engine for one controller at a time. It never
// runs without one: the load stops when the controller's stream ends or is silent for `silenceMs`
// (2 s by default), and each second it reports the finished seconds of every series and its counters.
import * as os from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { ConfigError, type Logger, silentLogger } from '../common';
import { LoadEngine, type MixSpec, type Spread } from '../load';
import { emptySparse, sparseOf } from '../metrics';
import { ShippingMetrics } from './shipping-metrics';
import { Watchdog } from './watchdog';
import {
  type IncomingCommand,
  type WirePlan,
  type WireReport,
  agentService,
  replicaFromWire,
  sparseToWire,
  weightsFromWire,
} from './wire';

export interface AgentServerOptions {
  /** `HOST:PORT` to listen on; port 0 picks a free one. */
  listen: string;
  /** Declared capacity (requests per second it can carry), for capacity-weighted splits; 0 = unknown. */
  capacity?: number;
  name?: string;
  logger?: Logger;
}

export interface AgentServer {
  /** `HOST:PORT` actually bound. */
  address: string;
  port: number;
  /** Sessions running now (0 or 1). */
  sessions(): number;
  /** Ends the session (its load stopped, the final report sent) and the server. Safe twice. */
  close(): Promise<void>;
}

export function parseListen(listen: string, file = 'argv', field = '--listen'): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d+)$/.exec(listen);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new ConfigError(file, field, `expected HOST:PORT (e.g. 127.0.0.1:32001), got ${JSON.stringify(listen)}`);
  }
  return { host: m[1], port };
}

type Call = grpc.ServerDuplexStream<IncomingCommand, WireReport>;

export async function startAgentServer(opts: AgentServerOptions): Promise<AgentServer> {
  const { host, port } = parseListen(opts.listen);
  const log = opts.logger ?? silentLogger;
  const name = opts.name ?? `${os.hostname()}:${process.pid}`;
  let current: Session | null = null;
  const server = new grpc.Server();
  server.addService(agentService().service, {
    Drive: (call: Call) => {
      if (current && !current.ended) {
        call.emit('error', { code: grpc.status.RESOURCE_EXHAUSTED, details: 'this agent already serves a controller' });
        return;
      }
      const s = new Session(call, { name, capacity: opts.capacity ?? 0, log });
      current = s;
      s.done.finally(() => {
        if (current === s) current = null;
      });
    },
  });
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  let closed: Promise<void> | null = null;
  return {
    address: `${host}:${bound}`,
    port: bound,
    sessions: () => (current && !current.ended ? 1 : 0),
    close: () =>
      (closed ??= (async () => {
        if (current) await current.end('agent shutting down');
        await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      })()),
  };
}

/** One controller's session: the plan's engine, the report timer and the silence watchdog. */
class Session {
  ended = false;
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private engine: LoadEngine | null = null;
  private metrics: ShippingMetrics | null = null;
  private readonly watchdog: Watchdog;
  private readonly checkTimer: NodeJS.Timeout;
  private reportTimer: NodeJS.Timeout | null = null;
  private reportMs = 1000;
  private deadlineMs = 0;
  private seq = 0;
  private last = { sent: 0, completed: 0, failed: 0, dropped: 0 };
  private ending: Promise<void> | null = null;

  constructor(
    private readonly call: Call,
    private readonly self: { name: string; capacity: number; log: Logger },
  ) {
    this.done = new Promise((r) => (this.resolveDone = r));
    this.watchdog = new Watchdog(2000, () => performance.now());
    this.send({ hello: { agent: self.name, pid: process.pid, capacity: self.capacity } });
    call.on('data', (c: IncomingCommand) => this.onCommand(c));
    call.on('end', () => void this.end('the controller ended the stream'));
    call.on('cancelled', () => void this.end('the controller went away'));
    call.on('error', (e: Error) => void this.end(`stream error: ${e.message}`));
    this.checkTimer = setInterval(() => this.check(), 100);
  }

  private check(): void {
    if (this.ended) return;
    if (this.watchdog.expired())
      void this.end(`the controller was silent for ${Math.round(this.watchdog.silentForMs())} ms`);
    else if (this.deadlineMs > 0 && Date.now() >= this.deadlineMs) void this.end('the plan deadline passed');
  }

  private onCommand(c: IncomingCommand): void {
    if (this.ended) return;
    this.watchdog.beat();
    try {
      this.apply(c);
    } catch (err) {
      this.self.log.warn(`agent: command ${c.command}: ${err instanceof Error ? err.message : String(err)}`);
      void this.end(`refused command ${c.command}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private apply(c: IncomingCommand): void {
    const e = this.engine;
    switch (c.command) {
      case 'plan':
        return this.startPlan(c.plan as WirePlan);
      case 'setRate': {
        const r = c.setRate as { rps: number; index?: number; of?: number };
        return e?.setRate(r.rps, r.of && r.of > 1 ? { index: r.index ?? 0, of: r.of } : undefined);
      }
      case 'setWeights':
        return e?.setWeights(
          weightsFromWire((c.setWeights as { weights: Parameters<typeof weightsFromWire>[0] }).weights),
        );
      case 'markOut':
        return e?.markOut((c.markOut as { replica: string }).replica);
      case 'markIn':
        return e?.markIn((c.markIn as { replica: string }).replica);
      case 'setTags':
        return e?.setTags((c.setTags as { tags: Record<string, string> }).tags);
      case 'stop':
        void this.end((c.stop as { reason: string }).reason || 'stopped by the controller');
        return;
      case 'heartbeat':
        return;
    }
  }

  private startPlan(p: WirePlan): void {
    if (this.engine) throw new Error('a plan was already received in this session');
    if (p.silenceMs > 0) this.watchdog.silenceMs = p.silenceMs;
    this.reportMs = p.reportMs > 0 ? p.reportMs : 1000;
    this.deadlineMs = p.deadlineMs;
    const metrics = new ShippingMetrics({ retainSeconds: 5 });
    const engine = new LoadEngine({
      replicas: p.replicas.map(replicaFromWire),
      mix: JSON.parse(p.mixJson) as MixSpec,
      metrics,
      timeoutMs: p.timeoutMs || undefined,
      maxInFlight: p.maxInFlight || undefined,
      spread: (p.spread || undefined) as Spread | undefined,
      allowTargets: p.allowTargets,
      seed: p.seed || undefined,
      file: p.file || undefined,
      protoBaseDir: p.protoBaseDir || undefined,
    });
    this.metrics = metrics;
    this.engine = engine;
    if (p.weights) engine.setWeights(weightsFromWire(p.weights));
    engine.setTags(p.tags);
    engine.setRate(p.rate);
    engine.start();
    this.send({ planned: true });
    this.armReport();
  }

  /** Reports just after each second boundary, so the second that just closed ships at once. */
  private armReport(): void {
    const now = Date.now();
    const delay = this.reportMs === 1000 ? 1000 - (now % 1000) + 20 : this.reportMs;
    this.reportTimer = setTimeout(() => {
      if (this.ended || this.ending) return;
      this.report(false, '');
      this.armReport();
    }, delay);
  }

  private report(final: boolean, reason: string): void {
    const engine = this.engine;
    const metrics = this.metrics;
    if (!engine || !metrics) {
      this.send({ final, stoppedReason: reason });
      return;
    }
    // atMs on the store's clock, the one its seconds are on: every second before it is in this report.
    const atMs = metrics.now();
    const seconds = final ? metrics.takeAll() : metrics.take(atMs);
    const st = engine.stats();
    const counters = {
      sent: st.sent - this.last.sent,
      completed: st.completed - this.last.completed,
      failed: st.failed - this.last.failed,
      dropped: st.dropped - this.last.dropped,
      inFlight: st.inFlight,
    };
    this.last = { sent: st.sent, completed: st.completed, failed: st.failed, dropped: st.dropped };
    const lag = sparseToWire(sparseOf(engine.sendLagHistogram() as Parameters<typeof sparseOf>[0]));
    engine.resetSendLag();
    const outstanding: Record<string, number> = {};
    engine.router.replicas.forEach((r, i) => {
      if (engine.router.outstanding[i] > 0) outstanding[r.name] = engine.router.outstanding[i];
    });
    this.send({
      series: seconds.map((s) => ({
        tags: { ...s.tags } as Record<string, string>,
        sec: s.sec,
        slots: Array.from(s.slots),
        ...sparseToWire(s.hist ?? emptySparse),
      })),
      counters,
      sendLag: lag,
      outstanding,
      final,
      stoppedReason: reason,
      atMs,
    });
  }

  private send(r: Partial<WireReport>): void {
    if (this.call.writable === false || this.call.destroyed) return;
    try {
      this.call.write({
        seq: ++this.seq,
        atMs: Date.now(),
        series: [],
        outstanding: {},
        final: false,
        stoppedReason: '',
        planned: false,
        ...r,
      });
    } catch {
      // The controller is gone: nothing to tell.
    }
  }

  /** Stops the load (waiting for requests in flight), sends the final report and closes the stream. Safe twice. */
  end(reason: string): Promise<void> {
    return (this.ending ??= (async () => {
      clearInterval(this.checkTimer);
      if (this.reportTimer) clearTimeout(this.reportTimer);
      this.self.log.info(`agent: stopping: ${reason}`);
      if (this.engine) {
        this.engine.setRate(0);
        await this.engine.stop();
      }
      this.ended = true;
      this.report(true, reason);
      try {
        this.call.end();
      } catch {
        // already closed
      }
      this.resolveDone();
    })());
  }
}
