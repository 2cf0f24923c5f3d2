// Loads a cluster file (YAML) into a ClusterSpec. Every problem (YAML syntax, schema, cross-field
// rules) becomes a ConfigError naming the file, the field path, the value and what was expected,
// all thrown together as ConfigErrors (exit 104).
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import * as YAML from 'yaml';
import type { z } from 'zod';
import { ConfigError, ConfigErrors } from '../common';
import { buildEdge, checkEdgeRules } from './edge-rules';
import type { ClusterSpec, DcSpec, PoolSpec, RegionSpec, ReplicaSpec, ServerType } from '../cluster';
import {
  type ClusterFile,
  clusterFileSchema,
  dcSchema,
  endpointSchema,
  regionSchema,
  serverTypeSchema,
  serviceSchema,
} from './cluster-schema';
import { poolEntries, shortFormTier } from './service-rules';
import { buildTiers } from './tiers';
import { checkClusterRules } from './cluster-rules';
import { splitHostPort } from './host-rules';
import { parsePortRange } from './port-rules';
import { fieldPath, type PathSegment, type RuleProblem } from './rule-problem';
import { checkMetricsSources, metricsSourceOf } from './metrics-rules';
import { checkGrpcAddresses } from './endpoint-rules';

/** Reads and checks a cluster file; `name` (default: `path`) is how errors and the spec name it. */
export async function loadClusterFile(path: string, name = path): Promise<ClusterSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigErrors([
      new ConfigError(
        name,
        '',
        code === 'ENOENT'
          ? 'no such file; expected a cluster file (YAML), e.g. clusters/local-3dc.yaml'
          : code === 'EISDIR'
            ? 'is a folder; expected a cluster file (YAML)'
            : `cannot read it (${code ?? String(err)})`,
      ),
    ]);
  }
  return parseClusterFile(text, name);
}

/** Parses the text of a cluster file; `file` names it in errors. */
export function parseClusterFile(text: string, file: string): ClusterSpec {
  const lineCounter = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    throw new ConfigErrors(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
        const what = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
        return new ConfigError(
          file,
          '',
          `YAML syntax error at line ${pos.line}, column ${pos.col}: ${what}; expected valid YAML`,
        );
      }),
    );
  }
  const raw: unknown = doc.toJS();
  const lineOf = (path: readonly PathSegment[]): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  const problems: RuleProblem[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push({ path: [], value: raw, expected: 'a mapping with name, driver, ports, serverTypes, regions' });
  } else {
    const parsed = clusterFileSchema.safeParse(raw);
    if (!parsed.success) problems.push(...parsed.error.issues.flatMap((i) => fromZodIssue(i, raw)));
    problems.push(...checkClusterRules(raw, dirname(file)));
    problems.push(...checkMetricsSources(raw));
    problems.push(...checkGrpcAddresses(raw));
    problems.push(...checkEdgeRules(raw as Record<string, unknown>)); // the edge: section (HAProxy in front)
    if (parsed.success && problems.length === 0) return buildSpec(parsed.data, file);
  }
  throw new ConfigErrors(dedupe(problems).map((p) => toConfigError(file, p, lineOf(p.path))));
}

function dedupe(problems: RuleProblem[]): RuleProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${fieldPath(p.path)}|${p.expected}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function toConfigError(file: string, p: RuleProblem, line: number | undefined): ConfigError {
  const where = line ? ` (line ${line})` : '';
  const what = p.problem
    ? `${p.problem}; expected ${p.expected}`
    : p.value === undefined
      ? `missing; expected ${p.expected}`
      : `got ${show(p.value)}, expected ${p.expected}`;
  return new ConfigError(file, fieldPath(p.path), `${what}${where}`);
}

