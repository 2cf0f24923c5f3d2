// Two runs side by side, judged by the statistical regression gate (regression.ts): did a server
// type's CPU per request rise, or its redline fall, beyond the noise and by at least the minimum
// effect? The CI gate of a drill (`headroom compare`, `headroom drill --baseline`).
import { lowestRedlines, type StepRecord, type Summary } from '../results';
import { adjustProbeCosts, type CostProbe } from './probe-cost';
import { redlineIntervalOf } from './redline-ranges';
import {
  defaultRegressionOptions,
  regressionGate,
  type RegressionDecision,
  type RegressionOptions,
} from './regression';

/** One run as compare reads it: its summary and the steps of steps.ndjson (empty when absent). */
export interface RunSamples {
  summary: Pick<Summary, 'runId' | 'redlines' | 'sweeps'>;
  steps: readonly StepRecord[];
}

export interface TypeComparison {
  serverType: string;
  /** Redline (req/s per replica) in the baseline run a and the new run b; null = not measured or no load held. */
  redlineA: number | null;
  redlineB: number | null;
  /** 95% intervals of the redlines, when the drill estimated them. */
  intervalA: [number, number] | null;
  intervalB: [number, number] | null;
  /** (b - a) / a; null when either side is missing. -1 when b's lowest probe already broke. */
  redlineChange: number | null;
  /** Median CPU ms per request of each run's probes of this type. */
  cpuMsPerRequestA: number | null;
  cpuMsPerRequestB: number | null;
  /** Hodges-Lehmann shift of b's CPU per request over a's when tested, else the change of the medians. */
  cpuChange: number | null;
  /** Probes (CPU ms per request samples) of each run. */
  samplesA: number;
  samplesB: number;
  /** One-sided Mann-Whitney p of "b costs more CPU per request"; null when not tested. */
  p: number | null;
  regressed: boolean;
  /** The gate's decision, when both runs measured the type. */
  decision: RegressionDecision | null;
  /** Why it regressed (the gate's explanation), or why it could not be compared. */
  notes: string[];
}

export interface Comparison {
  runA: string;
  runB: string;
  /** Minimum effect: the smallest CPU-per-request rise or redline drop that counts (a share). */
  maxDrop: number;
  /** Significance level of the rank test (one-sided). */
  alpha: number;
  /** How the decision is made, one sentence for a report. */
  method: string;
  types: TypeComparison[];
  /** Server types that regressed, in order. */
  regressed: string[];
}

export interface CompareOptions extends RegressionOptions {}

/** Probes give one CPU-per-request value each; a redline search has 5-10 per type, so 5 a side suffice
 * (5 against 5 all above reaches p 0.006 < 0.01). */
// 5.5%: at the noise measured on real runs (probe 4%, run offset 1%) identical runs alarm in 0.8% of seeded
// trials and a 10% costlier request is caught in 97% (docs/regression-gate.md); at 5%, 1.5% of identical runs alarm.
export const defaultCompareOptions: CompareOptions = { ...defaultRegressionOptions, minEffect: 0.055, minSamples: 5 };

/**
 * A probe's CPU per request is the cost of a request only when the replica kept up with what was offered:
 * on a starved host a replica served 25-50 of 64 req/s offered, timing out the rest, and its CPU per request
 * read 10-25% low. Such probes (under 90% of the offered rate answered) are left out of the gate. Errors
 * alone do not leave a probe out: a replica at its CPU limit that answers every request, some too late,
 * still spends what each costs.
 */
export const servedProbe = { minServedShare: 0.9 };

function usable(s: StepRecord): boolean {
  const f = s.targetFigures;
  if (!f || !(typeof f.cpuMsPerRequest === 'number' && Number.isFinite(f.cpuMsPerRequest) && f.cpuMsPerRequest > 0))
    return false;
  return !(
    typeof s.offeredRps === 'number' &&
    typeof f.rps === 'number' &&
    f.rps < servedProbe.minServedShare * s.offeredRps
  );
}

const probesOfType = (steps: readonly StepRecord[], serverType: string) =>
  steps.filter(
    (s) => (s.kind === 'redline' || s.kind === 'sweep') && s.serverType === serverType && s.verdict !== 'aborted',
  );

/** The CPU ms per request of every redline or sweep probe of a server type that served what it was offered (aborted probes left out). */
export function cpuSamplesOf(steps: readonly StepRecord[], serverType: string): number[] {
  return probesOfType(steps, serverType)
    .filter(usable)
    .map((s) => s.targetFigures.cpuMsPerRequest as number);
}

/** The same probes with their rate and time, for the adjustment; null when a probe lacks either. */
export function costProbesOf(
  steps: readonly StepRecord[],
  serverType: string,
): { probes: CostProbe[] | null; leftOut: number } {
  const all = probesOfType(steps, serverType);
  const kept = all.filter(usable);
  const t0 = Math.min(...all.map((s) => Date.parse(s.startedAt)));
  const probes = kept.map((s) => ({
    rpsPerReplica: s.targetFigures.rpsPerReplica,
    cpuMsPerSecond: (s.targetFigures.cpuMsPerRequest as number) * s.targetFigures.rpsPerReplica,
    elapsedS: (Date.parse(s.startedAt) - t0) / 1000,
  }));
  const complete = probes.every(
    (p) => typeof p.rpsPerReplica === 'number' && p.rpsPerReplica > 0 && Number.isFinite(p.elapsedS),
  );
  return { probes: complete ? probes : null, leftOut: all.length - kept.length };
}

