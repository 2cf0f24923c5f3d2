// Cluster files with tiers (`services:`): the model they load into, and every kind of bad input,
// each with its exact message (file, field, value, what was expected, line).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type ConfigError, ConfigErrors, ExitCode } from '../common';
import { loadClusterFile, parseClusterFile } from './cluster';

const root = join(__dirname, '..', '..');
const fixtures = join(__dirname, 'fixtures');
const file = join(fixtures, 'c.yaml'); // build contexts resolve next to it

function tiered(services: string, pools = '{ web: { small: 2 }, backend: { small: 1 } }'): string {
  return `
name: t
ports: 21000-21099
services:
${services}
serverTypes:
  small: { cpus: 0.25, memoryMb: 256 }
regions:
  - name: east
    dcs:
      - name: e1
        demand: 1
        pools: ${pools}
`;
}

/** A valid two-tier file; each bad-input test breaks one thing in it. */
const two = `  web:
    front: true
    reference: { env: { FEED_CPU_MS: "1" } }
    env: { BACKENDS: "{{tier.backend.http}}" }
    dependsOn: [backend]
  backend:
    reference: {}`;

/** Exactly one problem, on `field`, with exactly this message after the file name. */
function expectOne(text: string, field: string, message: string): ConfigError {
  try {
    parseClusterFile(text, file);
  } catch (err) {
    assert.ok(err instanceof ConfigErrors, String(err));
    assert.equal(err.exitCode, ExitCode.invalidConfig);
    assert.deepEqual(
      err.problems.map((p) => [p.field, p.message]),
      [[field, `${file}: ${field}: ${message}`]],
    );
    return err.problems[0];
  }
  assert.fail('the file was accepted');
}

test('two tiers: start order from dependsOn, the front, pools and replicas named per tier, ports in order', () => {
  const spec = parseClusterFile(tiered(two), file);
  assert.deepEqual(
    spec.tiers!.map((t) => t.name),
    ['backend', 'web'],
  );
  assert.equal(spec.front, 'web');
  assert.deepEqual(
    spec.replicas.map((r) => [r.name, r.tier, r.pool, r.httpPort, r.grpcPort]),
    [
      ['t-e1-web-small-1', 'web', 'e1/web/small', 21000, 21001],
      ['t-e1-web-small-2', 'web', 'e1/web/small', 21002, 21003],
      ['t-e1-backend-small-1', 'backend', 'e1/backend/small', 21004, 21005],
    ],
  );
  assert.deepEqual(
    spec.dcs[0].pools.map((p) => [p.id, p.tier, p.serverType, p.replicas]),
    [
      ['e1/web/small', 'web', 'small', 2],
      ['e1/backend/small', 'backend', 'small', 1],
    ],
  );
  const web = spec.tiers!.find((t) => t.name === 'web')!;
  assert.deepEqual(web, {
    name: 'web',
    source: { kind: 'reference' },
    env: { FEED_CPU_MS: '1', BACKENDS: '{{tier.backend.http}}' },
    serves: ['http', 'grpc'],
    health: { kind: 'reference' },
    dependsOn: ['backend'],
  });
  assert.deepEqual(
    spec.serviceEnv,
    { FEED_CPU_MS: '1', BACKENDS: '{{tier.backend.http}}' },
    "the front reference tier's env",
  );
});

test('a tier of its own: image, command, entrypoint, ports, health, start timeout, stop signal and grace period', () => {
  const spec = parseClusterFile(
    tiered(
      `  web:
    image: registry.example/shop:1.2
    entrypoint: [/bin/shop]
    command: [--port, "{{port.http}}", --name, "{{replica}}"]
    env: { DC: "{{dc}}", LISTEN: "{{host}}:{{port.grpc}}" }
    ports: [http, grpc]
    health: { http: /ready }
    startTimeout: 45s
    stopSignal: SIGQUIT
    stopGracePeriod: 1m`,
      '{ small: 1 }',
    ),
    file,
  );
  assert.equal(spec.front, 'web');
  assert.deepEqual(spec.tiers, [
    {
      name: 'web',
      source: { kind: 'image', image: 'registry.example/shop:1.2' },
      command: ['--port', '{{port.http}}', '--name', '{{replica}}'],
      entrypoint: ['/bin/shop'],
      env: { DC: '{{dc}}', LISTEN: '{{host}}:{{port.grpc}}' },
      serves: ['http', 'grpc'],
      health: { kind: 'http', path: '/ready' },
      startTimeoutMs: 45_000,
      dependsOn: [],
      stopSignal: 'SIGQUIT',
      stopGraceMs: 60_000,
    },
  ]);
  assert.deepEqual(
    spec.replicas.map((r) => [r.name, r.pool, r.tier]),
    [['t-e1-small-1', 'e1/small', 'web']],
    'one tier keeps the one-tier names',
  );
  assert.deepEqual(spec.serviceEnv, {}, 'no reference front, no knobs');
});

