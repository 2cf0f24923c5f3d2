// What a step is asked to do (StepPlan) and what came of it (StepOutcome): the words shared by the
// controller's step loop, the record builder and the drills.
import type { DrillKind, StepRecord } from '../results';
import type { Guard, Tags } from './ports';
import type { Weights } from './traffic-plan';

export interface GuardTarget {
  /** Shown in verdict names when a step has several targets (the survivors of a lost DC). */
  label: string;
  filter: Tags;
  /** Clusters with several tiers: the tier it watches. */
  tier?: string;
  /** Only resource guards (CPU, memory: a pool with no direct requests) or only request guards (latency, errors); default all. */
  only?: 'resources' | 'requests';
  /** What a one-pool target is (region, dc, pool, serverType): a guard whose own filter names another is not judged on it. */
  tags?: Tags;
}

export interface StepPlan {
  drill: string;
  kind: DrillKind;
  target: StepRecord['target'];
  serverType?: string;
  /** Total offered rate, req/s. */
  offeredRps: number;
  offeredRpsPerReplica?: number;
  /** The rate the target should receive; used to tell an unstable measurement (achieved far from it). */
  expectedTargetRps?: number;
  weights: Weights;
  settleMs: number;
  measureMs: number;
  /** The target's own figures are taken on this filter (empty = all traffic). */
  targetFilter: Tags;
  /** Guards are evaluated on each of these; one breach ends the step. */
  guardTargets: GuardTarget[];
  annotations?: string[];
  lostDc?: string;
  targetShare?: number;
  search?: StepRecord['search'];
  /** Clusters with several tiers: the tier the load enters (the front). */
  loadTier?: string;
  /**
   * The drill's look at the finished record before it is written: notes it adds (a redline search says when
   * the cost per request has moved since it began).
   */
  review?: (record: StepRecord) => string[];
}

/** One guard evaluated on one guard target. */
export interface GuardCheck {
  target: GuardTarget;
  guard: Guard;
  ok: boolean;
  value: number | null;
}

export interface StepOutcome {
  record: StepRecord;
  /** Per guard target label: did every guard hold, and which broke first. */
  perTarget: Record<string, { ok: boolean; brokenBy?: string }>;
  /** The first guard that broke, `none` when all held. */
  brokenBy: string;
  /**
   * Replicas marked out or in during the step, with why (a fault): its guards' verdicts are the cluster's, not a
   * capacity figure, whatever brokenBy says. Absent when the step ran on a stable set of replicas.
   */
  faulted?: string;
}
