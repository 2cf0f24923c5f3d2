import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type ConfigError, ConfigErrors, ExitCode } from '../common';
import { loadClusterFile, parseClusterFile } from './cluster';

const root = join(__dirname, '..', '..');
const fixtures = join(__dirname, 'fixtures');

/** A valid docker cluster file; each test breaks one thing in it. */
const good = `
name: t
driver: docker
ports: 21000-21099
serverTypes:
  small: { cpus: 0.25, memoryMb: 256 }
  large: { cpus: 0.5, memoryMb: 512, workers: 2, costPerHour: 0.02 }
regions:
  - name: east
    dcs:
      - name: e1
        demand: 3
        pools: { small: 2, large: 1 }
  - name: west
    dcs:
      - name: w1
        demand: 1
        pools: { small: 1 }
`;

function problemsOf(text: string, file = 'c.yaml'): ConfigError[] {
  try {
    parseClusterFile(text, file);
  } catch (err) {
    assert.ok(err instanceof ConfigErrors, `expected ConfigErrors, got ${err}`);
    assert.equal(err.exitCode, ExitCode.invalidConfig);
    return err.problems;
  }
  assert.fail('the file was accepted');
}

/** Exactly one problem, on `field`, whose message contains every fragment. */
function expectOne(text: string, field: string, ...fragments: string[]): ConfigError {
  const problems = problemsOf(text);
  assert.deepEqual(
    problems.map((p) => p.field),
    [field],
    problems.map((p) => p.message).join('\n'),
  );
  for (const f of fragments) assert.ok(problems[0].message.includes(f), `"${problems[0].message}" lacks "${f}"`);
  assert.ok(!problems[0].message.includes('\n'), 'one paragraph');
  assert.ok(problems[0].message.startsWith(`c.yaml: ${field}: `));
  return problems[0];
}

test('local-3dc: three regions, unequal demand, small and large pools, ports in its range', async () => {
  const spec = await loadClusterFile(join(root, 'clusters', 'local-3dc.yaml'));
  assert.equal(spec.name, 'local-3dc');
  assert.equal(spec.driver, 'docker');
  assert.deepEqual(spec.regions, [
    { name: 'us-east', dcs: ['use1'] },
    { name: 'us-west', dcs: ['usw2'] },
    { name: 'eu-west', dcs: ['euw1'] },
  ]);
  assert.deepEqual(
    spec.dcs.map((d) => [d.name, d.demand]),
    [
      ['use1', 0.45],
      ['usw2', 0.3],
      ['euw1', 0.25],
    ],
  );
  assert.equal(spec.serverTypes.small.cpus, 0.25);
  assert.equal(spec.serverTypes.large.cpus, 0.5);
  assert.equal(spec.replicas.length, 7);
  for (const r of spec.replicas) {
    assert.ok(r.httpPort >= 20000 && r.grpcPort !== undefined && r.grpcPort <= 20099);
    assert.equal(r.host, '127.0.0.1');
  }
  const ports = spec.replicas.flatMap((r) => [r.httpPort, r.grpcPort]);
  assert.equal(new Set(ports).size, ports.length, 'every port used once');
  assert.deepEqual(spec.failover, { use1: { usw2: 0.6, euw1: 0.4 } });
});

test('a valid file: replicas named and numbered, ports assigned in order, demand normalised', () => {
  const spec = parseClusterFile(good, 'c.yaml');
  assert.deepEqual(
    spec.replicas.map((r) => [r.name, r.pool, r.httpPort, r.grpcPort]),
    [
      ['t-e1-small-1', 'e1/small', 21000, 21001],
      ['t-e1-small-2', 'e1/small', 21002, 21003],
      ['t-e1-large-1', 'e1/large', 21004, 21005],
      ['t-w1-small-1', 'w1/small', 21006, 21007],
    ],
  );
  assert.deepEqual(
    spec.dcs.map((d) => d.demand),
    [0.75, 0.25],
  );
  assert.deepEqual(spec.serverTypes.small, { name: 'small', cpus: 0.25, memoryMb: 256, workers: 1, costPerHour: 0 });
  assert.deepEqual(
    spec.dcs[0].pools.map((p) => [p.id, p.replicas]),
    [
      ['e1/small', 2],
      ['e1/large', 1],
    ],
  );
  assert.deepEqual(spec.allowTargets, []);
  assert.deepEqual(spec.serviceEnv, {});
});

