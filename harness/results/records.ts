// The records a drill writes: one StepRecord per line of steps.ndjson (appended when the
// step ends), and the Summary in summary.json. The report and the planner read only these.
import type { Plan } from './plan';

export type DrillKind = 'redline' | 'sweep' | 'drain' | 'lose-dc' | 'hold';

export interface GuardVerdict {
  /** The guard's name: its metric with filters and its expression, e.g. `http_req_duration: p(99)<250`. */
  name: string;
  metric: string;
  expression: string;
  ok: boolean;
  /** The value the expression was evaluated on (ms for durations, 0..1 for rates and CPU). */
  value: number | null;
  /** Nothing to judge (no request served, no resource sample): not ok, and not a breach either. */
  noData?: boolean;
}

export interface PoolFigures {
  /** `<dc>/<serverType>` */
  pool: string;
  dc: string;
  serverType: string;
  rps: number;
  replicasServing: number;
  rpsPerReplica: number;
  p50Ms: number | null;
  p99Ms: number | null;
  errorRate: number;
  /** Mean CPU share of quota over the measure window, 0..1. */
  cpuShare: number | null;
  /** Mean memory in use per replica over the measure window (MB); null when not sampled. */
  memoryMb?: number | null;
}

export interface ReplicaFigures {
  replica: string;
  pool: string;
  rps: number;
  p99Ms: number | null;
  errorRate: number;
  cpuShare: number | null;
  /** Mean memory in use over the measure window (MB); null when not sampled. */
  memoryMb?: number | null;
  serving: boolean;
}

export interface StepRecord {
  runId: string;
  /** Drill name from the scenario (unique within it). */
  drill: string;
  kind: DrillKind;
  /** Step number within the run, from 0. */
  index: number;
  /** ISO timestamps of the measure window (settle excluded). */
  startedAt: string;
  endedAt: string;
  /** What the step loads: a pool `<dc>/<serverType>`, a dc or a region. */
  target: { kind: 'pool' | 'dc' | 'region'; name: string };
  serverType?: string;
  /** Offered total rate (req/s) and per-replica rate on the target. */
  offeredRps: number;
  offeredRpsPerReplica?: number;
  achievedRps: number;
  droppedIterations: number;
  /** Weights in force, per DC (0..1, sum 1) and per pool inside a DC. */
  weights: { dcs: Record<string, number>; pools?: Record<string, Record<string, number>> };
  /** The target's figures over the measure window. */
  targetFigures: {
    rps: number;
    rpsPerReplica: number;
    /** Requests the target completed in the measure window (absent in runs recorded before it was kept). */
    requests?: number;
    p50Ms: number | null;
    p90Ms: number | null;
    p99Ms: number | null;
    errorRate: number;
    cpuShare: number | null;
    cpuMsPerRequest: number | null;
  };
  pools: PoolFigures[];
  replicas: ReplicaFigures[];
  guards: GuardVerdict[];
  /**
   * held: every guard held; breached: a guard broke (ended early); unstable: measurement too noisy, repeated; noData: a guard had
   * nothing to judge (neither held nor breached); aborted: stopped by a safety limit or a signal; faulted: a replica was marked
   * out or in during the step (dead, refusing connections, back): its guards' verdicts are the cluster's, not a capacity figure.
   */
  verdict: 'held' | 'breached' | 'unstable' | 'noData' | 'aborted' | 'faulted';
  /** A cluster error (Docker unreachable) that cut the step short; its guard verdicts are no breach. */
  error?: string;
  /** p99 of how late the generator sent arrivals versus their schedule in the measure window (ms); high = the generator, not the target, was slow. */
  sendLagP99Ms?: number;
  /** Events during the step: replica marked out, fault injected, repeat, ... */
  annotations: string[];
  /** Drill-kind specific: the DC lost, the target share of a drain step, the bisection bounds. */
  lostDc?: string;
  targetShare?: number;
  search?: { phase: 'ramp' | 'bisect' | 'grid' | 'refine'; low: number; high: number | null };
  /** Clusters with several tiers: the tier whose guard broke (or, for a breach at the front only, the busiest tier of the target). */
  brokenTier?: string;
  /** Clusters with several tiers: CPU ms each tier of the target DCs spent per front request (Instagram's "CPU per request"). */
  cpuMsPerFrontRequestByTier?: Record<string, number | null>;
}

/** What a tier carries per replica, in front req/s, as one drill found it (the planner's input per tier). */
export interface TierRedline {
  tier: string;
  serverType: string;
  /** Front req/s one replica of this tier carries. */
  rpsPerReplica: number | null;
  /** measured: this tier's own guards set the limit; limit: another tier's probe broke on this one (front req/s over its replicas);
   *  cpu: never the limit, from its CPU ms per front request at 100% of its quota. */
  basis: 'measured' | 'limit' | 'cpu';
}

/**
 * A move of the cost per request during a redline's probes: the pool's CPU share at a fixed load, from two
 * parallel lines through the usable probes (CPU share against rate) before and after the time where they
 * split best. `change` is the relative move of the CPU share at the redline's load; it counts (`significant`)
 * when it is at least 4.5 standard errors (`tStat`) from 0 and 3% or more; the redline before and after then.
 */
export interface RedlineDrift {
  change: number;
  overS: number;
  /** When the cost moved, s after the first probe (where the probes split best). */
  atS: number;
  tStat: number;
  significant: boolean;
  fromRps?: number;
  toRps?: number;
}

