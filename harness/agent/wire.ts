// The agent protocol on the wire: agent.proto loaded with @grpc/proto-loader, and the conversions
// between its messages and the harness's own types (replicas, weights, sparse histograms, tags).
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Replica } from '../cluster';
import { sourceDir } from '../common';
import type { Weights } from '../load';
import { type Sparse, type Tags, isTagName } from '../metrics';

// Beside the sources, also when this runs compiled from dist/ (tsc copies no .proto).
export const agentProto = path.join(sourceDir(__dirname), 'agent.proto');

let ctor: grpc.ServiceClientConstructor | null = null;

/** The Agent service (client constructor, whose `.service` the server adds), loaded once. */
export function agentService(): grpc.ServiceClientConstructor {
  if (!ctor) {
    const def = protoLoader.loadSync(agentProto, {
      keepCase: false,
      longs: Number,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      headroom: { agent: { v1: { Agent: grpc.ServiceClientConstructor } } };
    };
    ctor = pkg.headroom.agent.v1.Agent;
  }
  return ctor;
}

export interface WireReplica {
  name: string;
  region: string;
  dc: string;
  pool: string;
  serverType: string;
  index: number;
  host: string;
  httpPort: number;
  /** 0 and '' on the wire (proto3 defaults) for a replica without a gRPC address. */
  grpcPort: number;
  http: string;
  grpc: string;
}
export interface WireWeights {
  dcs: Record<string, number>;
  pools?: Record<string, { types: Record<string, number> }>;
}
export interface WirePlan {
  mixJson: string;
  replicas: WireReplica[];
  rate: number;
  weights?: WireWeights | null;
  timeoutMs: number;
  maxInFlight: number;
  deadlineMs: number;
  seed: number;
  spread: string;
  allowTargets: string[];
  tags: Record<string, string>;
  file: string;
  protoBaseDir: string;
  silenceMs: number;
  reportMs: number;
}
export type WireCommand =
  | { command: 'plan'; plan: WirePlan }
  | { command: 'setRate'; setRate: { rps: number; index?: number; of?: number } }
  | { command: 'setWeights'; setWeights: { weights: WireWeights } }
  | { command: 'markOut'; markOut: { replica: string } }
  | { command: 'markIn'; markIn: { replica: string } }
  | { command: 'setTags'; setTags: { tags: Record<string, string> } }
  | { command: 'stop'; stop: { reason: string } }
  | { command: 'heartbeat'; heartbeat: { atMs: number } };

/** What proto-loader hands over for a oneof: every field present, `command` naming the one set. */
export type IncomingCommand = Partial<Record<string, unknown>> & { command?: string };

export interface WireBuckets {
  idx: number[];
  counts: number[];
  total: number;
  minUs: number;
  maxUs: number;
}
export interface WireSeriesSecond extends WireBuckets {
  tags: Record<string, string>;
  sec: number;
  slots: number[];
}
export interface WireCounters {
  sent: number;
  completed: number;
  failed: number;
  dropped: number;
  inFlight: number;
}
export interface WireHello {
  agent: string;
  pid: number;
  capacity: number;
}
export interface WireReport {
  seq: number;
  atMs: number;
  hello?: WireHello | null;
  series: WireSeriesSecond[];
  counters?: WireCounters | null;
  sendLag?: WireBuckets | null;
  outstanding: Record<string, number>;
  final: boolean;
  stoppedReason: string;
  planned: boolean;
}

export function replicaToWire(r: Replica): WireReplica {
  return {
    name: r.name,
    region: r.region,
    dc: r.dc,
    pool: r.pool,
    serverType: r.serverType,
    index: r.index,
    host: r.host,
    httpPort: r.httpPort,
    grpcPort: r.grpcPort ?? 0,
    http: r.http,
    grpc: r.grpc ?? '',
  };
}

export function replicaFromWire(r: WireReplica): Replica {
  const { grpcPort, grpc, ...rest } = r;
  return { ...rest, ...(grpc ? { grpcPort, grpc } : {}) };
}

export function weightsToWire(w: Weights): WireWeights {
  const pools: Record<string, { types: Record<string, number> }> = {};
  for (const [dc, types] of Object.entries(w.pools ?? {})) pools[dc] = { types: { ...types } };
  return { dcs: { ...w.dcs }, pools };
}

export function weightsFromWire(w: WireWeights): Weights {
  const pools = Object.entries(w.pools ?? {});
  const out: Weights = { dcs: { ...w.dcs } };
  if (pools.length > 0) out.pools = Object.fromEntries(pools.map(([dc, p]) => [dc, { ...p.types }]));
  return out;
}

export function sparseToWire(s: Sparse): WireBuckets {
  return {
    idx: Array.from(s.idx),
    counts: Array.from(s.counts),
    total: s.total,
    minUs: s.total > 0 ? s.min : 0,
    maxUs: s.max,
  };
}

export function sparseFromWire(b: WireBuckets | null | undefined): Sparse | null {
  if (!b || b.total === 0) return null;
  return {
    idx: Int32Array.from(b.idx),
    counts: Float64Array.from(b.counts),
    total: b.total,
    min: b.minUs,
    max: b.maxUs,
  };
}

/** Only the harness's tag names pass (a newer agent's extra tags are dropped, not stored under a wrong key). */
export function tagsFromWire(t: Record<string, string>): Tags {
  const out: Tags = {};
  for (const [k, v] of Object.entries(t)) if (isTagName(k)) out[k] = v;
  return out;
}
