// Cross-field rules of a cluster file's `edge:` section: managed (headroom starts HAProxy: frontend
// `port` and a TCP `runtime` port, docker driver) or existing (someone else's: a runtime address and
// its servers by name, each in a DC and server type of the file). Every problem is reported.
import type { EdgeClusterSpec } from '../cluster';
import type { RuleProblem } from './rule-problem';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const runtimePattern = /^(unix:\/\/\/.+|\/.+|tcp:\/\/[^:/]+:\d{1,5})$/;

export function checkEdgeRules(raw: Record<string, unknown>): RuleProblem[] {
  const edge = raw.edge;
  if (!isObject(edge)) return [];
  const problems: RuleProblem[] = [];
  const dcs = new Set<string>();
  for (const r of Array.isArray(raw.regions) ? raw.regions : [])
    for (const d of isObject(r) && Array.isArray(r.dcs) ? r.dcs : [])
      if (isObject(d) && typeof d.name === 'string') dcs.add(d.name);
  const types = new Set(isObject(raw.serverTypes) ? Object.keys(raw.serverTypes) : []);
  if (edge.servers === undefined) {
    // Managed: headroom generates the config and runs the container beside the replicas.
    if (edge.port === undefined)
      problems.push({
        path: ['edge', 'port'],
        value: undefined,
        expected:
          'the first frontend port (an integer 1-65535) for an edge headroom starts, or `servers:` for an existing HAProxy',
      });
    if (edge.runtime !== undefined && typeof edge.runtime !== 'number')
      problems.push({
        path: ['edge', 'runtime'],
        value: edge.runtime,
        expected:
          'a TCP port for the stats socket of the edge headroom starts (an existing HAProxy also names its `servers:`)',
      });
    if ((raw.driver ?? 'docker') !== 'docker')
      problems.push({
        path: ['edge'],
        value: raw.driver,
        expected:
          'driver: docker for an edge headroom starts; a static cluster names an existing HAProxy (runtime: tcp://host:port, servers: [...])',
        problem: 'a managed edge needs the docker driver',
      });
    if (edge.claimSeconds !== undefined)
      problems.push({
        path: ['edge', 'claimSeconds'],
        value: edge.claimSeconds,
        expected: 'no claimSeconds for an edge headroom starts (only an existing HAProxy is claimed)',
      });
    if (typeof edge.port === 'number' && edge.port === edge.runtime)
      problems.push({ path: ['edge', 'runtime'], value: edge.runtime, expected: 'a port other than edge.port' });
    return problems;
  }
  // Existing: weights only, on servers named as HAProxy knows them.
  if (edge.port !== undefined || edge.per !== undefined)
    problems.push({
      path: ['edge', edge.port !== undefined ? 'port' : 'per'],
      value: edge.port ?? edge.per,
      expected: 'no port/per for an existing HAProxy (headroom does not start it)',
    });
  if (typeof edge.runtime !== 'string' || !runtimePattern.test(edge.runtime))
    problems.push({
      path: ['edge', 'runtime'],
      value: edge.runtime,
      expected: 'the runtime API of the existing HAProxy: tcp://host:port, unix:///path or /path',
    });
  const seen = new Set<string>();
  (Array.isArray(edge.servers) ? edge.servers : []).forEach((s, i) => {
    if (!isObject(s)) return;
    if (typeof s.dc === 'string' && !dcs.has(s.dc))
      problems.push({
        path: ['edge', 'servers', i, 'dc'],
        value: s.dc,
        expected: `a dc of this file (${[...dcs].join(', ')})`,
      });
    if (typeof s.serverType === 'string' && !types.has(s.serverType))
      problems.push({
        path: ['edge', 'servers', i, 'serverType'],
        value: s.serverType,
        expected: `a server type of this file (${[...types].join(', ')})`,
      });
    const key = `${String(s.backend)}/${String(s.server)}`;
    if (seen.has(key))
      problems.push({
        path: ['edge', 'servers', i, 'server'],
        value: s.server,
        expected: `a server not listed before (${key} is)`,
      });
    seen.add(key);
  });
  return problems;
}

/** The spec's edge from the checked file section. */
export function buildEdge(edge: {
  port?: number;
  runtime: number | string;
  per?: 'region' | 'cluster';
  maxShareChange?: number;
  watchdogSeconds?: number;
  claimSeconds?: number;
  servers?: { backend: string; server: string; dc: string; serverType: string }[];
}): EdgeClusterSpec {
  const opt = {
    ...(edge.maxShareChange ? { maxShareChange: edge.maxShareChange } : {}),
    ...(edge.watchdogSeconds ? { watchdogSeconds: edge.watchdogSeconds } : {}),
  };
  if (edge.servers)
    return {
      mode: 'existing',
      runtime: String(edge.runtime),
      servers: edge.servers,
      ...opt,
      ...(edge.claimSeconds ? { claimSeconds: edge.claimSeconds } : {}),
    };
  return { mode: 'managed', port: edge.port!, runtimePort: edge.runtime as number, per: edge.per ?? 'region', ...opt };
}
