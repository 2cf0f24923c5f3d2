// How much a twin and its generator move what they measure: a case's replica held at a fixed load while its
// twin is idle or loaded at the twin's shares of its quota, in rounds (each round in another order, so a drift
// of the machine falls on every condition alike). The replica's CPU per request under each load of the twin,
// against idle in the same round, is the interference; the process's own CPU over each window is the
// generator's (no drill runs beside it here). Then the generator's ceiling: the rate one generator process
// answers against a replica with CPU to spare.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../../common';
import { createDriver, type RunningCluster } from '../../cluster';
import { loadClusterFile } from '../../config';
import { mean, stdDev, tQuantile } from '../../capacity/statistics';
import { caseClusterYaml, firstRps, requestPath, type AccuracyCaseSpec } from './cases';
import { cpuReading, truthReadings, type TruthPlan, type TruthTarget } from './measure-truth';
import { cpuShareOf, type CpuReading } from './truth';
import { loadsAt, twinLoads, twinShares } from './twin';

export interface InterferenceOptions {
  cases: readonly AccuracyCaseSpec[];
  /** Rounds of every condition (idle and each twin load). */
  rounds: number;
  /** The replica's fixed load, as a share of its quota. */
  replicaShare: number;
  /** Warm-up and the first readings that place the loads; settle and window of every reading. */
  truth: Omit<TruthPlan, 'firstRps'>;
  /** The generator's ceiling: these rates against `case` (a shape or knob whose replica gets `cpus`). */
  ceiling: { case: AccuracyCaseSpec; cpus: number; rates: number[] } | null;
  dir: string;
  clusterPrefix: string;
  /** 10 ports from here per cluster: each case's replica and twin, then the ceiling's replica. */
  firstPort: number;
  cwd: string;
  log: Logger;
  signal?: AbortSignal;
}

/** One condition of the twin, over the rounds. */
export interface InterferenceRow {
  name: string;
  /** The twin's offered rate (0: idle) and the share of its quota it aimed at (0: idle). */
  twinRps: number;
  twinAim: number;
  /** The twin's measured CPU share, mean over the rounds (null when idle). */
  twinShare: number | null;
  replicaRps: number;
  /** The replica's CPU ms per request, mean over the rounds. */
  replicaMsPerRequest: number;
  /** Against idle in the same round: mean relative change and its 95% half-width (t over the rounds); null for idle. */
  change: number | null;
  changeHalfWidth: number | null;
  /** The process's CPU (the generator: both loads) over the windows, cores; and per request answered, µs. */
  generatorCores: number;
  generatorUsPerRequest: number;
}

export interface CeilingRow {
  offered: number;
  answered: number;
  generatorCores: number;
  replicaShare: number;
}

export interface InterferenceResult {
  rows: InterferenceRow[];
  ceiling: CeilingRow[];
  /** Cases or parts that gave nothing, with the reason. */
  failed: { name: string; reason: string }[];
}

interface Window {
  replica: CpuReading;
  twin: CpuReading | null;
  cores: number;
}

/** Both loads at once over the same settle and window, and the process's CPU over that time. */
async function bothLoads(
  replica: TruthTarget,
  replicaRps: number,
  twin: TruthTarget,
  twinRps: number,
  plan: Pick<TruthPlan, 'settleMs' | 'windowMs'>,
): Promise<Window> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const [r, t] = await Promise.all([
    cpuReading(replica, replicaRps, plan.settleMs, plan.windowMs),
    twinRps > 0 ? cpuReading(twin, twinRps, plan.settleMs, plan.windowMs) : Promise.resolve(null),
  ]);
  const used = process.cpuUsage(cpu0);
  return { replica: r, twin: t, cores: (used.user + used.system) / 1000 / (performance.now() - t0) };
}

const msPerRequest = (r: CpuReading) => (r.usageEndUs - r.usageStartUs) / 1000 / (r.rps * r.seconds);

function writeCluster(c: AccuracyCaseSpec, name: string, ports: [number, number], o: InterferenceOptions): string {
  const file = path.join(o.dir, `${name}.yaml`);
  fs.writeFileSync(file, caseClusterYaml(c, name, ports, o.cwd));
  return file;
}

