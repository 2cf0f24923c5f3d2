// A step's record from what its measure window showed: figures per pool, replica and target rounded,
// guards named, and the verdict (held, breached, unstable, aborted). Pure: data in, data out.
import type { Replica } from '../cluster';
import { ClusterError } from '../common';
import { parseExpression } from '../metrics';
import { type GuardVerdict, type PoolFigures, type ReplicaFigures, roundRate, type StepRecord } from '../results';
import type { GuardCheck, StepOutcome, StepPlan } from './step';

/** Send lag (p99) above which a step is annotated, and above which its measurement is not trusted. */
const lagNoteMs = 25;
const lagUnstableMs = 50;

export type ReplicaRef = Pick<Replica, 'name' | 'region' | 'dc' | 'pool' | 'serverType'>;

/** What the metrics showed over a step's measure window, unrounded; latencies in ms, CPU as a share of quota. */
export interface StepWindow {
  sinceMs: number;
  untilMs: number;
  /** Every replica of the cluster: requests ended, CPU, and p99 where it was taken (replicas of a pool target). */
  replicas: Record<
    string,
    { count: number; failed: number; cpuShare: number | null; p99Ms: number | null; memoryMb?: number | null }
  >;
  /** Every pool: latency (null when it had no traffic) and CPU. */
  pools: Record<
    string,
    { p50Ms: number | null; p99Ms: number | null; cpuShare: number | null; memoryMb?: number | null }
  >;
  /** All traffic. */
  all: { count: number; dropped: number };
  /** The target's own window (on the plan's target filter). */
  target: {
    rps: number;
    errorRate: number;
    p50Ms: number | null;
    p90Ms: number | null;
    p99Ms: number | null;
    cpuShare: number | null;
  };
}

/** The step around its window: what was planned, the cluster, and what the controller saw. */
export interface StepFacts {
  runId: string;
  plan: StepPlan;
  index: number;
  /** The rate offered, after the safety cap. */
  rateRps: number;
  replicas: readonly ReplicaRef[];
  /** CPUs of each server type (for CPU ms per request). */
  cpusByType: Record<string, number>;
  markedOut: { has(replica: string): boolean };
  checks: GuardCheck[];
  annotations: string[];
}

/** How the step's measurement ended. */
export interface StepEnding {
  /** The error that stopped the step (signal, safety stop, Docker gone), if any. */
  aborted?: unknown;
  /** The generator's send lag over the measure window. */
  sendLag?: { count: number; p99: number } | null;
  measuredMs: number;
  /** Replicas marked out or in during the step, with why (`<replica> marked out: <reason>`): the step is faulted. */
  faults?: string[];
}

/** True when a replica matches every tag of the plan's target filter. */
export function inTarget(plan: StepPlan, r: ReplicaRef): boolean {
  return Object.entries(plan.targetFilter).every(([k, v]) => (r as unknown as Record<string, unknown>)[k] === v);
}

