// haproxy.cfg from an edge spec: one frontend per region (or edge) on its own port, each with one
// backend of the front tier's replicas grouped by DC (servers `<dc>-<serverType>-<index>`), balance
// roundrobin, weights from demand, and an admin stats socket for the runtime API. Pure: text out.
import { ConfigError, ConfigErrors } from '../common';
import type { Replica } from '../cluster';
import type { Weights } from '../load';
import { type EdgeServerRef, serverKey, serverWeights } from './server-weights';
import { formatRuntimeAddress, type RuntimeAddress } from './runtime-address';

export interface EdgeServer extends EdgeServerRef {
  address: string;
  port: number;
}

export interface EdgeFrontend {
  /** The frontend's name; its backend is `be_<name>`. */
  name: string;
  host: string;
  port: number;
  servers: EdgeServer[];
}

export interface EdgeSpec {
  /** The cluster or run file it comes from, for error messages. */
  file: string;
  frontends: EdgeFrontend[];
  runtime: RuntimeAddress;
  /** `GET <path>` health checks on every server; absent = no checks (a server is always up). */
  healthPath?: string;
  threads?: number;
  maxconn?: number;
  /**
   * A response header naming the server HAProxy chose (on every response, its own errors too), so a
   * generator in front can put each request on the replica that served it.
   */
  servedByHeader?: string;
  /**
   * HAProxy's server and queue timeouts (default 30 s). Below the generator's request timeout, a replica
   * too slow to answer gets a 504 that names it, instead of a client timeout that names nobody.
   */
  serverTimeoutMs?: number;
  /**
   * Requests one server is given at a time; more wait in HAProxy's queue (at most the server timeout) and
   * are dropped there if their client left, so an overloaded replica never works for clients long gone.
   */
  serverMaxconn?: number;
  /** Extra lines for the global and defaults sections (tuning from the cluster file), passed as they are. */
  extra?: { global?: string[]; defaults?: string[] };
}

const namePattern = /^[A-Za-z0-9_.:-]+$/;
export const backendOf = (frontend: string): string => `be_${frontend}`;

/** One frontend per region on consecutive ports from `firstPort`; every backend holds every replica, so any edge can send to any DC. */
export function edgeFromReplicas(
  file: string,
  replicas: readonly Replica[],
  opts: { host?: string; firstPort: number; runtime: RuntimeAddress; healthPath?: string },
): EdgeSpec {
  const regions = [...new Set(replicas.map((r) => r.region))];
  const frontends = regions.map((region, i) => ({
    name: region,
    host: opts.host ?? '127.0.0.1',
    port: opts.firstPort + i,
    servers: replicas.map((r) => ({
      backend: backendOf(region),
      server: `${r.dc}-${r.serverType}-${r.index}`,
      dc: r.dc,
      serverType: r.serverType,
      address: r.host,
      port: r.httpPort,
      replica: r.name,
    })),
  }));
  return { file, frontends, runtime: opts.runtime, ...(opts.healthPath ? { healthPath: opts.healthPath } : {}) };
}

/** Every server of every backend, in file order. */
export function edgeServers(spec: EdgeSpec): EdgeServer[] {
  return spec.frontends.flatMap((f) => f.servers);
}

/** Problems HAProxy would report less clearly (or not at all: a duplicate name is silently renamed in some versions). */
function validate(spec: EdgeSpec): void {
  const problems: ConfigError[] = [];
  const ports = new Set<string>();
  spec.frontends.forEach((f, i) => {
    const at = `edge.frontends[${i}]`;
    if (!namePattern.test(f.name))
      problems.push(
        new ConfigError(spec.file, `${at}.name`, `'${f.name}' is not a valid HAProxy name (letters, digits, - _ . :)`),
      );
    if (!Number.isInteger(f.port) || f.port < 1 || f.port > 65535)
      problems.push(new ConfigError(spec.file, `${at}.port`, `expected a port 1-65535, got ${f.port}`));
    if (ports.has(`${f.host}:${f.port}`))
      problems.push(new ConfigError(spec.file, `${at}.port`, `${f.host}:${f.port} is bound by another frontend`));
    ports.add(`${f.host}:${f.port}`);
    if (f.servers.length === 0)
      problems.push(new ConfigError(spec.file, `${at}.servers`, 'a frontend needs at least one server'));
    const names = new Set<string>();
    f.servers.forEach((s, k) => {
      if (!namePattern.test(s.server))
        problems.push(
          new ConfigError(spec.file, `${at}.servers[${k}]`, `'${s.server}' is not a valid HAProxy server name`),
        );
      if (names.has(s.server))
        problems.push(new ConfigError(spec.file, `${at}.servers[${k}]`, `two servers are named '${s.server}'`));
      names.add(s.server);
      if (s.backend !== backendOf(f.name))
        problems.push(
          new ConfigError(spec.file, `${at}.servers[${k}].backend`, `expected ${backendOf(f.name)}, got ${s.backend}`),
        );
    });
  });
  if (problems.length) throw new ConfigErrors(problems);
}

/** The configuration text with the server weights that `weights` give (demand weights at start). */
export function haproxyConfig(spec: EdgeSpec, weights: Weights): string {
  validate(spec);
  const sw = serverWeights(edgeServers(spec), weights);
  const lines = [
    '# Generated by headroom: an edge per region; weights change at run time through the stats socket.',
    'global',
    `  stats socket ${formatRuntimeAddress(spec.runtime, 'haproxy')} level admin`,
    `  maxconn ${spec.maxconn ?? 4096}`,
    ...(spec.threads ? [`  nbthread ${spec.threads}`] : []),
    ...(spec.extra?.global ?? []).map((l) => `  ${l}`),
    '',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 30s',
    `  timeout server ${spec.serverTimeoutMs ?? 30_000}ms`,
    '  timeout http-request 10s',
    '  timeout http-keep-alive 10s',
    `  timeout queue ${spec.serverTimeoutMs ?? 10_000}ms`,
    // A queued request whose client gave up is dropped, not sent to a replica that is already behind.
    '  option abortonclose',
    // Idle server connections are shared by every client connection: a generator opening connections as
    // latency rises must not make each replica accept as many new ones.
    '  http-reuse always',
    ...(spec.extra?.defaults ?? []).map((l) => `  ${l}`),
  ];
  for (const f of spec.frontends) {
    const backend = backendOf(f.name);
    lines.push('', `frontend fe_${f.name}`, `  bind ${f.host}:${f.port}`, `  default_backend ${backend}`);
    // after-response: also on HAProxy's own 502/503/504, where %s is the server that failed (or <NOSRV>).
    if (spec.servedByHeader) lines.push(`  http-after-response set-header ${spec.servedByHeader} %s`);
    // One backend for all DCs: a DC's share is the sum of its servers' weights over the backend's total,
    // so `set weight` moves DC shares exactly, between two requests, with no second balancing level.
    lines.push('', `backend ${backend}`, '  balance roundrobin');
    if (spec.healthPath) lines.push(`  option httpchk GET ${spec.healthPath}`);
    const check = `${spec.serverMaxconn ? ` maxconn ${spec.serverMaxconn}` : ''}${spec.healthPath ? ' check inter 1s fall 2 rise 2' : ''}`;
    for (const s of f.servers)
      lines.push(`  server ${s.server} ${s.address}:${s.port} weight ${sw[serverKey(s)]}${check}`);
  }
  return `${lines.join('\n')}\n`;
}
