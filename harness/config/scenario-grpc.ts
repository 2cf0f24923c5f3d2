// A mix with gRPC endpoints needs a gRPC address on every server the load enters. Static servers that serve
// HTTP only list none: such a mix is refused before anything starts, naming the endpoint and the pools.
import * as path from 'node:path';
import type { ClusterSpec } from '../cluster';
import { ConfigError } from '../common';
import { loadTierOf } from './scenario-tiers';

interface GrpcScenario {
  file: string;
  mix: { endpoints: { name?: string; protocol?: string; tier?: string }[] };
}

/** One problem per gRPC endpoint of the mix when a pool of the loaded tier has servers without a gRPC address. */
export function grpcMixProblems(scenario: GrpcScenario, cluster: ClusterSpec): ConfigError[] {
  const load = loadTierOf(scenario, cluster);
  const without = cluster.replicas.filter(
    (r) => r.grpcPort === undefined && (load === undefined || (r.tier ?? load) === load),
  );
  if (!without.length) return [];
  const pools = [...new Set(without.map((r) => r.pool))];
  const clusterFile = path.basename(cluster.file);
  const many = pools.length > 1;
  return scenario.mix.endpoints.flatMap((e, i) =>
    e.protocol !== 'grpc'
      ? []
      : [
          new ConfigError(
            scenario.file,
            `mix.endpoints[${i}].protocol`,
            `got "grpc" (endpoint '${e.name}'); expected an http endpoint: pool${many ? 's' : ''} ${pools.join(', ')} of ` +
              `static cluster ${cluster.name} (${clusterFile}) list${many ? '' : 's'} no grpc address for ` +
              `${without.map((r) => r.name).join(', ')}, and a gRPC request needs one`,
            `give each of those servers grpc: host:port in ${clusterFile}, or take the gRPC endpoints out of the mix`,
          ),
        ],
  );
}
