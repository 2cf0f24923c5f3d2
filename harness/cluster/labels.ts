// The labels on every container headroom starts: the harness only ever touches containers that
// carry them, and finds leftovers of a crashed run by them (never by name). The owner labels say
// which run and process holds the cluster (owner.ts).
import type { ClusterSpec, ReplicaSpec } from './model';
import { type Owner, ownerLabels } from './owner';
import { tierOfReplica } from './replicas';

export const label = {
  cluster: 'headroom.cluster',
  region: 'headroom.region',
  dc: 'headroom.dc',
  tier: 'headroom.tier',
  pool: 'headroom.pool',
  type: 'headroom.type',
  run: 'headroom.run',
  replica: 'headroom.replica',
  http: 'headroom.http',
  grpc: 'headroom.grpc',
} as const;

export function replicaLabels(spec: ClusterSpec, r: ReplicaSpec, owner: Owner): Record<string, string> {
  return {
    [label.cluster]: spec.name,
    [label.region]: r.region,
    [label.dc]: r.dc,
    [label.tier]: tierOfReplica(spec, r),
    [label.pool]: r.pool,
    [label.type]: r.serverType,
    [label.run]: owner.runId,
    [label.replica]: r.name,
    [label.http]: `${r.host}:${r.httpPort}`,
    [label.grpc]: `${r.host}:${r.grpcPort}`,
    ...ownerLabels(owner),
  };
}