function medianOf(xs: readonly number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length;
  return m % 2 ? s[(m - 1) / 2] : (s[m / 2 - 1] + s[m / 2]) / 2;
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

/** What the rank test sees: the adjusted costs when every probe has a rate and a time, else the costs as measured. */
function gateSamples(
  stepsA: readonly StepRecord[],
  stepsB: readonly StepRecord[],
  serverType: string,
  rawA: number[],
  rawB: number[],
): { cpuA: number[]; cpuB: number[]; note: string } {
  const pa = costProbesOf(stepsA, serverType),
    pb = costProbesOf(stepsB, serverType);
  const leftOut = pa.leftOut + pb.leftOut;
  const served = leftOut
    ? `; ${leftOut} probe${leftOut === 1 ? '' : 's'} answering under ${servedProbe.minServedShare * 100}% of the offered rate left out (${pa.leftOut} in a, ${pb.leftOut} in b)`
    : '';
  if (!pa.probes || !pb.probes || !pa.probes.length || !pb.probes.length) {
    return {
      cpuA: rawA,
      cpuB: rawB,
      note: `CPU samples: each probe's CPU ms per request as measured (no rates or times to adjust by)${served}`,
    };
  }
  const adj = adjustProbeCosts(pa.probes, pb.probes);
  return { cpuA: adj.a, cpuB: adj.b, note: `${adj.note}${served}` };
}

/** A summary alone has no steps: nothing to rank, only its redlines (and their intervals) to compare. */
const samplesOf = (r: RunSamples | RunSamples['summary']): RunSamples =>
  'summary' in r ? r : { summary: r, steps: [] };

/** Compares run b against the baseline a; a number as options is the minimum effect. Pure. */
export function compareRuns(
  runA: RunSamples | RunSamples['summary'],
  runB: RunSamples | RunSamples['summary'],
  options: Partial<CompareOptions> | number = {},
): Comparison {
  const o = { ...defaultCompareOptions, ...(typeof options === 'number' ? { minEffect: options } : options) };
  const a = samplesOf(runA),
    b = samplesOf(runB);
  const ra = new Map(lowestRedlines(a.summary).map((r) => [r.serverType, r]));
  const rb = new Map(lowestRedlines(b.summary).map((r) => [r.serverType, r]));
  const types = [...new Set([...ra.keys(), ...rb.keys()])].sort();
  const rows: TypeComparison[] = types.map((serverType) => {
    const x = ra.get(serverType);
    const y = rb.get(serverType);
    const rawA = cpuSamplesOf(a.steps, serverType);
    const rawB = cpuSamplesOf(b.steps, serverType);
    const { cpuA, cpuB, note } = gateSamples(a.steps, b.steps, serverType, rawA, rawB);
    const redlineA = x?.rpsPerReplica ?? null;
    const redlineB = y?.rpsPerReplica ?? null;
    const intervalA = redlineIntervalOf(x);
    const intervalB = redlineIntervalOf(y);
    const medA = medianOf(rawA) ?? x?.cpuMsPerRequest ?? null;
    const medB = medianOf(rawB) ?? y?.cpuMsPerRequest ?? null;
    const row: TypeComparison = {
      serverType,
      redlineA,
      redlineB,
      intervalA,
      intervalB,
      redlineChange: null,
      cpuMsPerRequestA: medA,
      cpuMsPerRequestB: medB,
      cpuChange: medA !== null && medB !== null && medA > 0 ? (medB - medA) / medA : null,
      samplesA: cpuA.length,
      samplesB: cpuB.length,
      p: null,
      regressed: false,
      decision: null,
      notes: [],
    };
    if (!x) {
      row.notes.push('not measured in the baseline');
      return row;
    }
    if (!y) {
      row.notes.push('not measured in this run');
      return row;
    }
    if (redlineA !== null && redlineB !== null) row.redlineChange = (redlineB - redlineA) / redlineA;
    if (redlineA !== null && redlineB === null) {
      // No load held at all: no sample can argue with that.
      row.redlineChange = -1;
      row.regressed = true;
      row.notes.push(`redline fell from ${redlineA} req/s to none: the lowest probe broke a guard`);
    }
    if (redlineA === null) row.notes.push('no load held in the baseline');
    const decision = regressionGate(
      { runId: a.summary.runId, cpuMsPerRequest: cpuA, redline: { redline: redlineA, interval: intervalA } },
      { runId: b.summary.runId, cpuMsPerRequest: cpuB, redline: { redline: redlineB, interval: intervalB } },
      o,
    );
    row.decision = decision;
    if (decision.cpu.tested) {
      row.cpuChange = decision.cpu.change;
      row.p = decision.cpu.p;
    }
    row.regressed ||= decision.regressed;
    row.notes.push(...decision.explanation);
    if (decision.cpu.tested) row.notes.push(note);
    return row;
  });
  return {
    runA: a.summary.runId,
    runB: b.summary.runId,
    maxDrop: o.minEffect,
    alpha: o.alpha,
    method:
      `CPU per request: one-sided Mann-Whitney rank test on every served probe's CPU ms per request, net of the at-rest CPU ` +
      `and the drift both searches share (p < ${o.alpha}), and a Hodges-Lehmann rise of at least ${pct(o.minEffect)}; ` +
      `redline: 95% intervals apart and a drop of at least ${pct(o.minEffect)}`,
    types: rows,
    regressed: rows.filter((r) => r.regressed).map((r) => r.serverType),
  };
}
