// `metrics:` of a static cluster file: the nearest of endpoint, tier and file wins; a path or a URL
// template with known templates and an allowed host; never with the docker driver. And a scenario
// whose CPU or memory guard judges a pool without a source is refused (exit 104), naming both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigErrors, ExitCode } from '../common';
import { parseClusterFile } from './cluster';
import { checkScenarioAgainstCluster, validateScenario } from './scenario';

const staticFile = (top: string, tier: string, a: string, b: string) => `
name: s
driver: static
allowTargets: [10.0.0.9]
${top}
services:
  web: { ports: [http], health: { http: /healthz }${tier} }
serverTypes:
  small: { cpus: 0.25, memoryMb: 256 }
  large: { cpus: 1, memoryMb: 512 }
regions:
  - name: lab
    dcs:
      - name: lab1
        demand: 1
        pools:
          small: [{ http: "http://127.0.0.1:12201", grpc: "127.0.0.1:12202"${a} }]
          large: [{ http: "http://127.0.0.1:12203", grpc: "127.0.0.1:12204"${b} }]
`;

function problems(text: string): string[] {
  try {
    parseClusterFile(text, 'c.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigErrors, String(err));
    assert.equal(err.exitCode, ExitCode.invalidConfig);
    return err.problems.map((p) => p.message);
  }
  return [];
}

test('the nearest metrics: wins (endpoint, then tier, then file); none anywhere is no source', () => {
  const sources = (text: string) => parseClusterFile(text, 'c.yaml').replicas.map((r) => r.metrics);
  assert.deepEqual(sources(staticFile('', '', '', '')), [undefined, undefined]);
  assert.deepEqual(sources(staticFile('metrics: /metrics', '', '', '')), ['/metrics', '/metrics']);
  assert.deepEqual(sources(staticFile('metrics: /metrics', ', metrics: /tier', '', '')), ['/tier', '/tier']);
  assert.deepEqual(sources(staticFile('metrics: /metrics', '', ', metrics: "http://{{host}}:9100/m"', '')), [
    'http://{{host}}:9100/m',
    '/metrics',
  ]);
  assert.deepEqual(sources(staticFile('', '', ', metrics: "http://10.0.0.9:9100/{{replica}}"', '')), [
    'http://10.0.0.9:9100/{{replica}}',
    undefined,
  ]);
});

test('bad metrics: a docker cluster, unknown templates, not a path nor an http URL, a host that is not allowed', () => {
  const docker = `
name: d
driver: docker
ports: 12210-12219
metrics: /metrics
serverTypes: { small: { cpus: 0.25, memoryMb: 256 } }
regions: [{ name: r, dcs: [{ name: d1, demand: 1, pools: { small: 1 } }] }]
`;
  assert.deepEqual(problems(docker), [
    'c.yaml: metrics: metrics: is read by driver: static only; expected no metrics: with driver: docker (it samples CPU and memory from the containers) (line 5)',
  ]);
  const bad = problems(
    staticFile(
      'metrics: "http://{{host}}:{{port.metrics}}/m"',
      ', metrics: "metrics"',
      ', metrics: "ftp://127.0.0.1/m"',
      ', metrics: "http://10.1.2.3:9100/metrics"',
    ),
  );
  assert.equal(bad.length, 4, bad.join('\n'));
  assert.match(
    bad[0],
    /^c\.yaml: metrics: unknown template \{\{port\.metrics\}\}; expected a path on the server's HTTP port like \/metrics, or a URL/,
  );
  assert.match(
    bad[1],
    /^c\.yaml: services\.web\.metrics: got "metrics", expected a path on the server's HTTP port like \/metrics/,
  );
  assert.match(
    bad[2],
    /^c\.yaml: regions\[0\]\.dcs\[0\]\.pools\.small\[0\]\.metrics: got "ftp:\/\/127\.0\.0\.1\/m", expected a path/,
  );
  assert.match(
    bad[3],
    /^c\.yaml: regions\[0\]\.dcs\[0\]\.pools\.large\[0\]\.metrics: host '10\.1\.2\.3' is not loopback and not under allowTargets/,
  );
});

const scenario = (guards: Record<string, string[]>, thresholds: Record<string, string[]> = {}) =>
  validateScenario(
    {
      name: 'x',
      cluster: 'c.yaml',
      baselineRps: 10,
      mix: { endpoints: [{ name: 'w', weight: 1, protocol: 'http', path: '/w' }] },
      guards: { http_req_duration: ['p(99)<100'], ...guards },
      thresholds,
      safety: { maxErrorRate: 0.5, maxTotalRps: 100 },
      drills: [{ kind: 'redline', name: 'rl', startRps: 10, maxRps: 50 }],
    },
    '/s/x.ts',
  );

function crossCheck(s: ReturnType<typeof scenario>, text: string): string[] {
  try {
    checkScenarioAgainstCluster(s, parseClusterFile(text, '/c/bucket.yaml'));
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigErrors, String(err));
    assert.equal(err.exitCode, ExitCode.invalidConfig);
    return err.problems.map((p) => p.message);
  }
}

