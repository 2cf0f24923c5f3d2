// The engine's metrics series, one per (replica, endpoint), tagged with both and the step's tags; made on first
// use, forgotten when the tags or the store change. Behind an edge (HAProxy) the replicas it names in its
// served-by header get slots after the router's own, so a response is recorded on the replica that served it.
import type { Replica } from '../cluster';
import { type Metrics, type Series, type Tags, isTagName } from '../metrics';
import type { CompiledEndpoint } from './mix';

export class SeriesSlots {
  private series: (Series | undefined)[] = [];
  private tags: Tags = {};
  /** Replicas the edge may name (after the router's own in series slots), by the header's value. */
  private readonly servedByIndex = new Map<string, number>();
  private readonly servedByReplicas: Replica[] = [];

  constructor(
    private metrics: Metrics,
    /** The router's replicas: slot i is router.replicas[i], -1 is "no replica" (a drop). */
    private readonly routed: readonly Replica[],
    private readonly endpoints: readonly Pick<CompiledEndpoint, 'name' | 'protocol'>[],
    servedBy: Record<string, Replica> = {},
  ) {
    for (const [value, r] of Object.entries(servedBy)) {
      this.servedByIndex.set(value, routed.length + this.servedByReplicas.length);
      this.servedByReplicas.push(r);
    }
  }

  setMetrics(metrics: Metrics): void {
    this.metrics = metrics;
    this.series = [];
  }

  /** Tags added to every following sample; names outside the tag set (and `protocol`, the endpoint's) are ignored. */
  setTags(tags: Record<string, string>): void {
    const next: Tags = {};
    for (const [k, v] of Object.entries(tags)) if (isTagName(k) && k !== 'protocol') next[k] = String(v);
    this.tags = next;
    this.series = [];
  }

  /** The series of a replica slot (-1: none) and an endpoint. */
  of(replica: number, endpoint: number): Series {
    const slot = (replica + 1) * this.endpoints.length + endpoint;
    let s = this.series[slot];
    if (!s) {
      const e = this.endpoints[endpoint];
      const n = this.routed.length;
      const r = replica < 0 ? undefined : replica < n ? this.routed[replica] : this.servedByReplicas[replica - n];
      const tags: Tags = r
        ? {
            region: r.region,
            dc: r.dc,
            pool: r.pool,
            serverType: r.serverType,
            replica: r.name,
            endpoint: e.name,
            protocol: e.protocol,
            ...this.tags,
          }
        : { endpoint: e.name, protocol: e.protocol, ...this.tags };
      s = this.metrics.seriesFor(tags);
      this.series[slot] = s;
    }
    return s;
  }

  /** The series of the replica a served-by header names, or undefined when it names none the edge told us of. */
  servedBy(value: string | undefined, endpoint: number): Series | undefined {
    const served = value === undefined ? undefined : this.servedByIndex.get(value);
    return served === undefined ? undefined : this.of(served, endpoint);
  }
}
