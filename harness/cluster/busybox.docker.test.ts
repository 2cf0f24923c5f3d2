// A second real image, not the reference: a build context (FROM scratch + Debian's busybox-static)
// built through dockerode, serving `busybox httpd` on its templated port, health-checked over HTTP,
// CPU-limited, loaded, removed. Then the image sources' failures: a failing build, a missing image,
// a health check that never passes. Cluster svc-test-busybox on ports 31100-31119.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { ClusterError, ConfigErrors, ExitCode } from '../common';
import { parseClusterFile } from '../config';
import { dockerDriver } from './docker-driver';
import { cgroupCpus } from './testing/cgroup';
import { type CountingEngine, countingEngine } from './testing/counting-engine';
import { containersWithLabel, docker, inspect } from './testing/test-kit';

const fixture = path.join(__dirname, 'fixtures', 'busybox-httpd');
const clusterLabel = 'headroom.cluster=svc-test-busybox';
/** The engines that built images: their tags are throwaway, removed once every test is done (the health check test reuses the first). */
const engines: CountingEngine[] = [];
const counting = () => {
  const engine = countingEngine();
  engines.push(engine);
  return engine;
};
after(async () => {
  for (const tag of new Set(engines.flatMap((e) => e.builds))) await docker(['rmi', '-f', tag]).catch(() => undefined);
});

/** A cluster file in a fresh folder beside a build context `ctx/` (the fixture plus the host's busybox binary). */
function workspace(service: string, dockerfile?: string): { dir: string; file: string; text: string } {
  if (!existsSync('/bin/busybox'))
    execFileSync('bash', [path.join(fixture, 'ensure-busybox.sh')], { stdio: 'inherit' });
  const dir = mkdtempSync(path.join(tmpdir(), 'svc-test-busybox-'));
  cpSync(path.join(fixture, 'www'), path.join(dir, 'ctx', 'www'), { recursive: true });
  copyFileSync(path.join(fixture, 'Dockerfile'), path.join(dir, 'ctx', 'Dockerfile'));
  if (dockerfile !== undefined) writeFileSync(path.join(dir, 'ctx', 'Dockerfile'), dockerfile);
  copyFileSync('/bin/busybox', path.join(dir, 'ctx', 'busybox'));
  const text = `
name: svc-test-busybox
ports: 31100-31119
services:
  web:
${service}
serverTypes:
  half: { cpus: 0.5, memoryMb: 64 }
regions:
  - name: lab
    dcs:
      - name: lab1
        demand: 1
        pools: { half: 2 }
`;
  const file = path.join(dir, 'cluster.yaml');
  writeFileSync(file, text);
  return { dir, file, text };
}

const httpd = `    build: ctx
    command: [httpd, -f, -vv, -p, "{{host}}:{{port.http}}", -h, /www]
    health: { http: /index.html }
    startTimeout: 20s
    stopSignal: SIGKILL`;

test('busybox httpd from a build context: built once per context, healthy, CPU-limited, serves, removed', async (t) => {
  const ws = workspace(httpd);
  const engine = counting();
  t.after(() => rmSync(ws.dir, { recursive: true, force: true }));
  const spec = parseClusterFile(ws.text, ws.file);
  const driver = dockerDriver(spec, { engineFor: () => engine });
  {
    await using cluster = await driver.up();
    assert.equal(engine.builds.length, 1);
    assert.match(engine.builds[0], /^headroom-web:[0-9a-f]{12}$/);
    const found = await inspect(await containersWithLabel(clusterLabel));
    assert.equal(found.length, 2);
    for (const c of found) {
      assert.equal(c.Config.Image, engine.builds[0]);
      assert.equal(c.Config.Labels['headroom.tier'], 'web');
      assert.equal(c.HostConfig.NanoCpus, 0.5e9);
      assert.equal(await cgroupCpus(c.Id), 0.5, 'the cgroup holds the quota of the server type');
    }
    const agent = new Agent({ connections: 4 });
    try {
      // Each replica serves a few rounds of requests over kept-alive connections, side by side.
      await Promise.all(
        cluster.replicas.map(async (r) => {
          for (let i = 0; i < 20; i++) {
            const res = await request(`${r.http}/index.html`, { dispatcher: agent });
            assert.equal(res.statusCode, 200);
            assert.equal(await res.body.text(), 'hello from busybox httpd\n');
          }
        }),
      );
    } finally {
      await agent.close();
    }
  }
  assert.deepEqual(await containersWithLabel(clusterLabel), [], 'down removed every container');

  // The same context again: the tag exists, nothing is built.
  {
    await using again = await driver.up();
    assert.equal(again.replicas.length, 2);
  }
  assert.equal(engine.builds.length, 1, 'an unchanged context is never rebuilt');

  // A changed context is another tag, built once.
  writeFileSync(path.join(ws.dir, 'ctx', 'www', 'extra.html'), 'more\n');
  {
    await using changed = await dockerDriver(parseClusterFile(ws.text, ws.file), { engineFor: () => engine }).up();
    assert.equal(changed.replicas.length, 2);
  }
  assert.equal(engine.builds.length, 2);
  assert.notEqual(engine.builds[1], engine.builds[0]);
  assert.deepEqual(await containersWithLabel(clusterLabel), []);
});

