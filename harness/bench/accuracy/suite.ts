// The accuracy suite: per case, a one-replica cluster comes up inside a redline drill, and a twin of
// that replica (the same image, env and quota) in a cluster of its own. While the drill searches, a separate
// generator loads the twin at several loads and reads its cgroup CPU (the truth: a line through those
// readings, crossing the CPU guard's limit); the drill's redline and interval (to its precision target) are set
// against it. Readings on the drill's own replica before its first probe and after its last say how far the
// machine moved. Each case runs twice back to back (the second beside a CPU hog when the case says so), one
// case after the other; its pair says whether the two intervals overlap.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import type { Logger } from '../../common';
import { createDriver, type RunningCluster } from '../../cluster';
import { loadClusterFile } from '../../config';
import type { RedlineResult, RunCaution } from '../../results';
import { type DrillRunResult, runScenario } from '../../run';
import {
  caseClusterYaml,
  caseScenario,
  cpuLimit,
  describeCase,
  firstRps,
  requestPath,
  type AccuracyCaseSpec,
  type DrillTiming,
} from './cases';
import { startCpuHog, type CpuHog } from './hog';
import { truthReadings, type TruthPlan, type WarmUp } from './measure-truth';
import { pairRow, type PairRow, type PairRun } from './pairs';
import { accuracyReport, cpuTruth, type AccuracyCase, type AccuracyReport, type CpuReading, type Truth } from './truth';
import { twinLoop, type TwinLoop } from './twin';

export interface SuiteOptions {
  cases: readonly AccuracyCaseSpec[];
  timing: DrillTiming;
  /** Truth readings (the twin's first ones, and the drill replica's before and after the drill): the first load, then these shares. */
  truth: Omit<TruthPlan, 'firstRps'>;
  /** Where each case's cluster file, scenario and run directory go. */
  dir: string;
  /** Cluster names start with it (`acc-`); each case gets 100 ports from `firstPort` on. */
  clusterPrefix: string;
  firstPort: number;
  cwd: string;
  log: Logger;
  signal?: AbortSignal;
  /**
   * Runs of a case whose drill ended without a redline (a safety stop when the shared machine starved
   * the replica) before it counts as failed; default 1. The table says how many runs each case took.
   */
  attempts?: number;
  /** Runs per case: 2 (default) gives each case its pair; 1 runs each once, quiet. */
  runs?: 1 | 2;
}

export interface CaseResult extends AccuracyCase {
  spec: AccuracyCaseSpec;
  /** Which of the case's runs: 1 (quiet) or 2. */
  run: 1 | 2;
  /** The CPU hog that ran on the machine through this run, as a shell would write it; null when quiet. */
  hog: string | null;
  /** The run's verdict's cautions (summary.json). */
  cautions: RunCaution[];
  /** The truth: the twin's readings during the drill, or (fewer than 3 of them) the drill replica's before and after. */
  truthDetail: Truth;
  truthFrom: 'twin' | 'before and after';
  /**
   * The drill replica's truth from its readings before the drill only, and after it only: how far the machine
   * moved; null when they give none (see drift).
   */
  before: Truth | null;
  after: Truth | null;
  result: RedlineResult | null;
  exitCode: number;
  runDir: string | null;
  /** Runs this case took (more than 1 when a drill ended without a redline). */
  runs: number;
}

const msPer = (t: Truth) => `${t.cpuMsPerRequest.toFixed(2)} ms/req`;

/**
 * The drill replica's own crossing from its readings before (or after) the drill: how far the machine moved. Null
 * when they give none (fewer than two kept up with their load, or no rising line through them): the case's result
 * stands on the twin.
 */
function drift(readings: readonly CpuReading[], cpus: number): Truth | null {
  if (readings.length < 2) return null;
  try {
    return cpuTruth(readings, cpus, cpuLimit);
  } catch {
    return null;
  }
}

/** The case's cluster file, its twin's and its scenario, written in the run's folder; 100 ports per case. */
function writeCaseFiles(c: AccuracyCaseSpec, i: number, run: 1 | 2, o: SuiteOptions) {
  const dir = path.join(o.dir, c.name, `run${run}`);
  fs.mkdirSync(dir, { recursive: true });
  const clusterFile = path.join(dir, 'cluster.yaml');
  const scenarioFile = path.join(dir, 'scenario.js');
  const base = o.firstPort + 100 * i;
  fs.writeFileSync(clusterFile, caseClusterYaml(c, `${o.clusterPrefix}${i + 1}`, [base, base + 49], o.cwd));
  const twinFile = path.join(dir, 'twin.yaml');
  fs.writeFileSync(twinFile, caseClusterYaml(c, `${o.clusterPrefix}${i + 1}-twin`, [base + 50, base + 99], o.cwd));
  // Plain JavaScript: the scenario object itself, exactly what ran.
  const scenario = caseScenario(c, clusterFile, o.timing);
  fs.writeFileSync(
    scenarioFile,
    `// accuracy case ${c.name}\nexports.default = ${JSON.stringify(scenario, null, 2)};\n`,
  );
  return { dir, clusterFile, scenarioFile, twinFile };
}

