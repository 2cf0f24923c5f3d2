// One owner per cluster, against the real daemon (fixtures/owner.yaml, ports 11000-11019): a second
// `up` of a cluster that a live run holds is refused (exit 110 naming that run, its host and pid) and
// leaves the first run's replicas alone; `down` refuses too unless --force; a run's teardown removes
// only its own containers; a dead owner's containers are leftovers that the next `up` removes.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClusterError } from '../common';
import { loadClusterFile } from '../config';
import { createDriver } from './index';
import { containersWithLabel, docker, headroom, inspect } from './testing/test-kit';

const fixture = path.join(__dirname, 'fixtures', 'owner.yaml');
const clusterLabel = 'headroom.cluster=own-test-owner';
/** A pid no process can have: above the kernel's pid_max. */
const deadPid = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')) + 1;

after(async () => {
  // The docker CLI, not the driver: whatever the driver does, nothing of the test stays behind.
  for (const id of await containersWithLabel(clusterLabel)) await docker(['rm', '-f', id]);
});

async function healthy(http: string): Promise<boolean> {
  try {
    return (await fetch(`${http}/healthz`, { signal: AbortSignal.timeout(2000) })).status === 200;
  } catch {
    return false;
  }
}

test("a live run holds the cluster: a second up and a plain down are refused (110 naming the run, host and pid); its teardown removes only its own containers; --force removes a live run's", async () => {
  const spec = await loadClusterFile(fixture);
  const driver = createDriver(spec);
  const a = await driver.up({ runId: 'own-test-run-a' });
  let stray = '';
  try {
    const before = await inspect(await containersWithLabel(clusterLabel));
    assert.equal(before.length, 2);
    const b = await headroom(['up', fixture, '--run-id', 'own-test-run-b']);
    assert.equal(b.code, 110, b.stderr);
    const holder = `run own-test-run-a \\(host ${os.hostname()}, pid ${process.pid}, since [0-9T:.Z-]+\\): 2 containers`;
    assert.match(b.stderr, new RegExp(`cluster own-test-owner is in use by ${holder}; nothing was started or removed`));
    assert.match(b.stderr, /hint: .*`headroom down --force \S*owner\.yaml` removes its containers/);
    const afterB = await inspect(await containersWithLabel(clusterLabel));
    assert.deepEqual(
      afterB.map((c) => [c.Id, c.State.Running, c.Config.Labels['headroom.run']]).sort(),
      before.map((c) => [c.Id, true, 'own-test-run-a']).sort(),
    );
    for (const r of a.replicas) assert.equal(await healthy(r.http), true, r.name);

    // The same refusal in-process (another run of this very process), as a ClusterError.
    await assert.rejects(
      createDriver(spec).up({ runId: 'own-test-run-b2' }),
      (err: unknown) =>
        err instanceof ClusterError && err.exitCode === 110 && /in use by run own-test-run-a/.test(err.message),
    );

    // `headroom down` (another process) refuses as well.
    const down = await headroom(['down', fixture]);
    assert.equal(down.code, 110, down.stderr);
    assert.match(down.stderr, new RegExp(`in use by ${holder}; nothing was removed`));
    assert.equal((await containersWithLabel(clusterLabel)).length, 2);

    // A container of another run of the same cluster, held by this (live) process: created, never started.
    stray = (
      await docker([
        'create',
        '--name',
        'own-test-owner-stray',
        '--label',
        clusterLabel,
        '--label',
        'headroom.run=own-test-run-z',
        '--label',
        `headroom.owner.host=${os.hostname()}`,
        '--label',
        `headroom.owner.pid=${process.pid}`,
        before[0].Config.Image,
      ])
    ).trim();
    await a.down();
    assert.equal(await driver.down({ runId: 'own-test-run-a' }), 0, "the run's end finds nothing more of its own");
    assert.deepEqual(await containersWithLabel(clusterLabel), [stray], "the other run's container is still there");

    // --force removes the containers of a live run (here the stray one's).
    const forced = await headroom(['down', '--force', fixture]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(forced.stdout, 'cluster own-test-owner: removed 1 container\n');
  } finally {
    await a.down();
    if (stray) await docker(['rm', '-f', stray]).catch(() => '');
  }
  assert.deepEqual(await containersWithLabel(clusterLabel), []);
});

test("a dead owner's containers are leftovers: the next up removes them; another host's run holds the cluster", async () => {
  const spec = await loadClusterFile(fixture);
  const since = new Date().toISOString();
  // A run whose process is gone (a pid that cannot exist on this host).
  const dead = await createDriver(spec).up({
    runId: 'own-test-run-dead',
    owner: { host: os.hostname(), pid: deadPid, since },
  });
  const deadIds = dead.replicas.map((r) => r.containerId!);
  const up = await headroom(['up', fixture, '--run-id', 'own-test-run-c']);
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stderr, /removed 2 leftover container\(s\) of cluster own-test-owner/);
  const now = await inspect(await containersWithLabel(clusterLabel));
  assert.deepEqual(
    now.map((c) => c.Config.Labels['headroom.run']),
    ['own-test-run-c', 'own-test-run-c'],
  );
  for (const id of deadIds) assert.ok(!now.some((c) => c.Id === id), "the dead owner's container was removed");

  // A run on another host cannot be asked: it holds the cluster (until the documented stale limit). Its up
  // finds the ended `headroom up`'s replicas as leftovers and replaces them.
  const elsewhere = await createDriver(spec).up({
    runId: 'own-test-run-far',
    owner: { host: 'own-test-far-host', pid: process.pid, since },
  });
  try {
    assert.deepEqual(
      (await inspect(await containersWithLabel(clusterLabel))).map((c) => c.Config.Labels['headroom.run']),
      ['own-test-run-far', 'own-test-run-far'],
    );
    const refused = await headroom(['up', fixture]);
    assert.equal(refused.code, 110, refused.stderr);
    assert.match(
      refused.stderr,
      /in use by run own-test-run-far \(host own-test-far-host, pid \d+, since [^)]+\): 2 containers/,
    );
    assert.match(refused.stderr, /a run on another host counts as live for 24 h/);
  } finally {
    await elsewhere.down();
  }
  assert.deepEqual(await containersWithLabel(clusterLabel), []);
});
