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

/** Lays out the chosen drill (or every drill) as steps; redline searches are refused (closed loop). */
export function exportSteps(scenario: Scenario, cluster: ClusterSpec, drillName?: string): StepPlan {
  const warnings: string[] = [];
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

  const steps: ExportStep[] = [];
  let at = 0;
  const push = (
    d: ResolvedDrill,
    rps: number,
    durationMs: number,
    weights: Weights,
    guardFilters: Tags[],
    note?: string,
  ) => {
    const name = `${d.name}-${steps.filter((s) => s.drill === d.name).length + 1}`;
    steps.push({
      name,
      drill: d.name,
      kind: d.kind,
      rps: round3(rps),
      startMs: at,
      durationMs,
      settleMs: d.settleMs,
      targets: replicaShares(cluster, weights),
      guardFilters,
      ...(note ? { note } : {}),
    });
    at += durationMs;
  };
  for (const d of drills) {
    switch (d.kind) {
      case 'hold':
        for (let i = 0; i < d.steps; i++)
          push(d, d.totalRps, (i === 0 ? d.settleMs : 0) + d.measureMs, demandWeights(cluster), [{}]);
        break;
      case 'drain': {
        const t = d.target;
        const target: TrafficTarget =
          'pool' in t
            ? { kind: 'pool', name: t.pool }
            : 'dc' in t
              ? { kind: 'dc', name: t.dc }
              : { kind: 'region', name: t.region };
        const filter: Tags = { [target.kind]: target.name };
        for (const share of drainShares(targetDemandShare(cluster, target), d.steps)) {
          push(
            d,
            d.totalRps,
            d.settleMs + d.measureMs,
            drainWeights(cluster, target, share),
            [filter],
            `${target.name} takes ${round3(share * 100)}% of the traffic`,
          );
        }
        break;
      }
      case 'lose-dc':
        if (d.mode === 'kill')
          warnings.push(
            `drill '${d.name}': mode 'kill' exported as 'weight' (k6 sends traffic; it cannot kill replicas)`,
          );
        for (const dc of d.dc === 'each' ? cluster.dcs.map((x) => x.name) : [d.dc]) {
          const survivors = cluster.dcs.map((x) => x.name).filter((n) => n !== dc);
          push(
            d,
            d.totalRps,
            d.settleMs + d.measureMs,
            loseDcWeights(cluster, dc),
            survivors.map((s) => ({ dc: s })),
            `${dc} lost; its traffic spread over ${survivors.join(', ')}`,
          );
        }
        break;
      case 'sweep':
        if (d.stopAtBreach)
          warnings.push(
            `drill '${d.name}': stopAtBreach becomes abortOnFail on each point's guards (k6 stops the whole test, not only the sweep)`,
          );
        // A sweep without from/to (aroundRedline) was refused above.
        if (d.from === undefined || d.to === undefined) break;
        for (const pool of redlinePools(cluster, d)) {
          const replicas = cluster.replicas.filter((r) => r.pool === pool).length;
          for (const perReplica of sweepGrid(d.from, d.to, d.spacing)) {
            push(
              d,
              perReplica * replicas,
              d.settleMs + d.measureMs,
              poolOnlyWeights(cluster, pool),
              [{ pool }],
              `${pool} at ${perReplica} req/s per replica`,
            );
          }
        }
        break;
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
