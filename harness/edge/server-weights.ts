// Pure mapping from the drill's weights (per DC, per pool) to HAProxy server weights (0-256), the
// DC shares a set of server weights gives, and the bound on how far a DC's share moves in one step.
import type { Weights } from '../load';

/** HAProxy's largest absolute server weight (`set weight` refuses more). */
export const maxServerWeight = 256;

/** A server of an edge backend and the replica behind it. */
export interface EdgeServerRef {
  backend: string;
  server: string;
  dc: string;
  serverType: string;
  /** The replica behind it, when headroom knows it. */
  replica?: string;
}

export const serverKey = (s: { backend: string; server: string }): string => `${s.backend}/${s.server}`;

/**
 * Integer weights per `backend/server` whose ratios follow `w` as the in-process router splits it: a DC's
 * weight over its pools (explicit pool weights, else serving replica counts), a pool's over its serving
 * replicas. Each backend is scaled on its own so its largest server gets 256 (the finest resolution);
 * a server with a positive share never rounds to 0. Servers in `out` and DCs with weight 0 get 0.
 */
export function serverWeights(
  servers: readonly EdgeServerRef[],
  w: Weights,
  out: ReadonlySet<string> = new Set(),
): Record<string, number> {
  const result: Record<string, number> = {};
  for (const backend of [...new Set(servers.map((s) => s.backend))]) {
    const inBackend = servers.filter((s) => s.backend === backend);
    const ideal = new Map<string, number>();
    for (const dc of [...new Set(inBackend.map((s) => s.dc))]) {
      const wdc = w.dcs[dc] ?? 0;
      const serving = inBackend.filter((s) => s.dc === dc && !out.has(serverKey(s)));
      const types = [...new Set(serving.map((s) => s.serverType))];
      const explicit = w.pools?.[dc];
      const raw = types.map((t) => (explicit ? (explicit[t] ?? 0) : serving.filter((s) => s.serverType === t).length));
      const sum = raw.reduce((a, b) => a + b, 0);
      if (!(wdc > 0) || sum <= 0) continue;
      types.forEach((t, k) => {
        const members = serving.filter((s) => s.serverType === t);
        for (const s of members) ideal.set(serverKey(s), (wdc * raw[k]) / sum / members.length);
      });
    }
    const top = Math.max(0, ...ideal.values());
    for (const s of inBackend) {
      const v = ideal.get(serverKey(s)) ?? 0;
      result[serverKey(s)] = v > 0 && top > 0 ? Math.max(1, Math.round((v / top) * maxServerWeight)) : 0;
    }
  }
  return result;
}

/** Each DC's share of one backend's traffic under the given server weights (empty when all are 0). */
export function dcShares(
  servers: readonly EdgeServerRef[],
  weights: Record<string, number>,
  backend: string,
): Record<string, number> {
  const mine = servers.filter((s) => s.backend === backend);
  const total = mine.reduce((a, s) => a + (weights[serverKey(s)] ?? 0), 0);
  if (total <= 0) return {};
  const shares: Record<string, number> = {};
  for (const s of mine) shares[s.dc] = (shares[s.dc] ?? 0) + (weights[serverKey(s)] ?? 0) / total;
  return shares;
}

/** DC shares (sum 1) of the drill's weights, before any split into servers. */
export function normalisedDcs(w: Weights): Record<string, number> {
  const total = Object.values(w.dcs).reduce((a, b) => a + Math.max(b, 0), 0);
  return Object.fromEntries(Object.entries(w.dcs).map(([dc, v]) => [dc, total > 0 && v > 0 ? v / total : 0]));
}

/**
 * Moves from `current` toward `target` DC shares, no DC's share changing by more than `maxChange`: the
 * whole move is scaled down along the line between the two, so the shares still add up to 1 and the
 * DCs keep their order of change. `limited` says the target was not reached in this step.
 */
export function boundedShares(
  current: Record<string, number>,
  target: Record<string, number>,
  maxChange: number,
): { shares: Record<string, number>; limited: boolean } {
  const dcs = [...new Set([...Object.keys(current), ...Object.keys(target)])];
  const delta = (dc: string) => (target[dc] ?? 0) - (current[dc] ?? 0);
  const largest = Math.max(0, ...dcs.map((dc) => Math.abs(delta(dc))));
  if (largest <= maxChange + 1e-9)
    return { shares: Object.fromEntries(dcs.map((dc) => [dc, target[dc] ?? 0])), limited: false };
  const f = maxChange / largest;
  return {
    shares: Object.fromEntries(dcs.map((dc) => [dc, Math.max(0, (current[dc] ?? 0) + f * delta(dc))])),
    limited: true,
  };
}