test("a failing build: exit 110 with the build's last output lines, nothing started", async (t) => {
  const ws = workspace(httpd, 'FROM scratch\nCOPY no-such-file /\n');
  t.after(() => rmSync(ws.dir, { recursive: true, force: true }));
  await assert.rejects(dockerDriver(parseClusterFile(ws.text, ws.file)).up(), (err: unknown) => {
    assert.ok(err instanceof ClusterError, String(err));
    assert.equal(err.exitCode, ExitCode.cluster);
    assert.match(
      err.message,
      new RegExp(`^tier web: building ${ws.dir}/ctx on unix:///var/run/docker.sock failed: .*no-such-file`),
    );
    assert.match(
      err.message,
      /--- last log lines of the build of headroom-web:[0-9a-f]{12} ---\n.*Step 1\/2 : FROM scratch/s,
    );
    return true;
  });
  assert.deepEqual(await containersWithLabel(clusterLabel), []);
});

test('an image that is not on the daemon and cannot be pulled: exit 110 naming the image and the daemon', async () => {
  const ws = workspace('    image: 127.0.0.1:31119/svc-test-missing:1');
  try {
    await assert.rejects(dockerDriver(parseClusterFile(ws.text, ws.file)).up(), (err: unknown) => {
      assert.ok(err instanceof ClusterError, String(err));
      assert.equal(err.exitCode, ExitCode.cluster);
      assert.match(
        err.message,
        /^tier web: image 127\.0\.0\.1:31119\/svc-test-missing:1 is not on the Docker daemon unix:\/\/\/var\/run\/docker\.sock and pulling it failed: /,
      );
      return true;
    });
    assert.deepEqual(await containersWithLabel(clusterLabel), []);
  } finally {
    rmSync(ws.dir, { recursive: true, force: true });
  }
});

test('a health check that never passes: exit 110 naming the replica, the last health answer and its log lines; nothing left', async (t) => {
  const ws = workspace(httpd.replace('/index.html }', '/missing.html }').replace('20s', '2s'));
  const engine = counting();
  t.after(() => rmSync(ws.dir, { recursive: true, force: true }));
  await assert.rejects(
    dockerDriver(parseClusterFile(ws.text, ws.file), { engineFor: () => engine }).up(),
    (err: unknown) => {
      assert.ok(err instanceof ClusterError, String(err));
      assert.equal(err.exitCode, ExitCode.cluster);
      assert.match(
        err.message,
        /^replica svc-test-busybox-lab1-half-[12] of cluster svc-test-busybox did not become healthy: HTTP GET \/missing\.html: not ready after 2 s \(last answer: status 404\)/,
      );
      assert.match(err.logTail ?? '', /missing\.html/, 'busybox httpd -vv logged the health requests');
      return true;
    },
  );
  assert.deepEqual(await containersWithLabel(clusterLabel), []);
});

test('config: a build context without a Dockerfile is refused at load (104)', () => {
  const ws = workspace(httpd);
  try {
    rmSync(path.join(ws.dir, 'ctx', 'Dockerfile'));
    assert.throws(
      () => parseClusterFile(ws.text, ws.file),
      (err: unknown) => err instanceof ConfigErrors && err.exitCode === 104 && /no Dockerfile in /.test(err.message),
    );
  } finally {
    rmSync(ws.dir, { recursive: true, force: true });
  }
});
