// DOCKER_HOST to dockerode options (npipe://), and an unreachable endpoint that came through DOCKER_HOST: the
// error names the variable and its value (a closed loopback port, 11998, stands for a dead daemon).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ClusterError } from '../common';
import { defaultDockerEngine } from './docker-daemons';
import { dockerEngine, dockerHostOptions } from './docker-engine';
import { headroom } from './testing/test-kit';

test('endpoints to dockerode options', () => {
  assert.deepEqual(dockerHostOptions('unix:///run/docker.sock'), { socketPath: '/run/docker.sock' });
  assert.deepEqual(dockerHostOptions('npipe:////./pipe/docker_engine'), { socketPath: '//./pipe/docker_engine' });
  assert.deepEqual(dockerHostOptions('tcp://127.0.0.1:2376', { source: 'DOCKER_HOST' }), {
    protocol: 'https',
    host: '127.0.0.1',
    port: 2376,
    source: 'DOCKER_HOST=tcp://127.0.0.1:2376',
  });
});

test('Docker unreachable through DOCKER_HOST: the error names DOCKER_HOST and its value', async () => {
  const engine = dockerEngine(dockerHostOptions('tcp://127.0.0.1:11998', { source: 'DOCKER_HOST' }));
  await assert.rejects(engine.list(['headroom.cluster']), (err: unknown) => {
    assert.ok(err instanceof ClusterError);
    assert.equal(err.exitCode, 110);
    assert.match(
      err.message,
      /ECONNREFUSED 127\.0\.0\.1:11998 \(the Docker endpoint of DOCKER_HOST=tcp:\/\/127\.0\.0\.1:11998\)$/,
    );
    assert.match(err.hint ?? '', /Unset DOCKER_HOST to use the default unix:\/\/\/var\/run\/docker\.sock/);
    return true;
  });
});

test('DOCKER_HOST reaches the engine only through the options common/options read, never from process.env', async (t) => {
  const before = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = 'tcp://127.0.0.1:11998';
  t.after(() => {
    if (before === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = before;
  });
  // No endpoint given: this machine's socket, whatever the process's environment says.
  assert.equal(dockerEngine().daemon, 'unix:///var/run/docker.sock');
  assert.equal(defaultDockerEngine({}).daemon, 'unix:///var/run/docker.sock');
  // Given as the options' dockerHost (what DOCKER_HOST becomes): that endpoint, named as DOCKER_HOST in its errors.
  const given = defaultDockerEngine({ dockerHost: 'tcp://127.0.0.1:11998' });
  assert.equal(given.daemon, 'tcp://127.0.0.1:11998');
  await assert.rejects(given.list(['headroom.cluster']), /DOCKER_HOST=tcp:\/\/127\.0\.0\.1:11998/);
});

test('the CLI: a bare path in DOCKER_HOST is exit 104 suggesting unix://; an unreachable one is 110 naming DOCKER_HOST', async () => {
  const fixture = path.join(__dirname, 'fixtures', 'owner.yaml');
  const bare = await headroom(['status', fixture], { DOCKER_HOST: '/var/run/docker.sock' });
  assert.equal(bare.code, 104, bare.stderr);
  assert.match(bare.stderr, /DOCKER_HOST: value '\/var\/run\/docker\.sock'/);
  assert.match(
    bare.stderr,
    /hint: a socket path needs the unix:\/\/ scheme: DOCKER_HOST=unix:\/\/\/var\/run\/docker\.sock/,
  );
  const dead = await headroom(['status', fixture], { DOCKER_HOST: 'tcp://127.0.0.1:11998' });
  assert.equal(dead.code, 110, dead.stderr);
  assert.match(dead.stderr, /the Docker endpoint of DOCKER_HOST=tcp:\/\/127\.0\.0\.1:11998/);
});