/** What one run of a case gave: its truth (the twin's, or the replica's own before and after) beside its redline. */
function caseResult(
  c: AccuracyCaseSpec,
  run: 1 | 2,
  log: Logger,
  r: { drill: DrillRunResult; before: CpuReading[]; during: CpuReading[]; after: CpuReading[]; hog: CpuHog | null },
): CaseResult {
  const label = `${c.name} run ${run}`;
  const before = drift(r.before, c.cpus);
  const truthFrom = r.during.length >= 3 ? 'twin' : 'before and after';
  if (truthFrom !== 'twin')
    log.warn(
      `accuracy ${label}: ${r.during.length} twin readings during the drill; the truth is from before and after it`,
    );
  const truthDetail = cpuTruth(truthFrom === 'twin' ? r.during : [...r.before, ...r.after], c.cpus, cpuLimit);
  const after = drift(r.after, c.cpus);
  const result = r.drill.summary?.redlines[0] ?? null;
  log.info(
    `accuracy ${label}: truth ${truthDetail.rps.toFixed(1)} req/s (${truthFrom === 'twin' ? `twin, ${r.during.length} readings during the drill, ${msPer(truthDetail)}` : 'before and after'}; ` +
      `this replica before ${before ? `${before.rps.toFixed(1)}, ${msPer(before)}` : '–'}; ` +
      `after ${after ? `${after.rps.toFixed(1)}, ${msPer(after)}` : '–'}); redline ${result?.rpsPerReplica ?? '–'} ` +
      `[${result?.interval?.join(', ') ?? '–'}] (${result?.estimateMethod ?? '–'}, exit ${r.drill.exitCode})`,
  );
  return {
    name: c.name,
    truth: truthDetail.rps,
    redline: result?.rpsPerReplica ?? null,
    interval: result?.interval ?? null,
    spec: c,
    run,
    hog: r.hog?.command ?? null,
    cautions: r.drill.summary?.cautions ?? [],
    truthDetail,
    truthFrom,
    before,
    after,
    result,
    exitCode: r.drill.exitCode,
    runDir: r.drill.runDir,
    runs: 1,
  };
}

