// The docker driver against the real daemon: leftovers, busy ports, a replica that never becomes
// healthy, faults (kill, pause, unpause, setCpus, setKnobs), resource samples, dispose, static driver.
// Most checks share one running cluster, brought up once (a second up first leaves leftovers to remove).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { request } from '../../clusters/reference/test-client';
import { ClusterError, ExitCode } from '../common';
import { loadClusterFile, parseClusterFile } from '../config';
import { type ClusterDriver, type ClusterSpec, type RunningCluster, cgroupCpuUsec, createDriver } from './index';
import { dockerEngine } from './docker-engine';
import { containersWithLabel, inspect } from './testing/test-kit';

const fixture = path.join(__dirname, 'fixtures', 'driver-2dc.yaml');
const clusterLabel = 'headroom.cluster=hr-driver-test';
const socket = process.env.DOCKER_HOST?.startsWith('unix://') ? process.env.DOCKER_HOST : 'unix:///var/run/docker.sock';

after(async () => {
  await createDriver(await loadClusterFile(fixture)).down();
});

/** GET /feed answers within a second? (a paused or killed replica does not) */
async function answers(http: string): Promise<boolean> {
  const ctl = AbortSignal.timeout(1000);
  try {
    const res = await fetch(`${http}/feed?user=1`, { signal: ctl });
    await res.text();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Burns CPU on a replica for `ms` with `n` concurrent requests. */
async function busy(http: string, ms: number, n = 4): Promise<number> {
  const end = Date.now() + ms;
  let done = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (Date.now() < end) {
        const res = await request(http, 'GET', '/feed?user=3');
        if (res.status === 200) done++;
      }
    }),
  );
  return done;
}

