// Two runs side by side, judged by the statistical regression gate (regression.ts): did a server
// type's CPU per request rise, or its redline fall, beyond the noise and by at least the minimum
// effect? The CI gate of a drill (`headroom compare`, `headroom drill --baseline`).
import { lowestRedlines, type RedlineResult, type StepRecord, type Summary } from '../results';
import {
  defaultRegressionOptions,
  regressionGate,
  type RegressionDecision,
  type RegressionOptions,
} from './regression';

/** One run as compare reads it: its summary and the steps of steps.ndjson (empty when absent). */
export interface RunSamples {
  summary: Summary;
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
export const defaultCompareOptions: CompareOptions = { ...defaultRegressionOptions, minSamples: 5 };

/** The CPU ms per request of every redline or sweep probe of a server type that measured it (aborted probes left out). */
export function cpuSamplesOf(steps: readonly StepRecord[], serverType: string): number[] {
  return steps
    .filter(
      (s) => (s.kind === 'redline' || s.kind === 'sweep') && s.serverType === serverType && s.verdict !== 'aborted',
    )
    .map((s) => s.targetFigures?.cpuMsPerRequest)
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0);
}

/** The redline's interval when the drill wrote one (an optional field of newer summaries). */
function intervalOf(r: RedlineResult | undefined): [number, number] | null {
  const i = (r as (RedlineResult & { interval?: unknown }) | undefined)?.interval;
  return Array.isArray(i) && i.length === 2 && i.every((x) => typeof x === 'number' && Number.isFinite(x))
    ? [i[0], i[1]]
    : null;
}

function medianOf(xs: readonly number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length;
  return m % 2 ? s[(m - 1) / 2] : (s[m / 2 - 1] + s[m / 2]) / 2;
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

/** A summary alone has no steps: nothing to rank, only its redlines (and their intervals) to compare. */
const samplesOf = (r: RunSamples | Summary): RunSamples => ('summary' in r ? r : { summary: r, steps: [] });

/** Compares run b against the baseline a; a number as options is the minimum effect. Pure. */
export function compareRuns(
  runA: RunSamples | Summary,
  runB: RunSamples | Summary,
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
    const cpuA = cpuSamplesOf(a.steps, serverType);
    const cpuB = cpuSamplesOf(b.steps, serverType);
    const redlineA = x?.rpsPerReplica ?? null;
    const redlineB = y?.rpsPerReplica ?? null;
    const intervalA = intervalOf(x);
    const intervalB = intervalOf(y);
    const medA = medianOf(cpuA) ?? x?.cpuMsPerRequest ?? null;
    const medB = medianOf(cpuB) ?? y?.cpuMsPerRequest ?? null;
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
    return row;
  });
  return {
    runA: a.summary.runId,
    runB: b.summary.runId,
    maxDrop: o.minEffect,
    alpha: o.alpha,
    method:
      `CPU per request: one-sided Mann-Whitney rank test on every probe's CPU ms per request (p < ${o.alpha}) and a Hodges-Lehmann ` +
      `rise of at least ${pct(o.minEffect)}; redline: 95% intervals apart and a drop of at least ${pct(o.minEffect)}`,
    types: rows,
    regressed: rows.filter((r) => r.regressed).map((r) => r.serverType),
  };
}
