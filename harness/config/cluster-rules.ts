// Cross-field rules of a cluster file that a schema cannot say: pools name known server types,
// names are unique, port ranges fit and do not overlap, hosts and DC addresses are loopback or
// allowed, TLS certificates sit beside a tcp:// endpoint, failover names real DCs.
// The tiers' own rules are in service-rules.ts. They read the raw YAML defensively, so they run
// even when the schema fails elsewhere and every problem is reported in one pass.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { isLoopback } from '../common';
import type { PathSegment, RuleProblem } from './rule-problem';
import { checkPoolTiers, checkServices, poolEntries, tierNamesOf } from './service-rules';

export type { PathSegment, RuleProblem } from './rule-problem';

export interface PortRange {
  from: number;
  to: number;
}

/** Environment variables the driver sets per replica; a cluster file may not override them. */
export const driverEnv = ['HTTP_PORT', 'GRPC_PORT', 'HOST', 'REPLICA', 'WORKERS'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function parsePortRange(text: unknown): PortRange | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^(\d+)-(\d+)$/.exec(text);
  if (!m) return undefined;
  return { from: Number(m[1]), to: Number(m[2]) };
}

/** Host of `host:port` or `[v6]:port`. */
export function splitHostPort(text: string): { host: string; port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:\s/]+):(\d+)$/.exec(text);
  if (!m) return undefined;
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

interface DcRef {
  path: PathSegment[];
  dc: Record<string, unknown>;
}

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
  const hostAllowed = (host: string) => isLoopback(host) || allow.has(host.toLowerCase());
  const hostExpected = 'a loopback host (127.0.0.0/8, ::1, localhost) or a host listed under allowTargets';

  // Unique names.
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

  // Pools: known server types, the form the driver needs, at least one replica per DC.
  for (const { path, dc } of dcs) {
    if (!isObject(dc.pools)) continue;
    let replicas = 0;
    problems.push(...checkPoolTiers(dc.pools, [...path, 'pools'], tiers));
    const entries = poolEntries(dc.pools, [...path, 'pools'], tiers);
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
          expected: 'a list of endpoints [{http, grpc}] (driver: static does not start replicas)',
        });
      }
      if (typeof pool === 'number' && Number.isInteger(pool) && pool > 0) replicas += pool;
      if (Array.isArray(pool)) replicas += pool.length;
      if (Array.isArray(pool)) {
        pool.forEach((ep, i) => {
          if (!isObject(ep)) return;
          if (typeof ep.http === 'string') {
            let url: URL | undefined;
            try {
              url = new URL(ep.http);
            } catch {
              url = undefined; // the schema reports it
            }
            if (url && url.protocol !== 'http:')
              problems.push({ path: [...poolPath, i, 'http'], value: ep.http, expected: 'an http:// URL' });
            else if (url && !hostAllowed(url.hostname))
              problems.push({
                path: [...poolPath, i, 'http'],
                value: ep.http,
                expected: hostExpected,
                problem: `host '${url.hostname}' is not loopback and not under allowTargets`,
              });
          }
          if (typeof ep.grpc === 'string') {
            const hp = splitHostPort(ep.grpc);
            if (hp && !hostAllowed(hp.host))
              problems.push({
                path: [...poolPath, i, 'grpc'],
                value: ep.grpc,
                expected: hostExpected,
                problem: `host '${hp.host}' is not loopback and not under allowTargets`,
              });
          }
        });
      }
    }
    if (replicas === 0 && entries.every(({ pool: p }) => typeof p === 'number' && Number.isInteger(p) && p >= 0)) {
      problems.push({ path: [...path, 'pools'], value: dc.pools, expected: 'at least one replica in the data center' });
    }
  }

  // Host of docker replicas.
  if (driver === 'docker' && typeof raw.host === 'string' && !hostAllowed(raw.host)) {
    problems.push({
      path: ['host'],
      value: raw.host,
      expected: hostExpected,
      problem: `host '${raw.host}' is not loopback and not under allowTargets`,
    });
  }

  if (driver === 'docker') problems.push(...checkPorts(raw, dcs));
  for (const { path, dc } of dcs)
    problems.push(...checkDcEndpoint(path, dc, driver, hostAllowed, hostExpected, baseDir));

  // Reserved environment.
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
  problems.push(...checkServices(raw, baseDir));

  // Failover.
  if (isObject(raw.failover)) {
    for (const [lost, targets] of Object.entries(raw.failover)) {
      if (!dcNames.has(lost))
        problems.push({
          path: ['failover', lost],
          value: lost,
          expected: `a data center of this file (${[...dcNames].join(', ')})`,
          problem: `unknown data center '${lost}'`,
        });
      if (!isObject(targets)) continue;
      let sum = 0;
      let allNumbers = true;
      for (const [to, share] of Object.entries(targets)) {
        if (to === lost)
          problems.push({
            path: ['failover', lost, to],
            value: to,
            expected: 'another data center (a lost DC cannot take its own traffic)',
            problem: `'${lost}' fails over to itself`,
          });
        else if (!dcNames.has(to))
          problems.push({
            path: ['failover', lost, to],
            value: to,
            expected: `a data center of this file (${[...dcNames].join(', ')})`,
            problem: `unknown data center '${to}'`,
          });
        if (typeof share === 'number') sum += share;
        else allNumbers = false;
      }
      if (allNumbers && Object.keys(targets).length && Math.abs(sum - 1) > 1e-6) {
        problems.push({
          path: ['failover', lost],
          value: targets,
          expected: `shares that add up to 1 (they add up to ${+sum.toFixed(6)})`,
        });
      }
    }
  }
  return problems;
}