describe('a running cluster whose DC w1 names its own Docker endpoint (the same daemon, spelled out)', () => {
  const text = readFileSync(fixture, 'utf8').replace(
    'ports: 21100-21109',
    `ports: 21100-21109\n        dockerHost: ${socket}`,
  );
  const spec = parseClusterFile(text, 'docker-host.yaml');
  const driver: ClusterDriver = createDriver(spec);
  let cluster: RunningCluster;
  let leftoverIds: string[] = [];

  before(async () => {
    // A crashed harness (its pid above pid_max: no such process) leaves a run behind; the next up must replace it.
    const deadPid = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')) + 1;
    const first = await driver.up({
      runId: 'leftover-run',
      owner: { host: os.hostname(), pid: deadPid, since: new Date().toISOString() },
    });
    leftoverIds = first.replicas.map((r) => r.containerId!);
    cluster = await driver.up({ runId: 'test-run' });
  });
  after(async () => {
    await cluster?.down();
  });

  test('up removed the leftovers of the same cluster; every replica answers, on its DC endpoint too', async () => {
    assert.equal(spec.dcs.find((d) => d.name === 'w1')!.dockerHost, socket);
    const ids = await containersWithLabel(clusterLabel);
    assert.equal(ids.length, 3);
    for (const id of leftoverIds) assert.ok(!ids.includes(id), 'the leftover container was removed');
    assert.deepEqual(new Set((await inspect(ids)).map((c) => c.Config.Labels['headroom.run'])), new Set(['test-run']));
    assert.equal(cluster.runId, 'test-run');
    assert.equal(cluster.replicas[0].name, 'hr-driver-test-e1-small-1');
    for (const r of cluster.replicas) assert.equal(await answers(r.http), true, r.name);
    assert.deepEqual(
      (await driver.status()).map((r) => r.state),
      ['running', 'running', 'running'],
    );
  });

  test('resource counters: the cgroup files and docker stats agree', async () => {
    // Before any load: the counters hold what the replica used to start, and barely move between reads.
    const id = cluster.replicas[1].containerId!;
    const viaCgroup = await dockerEngine().stats(id);
    const viaDocker = await dockerEngine({}, { cgroup: false }).stats(id);
    const again = await dockerEngine().stats(id);
    assert.ok(viaCgroup.cpuNanos > 0.05e9, `cpu ${viaCgroup.cpuNanos}`);
    assert.ok(
      Math.abs(viaDocker.cpuNanos - viaCgroup.cpuNanos) < 0.05e9 && again.cpuNanos >= viaCgroup.cpuNanos,
      `${viaCgroup.cpuNanos}, ${viaDocker.cpuNanos}, ${again.cpuNanos}`,
    );
    assert.ok(
      Math.abs(viaDocker.memoryBytes - viaCgroup.memoryBytes) < 8 * 1024 * 1024,
      `memory ${viaCgroup.memoryBytes} vs ${viaDocker.memoryBytes}`,
    );
  });

  test("resource samples: one per live replica, CPU as its cgroup accounts it, as a share of the replica's quota", async () => {
    const [, large, west] = cluster.replicas;
    const first = await cluster.sampleResources();
    await busy(large.http, 1500);
    const usecBefore = await cgroupCpuUsec(large.containerId!);
    const samples = await cluster.sampleResources();
    const usecAfter = await cgroupCpuUsec(large.containerId!);
    assert.deepEqual(samples.map((s) => s.replica).sort(), cluster.replicas.map((r) => r.name).sort());
    const of = (list: typeof samples, name: string) => list.find((s) => s.replica === name)!;
    const busyNow = of(samples, large.name);
    const busyThen = of(first, large.name);
    const idleNow = of(samples, west.name);
    const idleThen = of(first, west.name);
    // The sample's counter is the cgroup's, read between the two direct reads (to a microsecond: the two
    // reads convert nanoseconds or microseconds to seconds in different orders).
    const sampledUsec = busyNow.cpuSeconds * 1e6;
    assert.ok(
      usecBefore - 1 <= sampledUsec && sampledUsec <= usecAfter + 1,
      `cpuSeconds ${busyNow.cpuSeconds}, cgroup ${usecBefore / 1e6}..${usecAfter / 1e6}`,
    );
    // cpuShare: the CPU used since the previous sample over the time between them and the quota (0.5 CPU).
    const used = busyNow.cpuSeconds - busyThen.cpuSeconds;
    assert.ok(
      Math.abs(busyNow.cpuShare * 0.5 * ((busyNow.at - busyThen.at) / 1000) - used) < 1e-6,
      `${JSON.stringify(busyNow)} after ${JSON.stringify(busyThen)}`,
    );
    assert.ok(used > idleNow.cpuSeconds - idleThen.cpuSeconds, 'the busy replica used more CPU than the idle one');
    assert.ok(idleNow.cpuShare < 0.2, `idle replica cpuShare ${idleNow.cpuShare}`);
    const memoryMb = busyNow.memoryMb ?? 0;
    assert.ok(memoryMb > 5 && memoryMb < 256, `memory ${busyNow.memoryMb} MiB`);
  });

  test('setKnobs: the service answers with the knobs in force, and a later read agrees', async () => {
    const west = cluster.replicas[2];
    const knobs = { feedCpuMs: 7, likeCpuMs: 0.3, backendWaitMs: 0, errorRate: 0.5 };
    assert.deepEqual(await cluster.setKnobs(west.name, { feedCpuMs: 7, errorRate: 0.5 }), knobs);
    assert.deepEqual((await request(west.http, 'GET', '/admin/knobs')).json(), knobs);
    await assert.rejects(
      cluster.setKnobs(west.name, { errorRate: 2 }),
      (err: unknown) => err instanceof ClusterError && /400/.test(err.message) && err.replica === west.name,
    );
  });

  test('static driver: health-checks endpoints it does not manage, refuses faults', async () => {
    const [a, b] = cluster.replicas;
    const staticSpec = parseClusterFile(
      `name: hr-static-test
driver: static
serverTypes: { gen1: { cpus: 1, memoryMb: 512 } }
regions:
  - name: lab
    dcs:
      - name: lab1
        demand: 1
        pools: { gen1: [{ http: "${a.http}", grpc: "${a.grpc}" }, { http: "${b.http}", grpc: "${b.grpc}" }] }
`,
      'static.yaml',
    );
    const staticDriver = createDriver(staticSpec);
    assert.deepEqual(
      (await staticDriver.status()).map((r) => [r.name, r.state, r.http]),
      [
        ['hr-static-test-lab1-gen1-1', 'unmanaged', a.http],
        ['hr-static-test-lab1-gen1-2', 'unmanaged', b.http],
      ],
    );
    const unmanaged = await staticDriver.up();
    assert.deepEqual(
      unmanaged.replicas.map((r) => r.grpc),
      [a.grpc, b.grpc],
    );
    await assert.rejects(
      unmanaged.kill('hr-static-test-lab1-gen1-1'),
      (err: unknown) => err instanceof ClusterError && /static driver/.test(err.message),
    );
    await assert.rejects(unmanaged.setCpus('hr-static-test-lab1-gen1-1', 1), ClusterError);
    assert.deepEqual(await unmanaged.sampleResources(), []);
    assert.equal((await unmanaged.setKnobs('hr-static-test-lab1-gen1-2', { backendWaitMs: 1 })).backendWaitMs, 1);
    assert.equal(await staticDriver.down(), 0);
    await unmanaged.down();
    assert.equal((await containersWithLabel(clusterLabel)).length, 3, 'the static driver never touches containers');

    // An endpoint that does not answer: up fails naming it.
    const dead = parseClusterFile(
      `name: hr-static-dead
driver: static
serverTypes: { gen1: { cpus: 1, memoryMb: 512 } }
regions: [{ name: lab, dcs: [{ name: lab1, demand: 1, pools: { gen1: [{ http: "http://127.0.0.1:21499", grpc: "127.0.0.1:21498" }] } }] }]
`,
      'dead.yaml',
    );
    await assert.rejects(
      createDriver(dead, { healthTimeoutMs: 1000 }).up(),
      (err: unknown) =>
        err instanceof ClusterError &&
        /hr-static-dead-lab1-gen1-1 \(http:\/\/127\.0\.0\.1:21499, 127\.0\.0\.1:21498\) of static cluster hr-static-dead is not healthy/.test(
          err.message,
        ),
    );
  });

  test('ports held by another headroom cluster: the error names that cluster and its replica', async () => {
    const other = parseClusterFile(text.replace('name: hr-driver-test', 'name: hr-driver-other'), 'other.yaml');
    await assert.rejects(createDriver(other).up(), (err: unknown) => {
      assert.ok(err instanceof ClusterError);
      assert.match(err.message, /cluster hr-driver-other: 6 of its ports are already in use, nothing was started/);
      assert.match(
        err.message,
        /127\.0\.0\.1:21000 \(wanted by hr-driver-other-e1-small-1\) is in use by replica hr-driver-test-e1-small-1 of headroom cluster hr-driver-test/,
      );
      assert.match(err.hint ?? '', /bring the other cluster down/);
      return true;
    });
    assert.deepEqual(await containersWithLabel('headroom.cluster=hr-driver-other'), []);
    assert.equal((await containersWithLabel(clusterLabel)).length, 3, 'the running cluster was not touched');
  });

  test('faults: setCpus, pause, unpause, kill, restart; down counts each container once and is safe twice', async () => {
    const [small, large, west] = cluster.replicas;
    // setCpus: the quota Docker enforces changes live, status reports it.
    await cluster.setCpus(large.name, 0.75);
    const [largeAfter] = await inspect([large.containerId!]);
    assert.equal(largeAfter.HostConfig.NanoCpus, 0.75e9);
    assert.equal((await driver.status()).find((r) => r.name === large.name)!.cpus, 0.75);

    // pause: no answers, state paused; unpause: answers again.
    await cluster.pause(small.name);
    assert.equal(await answers(small.http), false);
    assert.equal((await driver.status()).find((r) => r.name === small.name)!.state, 'paused');
    await cluster.unpause(small.name);
    assert.equal(await answers(small.http), true);

    // kill: stops serving, the container stays (exited) until down, no more samples from it.
    await cluster.kill(small.name);
    assert.equal(await answers(small.http), false);
    assert.equal((await driver.status()).find((r) => r.name === small.name)!.state, 'exited');
    assert.deepEqual((await cluster.sampleResources()).map((s) => s.replica).sort(), [large.name, west.name].sort());
    // restart brings it back healthy.
    await cluster.restart!(small.name);
    assert.equal(await answers(small.http), true);

    await assert.rejects(
      cluster.kill('no-such-replica'),
      (err: unknown) =>
        err instanceof ClusterError &&
        err.exitCode === ExitCode.cluster &&
        /has no replica named 'no-such-replica'/.test(err.message),
    );

    // Two DC endpoints that are one daemon: each container counted once.
    assert.equal(await driver.down(), 3);
    assert.deepEqual(await containersWithLabel(clusterLabel), []);
    // down twice is safe; the hook after these tests is a third call.
    await cluster.down();
    await cluster.down();
    assert.equal(await driver.down(), 0);
    assert.deepEqual(await cluster.sampleResources(), []);
  });
});