async function runCase(c: AccuracyCaseSpec, i: number, run: 1 | 2, o: SuiteOptions): Promise<CaseResult> {
  const { dir, clusterFile, scenarioFile, twinFile } = writeCaseFiles(c, i, run, o);
  const plan: TruthPlan = { ...o.truth, firstRps: firstRps(c) };
  const label = `${c.name} run ${run}`;
  const note = (when: string) => (r: CpuReading, share: number, offered: number, kept: boolean) =>
    o.log.info(
      `accuracy ${label}: truth ${when}: ${offered} req/s offered, ${r.rps.toFixed(1)} answered -> CPU share ${share.toFixed(3)}` +
        `${kept ? '' : ' (left out: the replica fell behind its load)'}`,
    );
  let cluster: RunningCluster | null = null;
  let beforeReadings: CpuReading[] = [];
  let loop: TwinLoop | null = null;
  let twinUp: Promise<RunningCluster> | null = null;
  const twinDriver = createDriver(await loadClusterFile(twinFile));
  const reqPath = requestPath(c);
  const target = () => {
    const r = cluster!.replicas[0];
    return { http: r.http, containerId: r.containerId!, cpus: c.cpus, path: reqPath };
  };
  let hog: CpuHog | null = null;
  try {
    if (run === 2 && c.busySecondRun) {
      hog = await startCpuHog();
      o.log.info(`accuracy ${label}: a CPU hog runs through this run: ${hog.command} (pid ${hog.pid})`);
    }
    o.log.info(`accuracy ${label}: ${describeCase(c)}, ${c.cpus} CPU (the drill is told neither)`);
    // The twin comes up while the drill brings its own cluster up; its readings start once both are up.
    twinUp = twinDriver.up();
    twinUp.catch(() => {}); // awaited in onClusterUp; a drill that fails before that never needs it
    const drill = await runScenario({
      scenarioFile,
      outDir: path.join(dir, 'run'),
      replace: true,
      keep: true, // the same replica answers the readings after the drill
      cwd: o.cwd,
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      tty: false,
      logger: o.log,
      signal: o.signal,
      onClusterUp: async (up) => {
        cluster = up;
        const tr = (await twinUp!).replicas[0];
        const twin = { http: tr.http, containerId: tr.containerId!, cpus: c.cpus, path: reqPath };
        const warm = (who: string) => (w: WarmUp) =>
          o.log.info(
            `accuracy ${label}: ${who}warm-up at ${w.rps} req/s for ${(w.ms / 1000).toFixed(0)} s, ${w.steady ? 'steady' : 'NOT steady'}: ` +
              `CPU ms per request ${w.msPerRequest.map((x) => x.toFixed(2)).join(' ')}`,
          );
        // Both replicas warm at once; the twin's first readings place its loads.
        const [mine, twins] = await Promise.all([
          truthReadings(target(), plan, note('before'), warm('')),
          truthReadings(twin, plan, note('twin, before'), warm('twin ')),
        ]);
        beforeReadings = mine;
        loop = twinLoop(twin, twins, plan.firstRps, plan, note('twin, during the drill'));
      },
    });
    // A twin that never came up is the case's failure, said as such (not as a truth without readings).
    await twinUp;
    const during = loop ? await (loop as TwinLoop).stop() : [];
    loop = null;
    let afterReadings: CpuReading[] = [];
    // The replica is warm after the drill: no warm-up.
    if (cluster && !o.signal?.aborted)
      afterReadings = await truthReadings(target(), { ...plan, warmupMs: 0 }, note('after'));
    return caseResult(c, run, o.log, { drill, before: beforeReadings, during, after: afterReadings, hog });
  } finally {
    await (loop as TwinLoop | null)?.stop().catch(() => []);
    try {
      await createDriver(await loadClusterFile(clusterFile)).down();
    } finally {
      try {
        await twinUp?.catch(() => null);
        await twinDriver.down();
      } finally {
        await hog?.stop();
      }
    }
  }
}

export interface SuiteResult {
  /** Each case's first (quiet) run: the accuracy table's rows. */
  cases: CaseResult[];
  /** Every run, by case: one or two each. */
  runs: CaseResult[][];
  /** With two runs per case: each case's pair (a run that gave no result counts as neither overlapping nor warning). */
  pairs: PairRow[];
  /** Cases without a truth (every reading fell behind, or the cluster failed): named with the reason. */
  failed: { name: string; reason: string }[];
  report: AccuracyReport;
}

/** A run as its pair sees it; a run without a result has neither interval nor caution. */
function pairRun(r: CaseResult | undefined, busy: boolean): PairRun {
  if (!r) return { truth: null, redline: null, interval: null, busy, drift: null, caution: null };
  const caution = r.cautions.find((c) => c.kind === 'drift')?.detail ?? null;
  return { truth: r.truth, redline: r.redline, interval: r.interval, busy, drift: r.result?.drift ?? null, caution };
}

export async function runAccuracySuite(o: SuiteOptions): Promise<SuiteResult> {
  const runs: CaseResult[][] = [];
  const pairs: PairRow[] = [];
  const failed: SuiteResult['failed'] = [];
  for (const [i, c] of o.cases.entries()) {
    const mine: (CaseResult | undefined)[] = [];
    for (const run of ([1, 2] as const).slice(0, o.runs ?? 2)) {
      if (o.signal?.aborted) break;
      try {
        let result = await runCase(c, i, run, o);
        for (let k = 2; k <= (o.attempts ?? 1) && result.redline === null && !o.signal?.aborted; k++) {
          o.log.warn(
            `accuracy ${c.name} run ${run}: the drill ended without a redline (exit ${result.exitCode}); again`,
          );
          result = { ...(await runCase(c, i, run, o)), runs: k };
        }
        mine.push(result);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        o.log.warn(`accuracy ${c.name} run ${run}: no result: ${reason}`);
        failed.push({ name: `${c.name} run ${run}`, reason });
        mine.push(undefined);
      }
    }
    runs.push(mine.filter((r): r is CaseResult => r !== undefined));
    if ((o.runs ?? 2) === 2 && mine.length === 2)
      pairs.push(pairRow(c.name, pairRun(mine[0], false), pairRun(mine[1], c.busySecondRun === true)));
  }
  const cases = runs.flatMap((r) => r.filter((x) => x.run === 1));
  return { cases, runs, pairs, failed, report: accuracyReport(cases) };
}
