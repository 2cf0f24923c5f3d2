// Cross-field rules of a cluster file that a schema cannot say: pools name known server types,
// names are unique, hosts are loopback or allowed, the driver's environment is not overridden.
// Hosts and DC endpoints, port ranges and failover have their own files (host-rules, port-rules,
// failover-rules), the tiers theirs (service-rules); this one walks the file and calls them. They read
// the raw YAML defensively, so they run even when the schema fails elsewhere and every problem is
// reported in one pass.
import { isLoopback } from '../common';
import { checkFailover } from './failover-rules';
import { checkDcEndpoint, checkEndpointHosts } from './host-rules';
import { checkPorts } from './port-rules';
import { type DcRef, fieldPath, type PathSegment, type RuleProblem } from './rule-problem';
import { checkPoolTiers, checkServices, poolEntries, tierNamesOf } from './service-rules';

/** Environment variables the driver sets per replica; a cluster file may not override them. */
export const driverEnv = ['HTTP_PORT', 'GRPC_PORT', 'HOST', 'REPLICA', 'WORKERS'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function dcsOf(raw: Record<string, unknown>): DcRef[] {
  const out: DcRef[] = [];
  list(raw.regions).forEach((region, r) => {
    if (!isObject(region)) return;
    list(region.dcs).forEach((dc, d) => {
      if (isObject(dc)) out.push({ path: ['regions', r, 'dcs', d], dc });
    });
  });
  return out;
}

/** Region and data center names are unique. */
function nameProblems(raw: Record<string, unknown>, dcs: DcRef[]): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const seenRegion = new Map<string, number>();
  list(raw.regions).forEach((region, r) => {
    if (!isObject(region) || typeof region.name !== 'string') return;
    if (seenRegion.has(region.name)) {
      problems.push({
        path: ['regions', r, 'name'],
        value: region.name,
        expected: `a region name not used before (regions[${seenRegion.get(region.name)}] has it)`,
      });
    } else seenRegion.set(region.name, r);
  });
  const seenDc = new Map<string, string>();
  for (const { path, dc } of dcs) {
    if (typeof dc.name !== 'string') continue;
    const earlier = seenDc.get(dc.name);
    if (earlier)
      problems.push({
        path: [...path, 'name'],
        value: dc.name,
        expected: `a data center name not used before (${earlier} has it)`,
      });
    else seenDc.set(dc.name, fieldPath(path));
  }
  return problems;
}

/** Where a host may point: loopback, or a host listed under allowTargets. */
interface HostRule {
  allowed: (host: string) => boolean;
  expected: string;
}

/** Pools of one DC: known server types, the form the driver needs, at least one replica. */
function poolProblems(
  { path, dc }: DcRef,
  c: { driver: unknown; serverTypes: string[] | undefined; tiers: string[]; hosts: HostRule },
): RuleProblem[] {
  if (!isObject(dc.pools)) return [];
  const problems: RuleProblem[] = [];
  const { driver, serverTypes } = c;
  let replicas = 0;
  problems.push(...checkPoolTiers(dc.pools, [...path, 'pools'], c.tiers));
  const entries = poolEntries(dc.pools, [...path, 'pools'], c.tiers);
  for (const { type, pool, path: poolPath } of entries) {
    if (serverTypes && !serverTypes.includes(type)) {
      problems.push({
        path: poolPath,
        value: type,
        expected: serverTypes.length
          ? `a server type defined under serverTypes (${serverTypes.join(', ')})`
          : 'a server type defined under serverTypes (none is)',
        problem: `unknown server type '${type}'`,
      });
    }
    if (driver === 'docker' && Array.isArray(pool)) {
      problems.push({
        path: poolPath,
        value: pool,
        expected: 'a replica count (the docker driver starts the replicas; endpoint lists are for driver: static)',
      });
    }
    if (driver === 'static' && typeof pool === 'number') {
      problems.push({
        path: poolPath,
        value: pool,
        expected: 'a list of endpoints [{http, grpc?}] (driver: static does not start replicas)',
      });
    }
    if (typeof pool === 'number' && Number.isInteger(pool) && pool > 0) replicas += pool;
    if (Array.isArray(pool)) replicas += pool.length;
    if (Array.isArray(pool)) problems.push(...checkEndpointHosts(pool, poolPath, c.hosts.allowed, c.hosts.expected));
  }
  if (replicas === 0 && entries.every(({ pool: p }) => typeof p === 'number' && Number.isInteger(p) && p >= 0)) {
    problems.push({ path: [...path, 'pools'], value: dc.pools, expected: 'at least one replica in the data center' });
  }
  return problems;
}

/** The environment the driver sets per replica is not overridden, in service: or any tier of services:. */
function reservedEnvProblems(raw: Record<string, unknown>): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const envs: [PathSegment[], unknown][] = [[['service', 'env'], isObject(raw.service) ? raw.service.env : undefined]];
  if (isObject(raw.services)) {
    for (const [tier, s] of Object.entries(raw.services)) {
      if (!isObject(s)) continue;
      envs.push(
        [['services', tier, 'env'], s.env],
        [['services', tier, 'reference', 'env'], isObject(s.reference) ? s.reference.env : undefined],
      );
    }
  }
  for (const [envPath, env] of envs) {
    if (!isObject(env)) continue;
    for (const key of Object.keys(env)) {
      if ((driverEnv as readonly string[]).includes(key)) {
        problems.push({
          path: [...envPath, key],
          value: env[key],
          expected: `no value: ${driverEnv.join(', ')} are set by the driver for each replica`,
          problem: `${key} is set by the driver`,
        });
      }
    }
  }
  return problems;
}

/** `baseDir`: the cluster file's folder, where build contexts are found. */
export function checkClusterRules(raw: unknown, baseDir = '.'): RuleProblem[] {
  if (!isObject(raw)) return [];
  const tiers = tierNamesOf(raw);
  const problems: RuleProblem[] = [];
  const driver = raw.driver === undefined ? 'docker' : raw.driver;
  const serverTypes = isObject(raw.serverTypes) ? Object.keys(raw.serverTypes) : undefined;
  const dcs = dcsOf(raw);
  const dcNames = new Set(dcs.map((d) => d.dc.name).filter((n): n is string => typeof n === 'string'));
  const allow = new Set(
    list(raw.allowTargets)
      .filter((h): h is string => typeof h === 'string')
      .map((h) => h.toLowerCase()),
  );
  const hosts: HostRule = {
    allowed: (host: string) => isLoopback(host) || allow.has(host.toLowerCase()),
    expected: 'a loopback host (127.0.0.0/8, ::1, localhost) or a host listed under allowTargets',
  };

  problems.push(...nameProblems(raw, dcs));
  for (const dc of dcs) problems.push(...poolProblems(dc, { driver, serverTypes, tiers, hosts }));
  // Host of docker replicas.
  if (driver === 'docker' && typeof raw.host === 'string' && !hosts.allowed(raw.host)) {
    problems.push({
      path: ['host'],
      value: raw.host,
      expected: hosts.expected,
      problem: `host '${raw.host}' is not loopback and not under allowTargets`,
    });
  }
  if (driver === 'docker') problems.push(...checkPorts(raw, dcs));
  for (const { path, dc } of dcs)
    problems.push(...checkDcEndpoint(path, dc, driver, hosts.allowed, hosts.expected, baseDir));
  problems.push(...reservedEnvProblems(raw));
  problems.push(...checkServices(raw, baseDir));
  problems.push(...checkFailover(raw, dcNames));
  return problems;
}
