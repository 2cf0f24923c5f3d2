// Pure traffic planning: the weights of normal operation, of a probe on one pool, of each drain
// step, and of a lost DC's traffic spread over the survivors. Data in, data out, tested exactly.
import type { ClusterSpec } from '../cluster';
import type { Weights } from '../load';

/** The router's weights (load/): per DC (sum 1) and, optionally, per server type inside a DC. */
export type { Weights };

export type TrafficTarget = { kind: 'pool' | 'dc' | 'region'; name: string };

/** Each DC's demand share (normalised to sum 1). */
export function demandShares(cluster: ClusterSpec): Record<string, number> {
  const total = cluster.dcs.reduce((s, d) => s + d.demand, 0);
  return Object.fromEntries(cluster.dcs.map((d) => [d.name, total > 0 ? d.demand / total : 1 / cluster.dcs.length]));
}

/** Weights of normal operation: DCs by demand, pools inside a DC by replica count (the router's default). */
export function demandWeights(cluster: ClusterSpec): Weights {
  return { dcs: demandShares(cluster) };
}

/** All traffic to one pool `<dc>/<serverType>` (with several tiers, `cluster` is the loaded tier's view: see tiers.ts). */
export function poolOnlyWeights(cluster: ClusterSpec, poolId: string): Weights {
  const [dc, type] = dcAndType(poolId);
  const dcs = Object.fromEntries(cluster.dcs.map((d) => [d.name, d.name === dc ? 1 : 0]));
  const inDc = cluster.dcs.find((d) => d.name === dc);
  const pools = {
    [dc]: Object.fromEntries((inDc?.pools ?? []).map((p) => [p.serverType, p.serverType === type ? 1 : 0])),
  };
  return { dcs, pools };
}

/** The DCs a target covers. */
export function targetDcs(cluster: ClusterSpec, target: TrafficTarget): string[] {
  if (target.kind === 'dc') return [target.name];
  if (target.kind === 'pool') return [target.name.split('/')[0]];
  return cluster.dcs.filter((d) => d.region === target.name).map((d) => d.name);
}

/** The target's share of global traffic in normal operation. */
export function targetDemandShare(cluster: ClusterSpec, target: TrafficTarget): number {
  const shares = demandShares(cluster);
  if (target.kind === 'pool') {
    const [dc, type] = dcAndType(target.name);
    const d = cluster.dcs.find((x) => x.name === dc)!;
    const all = d.pools.reduce((s, p) => s + p.replicas, 0);
    const mine = d.pools.find((p) => p.serverType === type)?.replicas ?? 0;
    return all > 0 ? (shares[dc] * mine) / all : 0;
  }
  return targetDcs(cluster, target).reduce((s, dc) => s + shares[dc], 0);
}

/**
 * Weights that send `share` of global traffic to the target. Inside a region the target's DCs split it
 * by demand; the other DCs split the rest by demand. A pool target takes its DC's whole weight
 * (the other pools of that DC get none during the drain).
 */
export function drainWeights(cluster: ClusterSpec, target: TrafficTarget, share: number): Weights {
  const shares = demandShares(cluster);
  const inside = new Set(targetDcs(cluster, target));
  const insideDemand = [...inside].reduce((s, dc) => s + shares[dc], 0);
  const outsideDemand = 1 - insideDemand;
  const dcs: Record<string, number> = {};
  for (const d of cluster.dcs) {
    if (inside.has(d.name))
      dcs[d.name] = insideDemand > 0 ? (share * shares[d.name]) / insideDemand : share / inside.size;
    else dcs[d.name] = outsideDemand > 0 ? ((1 - share) * shares[d.name]) / outsideDemand : 0;
  }
  if (target.kind !== 'pool') return { dcs };
  return { dcs, pools: poolOnlyWeights(cluster, target.name).pools };
}

/** Shares of a drain's steps: from the demand share to 1, `steps` points evenly spaced (both ends included). */
export function drainShares(demandShare: number, steps: number): number[] {
  if (steps < 2 || demandShare >= 1) return [Math.min(1, demandShare)];
  return Array.from({ length: steps }, (_, i) => round4(demandShare + ((1 - demandShare) * i) / (steps - 1)));
}

/**
 * Weights with one DC lost: its demand moves to the survivors by the cluster's failover map when it
 * names the lost DC (shares normalised over survivors), otherwise in proportion to the survivors' demand.
 */
export function loseDcWeights(cluster: ClusterSpec, lostDc: string): Weights {
  const shares = demandShares(cluster);
  const survivors = cluster.dcs.map((d) => d.name).filter((n) => n !== lostDc);
  const lost = shares[lostDc] ?? 0;
  const map = cluster.failover?.[lostDc];
  const mapTotal = map ? survivors.reduce((s, n) => s + (map[n] ?? 0), 0) : 0;
  const survivorDemand = survivors.reduce((s, n) => s + shares[n], 0);
  const dcs: Record<string, number> = { [lostDc]: 0 };
  for (const n of survivors) {
    const extra =
      map && mapTotal > 0
        ? (lost * (map[n] ?? 0)) / mapTotal
        : survivorDemand > 0
          ? (lost * shares[n]) / survivorDemand
          : lost / survivors.length;
    dcs[n] = round6(shares[n] + extra);
  }
  return { dcs };
}

/** Capacity of a DC from redlines: sum over its pools of replicas × redline of the type; null when a type has no redline. */
export function dcCapacity(
  cluster: ClusterSpec,
  dc: string,
  redlines: Record<string, number | null | undefined>,
  servingReplicas?: Record<string, number>,
): number | null {
  const d = cluster.dcs.find((x) => x.name === dc);
  if (!d) return null;
  let total = 0;
  for (const p of d.pools) {
    const n = servingReplicas?.[p.id] ?? p.replicas;
    if (n === 0) continue;
    const r = redlines[p.serverType];
    if (r === null || r === undefined) return null;
    total += n * r;
  }
  return total;
}

/** Pools of each server type a redline or sweep loads: the named pool, or per type the pool with the fewest replicas (first in file order on a tie). */
export function redlinePools(cluster: ClusterSpec, choice: { serverTypes: 'all' | string[]; pool?: string }): string[] {
  if (choice.pool) return [choice.pool];
  const types = choice.serverTypes === 'all' ? Object.keys(cluster.serverTypes) : choice.serverTypes;
  const out: string[] = [];
  for (const t of types) {
    const candidates = cluster.dcs.flatMap((d) => d.pools).filter((p) => p.serverType === t && p.replicas > 0);
    if (!candidates.length) continue;
    const best = candidates.reduce((a, b) => (b.replicas < a.replicas ? b : a));
    out.push(best.id);
  }
  return out;
}

/** A pool id's DC and server type (`<dc>/<type>`, or `<dc>/<tier>/<type>` with several tiers). */
function dcAndType(poolId: string): [string, string] {
  const parts = poolId.split('/');
  return [parts[0], parts[parts.length - 1]];
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
