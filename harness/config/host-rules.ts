// Where a cluster's replicas live: static endpoints' hosts, each DC's address and its Docker endpoint.
// Hosts must be loopback or listed under allowTargets; TLS certificates sit beside a tcp:// endpoint.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { PathSegment, RuleProblem } from './rule-problem';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Host of `host:port` or `[v6]:port`. */
export function splitHostPort(text: string): { host: string; port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:\s/]+):(\d+)$/.exec(text);
  if (!m) return undefined;
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

/** The hosts of a static pool's endpoints [{http, grpc?}]: loopback or allowed. */
export function checkEndpointHosts(
  pool: unknown[],
  poolPath: PathSegment[],
  hostAllowed: (host: string) => boolean,
  hostExpected: string,
): RuleProblem[] {
  const problems: RuleProblem[] = [];
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
  return problems;
}

/** A DC's own address and Docker endpoint: where its replicas listen, and how its daemon is reached. */
export function checkDcEndpoint(
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
