// What a scenario script may say, as TypeScript types, so a mistake is an editor error.
// The zod schema in scenario-schema.ts checks the same shape at load time for plain JS.
import type { ObjectThreshold, Options } from 'k6/options';
import type { Duration } from '../common';
import type { MixSpec } from '../load';

// The mix's types are the load engine's own (load/): one definition for the script and the engine.
export type { Duration } from '../common';
export type { EndpointSpec, ParamSpec } from '../load';

/** The traffic mix, as the load engine takes it. */
export type ScenarioMix = MixSpec;

/** A guard: a k6 threshold evaluated on a sliding window of the target's metrics. */
export type GuardThreshold = string | (ObjectThreshold & { window?: Duration });

/** Guards by metric name, k6 style, e.g. `{ http_req_duration: ['p(99)<250'], cpu_share: ['avg<0.85'] }`. */
export type Guards = Record<string, GuardThreshold[]>;

export interface ProbeTiming {
  /** Time at each new rate before measuring (not measured; lets queues and CPU settle). */
  settle?: Duration;
  /** The measure window of each probe or step. */
  measure?: Duration;
}

/** Which pools a redline or sweep loads: every server type (one pool each), a list, or one named pool. */
export interface PoolChoice {
  /** 'all' (the default) or a list of server type names. */
  serverTypes?: 'all' | string[];
  /** One pool `<dc>/<serverType>` (`<dc>/<tier>/<serverType>` with several tiers); overrides serverTypes. */
  pool?: string;
  /** With several tiers: the tier whose pools are probed; default the tier the mix loads (the front). */
  tier?: string;
}

export interface RedlineDrill extends ProbeTiming, PoolChoice {
  kind: 'redline';
  name: string;
  /** First probe, req/s per replica (unless a baseline run gives a known redline). */
  startRps: number;
  /** Highest probe, req/s per replica. */
  maxRps: number;
  /** Factor between ramp probes (1.5 to 2). */
  rampFactor?: number;
  /** Bisection stops when high/low - 1 is below this (0.03 = 3%). */
  resolution?: number;
  /** How many times an unstable probe is repeated. */
  repeatUnstable?: number;
  /** Searches per pool at least (default 1); more only while the interval is wider than `precision`. */
  repeats?: number;
  /**
   * The half-width of the redline's 95% interval to reach, as a share of the redline (default 0.03 = ±3%):
   * after the first search, probes go on (around the redline, or whole searches when a latency guard limits)
   * until the interval is this narrow or the `budget` is spent.
   */
  precision?: number;
  /** Time per server type, search and refinement together (default 2m); the result says which one ended it. */
  budget?: Duration;
}

export interface SweepDrill extends ProbeTiming, PoolChoice {
  kind: 'sweep';
  name: string;
  /** Grid bounds, req/s per replica; or `aroundRedline` as fractions of this run's redline of the type. */
  from?: number;
  to?: number;
  aroundRedline?: [number, number];
  /** Grid spacing as a fraction (0.02 = 2% apart). */
  spacing?: number;
  /** Stop at the first breached grid point (above it every point breaks too). Default true. */
  stopAtBreach?: boolean;
}

export type DrainTarget = { region: string } | { dc: string } | { pool: string };

export interface DrainDrill extends ProbeTiming {
  kind: 'drain';
  name: string;
  target: DrainTarget;
  /** Constant total rate, req/s. Default: the scenario's baselineRps. */
  totalRps?: number;
  /** Steps from the target's demand share to 100% (demand share included). */
  steps?: number;
}

export interface LoseDcDrill extends ProbeTiming {
  kind: 'lose-dc';
  name: string;
  /** The DC to lose, or 'each' for every DC in turn. */
  dc: string;
  /** weight: the DC's weight goes to zero; kill: its replicas are killed, then brought back. */
  mode?: 'weight' | 'kill';
  totalRps?: number;
}

export interface HoldDrill extends ProbeTiming {
  kind: 'hold';
  name: string;
  /** Total rate at demand weights; default the scenario's baselineRps. */
  totalRps?: number;
  /** How many consecutive steps of `measure` each. */
  steps?: number;
}

export type DrillSpec = RedlineDrill | SweepDrill | DrainDrill | LoseDcDrill | HoldDrill;

export interface Safety {
  /** A hard stop: the global error rate over `window` above this aborts the run (0..1). */
  maxErrorRate: number;
  /** No probe or step may offer more than this total rate, req/s. */
  maxTotalRps: number;
  window?: Duration;
}

export interface ScenarioInput {
  name: string;
  description?: string;
  /** Cluster file, relative to the scenario file. */
  cluster: string;
  mix: ScenarioMix;
  /** Global rate at demand weights, req/s: the load of normal operation. */
  baselineRps: number;
  /** Request timeout. */
  timeout?: Duration;
  /** Cap on requests in flight (arrivals beyond it are dropped, as k6 counts dropped_iterations). */
  maxInFlight?: number;
  guards: Guards;
  /** Default sliding window of the guards that do not name one. */
  guardWindow?: Duration;
  /** Guards are not evaluated during the first part of a measure window. */
  guardDelay?: Duration;
  safety: Safety;
  /** k6 thresholds over the whole run; a failure exits 99. */
  thresholds?: Options['thresholds'];
  /** Forecast CSV for the plan, relative to the scenario file. */
  forecast?: string;
  /** Default timing of probes and steps. */
  settle?: Duration;
  measure?: Duration;
  /**
   * Requests a step's target must complete before it is judged (default 20): at a low rate the measure
   * window, and every guard's window, is lengthened to hold them (at most `maxMeasure`).
   */
  minRequests?: number;
  /** The longest a measure window may be lengthened to (default 120s). */
  maxMeasure?: Duration;
  drills: DrillSpec[];
}