test('a CPU or memory guard on a pool without a metrics source is refused at load time, naming the guard and the pool', () => {
  const none = staticFile('', '', '', '');
  assert.deepEqual(crossCheck(scenario({ cpu_share: ['avg<0.9'] }), none), [
    "/s/x.ts: guards.cpu_share: guard 'cpu_share: avg<0.9' has no data source: pools lab1/small, lab1/large of static cluster s (bucket.yaml) " +
      'have no metrics:, and a guard with no data never passes',
  ]);
  // Only the small pool has a source: a guard on every pool names the large one; one on the small pool is fine.
  const smallOnly = staticFile('', '', ', metrics: /metrics', '');
  assert.deepEqual(crossCheck(scenario({ memory_mb: ['max<400'] }), smallOnly), [
    "/s/x.ts: guards.memory_mb: guard 'memory_mb: max<400' has no data source: pool lab1/large of static cluster s (bucket.yaml) " +
      'has no metrics:, and a guard with no data never passes',
  ]);
  assert.deepEqual(crossCheck(scenario({ 'cpu_share{pool:lab1/small}': ['avg<0.9'] }), smallOnly), []);
  // memory_share is memory over the type's limit: a resource metric like memory_mb, with the same source.
  assert.deepEqual(crossCheck(scenario({ memory_share: ['max<0.8'] }), smallOnly), [
    "/s/x.ts: guards.memory_share: guard 'memory_share: max<0.8' has no data source: pool lab1/large of static cluster s (bucket.yaml) " +
      'has no metrics:, and a guard with no data never passes',
  ]);
  assert.deepEqual(crossCheck(scenario({ 'cpu_share{serverType:large}': ['avg<0.9'] }), smallOnly).length, 1);
  // Whole-run thresholds too; latency and error guards need no source.
  assert.match(
    crossCheck(scenario({}, { cpu_share: ['avg<0.9'] }), smallOnly)[0],
    /^\/s\/x\.ts: thresholds\.cpu_share: threshold 'cpu_share: avg<0.9' has no data source/,
  );
  assert.deepEqual(crossCheck(scenario({ http_req_failed: ['rate<0.01'] }), none), []);
  assert.deepEqual(crossCheck(scenario({ cpu_share: ['avg<0.9'] }), staticFile('metrics: /metrics', '', '', '')), []);
  // The hint says where to put the source.
  try {
    checkScenarioAgainstCluster(scenario({ cpu_share: ['avg<0.9'] }), parseClusterFile(none, '/c/bucket.yaml'));
  } catch (err) {
    assert.match(
      (err as ConfigErrors).hint ?? '',
      /metrics: \/metrics at the top of bucket\.yaml, under the tier, or on each endpoint; or remove the guard/,
    );
  }
});