function valueAt(raw: unknown, path: readonly PathSegment[]): unknown {
  let v: unknown = raw;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

const knownKeys = (path: readonly PathSegment[]): string[] => {
  const last = path[path.length - 1];
  const before = path[path.length - 2];
  if (path.length === 0) return Object.keys(clusterFileSchema.shape);
  if (path[0] === 'service' && path.length === 1) return ['env'];
  if (path[0] === 'services' && path.length === 2) return Object.keys(serviceSchema.shape);
  if (path[0] === 'services' && path[2] === 'reference' && path.length === 3) return ['env'];
  if (path[0] === 'services' && path[2] === 'health') return ['http'];
  if (path[0] === 'serverTypes' && path.length === 2) return Object.keys(serverTypeSchema.shape);
  if (before === 'regions' && typeof last === 'number') return Object.keys(regionSchema.shape);
  if (before === 'dcs' && typeof last === 'number') return Object.keys(dcSchema.shape);
  if (typeof last === 'number' && path.includes('pools')) return Object.keys(endpointSchema.shape);
  return [];
};

/** What a field with a failed format check should look like, by where it sits. */
function formatExpectation(path: readonly PathSegment[]): string {
  const last = path[path.length - 1];
  if (last === 'ports') return 'a port range like 20000-20099';
  if (last === 'name' || path[0] === 'serverTypes')
    return "a name of letters, digits, '.', '_' or '-' (starting with a letter or digit)";
  if (path[0] === 'services' && path[2] === 'health') return "an HTTP path starting with '/', like /healthz";
  if (path[0] === 'services' && path[2] === 'packages') return 'a Debian package name like memcached or postgresql-15';
  if (last === 'http') return 'a URL like http://127.0.0.1:8080';
  if (last === 'grpc') return 'host:port like 127.0.0.1:9090';
  if (last === 'dockerHost')
    return 'a Docker endpoint like unix:///var/run/docker.sock, tcp://host:2376 or ssh://user@host';
  if (last === 'stopSignal') return 'a signal name like SIGTERM';
  if (path[0] === 'services' && path.length === 2)
    return "a tier name of letters, digits, '.', '_' or '-' (starting with a letter or digit)";
  if (path[0] === 'service' || path[0] === 'services') return 'an environment variable name (letters, digits, _)';
  return 'a value in the documented format';
}

type Issue = z.core.$ZodIssue;

function fromZodIssue(issue: Issue, raw: unknown): RuleProblem[] {
  const path = issue.path as PathSegment[];
  const value = valueAt(raw, path);
  switch (issue.code) {
    case 'invalid_type': {
      const expected =
        issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`;
      return [{ path, value, expected }];
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'array')
        return [{ path, value, expected: `a list of at least ${min} item${min === 1 ? '' : 's'}` }];
      if (issue.origin === 'string') return [{ path, value, expected: 'a non-empty string' }];
      if (path.includes('pools')) return [{ path, value, expected: `a whole number of replicas ≥ ${min}` }];
      const whole =
        path[path.length - 1] === 'memoryMb' || path[path.length - 1] === 'workers' ? 'a whole number' : 'a number';
      return [{ path, value, expected: `${whole} ${issue.inclusive ? '≥' : '>'} ${min}` }];
    }
    case 'too_big':
      return [{ path, value, expected: `a number ${issue.inclusive ? '≤' : '<'} ${Number(issue.maximum)}` }];
    case 'invalid_format':
      return [{ path, value, expected: formatExpectation(path) }];
    case 'invalid_value':
      return [{ path, value, expected: `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` }];
    case 'unrecognized_keys': {
      const known = knownKeys(path);
      return issue.keys.map((key) => ({
        path: [...path, key],
        value: valueAt(raw, [...path, key]),
        problem: `unknown key '${key}'`,
        expected: known.length ? `one of ${known.join(', ')}` : 'no other keys',
      }));
    }
    case 'invalid_key':
      return [
        {
          path,
          value: path[path.length - 1],
          expected: formatExpectation(path),
          problem: `invalid name ${show(path[path.length - 1])}`,
        },
      ];
    case 'invalid_union': {
      // A pool: a replica count (docker) or a list of endpoints (static).
      if (Array.isArray(value)) {
        const branch =
          issue.errors.find((errs) => errs.some((e) => e.path.length > 0 || e.code !== 'invalid_type')) ??
          issue.errors[1] ??
          [];
        return branch.flatMap((e) => fromZodIssue({ ...e, path: [...path, ...e.path] } as Issue, raw));
      }
      if (typeof value === 'number') return [{ path, value, expected: 'a whole number of replicas ≥ 0' }];
      if (path[0] === 'services' && path[2] === 'health')
        return [{ path, value, expected: 'one of grpc, tcp or { http: <path> }' }];
      if (path[0] === 'services') return [{ path, value, expected: "a duration like '30s' or a number of seconds" }];
      if (value !== null && typeof value === 'object' && path.includes('pools')) {
        // A tier's pools: report what is wrong inside the mapping.
        const branch = issue.errors[issue.errors.length - 1] ?? [];
        return branch.flatMap((e) => fromZodIssue({ ...e, path: [...path, ...e.path] } as Issue, raw));
      }
      if (path.includes('env')) return [{ path, value, expected: 'a string, number or boolean' }];
      return [
        {
          path,
          value,
          expected:
            "a replica count (docker), a list of endpoints [{http, grpc?}] (static) or a tier's pools { <type>: N }",
        },
      ];
    }
    default:
      return [{ path, value, expected: issue.message }];
  }
}

type FileDc = ClusterFile['regions'][number]['dcs'][number];

/** A static server's endpoint as a replica: the host and ports it is reached at, and where its metrics are. */
function endpointReplica(
  f: ClusterFile,
  tier: string,
  base: Omit<ReplicaSpec, 'host' | 'httpPort'>,
  ep: { http: string; grpc?: string; metrics?: string },
): ReplicaSpec {
  const http = new URL(ep.http);
  // A server that serves HTTP only has no gRPC address.
  const grpc = ep.grpc === undefined ? undefined : splitHostPort(ep.grpc)!;
  const host = http.hostname.replace(/^\[|\]$/g, '');
  const metrics = metricsSourceOf(f, tier, ep);
  return {
    ...base,
    host,
    httpPort: Number(http.port || 80),
    ...(grpc ? { grpcPort: grpc.port } : {}),
    ...(grpc && grpc.host !== host ? { grpcHost: grpc.host } : {}),
    ...(metrics ? { metrics } : {}),
  };
}

/** How the DCs of one file are named and numbered. */
interface DcNaming {
  file: string;
  tierNames: string[];
  /** One tier keeps the names of a one-tier cluster; with several, the tier is part of every name. */
  several: boolean;
  totalDemand: number;
}

/**
 * One DC's pools and replicas. Docker replicas take two ports each from `next` (the DC's own range when it
 * has one); the port after the last is returned for the next DC on the cluster's range.
 */
function buildDc(
  f: ClusterFile,
  region: string,
  dc: FileDc,
  n: DcNaming,
  clusterNext: number,
): { spec: DcSpec; replicas: ReplicaSpec[]; clusterNext: number } {
  // A DC's replicas listen on and are reached at its own address (its Docker host), else the cluster's.
  const address = dc.address ?? f.host;
  const own = parsePortRange(dc.ports);
  let next = own ? own.from : clusterNext;
  const pools: PoolSpec[] = [];
  const replicas: ReplicaSpec[] = [];
  for (const { tier, type, pool: raw } of poolEntries(dc.pools, [], n.tierNames)) {
    const pool = raw as FileDc['pools'][string] & (number | unknown[]);
    const id = n.several ? `${dc.name}/${tier}/${type}` : `${dc.name}/${type}`;
    const count = typeof pool === 'number' ? pool : pool.length;
    pools.push({ id, region, dc: dc.name, tier, serverType: type, replicas: count });
    for (let i = 0; i < count; i++) {
      const name = n.several
        ? `${f.name}-${dc.name}-${tier}-${type}-${i + 1}`
        : `${f.name}-${dc.name}-${type}-${i + 1}`;
      const base = { name, region, dc: dc.name, tier, pool: id, serverType: type, index: i + 1 };
      if (typeof pool === 'number') {
        replicas.push({ ...base, host: address, httpPort: next, grpcPort: next + 1 });
        next += 2;
      } else
        replicas.push(endpointReplica(f, tier, base, pool[i] as { http: string; grpc?: string; metrics?: string }));
    }
  }
  const spec: DcSpec = {
    name: dc.name,
    region,
    demand: dc.demand / n.totalDemand,
    ...(f.driver === 'docker' ? { address } : {}),
    ...(dc.dockerHost ? { dockerHost: dc.dockerHost } : {}),
    ...(dc.dockerCertPath ? { dockerCertPath: resolve(dirname(n.file), dc.dockerCertPath) } : {}),
    pools,
  };
  return { spec, replicas, clusterNext: own ? clusterNext : next };
}

/** A valid file to the model: demand normalised, tiers ordered, pools and replicas named, ports assigned. */
function buildSpec(f: ClusterFile, file: string): ClusterSpec {
  const serverTypes: Record<string, ServerType> = {};
  for (const [name, t] of Object.entries(f.serverTypes)) serverTypes[name] = { name, ...t };
  const { tiers, front } = buildTiers(f, dirname(file));
  const tierNames = f.services ? Object.keys(f.services) : [shortFormTier];
  const naming: DcNaming = {
    file,
    tierNames,
    several: tierNames.length > 1,
    totalDemand: f.regions.flatMap((r) => r.dcs).reduce((s, dc) => s + dc.demand, 0),
  };
  let clusterNext = parsePortRange(f.ports)?.from ?? 0;
  const regions: RegionSpec[] = [];
  const dcs: DcSpec[] = [];
  const replicas: ReplicaSpec[] = [];
  for (const region of f.regions) {
    regions.push({ name: region.name, dcs: region.dcs.map((d) => d.name) });
    for (const dc of region.dcs) {
      const built = buildDc(f, region.name, dc, naming, clusterNext);
      clusterNext = built.clusterNext;
      dcs.push(built.spec);
      replicas.push(...built.replicas);
    }
  }
  const frontTier = tiers.find((t) => t.name === front)!;
  return {
    name: f.name,
    file,
    driver: f.driver,
    serverTypes,
    regions,
    dcs,
    replicas,
    allowTargets: f.allowTargets,
    tiers,
    front,
    serviceEnv: frontTier.source.kind === 'reference' ? { ...frontTier.env } : {},
    ...(f.failover ? { failover: f.failover } : {}),
    ...(f.edge ? { edge: buildEdge(f.edge) } : {}),
  };
}
