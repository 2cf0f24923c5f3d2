// The open-loop schedule a k6 export runs: a scenario's drain, hold, DC-loss and sweep drills laid
// out as sequential steps (rate, start, duration, per-replica weights). Pure: scenario and cluster in, steps out.
import type { ClusterSpec, ReplicaSpec } from '../cluster';
import { ConfigError } from '../common';
import type { ResolvedDrill, Scenario } from '../config';
import { sweepGrid } from '../drill';
import type { Tags } from '../metrics';
import {
  demandWeights,
  drainShares,
  drainWeights,
  loseDcWeights,
  poolOnlyWeights,
  redlinePools,
  targetDemandShare,
} from '../drill';
import type { TrafficTarget } from '../drill';
import type { Weights } from '../load';

/** One replica a step may send to, with its share of the step's requests. */
export interface StepTarget {
  replica: string;
  region: string;
  dc: string;
  pool: string;
  /** `http://host:port` */
  http: string;
  /** `host:port`; absent for a static server without a gRPC address (the mix then has no gRPC endpoint). */
  grpc?: string;
  share: number;
}

export interface ExportStep {
  /** Unique in the export, also the k6 scenario name and the `step` tag: `<drill>-<n>`. */
  name: string;
  drill: string;
  kind: ResolvedDrill['kind'];
  /** Total arrival rate, req/s. */
  rps: number;
  startMs: number;
  durationMs: number;
  /** Not measured by a guard at the start of the step (k6's delayAbortEval). */
  settleMs: number;
  targets: StepTarget[];
  /** Tag filters whose guards hold in this step (the drain target, each survivor of a lost DC, or everything). */
  guardFilters: Tags[];
  note?: string;
}

export interface StepPlan {
  steps: ExportStep[];
  /** What the export leaves out or changes, one sentence each. */
  warnings: string[];
}

/** The chosen drill (or every drill) that k6 can run; redline searches are refused (closed loop). */
function exportableDrills(scenario: Scenario, drillName: string | undefined, warnings: string[]): ResolvedDrill[] {
  let drills = scenario.drills;
  if (drillName !== undefined) {
    drills = drills.filter((d) => d.name === drillName);
    if (!drills.length) {
      throw new ConfigError(
        scenario.file,
        'drills',
        `got --drill '${drillName}'; expected one of ${scenario.drills.map((d) => `'${d.name}'`).join(', ')}`,
      );
    }
  }
  const refused = drills.filter((d) => d.kind === 'redline' || (d.kind === 'sweep' && d.aroundRedline));
  if (drillName !== undefined && refused.length)
    throw new ConfigError(
      scenario.file,
      `drills[${scenario.drills.indexOf(refused[0])}]`,
      refusal(refused[0]),
      refusalHint,
    );
  for (const d of refused) warnings.push(`drill '${d.name}' left out: ${refusal(d)}`);
  drills = drills.filter((d) => !refused.includes(d));
  if (!drills.length)
    throw new ConfigError(
      scenario.file,
      'drills',
      `no drill can be exported: ${refused.map((d) => `'${d.name}' (${d.kind})`).join(', ')}`,
      refusalHint,
    );
  return drills;
}

/** One step of a drill before it is placed on the timeline. */
interface DrillStep {
  rps: number;
  durationMs: number;
  weights: Weights;
  guardFilters: Tags[];
  note?: string;
}

/** A drain: a constant rate, the target's share stepped from its demand to all of it. */
function drainSteps(d: Extract<ResolvedDrill, { kind: 'drain' }>, cluster: ClusterSpec): DrillStep[] {
  const t = d.target;
  const target: TrafficTarget =
    'pool' in t
      ? { kind: 'pool', name: t.pool }
      : 'dc' in t
        ? { kind: 'dc', name: t.dc }
        : { kind: 'region', name: t.region };
  const filter: Tags = { [target.kind]: target.name };
  return drainShares(targetDemandShare(cluster, target), d.steps).map((share) => ({
    rps: d.totalRps,
    durationMs: d.settleMs + d.measureMs,
    weights: drainWeights(cluster, target, share),
    guardFilters: [filter],
    note: `${target.name} takes ${round3(share * 100)}% of the traffic`,
  }));
}