test('await using removes the replicas when the block ends', async () => {
  const spec = await loadClusterFile(fixture);
  {
    await using cluster = await createDriver(spec).up();
    assert.equal((await containersWithLabel(clusterLabel)).length, 3);
    assert.equal(await answers(cluster.replicas[0].http), true);
  }
  assert.deepEqual(await containersWithLabel(clusterLabel), []);
});

test('a port in use by another process: a clear ClusterError and nothing started', async () => {
  const spec = await loadClusterFile(fixture);
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(21003, '127.0.0.1', resolve));
  try {
    await assert.rejects(createDriver(spec).up(), (err: unknown) => {
      assert.ok(err instanceof ClusterError);
      assert.equal(err.exitCode, ExitCode.cluster);
      assert.match(err.message, /1 of its ports are already in use, nothing was started/);
      assert.match(
        err.message,
        /127\.0\.0\.1:21003 \(wanted by hr-driver-test-e1-large-1\) is in use by a process that is not one of headroom's replicas/,
      );
      return true;
    });
    assert.deepEqual(await containersWithLabel(clusterLabel), []);
  } finally {
    blocker.close();
  }
});

test('a replica that never becomes healthy: every replica removed, the error shows its last log lines', async () => {
  const base = await loadClusterFile(fixture);
  const spec: ClusterSpec = { ...base, serviceEnv: { ...base.serviceEnv, LIKE_CPU_MS: 'lots' } };
  await assert.rejects(createDriver(spec, { healthTimeoutMs: 20_000 }).up(), (err: unknown) => {
    assert.ok(err instanceof ClusterError, String(err));
    assert.match(
      err.message,
      /^replica hr-driver-test-\S+ of cluster hr-driver-test did not become healthy: .*the container exited/,
    );
    assert.match(err.logTail ?? '', /LIKE_CPU_MS/, 'the service says which variable is wrong');
    assert.match(err.message, /--- last log lines of hr-driver-test-/);
    return true;
  });
  assert.deepEqual(await containersWithLabel(clusterLabel), []);
});
