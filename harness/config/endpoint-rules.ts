// When a static server must list its gRPC address: a server serving HTTP only leaves `grpc` out, unless
// something of the cluster file asks for it (its tier's health check over gRPC, a TCP check of a tier that
// serves gRPC only, a metrics URL with {{port.grpc}}). A mix with gRPC endpoints is checked with the
// scenario (scenario-check.ts). Reads the raw YAML defensively, like the other rule files.
import { metricsSourceOf } from './metrics-rules';
import type { PathSegment, RuleProblem } from './rule-problem';
import { poolEntries, servedPorts, tierNamesOf } from './service-rules';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Why a tier's servers need a gRPC address, from the file alone; undefined when they do not. */
function tierNeedsGrpc(service: unknown): string | undefined {
  if (!isObject(service)) return undefined;
  if (service.health === 'grpc') return 'its tier is checked with gRPC health (health: grpc)';
  const ports = servedPorts(service);
  if (service.health === 'tcp' && !ports.includes('http'))
    return 'its tier serves gRPC only and is checked with a TCP connect to its gRPC port';
  return undefined;
}

/** Endpoints of a static cluster without `grpc` where the file needs one, each with the reason. */
export function checkGrpcAddresses(raw: unknown): RuleProblem[] {
  if (!isObject(raw) || raw.driver !== 'static') return [];
  const problems: RuleProblem[] = [];
  const tiers = tierNamesOf(raw);
  const services = isObject(raw.services) ? raw.services : {};
  const file = raw as { metrics?: string; services?: Record<string, { metrics?: string }> };
  list(raw.regions).forEach((region, r) => {
    if (!isObject(region)) return;
    list(region.dcs).forEach((dc, d) => {
      if (!isObject(dc)) return;
      for (const { tier, pool, path } of poolEntries(dc.pools, ['regions', r, 'dcs', d, 'pools'], tiers)) {
        list(pool).forEach((ep, i) => {
          if (!isObject(ep) || ep.grpc !== undefined) return;
          const metrics = metricsSourceOf(file, tier, ep as { metrics?: string });
          const why =
            tierNeedsGrpc(services[tier]) ??
            (typeof metrics === 'string' && /\{\{\s*port\.grpc\s*\}\}/.test(metrics)
              ? `its metrics URL ${metrics} uses {{port.grpc}}`
              : undefined);
          if (!why) return;
          const at: PathSegment[] = [...path, i, 'grpc'];
          problems.push({ path: at, value: undefined, expected: `host:port like 127.0.0.1:9090: ${why}` });
        });
      }
    });
  });
  return problems;
}