/** The step's figures over its measure window; the verdict is `held` until judgeStep says otherwise. */
export function buildStepRecord(step: StepFacts, w: StepWindow): StepRecord {
  const { plan, replicas, markedOut } = step;
  const seconds = Math.max(0.001, (w.untilMs - w.sinceMs) / 1000);
  const poolIds = [...new Set(replicas.map((r) => r.pool))];
  const pools: PoolFigures[] = poolIds.map((id) => {
    const members = replicas.filter((r) => r.pool === id);
    const count = members.reduce((n, r) => n + w.replicas[r.name].count, 0);
    const failed = members.reduce((n, r) => n + w.replicas[r.name].failed, 0);
    const serving = members.filter((r) => !markedOut.has(r.name)).length;
    const rps = count / seconds;
    const p = w.pools[id];
    // CPU share over serving replicas only: a marked-out replica's idle CPU would dilute it.
    const cpuShare = members.some((r) => markedOut.has(r.name))
      ? (servingCpu(members, markedOut, w) ?? p.cpuShare)
      : p.cpuShare;
    return {
      pool: id,
      dc: members[0].dc,
      serverType: members[0].serverType,
      rps: roundRate(rps),
      replicasServing: serving,
      rpsPerReplica: serving > 0 ? roundRate(rps / serving) : 0,
      p50Ms: rnd(p.p50Ms),
      p99Ms: rnd(p.p99Ms),
      errorRate: round4(count ? failed / count : 0),
      cpuShare: rnd3(cpuShare),
      ...(p.memoryMb !== undefined ? { memoryMb: rnd1(p.memoryMb) } : {}),
    };
  });
  const replicaFigures: ReplicaFigures[] = replicas.map((r) => {
    const c = w.replicas[r.name];
    return {
      replica: r.name,
      pool: r.pool,
      rps: roundRate(c.count / seconds),
      p99Ms: rnd(c.p99Ms),
      errorRate: round4(c.count ? c.failed / c.count : 0),
      cpuShare: rnd3(c.cpuShare),
      serving: !markedOut.has(r.name),
      ...(c.memoryMb !== undefined ? { memoryMb: rnd1(c.memoryMb) } : {}),
    };
  });
  const targetReplicas = replicas.filter((r) => inTarget(plan, r) && !markedOut.has(r.name) && r.dc !== plan.lostDc);
  const targetPools = pools.filter((p) => replicas.some((r) => r.pool === p.pool && inTarget(plan, r)));
  let cpuMs = 0;
  let cpuKnown = targetPools.length > 0;
  for (const p of targetPools) {
    if (p.cpuShare === null) cpuKnown = false;
    else cpuMs += p.cpuShare * (step.cpusByType[p.serverType] ?? 0) * p.replicasServing * 1000;
  }
  const t = w.target;
  const targetCpu = replicas.some((r) => inTarget(plan, r) && markedOut.has(r.name))
    ? (servingCpu(targetReplicas, markedOut, w) ?? t.cpuShare)
    : t.cpuShare;
  const many = plan.guardTargets.length > 1;
  const guards: GuardVerdict[] = step.checks.map((v) => ({
    name: many ? `${v.target.label} ${v.guard.name}` : v.guard.name,
    metric: v.guard.metric,
    expression: v.guard.expression,
    ok: v.ok,
    value: rnd3(v.value),
    ...(v.value === null ? { noData: true } : {}),
  }));
  return {
    runId: step.runId,
    drill: plan.drill,
    kind: plan.kind,
    index: step.index,
    startedAt: new Date(w.sinceMs).toISOString(),
    endedAt: new Date(w.untilMs).toISOString(),
    target: plan.target,
    serverType: plan.serverType,
    offeredRps: roundRate(step.rateRps),
    offeredRpsPerReplica: plan.offeredRpsPerReplica,
    achievedRps: roundRate(w.all.count / seconds),
    droppedIterations: w.all.dropped,
    weights: plan.weights,
    targetFigures: {
      rps: roundRate(t.rps),
      rpsPerReplica: targetReplicas.length > 0 ? roundRate(t.rps / targetReplicas.length) : 0,
      requests: Math.round(t.rps * seconds),
      p50Ms: rnd(t.p50Ms),
      p90Ms: rnd(t.p90Ms),
      p99Ms: rnd(t.p99Ms),
      errorRate: round4(t.errorRate),
      cpuShare: rnd3(targetCpu),
      cpuMsPerRequest: cpuKnown && t.rps > 0 ? round3(cpuMs / t.rps) : null,
    },
    pools,
    replicas: replicaFigures,
    guards,
    verdict: 'held',
    annotations: step.annotations,
    lostDc: plan.lostDc,
    targetShare: plan.targetShare,
    search: plan.search,
  };
}

/** Mean CPU share of the serving replicas among `members` (null when none has a sample). */
function servingCpu(members: readonly ReplicaRef[], markedOut: StepFacts['markedOut'], w: StepWindow): number | null {
  const shares = members
    .filter((r) => !markedOut.has(r.name))
    .map((r) => w.replicas[r.name].cpuShare)
    .filter((x): x is number => x !== null);
  return shares.length ? shares.reduce((a, b) => a + b, 0) / shares.length : null;
}

/**
 * The verdict: aborted when something stopped the step, faulted when a replica was marked out or in during it
 * (its failures are the cluster's: no capacity verdict is drawn from it, and the outcome says why), breached
 * when a guard broke (unstable when only latency broke while the generator sent late), noData when a guard had
 * nothing to judge (a guard without data never makes a step held), unstable when the measurement cannot be trusted.
 */