test('build: a folder relative to the cluster file; health grpc and tcp; an image serves HTTP unless told', () => {
  const spec = parseClusterFile(
    tiered(`  web:
    front: true
    build: ctx-ok
    health: tcp
  backend:
    image: cache:7
    ports: [grpc]
    health: grpc`),
    file,
  );
  const [web, backend] = [spec.tiers!.find((t) => t.name === 'web')!, spec.tiers!.find((t) => t.name === 'backend')!];
  assert.deepEqual(web.source, { kind: 'build', context: join(fixtures, 'ctx-ok') });
  assert.deepEqual([web.serves, web.health], [['http'], { kind: 'tcp' }]);
  assert.deepEqual([backend.serves, backend.health], [['grpc'], { kind: 'grpc' }]);
  const plain = parseClusterFile(tiered('  web:\n    image: x', '{ small: 1 }'), file).tiers![0];
  assert.deepEqual([plain.serves, plain.health], [['http'], { kind: 'tcp' }]);
});

test('packages: an image of Debian packages alone or under a build; tcp ports, templates and health', () => {
  const spec = parseClusterFile(
    tiered(
      `  web:
    front: true
    packages: [python3-django, gunicorn]
    build: ctx-on-packages
    env: { CACHE: "{{tier.cache.tcp}}" }
    dependsOn: [cache]
  cache:
    packages: [memcached]
    command: [memcached, -p, "{{port.tcp}}"]
    ports: [tcp]
    health: tcp`,
      '{ web: { small: 1 }, cache: { small: 2 } }',
    ),
    file,
  );
  const [web, cache] = [spec.tiers!.find((t) => t.name === 'web')!, spec.tiers!.find((t) => t.name === 'cache')!];
  assert.deepEqual(web.source, {
    kind: 'build',
    context: join(fixtures, 'ctx-on-packages'),
    packages: ['python3-django', 'gunicorn'],
  });
  assert.deepEqual(cache.source, { kind: 'packages', packages: ['memcached'] });
  assert.deepEqual([cache.serves, cache.health], [['tcp'], { kind: 'tcp' }]);
  assert.deepEqual(
    spec.tiers!.map((t) => t.name),
    ['cache', 'web'],
  );
});

test('packages: bad names, next to an image, a build that does not build on it; tcp beside http, a tcp front', () => {
  expectOne(
    tiered(two.replace('reference: {}', 'packages: [Memcached]')),
    'services.backend.packages[0]',
    'got "Memcached", expected a Debian package name like memcached or postgresql-15 (line 11)',
  );
  expectOne(
    tiered(two.replace('reference: {}', 'packages: []')),
    'services.backend.packages',
    'got [], expected a list of at least 1 item (line 11)',
  );
  expectOne(
    tiered(two.replace('reference: {}', 'packages: [memcached]\n    image: memcached:1.6')),
    'services.backend',
    '2 sources given (image, packages); expected exactly one of image: <reference>, build: <folder with a Dockerfile>, packages: [<Debian package>, ...], reference: { env } (or build: on top of packages:) (line 11)',
  );
  expectOne(
    tiered(two.replace('reference: {}', 'packages: [memcached]\n    build: ctx-ok')),
    'services.backend.build',
    `the Dockerfile in ${join(fixtures, 'ctx-ok')} does not build on the packages image; expected ARG BASE and FROM $BASE in it: the image of packages: is passed as the build argument BASE (line 12)`,
  );
  expectOne(
    tiered(two.replace('reference: {}', 'packages: [memcached]\n    ports: [http, tcp]')),
    'services.backend.ports',
    'http and tcp are both given, and both are served on the first port of a replica; expected one of http (an HTTP server) or tcp (any other TCP server), with grpc or not (line 12)',
  );
  expectOne(
    tiered(two.replace('reference: { env: { FEED_CPU_MS: "1" } }', 'packages: [memcached]\n    ports: [tcp]')),
    'services.web.ports',
    "the front tier serves neither http nor grpc; expected http or grpc among the front tier's ports: the scenario's traffic enters there (line 8)",
  );
  expectOne(
    tiered(two.replace('{{tier.backend.http}}', '{{tier.backend.tcp}}')),
    'services.web.env.BACKENDS',
    "{{tier.backend.tcp}}: tier 'backend' does not serve tcp (ports: http, grpc); expected a template among port.http, port.grpc, port.tcp, host, replica, dc, tier.<name>.http, tier.<name>.grpc, tier.<name>.tcp (line 8)",
  );
});