export interface RedlineResult {
  drill: string;
  serverType: string;
  pool: string;
  /** Highest per-replica req/s at which every guard held; null when even the lowest probe broke. */
  rpsPerReplica: number | null;
  /** The guard that broke just above the redline (metric and expression), or 'none' when the search hit its maximum rate. */
  limitedBy: string;
  p50Ms: number | null;
  p99Ms: number | null;
  cpuShare: number | null;
  cpuMsPerRequest: number | null;
  probes: number;
  durationS: number;
  /** The drill kind that measured it (the estimate's method is `estimateMethod`). */
  method: 'redline' | 'sweep';
  /** redline: a number to plan from; noBreach: no breach up to `atLeast` (not a redline); noData: a probe gave no verdict; allBreached: nothing held. */
  status?: 'redline' | 'noBreach' | 'noData' | 'allBreached';
  /** 95% interval of the redline (req/s per replica); null without a redline. */
  interval?: [number, number] | null;
  /** Probes in the fit, or searches in the median. */
  samples?: number;
  /** How the redline was estimated: a line through every probe (`fit`), the median of the searches, or none. */
  estimateMethod?: 'fit' | 'median' | 'none';
  /** With status noBreach: every search held up to this rate (req/s per replica). */
  atLeast?: number;
  /** Why this estimate, and what its interval means. */
  note?: string;
  /** Searches run (at least the scenario's `repeats`, more while the interval was wider than its precision). */
  searches?: number;
  /**
   * What ended the search: the interval reached the drill's precision, its time budget ran out, the cost per
   * request moved more than the precision allows (more probes would not help), or there was no redline to refine.
   */
  endedBy?: 'precision' | 'budget' | 'drift' | 'no-redline';
  /** The interval's half-width as a share of the redline (0.03 = ±3%). */
  halfWidth?: number;
  /** How the cost per request moved while the probes ran. */
  drift?: RedlineDrift;
  /** Set when the drift moved the redline by more than the drill's precision: what the run's verdict says of it. */
  caution?: string;
  /** The tier measured (the front unless the drill named another); absent on one-tier clusters of older runs. */
  tier?: string;
  /** The tier whose guard set the limit, when it is not the one measured. */
  limitedByTier?: string;
  cpuMsPerFrontRequestByTier?: Record<string, number | null>;
  /** Clusters with several tiers: each tier's capacity per replica in front req/s, from this drill. */
  tierRedlines?: TierRedline[];
}

export interface DrainResult {
  drill: string;
  target: { kind: 'pool' | 'dc' | 'region'; name: string };
  totalRps: number;
  /** Highest share of global traffic (0..1) the target held, and the req/s per replica there. */
  heldShare: number;
  heldRpsPerReplica: number;
  /** The guard that broke at the next step, or 'none' when the drain reached its last step. */
  brokenBy: string;
  steps: number;
  /** The front tier the drain loaded, and the tier that broke when it is another. */
  tier?: string;
  limitedByTier?: string;
  cpuMsPerFrontRequestByTier?: Record<string, number | null>;
}

export interface FailoverSurvivor {
  dc: string;
  held: boolean;
  loadRps: number;
  /** Capacity from the redlines (sum over pools of replicas × redline), null when no redline is known. */
  capacityRps: number | null;
  loadFraction: number | null;
  p99Ms: number | null;
  errorRate: number;
  brokenBy?: string;
}

export interface FailoverResult {
  drill: string;
  lostDc: string;
  mode: 'weight' | 'kill';
  totalRps: number;
  held: boolean;
  survivors: FailoverSurvivor[];
  /** The front tier loaded, and the tier that broke when it is another. */
  tier?: string;
  limitedByTier?: string;
}

export interface ClusterFacts {
  name: string;
  serverTypes: Record<string, { cpus: number; memoryMb: number; workers: number; costPerHour: number }>;
  /** pools: replicas per server type of the front tier; tierPools (several tiers): per tier, replicas per server type. */
  dcs: {
    name: string;
    region: string;
    demand: number;
    pools: Record<string, number>;
    tierPools?: Record<string, Record<string, number>>;
  }[];
  /** Clusters with several tiers: their names (front first) and the front tier. */
  tiers?: string[];
  front?: string;
  /** The cluster file's failover map (lost DC -> survivor DC -> share), when it has one; the planner uses it. */
  failover?: Record<string, Record<string, number>>;
}

export interface RunFailure {
  kind: 'threshold' | 'survivor' | 'regression' | 'safety' | 'error';
  /** The threshold, `<lost dc> → <survivor>`, or the server type that regressed. */
  name: string;
  detail: string;
}

export interface RunCaution {
  kind: 'drift';
  /** `redline <pool>`. */
  name: string;
  detail: string;
}

export interface Summary {
  runId: string;
  status: 'passed' | 'failed' | 'interrupted' | 'error' | 'crashed';
  scenario: string;
  scenarioFile: string;
  startedAt: string;
  endedAt: string;
  cluster: ClusterFacts;
  redlines: RedlineResult[];
  sweeps: RedlineResult[];
  drains: DrainResult[];
  failovers: FailoverResult[];
  /** Scenario thresholds over the whole run, k6 style. */
  thresholds: Record<string, { ok: boolean; value: number | null }>;
  error?: string;
  /** Why the run failed, one entry per reason (a threshold, a survivor of a lost DC, a regression); the badge shows them. */
  failures?: RunFailure[];
  /**
   * What a reader must know before betting on the figures, though no guard failed: a redline whose cost per
   * request moved during its search by more than the drill's precision (the interval is widened; repeat the
   * drill on a quiet machine).
   */
  cautions?: RunCaution[];
  /** Added by the report when a forecast is given (computed by capacity/). */
  plan?: Plan;
}