/** A DC's own address and Docker endpoint: where its replicas listen, and how its daemon is reached. */
function checkDcEndpoint(
  at: PathSegment[],
  dc: Record<string, unknown>,
  driver: unknown,
  hostAllowed: (host: string) => boolean,
  hostExpected: string,
  baseDir: string,
): RuleProblem[] {
  const problems: RuleProblem[] = [];
  if (typeof dc.address === 'string') {
    if (driver !== 'docker') {
      const expected = 'no address with driver: static (its endpoints name their hosts)';
      problems.push({ path: [...at, 'address'], value: dc.address, expected });
    } else if (/[\s/[\]]/.test(dc.address) || dc.address.split(':').length === 2) {
      // One colon is host:port (an IPv6 address has at least two).
      const expected = 'an IP address or host name without brackets, port or path, like 127.0.2.1 or ::1';
      problems.push({ path: [...at, 'address'], value: dc.address, expected });
    } else if (!hostAllowed(dc.address)) {
      problems.push({
        path: [...at, 'address'],
        value: dc.address,
        expected: hostExpected,
        problem: `address '${dc.address}' is not loopback and not under allowTargets`,
      });
    }
  }
  if (typeof dc.dockerCertPath === 'string') {
    const tcp = typeof dc.dockerHost === 'string' && dc.dockerHost.startsWith('tcp://');
    const dir = path.resolve(baseDir, dc.dockerCertPath);
    const missing = ['ca.pem', 'cert.pem', 'key.pem'].filter((f) => !existsSync(path.join(dir, f)));
    if (!tcp) {
      problems.push({
        path: [...at, 'dockerCertPath'],
        value: dc.dockerCertPath,
        expected: 'a dockerHost of the form tcp://host:2376 beside it (TLS certificates are for tcp:// endpoints)',
      });
    } else if (missing.length) {
      problems.push({
        path: [...at, 'dockerCertPath'],
        value: dc.dockerCertPath,
        problem: `${dir} lacks ${missing.join(', ')}`,
        expected:
          'a folder (relative to the cluster file) holding ca.pem, cert.pem and key.pem, as DOCKER_CERT_PATH does',
      });
    }
  }
  return problems;
}

function replicasIn(dc: Record<string, unknown>, tiers: string[]): number {
  return poolEntries(dc.pools, [], tiers).reduce<number>(
    (n, { pool: p }) => n + (typeof p === 'number' && Number.isInteger(p) && p > 0 ? p : 0),
    0,
  );
}

function checkPorts(raw: Record<string, unknown>, dcs: DcRef[]): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const ranges: { path: PathSegment[]; range: PortRange; used: number }[] = [];
  const validRange = (path: PathSegment[], value: unknown): PortRange | undefined => {
    const range = parsePortRange(value);
    if (!range) return undefined; // missing or malformed: the schema reports it
    if (range.from < 1024 || range.to > 65535 || range.from > range.to) {
      problems.push({ path, value, expected: 'a range FROM-TO with 1024 ≤ FROM ≤ TO ≤ 65535' });
      return undefined;
    }
    return range;
  };
  const clusterRange = validRange(['ports'], raw.ports);
  let clusterNeed = 0;
  let someDcUsesCluster = false;
  for (const { path, dc } of dcs) {
    const need = 2 * replicasIn(dc, tierNamesOf(raw));
    if (dc.ports === undefined) {
      someDcUsesCluster = true;
      clusterNeed += need;
      continue;
    }
    const range = validRange([...path, 'ports'], dc.ports);
    if (!range) continue;
    const size = range.to - range.from + 1;
    if (size < need)
      problems.push({
        path: [...path, 'ports'],
        value: dc.ports,
        expected: `at least ${need} ports (2 per replica: http and grpc), the range holds ${size}`,
      });
    ranges.push({ path: [...path, 'ports'], range, used: need });
  }
  if (someDcUsesCluster && raw.ports === undefined) {
    problems.push({
      path: ['ports'],
      value: undefined,
      expected: 'a loopback port range like 20000-20099 (needed by every data center without its own ports)',
    });
  }
  if (clusterRange && someDcUsesCluster) {
    const size = clusterRange.to - clusterRange.from + 1;
    if (size < clusterNeed)
      problems.push({
        path: ['ports'],
        value: raw.ports,
        expected: `at least ${clusterNeed} ports (2 per replica: http and grpc), the range holds ${size}`,
      });
    ranges.unshift({ path: ['ports'], range: clusterRange, used: clusterNeed });
  }
  for (let i = 0; i < ranges.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = ranges[j].range;
      const b = ranges[i].range;
      if (a.from <= b.to && b.from <= a.to) {
        problems.push({
          path: ranges[i].path,
          value: `${b.from}-${b.to}`,
          expected: 'a port range no other range of the file uses',
          problem: `ports ${b.from}-${b.to} overlap ${fieldPath(ranges[j].path)} (${a.from}-${a.to})`,
        });
      }
    }
  }
  return problems;
}

/** `regions[0].dcs[1].demand` */
export function fieldPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