test('the one-tier form is one reference tier named web', async () => {
  const spec = await loadClusterFile(join(root, 'clusters', 'local-3dc.yaml'));
  assert.deepEqual(
    spec.tiers!.map((t) => [t.name, t.source.kind, t.health.kind]),
    [['web', 'reference', 'reference']],
  );
  assert.equal(spec.front, 'web');
  assert.deepEqual(spec.tiers![0].env, spec.serviceEnv);
  assert.ok(spec.replicas.every((r) => r.tier === 'web'));
  assert.deepEqual(
    spec.dcs[0].pools.map((p) => p.id),
    ['use1/small', 'use1/large'],
  );
});

test("local-2tier: web and backend in every DC, the web tier wired to its own DC's backends", async () => {
  const spec = await loadClusterFile(join(root, 'clusters', 'local-2tier.yaml'));
  assert.deepEqual(
    spec.tiers!.map((t) => t.name),
    ['backend', 'web'],
  );
  assert.equal(spec.front, 'web');
  for (const dc of spec.dcs)
    assert.deepEqual([...new Set(dc.pools.map((p) => p.tier))].sort(), ['backend', 'web'], dc.name);
  assert.equal(spec.tiers!.find((t) => t.name === 'web')!.env.BACKENDS, '{{tier.backend.http}}');
});

// Bad input, one problem each.

test('a tier named in pools but not under services', () => {
  expectOne(
    tiered(two, '{ web: { small: 2 }, cache: { small: 1 } }'),
    'regions[0].dcs[0].pools.cache',
    "unknown tier 'cache'; expected a tier defined under services (web, backend) (line 19)",
  );
});

test('a short-form pool in a file with several tiers', () => {
  expectOne(
    tiered(two, '{ small: 2 }'),
    'regions[0].dcs[0].pools.small',
    'got 2, expected pools per tier, like { web: { small: 2 } } (this file has the tiers web, backend) (line 19)',
  );
});

test('templates that name an unknown tier, an unknown port, a port the tier does not serve, or nothing known', () => {
  const among =
    'expected a template among port.http, port.grpc, port.tcp, host, replica, dc, tier.<name>.http, tier.<name>.grpc, tier.<name>.tcp (line 8)';
  expectOne(
    tiered(two.replace('{{tier.backend.http}}', '{{tier.cache.http}}')),
    'services.web.env.BACKENDS',
    `unknown tier 'cache' in {{tier.cache.http}} (tiers: web, backend); ${among}`,
  );
  expectOne(
    tiered(two.replace('{{tier.backend.http}}', '{{port.admin}}')),
    'services.web.env.BACKENDS',
    `unknown port 'admin' in {{port.admin}}; ${among}`,
  );
  expectOne(
    tiered(two.replace('reference: {}', 'image: busybox').replace('{{tier.backend.http}}', '{{tier.backend.grpc}}')),
    'services.web.env.BACKENDS',
    `{{tier.backend.grpc}}: tier 'backend' does not serve grpc (ports: http); ${among}`,
  );
  expectOne(
    tiered(two.replace('{{tier.backend.http}}', '{{cluster}}')),
    'services.web.env.BACKENDS',
    `unknown template {{cluster}}; ${among}`,
  );
  expectOne(
    tiered(two.replace('reference: {}', 'image: x\n    command: [serve, "{{port.grpc}}"]')),
    'services.backend.command[1]',
    "{{port.grpc}}: tier 'backend' does not serve grpc (ports: http); expected a template among port.http, port.grpc, port.tcp, host, replica, dc, tier.<name>.http, tier.<name>.grpc, tier.<name>.tcp (line 12)",
  );
});

