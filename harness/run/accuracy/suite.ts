// The accuracy suite (issue 10): per case, a one-replica cluster comes up inside a redline drill; before
// the drill's first probe and again after its last, a separate generator measures the replica's cgroup
// CPU at several loads (the truth: a line through every reading, crossing the CPU guard's limit); the
// drill's redline and interval (repeats 3) are then set against it. Runs one case after the other.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import type { Logger } from '../../common';
import { createDriver, type RunningCluster } from '../../cluster';
import { loadClusterFile } from '../../config';
import type { RedlineResult } from '../../results';
import { runScenario } from '../run';
import { caseClusterYaml, caseScenario, cpuLimit, type AccuracyCaseSpec, type DrillTiming } from './cases';
import { truthReadings, type TruthPlan } from './measure-truth';
import { accuracyReport, cpuTruth, type AccuracyCase, type AccuracyReport, type CpuReading, type Truth } from './truth';

export interface SuiteOptions {
  cases: readonly AccuracyCaseSpec[];
  timing: DrillTiming;
  /** Truth readings before and after the drill, each at the first load then at these shares. */
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
}

export interface CaseResult extends AccuracyCase {
  spec: AccuracyCaseSpec;
  truthDetail: Truth;
  /** The truth from the readings before the drill only, and after it only: how far the replica drifted. */
  before: Truth;
  after: Truth | null;
  result: RedlineResult | null;
  exitCode: number;
  runDir: string | null;
  /** Runs this case took (more than 1 when a drill ended without a redline). */
  runs: number;
}

/** A first load at about a third of the quota, from the case's knob and the ~0.5 ms HTTP overhead per request. */
const firstRps = (c: AccuracyCaseSpec) => Math.round((0.35 * c.cpus * 1000) / (c.feedCpuMs + 0.5));

const msPer = (t: Truth) => `${t.cpuMsPerRequest.toFixed(2)} ms/req`;

async function runCase(c: AccuracyCaseSpec, i: number, o: SuiteOptions): Promise<CaseResult> {
  const dir = path.join(o.dir, c.name);
  fs.mkdirSync(dir, { recursive: true });
  const clusterFile = path.join(dir, 'cluster.yaml');
  const scenarioFile = path.join(dir, 'scenario.js');
  const ports: [number, number] = [o.firstPort + 100 * i, o.firstPort + 100 * i + 99];
  fs.writeFileSync(clusterFile, caseClusterYaml(c, `${o.clusterPrefix}${i + 1}`, ports));
  // Plain JavaScript: the scenario object itself, exactly what ran.
  const scenario = caseScenario(c, clusterFile, o.timing);
  fs.writeFileSync(
    scenarioFile,
    `// accuracy case ${c.name}\nexports.default = ${JSON.stringify(scenario, null, 2)};\n`,
  );
  const plan: TruthPlan = { ...o.truth, firstRps: firstRps(c) };
  const note = (when: string) => (r: CpuReading, share: number, offered: number, kept: boolean) =>
    o.log.info(
      `accuracy ${c.name}: truth ${when}: ${offered} req/s offered, ${r.rps.toFixed(1)} answered -> CPU share ${share.toFixed(3)}` +
        `${kept ? '' : ' (left out: the replica fell behind its load)'}`,
    );
  let cluster: RunningCluster | null = null;
  let beforeReadings: CpuReading[] = [];
  const target = () => {
    const r = cluster!.replicas[0];
    return { http: r.http, containerId: r.containerId!, cpus: c.cpus };
  };
  try {
    o.log.info(`accuracy ${c.name}: FEED_CPU_MS ${c.feedCpuMs}, ${c.cpus} CPU (the drill is told neither)`);
    const run = await runScenario({
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
        beforeReadings = await truthReadings(target(), plan, note('before'), (w) =>
          o.log.info(
            `accuracy ${c.name}: warm-up at ${w.rps} req/s for ${(w.ms / 1000).toFixed(0)} s, ${w.steady ? 'steady' : 'NOT steady'}: ` +
              `CPU ms per request ${w.msPerRequest.map((x) => x.toFixed(2)).join(' ')}`,
          ),
        );
      },
    });
    const before = cpuTruth(beforeReadings, c.cpus, cpuLimit);
    let afterReadings: CpuReading[] = [];
    // The replica is warm after the drill: no warm-up.
    if (cluster && !o.signal?.aborted)
      afterReadings = await truthReadings(target(), { ...plan, warmupMs: 0 }, note('after'));
    const truthDetail = cpuTruth([...beforeReadings, ...afterReadings], c.cpus, cpuLimit);
    const after = afterReadings.length >= 2 ? cpuTruth(afterReadings, c.cpus, cpuLimit) : null;
    const result = run.summary?.redlines[0] ?? null;
    o.log.info(
      `accuracy ${c.name}: truth ${truthDetail.rps.toFixed(1)} req/s (before ${before.rps.toFixed(1)}, ${msPer(before)}; ` +
        `after ${after ? `${after.rps.toFixed(1)}, ${msPer(after)}` : '–'}); redline ${result?.rpsPerReplica ?? '–'} ` +
        `[${result?.interval?.join(', ') ?? '–'}] (${result?.estimateMethod ?? '–'}, exit ${run.exitCode})`,
    );
    return {
      name: c.name,
      truth: truthDetail.rps,
      redline: result?.rpsPerReplica ?? null,
      interval: result?.interval ?? null,
      spec: c,
      truthDetail,
      before,
      after,
      result,
      exitCode: run.exitCode,
      runDir: run.runDir,
      runs: 1,
    };
  } finally {
    await createDriver(await loadClusterFile(clusterFile)).down();
  }
}

export interface SuiteResult {
  cases: CaseResult[];
  /** Cases without a truth (every reading fell behind, or the cluster failed): named with the reason. */
  failed: { name: string; reason: string }[];
  report: AccuracyReport;
}

export async function runAccuracySuite(o: SuiteOptions): Promise<SuiteResult> {
  const cases: CaseResult[] = [];
  const failed: SuiteResult['failed'] = [];
  for (const [i, c] of o.cases.entries()) {
    if (o.signal?.aborted) break;
    try {
      let result = await runCase(c, i, o);
      for (let run = 2; run <= (o.attempts ?? 1) && result.redline === null && !o.signal?.aborted; run++) {
        o.log.warn(`accuracy ${c.name}: the drill ended without a redline (exit ${result.exitCode}); run ${run}`);
        result = { ...(await runCase(c, i, o)), runs: run };
      }
      cases.push(result);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      o.log.warn(`accuracy ${c.name}: no result: ${reason}`);
      failed.push({ name: c.name, reason });
    }
  }
  return { cases, failed, report: accuracyReport(cases) };
}
