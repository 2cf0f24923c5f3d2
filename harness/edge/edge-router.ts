// The drill's weight changes applied at a real HAProxy: DC and pool weights become server weights
// (server-weights.ts), each step moves a DC's share by at most `maxShareChange` unless told otherwise,
// and every step returns the weights HAProxy reports back (`get weight`), not only those sent.
import { ClusterError, ConfigError, ConfigErrors } from '../common';
import type { Weights } from '../load';
import type { RuntimeClient } from './runtime';
import { boundedShares, dcShares, type EdgeServerRef, normalisedDcs, serverKey, serverWeights } from './server-weights';

export interface EdgeRouterOptions {
  /** Largest change of a DC's share of traffic in one step (0.25 = 25 points); 1 = no bound. */
  maxShareChange?: number;
}

/** What one weight change did, for the step record. */
export interface EdgeStepWeights {
  /** DC shares asked for (normalised). */
  requested: Record<string, number>;
  /** DC shares aimed at after the per-step bound. */
  applied: Record<string, number>;
  /** The bound held the change back: the requested shares are not reached yet. */
  limited: boolean;
  /** `backend/server` -> weight sent, and the weight HAProxy reported afterwards. */
  sent: Record<string, number>;
  reported: Record<string, number>;
  /** Per backend, each DC's share under the reported weights. */
  reportedShares: Record<string, Record<string, number>>;
}

export class EdgeRouter {
  private readonly servers: readonly EdgeServerRef[];
  private readonly maxShareChange: number;
  private readonly out = new Set<string>();
  /** The DC shares last applied (or found at start), from which the next step is bounded. */
  private current: Record<string, number> | undefined;
  private last: Weights | undefined;

  constructor(
    private readonly client: RuntimeClient,
    servers: readonly EdgeServerRef[],
    opts: EdgeRouterOptions = {},
  ) {
    if (servers.length === 0) throw new ConfigError('edge', 'servers', 'an edge router needs at least one server');
    this.servers = servers;
    this.maxShareChange = opts.maxShareChange ?? 0.25;
  }

  get backends(): string[] {
    return [...new Set(this.servers.map((s) => s.backend))];
  }

  /** Weights HAProxy reports now, per `backend/server`, and the DC shares they give per backend. */
  async readBack(): Promise<{
    reported: Record<string, number>;
    reportedShares: Record<string, Record<string, number>>;
  }> {
    const got = await this.client.getWeights(this.servers);
    const reported = Object.fromEntries(got.map((g) => [serverKey(g), g.weight]));
    return {
      reported,
      reportedShares: Object.fromEntries(this.backends.map((b) => [b, dcShares(this.servers, reported, b)])),
    };
  }

  /** Applies `w` (bounded per step unless `unbounded`); resolves once HAProxy has reported the new weights. */
  async setWeights(w: Weights, opts: { unbounded?: boolean } = {}): Promise<EdgeStepWeights> {
    this.check(w);
    const requested = normalisedDcs(w);
    if (!this.current) {
      const { reportedShares } = await this.readBack();
      this.current = reportedShares[this.backends[0]] ?? {};
    }
    const bound = opts.unbounded
      ? { shares: requested, limited: false }
      : boundedShares(this.current, requested, this.maxShareChange);
    const step: Weights = { dcs: bound.shares, ...(w.pools ? { pools: w.pools } : {}) };
    const result = await this.apply(step);
    this.current = bound.shares;
    this.last = { dcs: { ...w.dcs }, ...(w.pools ? { pools: w.pools } : {}) };
    return { requested, applied: bound.shares, limited: bound.limited, ...result };
  }

  /** The weights last asked for (before the bound). */
  weights(): Weights | undefined {
    return this.last;
  }

  /** A server (`backend/server`, or every server of a replica) gets weight 0; its pool's others take its share. */
  async markOut(serverOrReplica: string): Promise<EdgeStepWeights> {
    for (const k of this.keysOf(serverOrReplica)) this.out.add(k);
    return this.reapply();
  }

  async markIn(serverOrReplica: string): Promise<EdgeStepWeights> {
    for (const k of this.keysOf(serverOrReplica)) this.out.delete(k);
    return this.reapply();
  }

  private async reapply(): Promise<EdgeStepWeights> {
    // Before any step the DC shares are those HAProxy runs with (a replica lost before the drill starts).
    this.current ??= (await this.readBack()).reportedShares[this.backends[0]] ?? {};
    const step: Weights = { dcs: this.current, ...(this.last?.pools ? { pools: this.last.pools } : {}) };
    return { requested: this.current, applied: this.current, limited: false, ...(await this.apply(step)) };
  }

  private keysOf(name: string): string[] {
    const keys = this.servers.filter((s) => serverKey(s) === name || s.replica === name).map(serverKey);
    if (keys.length === 0)
      throw new ConfigError(
        'edge',
        'server',
        `no server or replica '${name}' behind the edge`,
        `servers: ${this.servers.map(serverKey).join(', ')}`,
      );
    return keys;
  }

  private async apply(w: Weights): Promise<Omit<EdgeStepWeights, 'requested' | 'applied' | 'limited'>> {
    const sent = serverWeights(this.servers, w, this.out);
    for (const b of this.backends) {
      if (this.servers.every((s) => s.backend !== b || sent[serverKey(s)] === 0)) {
        throw new ConfigError(
          'weights',
          'dcs',
          `these weights give no server of ${b} a weight: the edge would answer 503 to every request`,
        );
      }
    }
    await this.client.setWeights(
      this.servers.map((s) => ({ backend: s.backend, server: s.server, weight: sent[serverKey(s)] })),
    );
    const back = await this.readBack();
    const differ = Object.keys(sent).filter((k) => back.reported[k] !== sent[k]);
    if (differ.length) {
      throw new ClusterError(
        `edge: HAProxy reports other weights than those sent: ${differ.map((k) => `${k} sent ${sent[k]}, reported ${back.reported[k]}`).join('; ')}`,
      );
    }
    return { sent, ...back };
  }

  private check(w: Weights): void {
    const problems: ConfigError[] = [];
    const dcs = new Set(this.servers.map((s) => s.dc));
    for (const [dc, v] of Object.entries(w.dcs ?? {})) {
      if (!dcs.has(dc))
        problems.push(
          new ConfigError('weights', `dcs.${dc}`, `unknown dc '${dc}'`, `dcs behind the edge: ${[...dcs].join(', ')}`),
        );
      if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0))
        problems.push(new ConfigError('weights', `dcs.${dc}`, `expected a weight >= 0, got ${JSON.stringify(v)}`));
    }
    for (const [dc, types] of Object.entries(w.pools ?? {})) {
      for (const [type, v] of Object.entries(types)) {
        if (!this.servers.some((s) => s.dc === dc && s.serverType === type))
          problems.push(new ConfigError('weights', `pools.${dc}.${type}`, `no pool ${dc}/${type} behind the edge`));
        if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0))
          problems.push(
            new ConfigError('weights', `pools.${dc}.${type}`, `expected a weight >= 0, got ${JSON.stringify(v)}`),
          );
      }
    }
    if (problems.length) throw new ConfigErrors(problems);
  }
}