async function withClusters<T>(files: string[], use: (up: RunningCluster[]) => Promise<T>): Promise<T> {
  const drivers = await Promise.all(files.map(async (f) => createDriver(await loadClusterFile(f))));
  const ups = drivers.map((d) => d.up());
  for (const u of ups) u.catch(() => {});
  try {
    return await use(await Promise.all(ups));
  } finally {
    await Promise.allSettled(ups);
    for (const d of drivers) await d.down();
  }
}

const target = (up: RunningCluster, c: AccuracyCaseSpec): TruthTarget => {
  const r = up.replicas[0];
  return { http: r.http, containerId: r.containerId!, cpus: c.cpus, path: requestPath(c) };
};

async function caseRows(c: AccuracyCaseSpec, i: number, o: InterferenceOptions): Promise<InterferenceRow[]> {
  const base = o.firstPort + 20 * i;
  const files = [
    writeCluster(c, `${o.clusterPrefix}${i + 1}`, [base, base + 9], o),
    writeCluster(c, `${o.clusterPrefix}${i + 1}-twin`, [base + 10, base + 19], o),
  ];
  const plan: TruthPlan = { ...o.truth, firstRps: firstRps(c) };
  return withClusters(files, async ([a, b]) => {
    const replica = target(a, c);
    const twin = target(b, c);
    const [mine, twins] = await Promise.all([truthReadings(replica, plan), truthReadings(twin, plan)]);
    const [replicaRps] = loadsAt(mine, c.cpus, [o.replicaShare], plan.firstRps);
    const loads = twinLoads(twins, c.cpus, plan.firstRps);
    const conditions = [0, ...loads];
    const aims = [0, ...(loads.length === twinShares.length ? twinShares : loads.map(() => Number.NaN))];
    o.log.info(
      `accuracy interference ${c.name}: the replica at ${replicaRps} req/s (${o.replicaShare} of its quota), the twin idle or at ${loads.join(', ')} req/s`,
    );
    const got: Window[][] = conditions.map(() => []);
    for (let round = 0; round < o.rounds && !o.signal?.aborted; round++) {
      for (let k = 0; k < conditions.length && !o.signal?.aborted; k++) {
        const j = (k + round) % conditions.length;
        const w = await bothLoads(replica, replicaRps, twin, conditions[j], plan);
        got[j].push(w);
        o.log.info(
          `accuracy interference ${c.name} round ${round + 1}: twin ${conditions[j] ? `${conditions[j]} req/s (share ${cpuShareOf(w.twin!, c.cpus).toFixed(3)})` : 'idle'}: ` +
            `replica ${w.replica.rps.toFixed(1)} req/s, ${msPerRequest(w.replica).toFixed(3)} ms/req; generator ${w.cores.toFixed(3)} cores`,
        );
      }
    }
    const rounds = Math.min(...got.map((g) => g.length));
    return conditions.map((rps, j): InterferenceRow => {
      const ws = got[j].slice(0, rounds);
      const ratios = ws.map((w, r) => msPerRequest(w.replica) / msPerRequest(got[0][r].replica) - 1);
      const answered = ws.map((w) => w.replica.rps + (w.twin?.rps ?? 0));
      const cores = mean(ws.map((w) => w.cores));
      return {
        name: c.name,
        twinRps: rps,
        twinAim: aims[j],
        twinShare: rps > 0 ? mean(ws.map((w) => cpuShareOf(w.twin!, c.cpus))) : null,
        replicaRps: mean(ws.map((w) => w.replica.rps)),
        replicaMsPerRequest: mean(ws.map((w) => msPerRequest(w.replica))),
        change: j > 0 && rounds > 0 ? mean(ratios) : null,
        changeHalfWidth:
          j > 0 && rounds > 1 ? (tQuantile(0.975, rounds - 1) * stdDev(ratios)) / Math.sqrt(rounds) : null,
        generatorCores: cores,
        generatorUsPerRequest: (cores * 1e6) / mean(answered),
      };
    });
  });
}