/** The steps of one drill, and what the export changes of it (a warning each). */
function drillSteps(d: ResolvedDrill, cluster: ClusterSpec, warnings: string[]): DrillStep[] {
  switch (d.kind) {
    case 'hold':
      return Array.from({ length: d.steps }, (_, i) => ({
        rps: d.totalRps,
        durationMs: (i === 0 ? d.settleMs : 0) + d.measureMs,
        weights: demandWeights(cluster),
        guardFilters: [{}],
      }));
    case 'drain':
      return drainSteps(d, cluster);
    case 'lose-dc':
      if (d.mode === 'kill')
        warnings.push(
          `drill '${d.name}': mode 'kill' exported as 'weight' (k6 sends traffic; it cannot kill replicas)`,
        );
      return (d.dc === 'each' ? cluster.dcs.map((x) => x.name) : [d.dc]).map((dc) => {
        const survivors = cluster.dcs.map((x) => x.name).filter((n) => n !== dc);
        return {
          rps: d.totalRps,
          durationMs: d.settleMs + d.measureMs,
          weights: loseDcWeights(cluster, dc),
          guardFilters: survivors.map((s) => ({ dc: s })),
          note: `${dc} lost; its traffic spread over ${survivors.join(', ')}`,
        };
      });
    case 'sweep': {
      if (d.stopAtBreach)
        warnings.push(
          `drill '${d.name}': stopAtBreach becomes abortOnFail on each point's guards (k6 stops the whole test, not only the sweep)`,
        );
      // A sweep without from/to (aroundRedline) was refused before.
      const { from, to } = d;
      if (from === undefined || to === undefined) return [];
      return redlinePools(cluster, d).flatMap((pool) => {
        const replicas = cluster.replicas.filter((r) => r.pool === pool).length;
        return sweepGrid(from, to, d.spacing).map((perReplica) => ({
          rps: perReplica * replicas,
          durationMs: d.settleMs + d.measureMs,
          weights: poolOnlyWeights(cluster, pool),
          guardFilters: [{ pool }],
          note: `${pool} at ${perReplica} req/s per replica`,
        }));
      });
    }
    case 'redline':
      return []; // refused before: a closed loop
  }
}

/** Lays out the chosen drill (or every drill) as steps; redline searches are refused (closed loop). */
export function exportSteps(scenario: Scenario, cluster: ClusterSpec, drillName?: string): StepPlan {
  const warnings: string[] = [];
  const steps: ExportStep[] = [];
  let at = 0;
  for (const d of exportableDrills(scenario, drillName, warnings)) {
    for (const [i, st] of drillSteps(d, cluster, warnings).entries()) {
      steps.push({
        name: `${d.name}-${i + 1}`,
        drill: d.name,
        kind: d.kind,
        rps: round3(st.rps),
        startMs: at,
        durationMs: st.durationMs,
        settleMs: d.settleMs,
        targets: replicaShares(cluster, st.weights),
        guardFilters: st.guardFilters,
        ...(st.note ? { note: st.note } : {}),
      });
      at += st.durationMs;
    }
  }
  const over = steps.filter((s) => s.rps > scenario.safety.maxTotalRps);
  if (over.length)
    throw new ConfigError(
      scenario.file,
      'safety.maxTotalRps',
      `step ${over[0].name} would offer ${over[0].rps} req/s; expected at most ${scenario.safety.maxTotalRps}`,
    );
  return { steps, warnings };
}

const refusalHint =
  'a k6 export is open loop: export a sweep with from/to (req/s per replica) around a redline found by `headroom drill`';

function refusal(d: ResolvedDrill): string {
  return d.kind === 'redline'
    ? 'a redline search is a closed loop (each probe depends on the guards of the last) and k6 has no externally controlled executor'
    : 'a sweep aroundRedline needs the redline of this run, which only a live drill finds';
}

/**
 * Each replica's share of a step's requests, as the router splits them: DC by weight, pool inside a DC
 * by its pool weight (else by replica count), replicas of a pool evenly.
 */
export function replicaShares(cluster: ClusterSpec, weights: Weights): StepTarget[] {
  const out: StepTarget[] = [];
  for (const dc of cluster.dcs) {
    const dcShare = weights.dcs[dc.name] ?? 0;
    if (dcShare <= 0) continue;
    const replicas = cluster.replicas.filter((r) => r.dc === dc.name);
    const poolWeights = weights.pools?.[dc.name];
    const poolIds = [...new Set(replicas.map((r) => r.pool))];
    const raw = poolIds.map((p) =>
      poolWeights ? (poolWeights[p.split('/')[1]] ?? 0) : replicas.filter((r) => r.pool === p).length,
    );
    const total = raw.reduce((s, x) => s + x, 0);
    poolIds.forEach((p, i) => {
      if (total <= 0 || raw[i] <= 0) return;
      const inPool = replicas.filter((r) => r.pool === p);
      for (const r of inPool) out.push(target(r, round6((dcShare * raw[i]) / total / inPool.length)));
    });
  }
  return out;
}

function target(r: ReplicaSpec, share: number): StepTarget {
  const hp = (h: string, p: number) => (h.includes(':') ? `[${h}]:${p}` : `${h}:${p}`);
  return {
    replica: r.name,
    region: r.region,
    dc: r.dc,
    pool: r.pool,
    http: `http://${hp(r.host, r.httpPort)}`,
    ...(r.grpcPort !== undefined ? { grpc: hp(r.grpcHost ?? r.host, r.grpcPort) } : {}),
    share,
  };
}

const round3 = (x: number) => Math.round(x * 1e3) / 1e3;
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