export function judgeStep(built: StepRecord, plan: StepPlan, checks: GuardCheck[], ending: StepEnding): StepOutcome {
  const record: StepRecord = { ...built, annotations: [...built.annotations] };
  const lag = ending.sendLag;
  if (lag && lag.count > 0) {
    record.sendLagP99Ms = Math.round(lag.p99 * 10) / 10;
    if (lag.p99 > lagNoteMs) record.annotations.push(`generator late: send lag p99 ${lag.p99.toFixed(1)} ms`);
  }
  let brokenBy = 'none';
  const perTarget: StepOutcome['perTarget'] = {};
  for (const t of plan.guardTargets) perTarget[t.label] = { ok: true };
  const breaches = checks.filter((v) => !v.ok && v.value !== null);
  // A guard with nothing to judge does not hold either: its target is not ok, "no data" says why.
  const empty = checks.filter((v) => !v.ok && v.value === null);
  for (const [v, why] of [
    ...breaches.map((b) => [b, b.guard.name] as const),
    ...empty.map((e) => [e, `no data: ${e.guard.name}`] as const),
  ]) {
    const p = perTarget[v.target.label];
    if (p.ok) Object.assign(p, { ok: false, brokenBy: why });
    if (brokenBy === 'none') brokenBy = why;
  }
  const { aborted, measuredMs } = ending;
  let faulted: string | undefined;
  if (aborted) {
    record.verdict = 'aborted';
    record.annotations.push(`aborted: ${aborted instanceof Error ? aborted.message : String(aborted)}`);
    // The cluster failed under the step: its guards' verdicts say nothing about capacity.
    if (aborted instanceof ClusterError) {
      record.error = `cluster: ${aborted.message}`;
      brokenBy = 'none';
      for (const t of Object.keys(perTarget)) perTarget[t] = { ok: true };
    }
  } else if (ending.faults?.length) {
    faulted = ending.faults.join('; ');
    record.verdict = 'faulted';
    const broke = brokenBy === 'none' ? '' : ` (${brokenBy} broke)`;
    record.annotations.push(
      `faulted: ${faulted}; the step's failures${broke} are the cluster's, not a verdict on its capacity`,
    );
  } else if (breaches.length === 0 && empty.length > 0) {
    record.verdict = 'noData';
    const many = plan.guardTargets.length > 1;
    const names = [...new Set(empty.map((v) => (many ? `${v.target.label} ${v.guard.name}` : v.guard.name)))];
    record.annotations.push(
      `no data: ${names.join(', ')} had nothing to judge (no request served or no resource sample)`,
    );
  } else if (brokenBy !== 'none') {
    record.verdict = 'breached';
    if (measuredMs < plan.measureMs - 500)
      record.annotations.push(`ended after ${(measuredMs / 1000).toFixed(1)} s of measure: ${brokenBy} broke`);
    // Latency is measured from the intended send time: a generator that sent late inflates it by up to its
    // lag. A breach the lag could explain says nothing; one that is over its limit by more than the lag is
    // the server's (p99 1.5 s against 750 ms with 94 ms of lag is a breach).
    const lag = record.sendLagP99Ms ?? 0;
    const latency = breaches.every((v) => v.guard.metric.endsWith('_duration'));
    if (latency && lag > lagUnstableMs && breaches.every((v) => explainedByLag(v, lag))) {
      record.verdict = 'unstable';
      record.annotations.push(
        `unstable: a latency guard broke by less than the generator was late (p99 ${record.sendLagP99Ms} ms behind schedule)`,
      );
    }
  } else {
    const why = instability(plan, record, measuredMs);
    if (why) {
      record.verdict = 'unstable';
      record.annotations.push(`unstable: ${why}`);
    }
  }
  return { record, perTarget, brokenBy, ...(faulted ? { faulted } : {}) };
}

/**
 * How many requests a step's target may complete away from its schedule and still be trusted. Arrivals
 * leave on a fixed schedule, so the count in a window is the rate times the window give or take one at
 * each edge, plus the requests still in flight at its end (their latency moves them out of it): 2 plus
 * the rate times the p99 latency. At high rates 5% of the count is the larger bound; at 3 req/s over
 * 5 s, 14 of 15 is on schedule, not 6.7% off.
 */
export function countTolerance(expectedRps: number, seconds: number, p99Ms: number | null): number {
  const expected = expectedRps * seconds;
  return Math.max(0.05 * expected, 2 + Math.ceil((expectedRps * (p99Ms ?? 0)) / 1000));
}

/** A latency breach whose excess over its limit the generator's lag alone could have made. */
function explainedByLag(v: GuardCheck, lagMs: number): boolean {
  const limit = parseExpression(v.guard.expression)?.value;
  return limit === undefined || v.value === null || v.value - lagMs < limit;
}

/** Why a measurement cannot be trusted: the target got far from the rate it was offered, or arrivals were dropped. */
function instability(plan: StepPlan, record: StepRecord, measuredMs: number): string | null {
  const expected = plan.expectedTargetRps;
  const seconds = Math.max(0.001, measuredMs / 1000);
  if (expected && expected > 0) {
    const want = expected * seconds;
    const got = Math.round(record.targetFigures.rps * seconds);
    const allowed = countTolerance(expected, seconds, record.targetFigures.p99Ms);
    if (Math.abs(got - want) > allowed)
      return `target completed ${got} of ${fmtCount(want)} requests in ${seconds.toFixed(1)} s (${roundRate(record.targetFigures.rps)} of ${roundRate(expected)} req/s), more than the ${fmtCount(allowed)} a schedule can be off by`;
  }
  // A generator that sent late does not make a hold doubtful: the latency it inflated still held, and the
  // count above says whether the target got its requests.
  const dropped = record.droppedIterations;
  if (dropped > 0.01 * record.offeredRps * Math.max(1, seconds))
    return `${dropped} arrivals dropped (generator or in-flight cap saturated)`;
  return null;
}

const fmtCount = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));
const round1 = (x: number) => Math.round(x * 10) / 10;
const round3 = (x: number) => Math.round(x * 1000) / 1000;
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
const rnd = (x: number | null) => (x === null || !Number.isFinite(x) ? null : Math.round(x * 100) / 100);
const rnd1 = (x: number | null) => (x === null || !Number.isFinite(x) ? null : round1(x));
const rnd3 = (x: number | null) => (x === null || !Number.isFinite(x) ? null : round3(x));
