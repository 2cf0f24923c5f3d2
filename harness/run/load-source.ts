// Where the load of a drill or of `headroom load` comes from: the in-process engine (default), or generator
// agents steered live over gRPC (`--agents N` local processes, or addresses of agents started elsewhere).
// Both give the controller the same LoadPort; with agents, live windows end at the last second every agent
// has reported, and a step's window waits (bounded, recorded) until its seconds are in.
import type { Replica } from '../cluster';
import { Fleet, type AgentSource, type FleetEvent } from '../agent';
import type { Logger } from '../common';
import type { LoadPort, MetricsPort } from '../drill';
import { LoadEngine, type LoadEngineOptions, type MixSpec } from '../load';
import type { Metrics } from '../metrics';

export interface LoadSourceOptions {
  replicas: Replica[];
  mix: MixSpec;
  metrics: Metrics;
  timeoutMs?: number;
  maxInFlight?: number;
  allowTargets: string[];
  file: string;
  agents?: AgentSource;
  logger: Logger;
  /** Behind a managed edge: the response header naming the server HAProxy chose, and the replicas by name. */
  servedBy?: LoadEngineOptions['servedBy'];
  /** An agent joined, was lost (its share moved to the others) or stopped. */
  onAgentEvent?: (e: FleetEvent) => void;
  /** Silence after which either end gives up on the other (default 2000 ms). */
  silenceMs?: number;
}

export interface LoadSource {
  /** setRate's `ramping`: the rate changes again shortly (agents keep their own phase meanwhile). */
  readonly load: LoadPort & { setRate(rps: number, ramping?: boolean): void; setWeights: LoadPort['setWeights'] };
  /** Closed model (virtual users): the in-process engine only; agents run arrival rates. */
  readonly setVus?: (n: number) => void;
  /** Records into `metrics` from now on (after a warm-up whose figures are left out); agents' late seconds first. */
  switchMetrics(metrics: Metrics): Promise<void>;
  /** Epoch ms before which every request is in the store (now in-process; agents ship each second after it ends). */
  reportedUntil(): number;
  /** Wraps the controller's metrics port: with agents, windows end at what every agent has reported. */
  metricsPort(port: MetricsPort): MetricsPort;
  start(): void;
  stop(): Promise<void>;
  /** Agents' events so far (empty in-process). */
  readonly events: FleetEvent[];
}

export async function openLoadSource(opts: LoadSourceOptions): Promise<LoadSource> {
  if (opts.agents) return fleetSource(opts, opts.agents);
  const engine = new LoadEngine({
    replicas: opts.replicas,
    mix: opts.mix,
    metrics: opts.metrics,
    timeoutMs: opts.timeoutMs,
    maxInFlight: opts.maxInFlight,
    allowTargets: opts.allowTargets,
    file: opts.file,
    servedBy: opts.servedBy,
  });
  const router = engine.router;
  let started = false;
  return {
    load: {
      setRate: (r) => engine.setRate(r),
      setWeights: (w) => engine.setWeights(w),
      markOut: (r) => engine.markOut(r),
      markIn: (r) => engine.markIn(r),
      setTags: (t) => engine.setTags(t),
      stats: () => engine.stats(),
      sendLag: () => engine.sendLag(),
      resetSendLag: () => engine.resetSendLag(),
      outstanding: (r) => router.outstanding[router.indexOf(r)] ?? 0,
      // Why a request got no answer (a dead server refuses, a busy one is late): the replica watch's evidence.
      onUnanswered: (listener) => engine.onUnanswered(listener),
    },
    setVus: (n) => engine.setVus(n),
    switchMetrics: async (m) => engine.setMetrics(m),
    reportedUntil: () => opts.metrics.now(),
    metricsPort: (port) => port,
    start() {
      engine.start();
      started = true;
    },
    stop: () => (started ? engine.stop() : Promise.resolve()),
    events: [],
  };
}

async function fleetSource(opts: LoadSourceOptions, agents: AgentSource): Promise<LoadSource> {
  const events: FleetEvent[] = [];
  const fleet = await Fleet.connect({
    agents,
    replicas: opts.replicas,
    mix: opts.mix,
    metrics: opts.metrics,
    timeoutMs: opts.timeoutMs,
    maxInFlight: opts.maxInFlight,
    allowTargets: opts.allowTargets,
    file: opts.file,
    logger: opts.logger,
    silenceMs: opts.silenceMs,
    onEvent: (e) => {
      events.push(e);
      opts.logger.info(`agent ${e.agent}: ${e.type}${e.reason ? ` (${e.reason})` : ''}`);
      opts.onAgentEvent?.(e);
    },
  });
  opts.logger.info(
    `load from ${fleet.agents().length} generator agents: ${fleet
      .agents()
      .map((a) => a.address)
      .join(', ')}`,
  );
  // Agents report each finished second about 20 ms after it ends. A live window (the guards' last seconds,
  // the safety checks) reaching into a second not reported yet is moved back to end where every agent has
  // reported, its span kept. A step's window waits for its seconds first (complete, below), then reads as is.
  let settledUntil = -Infinity;
  const reported = (untilMs: number) => (untilMs <= settledUntil ? untilMs : Math.min(untilMs, fleet.reportedUntil()));
  const waitMs = (opts.silenceMs ?? 2000) + 1500;
  return {
    load: fleet,
    switchMetrics: async (m) => {
      // The seconds sent so far are the old store's: wait (bounded) until every agent has shipped them.
      await fleet.awaitReported(opts.metrics.now(), waitMs);
      fleet.setMetrics(m);
    },
    reportedUntil: () => fleet.reportedUntil(),
    metricsPort: (port) => ({
      window: (w) => {
        const until = reported(w.untilMs ?? opts.metrics.now());
        const since = w.sinceMs ?? until - (w.seconds ?? 10) * 1000;
        return port.window({ ...w, sinceMs: since, untilMs: until });
      },
      recordGauge: (metric, tags, value, atMs) => port.recordGauge(metric, tags, value, atMs),
      counts: (sinceMs, untilMs, replica) => {
        const until = reported(untilMs);
        const span = untilMs - sinceMs;
        return port.counts(until - span, until, replica);
      },
      // Bounded: an agent silent for silenceMs is lost (its share moves) before the wait ends; one that
      // still talks but lags is named, and the step's window lacks its seconds since.
      complete: async (untilMs) => {
        const short = await fleet.awaitReported(untilMs, waitMs);
        settledUntil = Math.max(settledUntil, untilMs);
        return short.map(
          (a) =>
            `agent ${a.agent} had reported only up to ${new Date(a.reportedUntilMs).toISOString()} after ${waitMs / 1000} s; ` +
            `its requests since are missing from this step's window`,
        );
      },
    }),
    start: () => fleet.start(),
    stop: () => fleet.stop(),
    events,
  };
}