test('a DC with its own port range takes its ports from it', () => {
  const spec = parseClusterFile(good.replace('name: w1\n', 'name: w1\n        ports: 21200-21201\n'), 'c.yaml');
  assert.deepEqual(
    spec.replicas.map((r) => r.httpPort),
    [21000, 21002, 21004, 21200],
  );
});

test('static driver: endpoints, non-loopback host allowed by allowTargets', async () => {
  const spec = await loadClusterFile(join(fixtures, 'static-2dc.yaml'));
  assert.equal(spec.driver, 'static');
  assert.deepEqual(
    spec.replicas.map((r) => [r.name, r.host, r.httpPort, r.grpcPort]),
    [
      ['static-2dc-lab1-gen1-1', '127.0.0.1', 21480, 21481],
      ['static-2dc-lab1-gen1-2', '10.0.0.5', 8080, 21483],
      ['static-2dc-lab2-gen1-1', 'localhost', 21484, 21485],
    ],
  );
  assert.deepEqual(
    spec.dcs.map((d) => d.demand),
    [0.25, 0.75],
  );
});

// The kinds of broken files, one problem each.

test('file missing', async () => {
  await assert.rejects(loadClusterFile(join(fixtures, 'nope.yaml')), (err: unknown) => {
    assert.ok(err instanceof ConfigErrors);
    assert.equal(err.exitCode, 104);
    assert.match(err.message, /nope\.yaml: no such file; expected a cluster file/);
    return true;
  });
});

test('YAML syntax error names the line', async () => {
  await assert.rejects(loadClusterFile(join(fixtures, 'bad-syntax.yaml')), (err: unknown) => {
    assert.ok(err instanceof ConfigErrors);
    assert.equal(err.exitCode, 104);
    assert.match(
      err.problems[0].message,
      /bad-syntax\.yaml: YAML syntax error at line \d+, column \d+: .*expected valid YAML/,
    );
    return true;
  });
  const dup = problemsOf(good.replace('driver: docker', 'driver: docker\nname: again'));
  assert.match(dup[0].message, /YAML syntax error at line 4, column 1: Map keys must be unique/);
});

test('missing field', () => {
  expectOne(
    good.replace('        demand: 1\n', ''),
    'regions[1].dcs[0].demand',
    'missing; expected a number',
    '(line 16)',
  );
});

test('wrong type', () => {
  expectOne(
    good.replace('cpus: 0.25', 'cpus: "quarter"'),
    'serverTypes.small.cpus',
    'got "quarter", expected a number',
    '(line 6)',
  );
});

test('unknown server type', () => {
  expectOne(
    good.replace('pools: { small: 1 }', 'pools: { medium: 1 }'),
    'regions[1].dcs[0].pools.medium',
    "unknown server type 'medium'",
    'small, large',
  );
});

test('negative replicas', () => {
  expectOne(
    good.replace('pools: { small: 1 }', 'pools: { small: -1 }'),
    'regions[1].dcs[0].pools.small',
    'got -1, expected a whole number of replicas ≥ 0',
  );
});

test('zero or negative demand', () => {
  expectOne(good.replace('demand: 1', 'demand: 0'), 'regions[1].dcs[0].demand', 'got 0, expected a number > 0');
  expectOne(good.replace('demand: 3', 'demand: -2'), 'regions[0].dcs[0].demand', 'got -2, expected a number > 0');
});

test('overlapping port ranges', () => {
  expectOne(
    good.replace('name: w1\n', 'name: w1\n        ports: 21050-21051\n'),
    'regions[1].dcs[0].ports',
    'ports 21050-21051 overlap ports (21000-21099)',
  );
});

test('too few ports in a range', () => {
  expectOne(
    good.replace('ports: 21000-21099', 'ports: 21000-21006'),
    'ports',
    'got "21000-21006", expected at least 8 ports (2 per replica: http and grpc), the range holds 7',
  );
  expectOne(good.replace('ports: 21000-21099', 'ports: 21000-'), 'ports', 'expected a port range like 20000-20099');
  expectOne(
    good.replace('ports: 21000-21099', 'ports: 80-90'),
    'ports',
    'expected a range FROM-TO with 1024 ≤ FROM ≤ TO ≤ 65535',
  );
});

test('non-loopback host not under allowTargets', () => {
  expectOne(
    good.replace('driver: docker', 'driver: docker\nhost: 192.168.1.10'),
    'host',
    "host '192.168.1.10' is not loopback and not under allowTargets",
  );
  assert.equal(
    parseClusterFile(
      good.replace('driver: docker', 'driver: docker\nhost: 192.168.1.10\nallowTargets: [192.168.1.10]'),
      'c.yaml',
    ).replicas[0].host,
    '192.168.1.10',
  );
});

