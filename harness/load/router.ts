// Client-side routing: weights per DC, per pool inside a DC, and a spread over a pool's replicas.
// Weights can be replaced between two requests; a replica marked out gets nothing until marked in.
import { ConfigError, ConfigErrors } from '../common';
import type { Replica } from '../cluster';

export interface Weights {
  dcs: Record<string, number>;
  /** Per DC, per server type; a DC without an entry splits by its serving replica counts. */
  pools?: Record<string, Record<string, number>>;
}

export type Spread = 'round-robin' | 'least-outstanding';

interface PoolRoute {
  id: string;
  dc: string;
  serverType: string;
  members: number[];
  serving: number[];
  next: number;
  weight: number;
  current: number;
}

export class Router {
  readonly replicas: readonly Replica[];
  /** Requests in flight per replica index; the engine keeps it, least-outstanding reads it. */
  readonly outstanding: Int32Array;
  private readonly spread: Spread;
  private readonly out = new Set<number>();
  private readonly index = new Map<string, number>();
  private readonly pools: PoolRoute[] = [];
  private active: PoolRoute[] = [];
  private total = 0;
  private w: Weights;

  constructor(replicas: Replica[], opts: { spread?: Spread; seed?: number } = {}) {
    this.replicas = replicas;
    this.outstanding = new Int32Array(replicas.length);
    this.spread = opts.spread ?? 'round-robin';
    const byPool = new Map<string, PoolRoute>();
    replicas.forEach((r, i) => {
      if (this.index.has(r.name)) throw new ConfigError('replicas', r.name, 'two replicas have this name');
      this.index.set(r.name, i);
      let p = byPool.get(r.pool);
      if (!p) {
        p = {
          id: r.pool,
          dc: r.dc,
          serverType: r.serverType,
          members: [],
          serving: [],
          next: 0,
          weight: 0,
          current: 0,
        };
        byPool.set(r.pool, p);
        this.pools.push(p);
      }
      p.members.push(i);
    });
    // Default: every replica carries the same share (DC weight proportional to its replica count).
    const dcs: Record<string, number> = {};
    for (const r of replicas) dcs[r.dc] = (dcs[r.dc] ?? 0) + 1 / replicas.length;
    this.w = { dcs };
    this.rebuild();
  }

  /** Replaces the weights; the next pick follows them. Unknown DCs or pools and negative weights are refused. */
  setWeights(w: Weights): void {
    const problems: ConfigError[] = [];
    const dcNames = new Set(this.pools.map((p) => p.dc));
    for (const [dc, v] of Object.entries(w.dcs ?? {})) {
      if (!dcNames.has(dc))
        problems.push(new ConfigError('weights', `dcs.${dc}`, `unknown dc '${dc}'`, `dcs: ${[...dcNames].join(', ')}`));
      if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0))
        problems.push(new ConfigError('weights', `dcs.${dc}`, `expected a weight >= 0, got ${JSON.stringify(v)}`));
    }
    for (const [dc, types] of Object.entries(w.pools ?? {})) {
      for (const [type, v] of Object.entries(types)) {
        if (!this.pools.some((p) => p.dc === dc && p.serverType === type))
          problems.push(new ConfigError('weights', `pools.${dc}.${type}`, `no pool ${dc}/${type}`));
        if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0))
          problems.push(
            new ConfigError('weights', `pools.${dc}.${type}`, `expected a weight >= 0, got ${JSON.stringify(v)}`),
          );
      }
    }
    if (problems.length > 0) throw new ConfigErrors(problems);
    this.w = {
      dcs: { ...w.dcs },
      ...(w.pools ? { pools: Object.fromEntries(Object.entries(w.pools).map(([k, v]) => [k, { ...v }])) } : {}),
    };
    this.rebuild();
  }

  weights(): Weights {
    return {
      dcs: { ...this.w.dcs },
      ...(this.w.pools
        ? { pools: Object.fromEntries(Object.entries(this.w.pools).map(([k, v]) => [k, { ...v }])) }
        : {}),
    };
  }

  markOut(replica: string): void {
    this.out.add(this.indexOf(replica));
    this.rebuild();
  }

  markIn(replica: string): void {
    this.out.delete(this.indexOf(replica));
    this.rebuild();
  }

  isOut(replica: string): boolean {
    return this.out.has(this.indexOf(replica));
  }

  indexOf(replica: string): number {
    const i = this.index.get(replica);
    if (i === undefined)
      throw new ConfigError(
        'replicas',
        replica,
        'no replica of this name',
        `replicas: ${[...this.index.keys()].join(', ')}`,
      );
    return i;
  }

  /** Effective share of traffic per pool after weights and marked-out replicas (sums to 1, or empty). */
  shares(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const p of this.active) out[p.id] = p.weight / this.total;
    return out;
  }

  pick(): Replica | undefined {
    const i = this.pickIndex();
    return i < 0 ? undefined : this.replicas[i];
  }

  /** The next replica's index, or -1 when no pool with a weight has a serving replica. */
  pickIndex(): number {
    const pools = this.active;
    if (pools.length === 0) return -1;
    let best = pools[0];
    if (pools.length > 1) {
      // Smooth weighted round robin (as nginx): exact proportions, no randomness, O(pools).
      let bestCurrent = -Infinity;
      for (let k = 0; k < pools.length; k++) {
        const p = pools[k];
        p.current += p.weight;
        if (p.current > bestCurrent) {
          bestCurrent = p.current;
          best = p;
        }
      }
      best.current -= this.total;
    }
    const serving = best.serving;
    if (serving.length === 1) return serving[0];
    if (this.spread === 'least-outstanding') {
      const start = best.next;
      best.next = start + 1 === serving.length ? 0 : start + 1;
      let chosen = serving[start];
      let least = this.outstanding[chosen];
      for (let k = 1; k < serving.length && least > 0; k++) {
        const idx = serving[(start + k) % serving.length];
        if (this.outstanding[idx] < least) {
          least = this.outstanding[idx];
          chosen = idx;
        }
      }
      return chosen;
    }
    const i = serving[best.next];
    best.next = best.next + 1 === serving.length ? 0 : best.next + 1;
    return i;
  }

  private rebuild(): void {
    for (const p of this.pools) {
      p.serving = p.members.filter((i) => !this.out.has(i));
      if (p.next >= p.serving.length) p.next = 0;
      p.weight = 0;
    }
    const dcs = new Set(this.pools.map((p) => p.dc));
    for (const dc of dcs) {
      const wdc = this.w.dcs[dc] ?? 0;
      if (!(wdc > 0)) continue;
      const inDc = this.pools.filter((p) => p.dc === dc && p.serving.length > 0);
      const explicit = this.w.pools?.[dc];
      const raw = inDc.map((p) => (explicit ? (explicit[p.serverType] ?? 0) : p.serving.length));
      const sum = raw.reduce((a, b) => a + b, 0);
      if (sum <= 0) continue;
      inDc.forEach((p, k) => (p.weight = (wdc * raw[k]) / sum));
    }
    this.active = this.pools.filter((p) => p.weight > 0);
    this.total = this.active.reduce((a, p) => a + p.weight, 0);
    for (const p of this.active) p.current = 0;
  }
}
