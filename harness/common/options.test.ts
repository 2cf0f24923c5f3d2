// The environment's layer of options: each variable read and checked, and the merge order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, ConfigErrors } from './errors';
import { mergeOptions, optionsFromEnv } from './options';

test('each variable lands in its option; empty counts as unset', () => {
  assert.deepEqual(optionsFromEnv({}), {});
  assert.deepEqual(
    optionsFromEnv({
      HEADROOM_BASE_IMAGE: 'node:20-slim',
      HEADROOM_HEALTH_TIMEOUT_S: '2.5',
      HEADROOM_LIVE: '0',
      HEADROOM_VERBOSE: '1',
      HEADROOM_BASELINE: 'reports/a',
      DOCKER_HOST: 'tcp://127.0.0.1:2375',
      HOME: '/root',
    }),
    {
      baseImage: 'node:20-slim',
      healthTimeoutMs: 2500,
      live: false,
      verbose: true,
      baseline: 'reports/a',
      dockerHost: 'tcp://127.0.0.1:2375',
    },
  );
  assert.deepEqual(optionsFromEnv({ HEADROOM_LIVE: '', DOCKER_HOST: '' }), {});
});

test('a bad value names the variable, the value and what was expected; every one at once', () => {
  assert.throws(
    () => optionsFromEnv({ HEADROOM_HEALTH_TIMEOUT_S: '0' }),
    (e: unknown) => e instanceof ConfigError && e.field === 'HEADROOM_HEALTH_TIMEOUT_S' && /value '0'/.test(e.message),
  );
  assert.throws(
    () => optionsFromEnv({ HEADROOM_VERBOSE: 'true', DOCKER_HOST: '/var/run/docker.sock' }),
    (e: unknown) => e instanceof ConfigErrors && e.problems.length === 2 && e.exitCode === 104,
  );
});

test('merge: later layers win, undefined never overrides', () => {
  const defaults = { healthTimeoutMs: 30_000, baseImage: 'scratch' };
  assert.deepEqual(
    mergeOptions<typeof defaults>(
      defaults,
      { baseImage: 'node:20-slim' },
      { healthTimeoutMs: 5000, baseImage: undefined },
    ),
    { healthTimeoutMs: 5000, baseImage: 'node:20-slim' },
  );
});

test('DOCKER_CERT_PATH and SSH_AUTH_SOCK: how the default and ssh:// Docker endpoints authenticate', () => {
  assert.deepEqual(
    optionsFromEnv({
      DOCKER_HOST: 'tcp://10.0.0.5:2376',
      DOCKER_CERT_PATH: '/etc/docker/certs',
      SSH_AUTH_SOCK: '/tmp/ssh-x/agent.1',
    }),
    {
      dockerHost: 'tcp://10.0.0.5:2376',
      dockerCertPath: '/etc/docker/certs',
      sshAgent: '/tmp/ssh-x/agent.1',
    },
  );
});

test('DOCKER_HOST: unix, tcp, ssh and npipe endpoints; a bare socket path is refused with the unix:// it meant', () => {
  for (const v of [
    'unix:///var/run/docker.sock',
    'tcp://127.0.0.1:2376',
    'ssh://ops@127.0.0.1',
    'npipe:////./pipe/docker_engine',
  ]) {
    assert.equal(optionsFromEnv({ DOCKER_HOST: v }).dockerHost, v);
  }
  assert.throws(
    () => optionsFromEnv({ DOCKER_HOST: '/run/user/1000/docker.sock' }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.exitCode === 104 &&
      e.field === 'DOCKER_HOST' &&
      e.message ===
        "environment: DOCKER_HOST: value '/run/user/1000/docker.sock': expected a Docker endpoint like unix:///var/run/docker.sock, " +
          'tcp://host:2376, ssh://user@host or npipe:////./pipe/docker_engine' &&
      e.hint === 'a socket path needs the unix:// scheme: DOCKER_HOST=unix:///run/user/1000/docker.sock',
  );
  assert.throws(
    () => optionsFromEnv({ DOCKER_HOST: 'http://127.0.0.1:2375' }),
    (e: unknown) => e instanceof ConfigError && e.field === 'DOCKER_HOST',
  );
});