test('duplicate DC and region names', () => {
  expectOne(
    good.replace('name: w1', 'name: e1'),
    'regions[1].dcs[0].name',
    'got "e1", expected a data center name not used before (regions[0].dcs[0] has it)',
  );
  expectOne(good.replace('name: west', 'name: east'), 'regions[1].name', 'expected a region name not used before');
});

test('unknown key (strict)', () => {
  expectOne(
    good.replace('demand: 3', 'demand: 3\n        weight: 2'),
    'regions[0].dcs[0].weight',
    "unknown key 'weight'; expected one of name, demand, ports, address, dockerHost, dockerCertPath, pools",
  );
  expectOne(
    good.replace('memoryMb: 256', 'memoryMb: 256, cpu: 1'),
    'serverTypes.small.cpu',
    "unknown key 'cpu'; expected one of cpus, memoryMb, workers, costPerHour",
  );
});

test('driver mismatch, reserved env, failover rules', () => {
  expectOne(
    good.replace('driver: docker', 'driver: podman'),
    'driver',
    'got "podman", expected one of "docker", "static"',
  );
  expectOne(
    good.replace('pools: { small: 1 }', 'pools: { small: [{ http: "http://127.0.0.1:1", grpc: "127.0.0.1:2" }] }'),
    'regions[1].dcs[0].pools.small',
    'expected a replica count',
  );
  expectOne(`${good}service: { env: { GRPC_PORT: 1 } }\n`, 'service.env.GRPC_PORT', 'GRPC_PORT is set by the driver');
  expectOne(
    `${good}failover: { e1: { w1: 0.5 } }\n`,
    'failover.e1',
    'expected shares that add up to 1 (they add up to 0.5)',
  );
  expectOne(`${good}failover: { e1: { x9: 1 } }\n`, 'failover.e1.x9', "unknown data center 'x9'");
  expectOne(`${good}failover: { e1: { e1: 1 } }\n`, 'failover.e1.e1', "'e1' fails over to itself");
  expectOne(
    good.replace('pools: { small: 1 }', 'pools: { small: 0 }'),
    'regions[1].dcs[0].pools',
    'expected at least one replica in the data center',
  );
});

test('static endpoints outside loopback are refused unless allowed', () => {
  const text = good
    .replace('driver: docker', 'driver: static')
    .replace('ports: 21000-21099\n', '')
    .replace(
      'pools: { small: 2, large: 1 }',
      'pools: { small: [{ http: "http://127.0.0.1:21400", grpc: "127.0.0.1:21401" }] }',
    )
    .replace('pools: { small: 1 }', 'pools: { small: [{ http: "http://203.0.113.9:80", grpc: "203.0.113.9:81" }] }');
  const problems = problemsOf(text);
  assert.deepEqual(
    problems.map((p) => p.field),
    ['regions[1].dcs[0].pools.small[0].http', 'regions[1].dcs[0].pools.small[0].grpc'],
  );
  assert.match(problems[0].message, /host '203\.0\.113\.9' is not loopback and not under allowTargets/);
});

test('every problem of a file is reported in one pass, each naming file, field, value and line', async () => {
  await assert.rejects(loadClusterFile(join(fixtures, 'bad-many.yaml')), (err: unknown) => {
    assert.ok(err instanceof ConfigErrors);
    const byField = Object.fromEntries(err.problems.map((p) => [p.field, p.message]));
    assert.deepEqual(Object.keys(byField).sort(), [
      'colour',
      'host',
      'regions[0].dcs[0].demand',
      'regions[0].dcs[0].pools.medium',
      'regions[0].dcs[0].pools.small',
      'regions[0].dcs[1].name',
      'regions[0].dcs[1].ports',
      'regions[0].dcs[2].ports',
      'serverTypes.large.memoryMb',
      'serverTypes.small.cpus',
    ]);
    assert.match(byField['regions[0].dcs[2].ports'], /expected at least 6 ports .* the range holds 2 \(line 22\)$/);
    for (const p of err.problems) assert.ok(p.message.startsWith(`${join(fixtures, 'bad-many.yaml')}: `), p.message);
    assert.equal(err.message.split('\n').length, 10, 'one paragraph (line) per problem');
    return true;
  });
});
