// Static servers that serve HTTP only: `grpc` may be left out of an endpoint, unless the cluster file asks
// for it (gRPC health, a TCP check of a gRPC-only tier, {{port.grpc}} in a metrics URL), and a scenario
// whose mix has gRPC endpoints is refused against such servers (exit 104, naming the endpoint and the pools).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigErrors, ExitCode } from '../common';
import { parseClusterFile } from './cluster';
import { checkScenarioAgainstCluster, validateScenario } from './scenario';

const staticFile = (
  service: string,
  small: string,
  large = '{ http: "http://127.0.0.1:14103", grpc: "127.0.0.1:14104" }',
) => `
name: s
driver: static
services:
  web: ${service}
serverTypes:
  small: { cpus: 0.25, memoryMb: 256 }
  large: { cpus: 1, memoryMb: 512 }
regions:
  - name: lab
    dcs:
      - name: lab1
        demand: 1
        pools:
          small: [${small}]
          large: [${large}]
`;
const httpOnly = '{ http: "http://127.0.0.1:14101" }';

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

test('an endpoint without grpc: a server that serves HTTP only, with no gRPC address in the model', () => {
  const spec = parseClusterFile(staticFile('{ ports: [http], health: { http: /ready } }', httpOnly), 'c.yaml');
  const [small, large] = spec.replicas;
  assert.equal(small.httpPort, 14101);
  assert.equal(small.grpcPort, undefined);
  assert.equal(large.grpcPort, 14104);
  // The short form (the reference's checks) and a tier without health: too.
  assert.deepEqual(problems(staticFile('{ ports: [http] }', httpOnly)), []);
  assert.deepEqual(problems(staticFile('{ ports: [http, grpc], health: tcp }', httpOnly)), []);
});

test('grpc is required where the file asks for it, with the reason', () => {
  assert.deepEqual(problems(staticFile('{ ports: [http, grpc], health: grpc }', httpOnly)), [
    'c.yaml: regions[0].dcs[0].pools.small[0].grpc: missing; expected host:port like 127.0.0.1:9090: ' +
      'its tier is checked with gRPC health (health: grpc) (line 15)',
  ]);
  assert.deepEqual(problems(staticFile('{ ports: [grpc], health: tcp }', httpOnly)), [
    'c.yaml: regions[0].dcs[0].pools.small[0].grpc: missing; expected host:port like 127.0.0.1:9090: ' +
      'its tier serves gRPC only and is checked with a TCP connect to its gRPC port (line 15)',
  ]);
  const metricsOnGrpcPort = '{ http: "http://127.0.0.1:14101", metrics: "http://{{host}}:{{port.grpc}}/metrics" }';
  assert.deepEqual(problems(staticFile('{ ports: [http], health: tcp }', metricsOnGrpcPort)), [
    'c.yaml: regions[0].dcs[0].pools.small[0].grpc: missing; expected host:port like 127.0.0.1:9090: ' +
      'its metrics URL http://{{host}}:{{port.grpc}}/metrics uses {{port.grpc}} (line 15)',
  ]);
});

const scenario = (endpoints: unknown[]) =>
  validateScenario(
    {
      name: 'x',
      cluster: 'c.yaml',
      baselineRps: 10,
      mix: { endpoints },
      guards: { http_req_duration: ['p(99)<100'] },
      safety: { maxErrorRate: 0.5, maxTotalRps: 100 },
      drills: [{ kind: 'redline', name: 'rl', startRps: 10, maxRps: 50 }],
    },
    '/s/x.ts',
  );
const http = { name: 'w', weight: 1, protocol: 'http', path: '/w' };
const grpc = { name: 'g', weight: 1, protocol: 'grpc', proto: 'feed.proto', service: 'a.B', method: 'C', message: {} };

test('a gRPC endpoint in the mix against pools without gRPC addresses is refused, naming the endpoint and the pools', () => {
  const cluster = (small: string, large?: string) =>
    parseClusterFile(staticFile('{ ports: [http, grpc], health: tcp }', small, large), '/c/lab.yaml');
  let thrown: unknown;
  try {
    checkScenarioAgainstCluster(scenario([http, grpc]), cluster(httpOnly, httpOnly));
  } catch (err) {
    thrown = err;
  }
  assert.ok(thrown instanceof ConfigErrors, String(thrown));
  assert.equal(thrown.exitCode, ExitCode.invalidConfig);
  assert.deepEqual(
    thrown.problems.map((p) => p.message),
    [
      `/s/x.ts: mix.endpoints[1].protocol: got "grpc" (endpoint 'g'); expected an http endpoint: pools lab1/small, lab1/large ` +
        'of static cluster s (lab.yaml) list no grpc address for s-lab1-small-1, s-lab1-large-1, and a gRPC request needs one',
    ],
  );
  assert.match(thrown.hint ?? '', /give each of those servers grpc: host:port in lab\.yaml/);
  // An HTTP mix is fine without gRPC addresses, and a gRPC mix is fine where every server has one.
  checkScenarioAgainstCluster(scenario([http]), cluster(httpOnly, httpOnly));
  checkScenarioAgainstCluster(
    scenario([http, grpc]),
    cluster('{ http: "http://127.0.0.1:14101", grpc: "127.0.0.1:14102" }'),
  );
});
