// What the drill controller needs from the cluster, the load engine, the metrics and the clock:
// small structural interfaces that the real pieces satisfy, so the controller's logic can also run
// against fakes in pure tests.
import type { ClusterSpec, Replica, ResourceSample } from '../cluster';
import type { UnansweredListener, Weights } from '../load';
import type { Tags } from '../metrics';

export type { Tags };

export interface WindowFigures {
  count: number;
  failed: number;
  errorRate: number;
  rps: number;
  seconds: number;
  avg: number | null;
  percentile(q: number): number | null;
  droppedIterations: number;
  gaugeAvg?: number | null;
  gaugeMax?: number | null;
}

export interface MetricsPort {
  window(opts: { seconds?: number; sinceMs?: number; untilMs?: number; filter?: Tags; metric?: string }): WindowFigures;
  recordGauge(metric: string, tags: Tags, value: number, atMs?: number): void;
  /** Cheap counts of requests ended (and arrivals dropped) in [sinceMs, untilMs), per replica or over all. */
  counts(sinceMs: number, untilMs: number, replica?: string): { count: number; failed: number; dropped: number };
  /**
   * Sources whose samples arrive late (generator agents ship each second after it ends): waits, bounded,
   * until every sample before `untilMs` is in; resolves with a note per source still short (empty: complete).
   */
  complete?(untilMs: number): Promise<string[]>;
}

export interface LoadPort {
  setRate(rps: number): void;
  setWeights(w: Weights): void;
  markOut(replica: string): void;
  markIn(replica: string): void;
  setTags(tags: Record<string, string>): void;
  stats(): { inFlight: number; sent: number; dropped: number };
  /** How late arrivals left versus their schedule since the last reset (the generator's own health). */
  sendLag?(): { count: number; p99: number; max: number };
  resetSendLag?(): void;
  /** Requests sent to a replica and not answered yet. */
  outstanding?(replica: string): number;
  /** Hears each request that ended without an answer (connection fault, timeout); returns a function that stops it. */
  onUnanswered?(listener: UnansweredListener): () => void;
  /**
   * A fault of the load path itself (the load balancer being drilled is lost, or is not this run's any more):
   * the drill ends, with the cause on the step it happened in. Null while it works.
   */
  fault?(): Error | null;
  /** Asks the load path now whether it still works (a breach is checked with it before it counts). */
  probeFault?(): Promise<Error | null>;
  /** Resolves once every weight change asked for has taken effect or failed. */
  settled?(): Promise<void>;
}

export interface ClusterPort {
  spec: ClusterSpec;
  replicas: Replica[];
  sampleResources(): Promise<ResourceSample[]>;
  kill(replica: string): Promise<void>;
  /** Whether a replica answers its health check now (short timeout); used to mark a recovered replica back in. */
  healthy?(replica: string): Promise<boolean>;
  /** Brings killed replicas back (started again and healthy), when the driver can. */
  restart?(replicas: string[]): Promise<void>;
}

/** A guard ready to evaluate: a parsed threshold with a window. */
export interface Guard {
  /** `http_req_duration: p(99)<250` */
  name: string;
  metric: string;
  expression: string;
  /** The guard's own tag filter (`memory_mb{serverType:db}` gives `{ serverType: 'db' }`); absent or empty: none. */
  filter?: Tags;
  /**
   * On the target's filter; sinceMs bounds the window to the step (samples before it are another step's).
   * value null: no data (nothing served, no resource sample), and then ok is false: a guard never passes empty.
   * minWindowMs lengthens a sliding window that would hold too few requests at a low rate.
   */
  evaluate(extraFilter: Tags, sinceMs?: number, minWindowMs?: number): { ok: boolean; value: number | null };
}

export interface Clock {
  now(): number;
  /** Resolves after ms, or early (without throwing) when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};