test('a build context without a Dockerfile, or no folder at all', () => {
  const expected =
    'expected a Docker build context: a folder (relative to the cluster file) holding a Dockerfile (line 11)';
  expectOne(
    tiered(two.replace('reference: {}', 'build: ctx-no-dockerfile')),
    'services.backend.build',
    `no Dockerfile in ${join(fixtures, 'ctx-no-dockerfile')}; ${expected}`,
  );
  expectOne(
    tiered(two.replace('reference: {}', 'build: nope')),
    'services.backend.build',
    `no folder ${join(fixtures, 'nope')}; ${expected}`,
  );
});

test('a dependency cycle, an unknown dependency', () => {
  expectOne(
    tiered(two.replace('reference: {}', 'reference: {}\n    dependsOn: [web]')),
    'services.web.dependsOn',
    'a dependency cycle: web -> backend -> web; expected dependsOn without cycles (it is the start order) (line 9)',
  );
  expectOne(
    tiered(two.replace('dependsOn: [backend]', 'dependsOn: [backend, db]')),
    'services.web.dependsOn[1]',
    "unknown tier 'db'; expected a tier defined under services (web, backend) (line 9)",
  );
});

test('no source, two sources', () => {
  const expected =
    'expected exactly one of image: <reference>, build: <folder with a Dockerfile>, packages: [<Debian package>, ...], reference: { env } (or build: on top of packages:) (line 11)';
  expectOne(tiered(two.replace('reference: {}', 'env: {}')), 'services.backend', `no source given; ${expected}`);
  expectOne(
    tiered(two.replace('reference: {}', 'reference: {}\n    image: busybox')),
    'services.backend',
    `2 sources given (image, reference); ${expected}`,
  );
});

test('no front among several tiers, two fronts, service and services together', () => {
  expectOne(
    tiered(two.replace('    front: true\n', '')),
    'services',
    "2 tiers and none is the front; expected front: true on the tier the scenario's traffic enters (line 5)",
  );
  expectOne(
    tiered(two.replace('reference: {}', 'reference: {}\n    front: true')),
    'services',
    '2 tiers are marked front (web, backend); expected front: true on exactly one tier (line 5)',
  );
  expectOne(
    `${tiered(two)}service: { env: {} }\n`,
    'service',
    'both service and services are given; expected either the one-tier service: { env } or services: (move its env under services.<tier>.reference.env) (line 20)',
  );
});

test('health checks, durations, signals, reserved env and unknown keys of a service', () => {
  const at = (extra: string) => tiered(two.replace('reference: {}', `reference: {}\n    ${extra}`));
  expectOne(
    at('health: { http: healthz }'),
    'services.backend.health.http',
    `got "healthz", expected an HTTP path starting with '/', like /healthz (line 12)`,
  );
  expectOne(
    at('health: udp'),
    'services.backend.health',
    'got "udp", expected one of grpc, tcp or { http: <path> } (line 12)',
  );
  expectOne(
    tiered(two.replace('reference: {}', 'image: x\n    health: grpc')),
    'services.backend.health',
    'got "grpc", expected a health check on a port the tier serves (ports: http); add grpc to ports (line 12)',
  );
  expectOne(
    at('startTimeout: soon'),
    'services.backend.startTimeout',
    `got "soon", expected a duration like '500ms', '30s' or '2m' (line 12)`,
  );
  expectOne(
    at('stopSignal: TERM'),
    'services.backend.stopSignal',
    'got "TERM", expected a signal name like SIGTERM (line 12)',
  );
  expectOne(
    tiered(two.replace('env: { BACKENDS', 'env: { HTTP_PORT: "1", BACKENDS')),
    'services.web.env.HTTP_PORT',
    'HTTP_PORT is set by the driver; expected no value: HTTP_PORT, GRPC_PORT, HOST, REPLICA, WORKERS are set by the driver for each replica (line 8)',
  );
  expectOne(
    at('restart: always'),
    'services.backend.restart',
    "unknown key 'restart'; expected one of image, build, packages, reference, front, command, entrypoint, env, ports, health, startTimeout, dependsOn, stopSignal, stopGracePeriod, metrics (line 12)",
  );
});