/** The generator alone against one replica with CPU to spare, at rising rates: where it stops keeping up. */
async function ceilingRows(o: InterferenceOptions): Promise<CeilingRow[]> {
  const spec = o.ceiling!;
  const c = { ...spec.case, cpus: spec.cpus };
  const base = o.firstPort + 20 * o.cases.length;
  const file = writeCluster(c, `${o.clusterPrefix}${o.cases.length + 1}`, [base, base + 9], o);
  return withClusters([file], async ([a]) => {
    const t = target(a, c);
    const rows: CeilingRow[] = [];
    for (const rps of spec.rates) {
      if (o.signal?.aborted) break;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await cpuReading(t, rps, o.truth.settleMs, o.truth.windowMs);
      const used = process.cpuUsage(cpu0);
      const row = {
        offered: rps,
        answered: r.rps,
        generatorCores: (used.user + used.system) / 1000 / (performance.now() - t0),
        replicaShare: cpuShareOf(r, c.cpus),
      };
      rows.push(row);
      o.log.info(
        `accuracy interference: generator ceiling: ${rps} req/s offered, ${r.rps.toFixed(0)} answered, generator ${row.generatorCores.toFixed(3)} cores, replica share ${row.replicaShare.toFixed(3)} of ${c.cpus} CPU`,
      );
      // Past its ceiling the generator only queues more: the next rate says nothing new.
      if (r.rps < 0.9 * rps) break;
    }
    return rows;
  });
}

export async function measureInterference(o: InterferenceOptions): Promise<InterferenceResult> {
  fs.mkdirSync(o.dir, { recursive: true });
  const rows: InterferenceRow[] = [];
  const failed: InterferenceResult['failed'] = [];
  for (const [i, c] of o.cases.entries()) {
    if (o.signal?.aborted) break;
    try {
      rows.push(...(await caseRows(c, i, o)));
    } catch (err) {
      failed.push({ name: c.name, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  let ceiling: CeilingRow[] = [];
  if (o.ceiling && !o.signal?.aborted) {
    try {
      ceiling = await ceilingRows(o);
    } catch (err) {
      failed.push({ name: 'generator ceiling', reason: err instanceof Error ? err.message : String(err) });
    }
  }
  return { rows, ceiling, failed };
}

const pct = (x: number | null, d = 1) => (x === null ? '–' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(d)}%`);

/** The interference tables (Markdown). */
export function formatInterference(r: InterferenceResult): string {
  const lines = [
    '| case | twin load | twin CPU share | replica req/s | replica ms/req | vs twin idle (95%) | generator cores | generator µs/req |',
    '| --- | --- | ---: | ---: | ---: | --- | ---: | ---: |',
    ...r.rows.map(
      (x) =>
        `| ${x.name} | ${x.twinRps ? `${x.twinRps} req/s (aim ${Number.isNaN(x.twinAim) ? '?' : x.twinAim})` : 'idle'} | ${x.twinShare === null ? '–' : x.twinShare.toFixed(3)} | ` +
        `${x.replicaRps.toFixed(1)} | ${x.replicaMsPerRequest.toFixed(3)} | ${x.change === null ? '–' : `${pct(x.change)}${x.changeHalfWidth === null ? '' : ` ±${(x.changeHalfWidth * 100).toFixed(1)}%`}`} | ` +
        `${x.generatorCores.toFixed(3)} | ${x.generatorUsPerRequest.toFixed(0)} |`,
    ),
  ];
  if (r.ceiling.length)
    lines.push(
      '',
      '| generator alone: offered req/s | answered req/s | generator cores | replica CPU share |',
      '| ---: | ---: | ---: | ---: |',
      ...r.ceiling.map(
        (x) =>
          `| ${x.offered} | ${x.answered.toFixed(0)} | ${x.generatorCores.toFixed(3)} | ${x.replicaShare.toFixed(3)} |`,
      ),
    );
  lines.push(...r.failed.map((f) => `interference ${f.name}: no result: ${f.reason}`));
  return `${lines.join('\n')}\n`;
}
