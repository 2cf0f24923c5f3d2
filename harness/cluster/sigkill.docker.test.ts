// Killing the harness (SIGKILL) in the middle of `headroom up` leaves only labelled containers,
// which the next `down` or `up` removes.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { loadClusterFile } from '../config';
import { dockerEngine } from './docker-engine';
import { createDriver } from './index';
import { containersWithLabel, headroom, headroomJs, inspect, projectRoot, sleep } from './testing/test-kit';

const fixture = path.join(__dirname, 'fixtures', 'sigkill.yaml');
const clusterLabel = 'headroom.cluster=hr-sigkill';
/** Whether a container of the cluster exists yet: polled through dockerode, cheaper than a docker CLI process each time. */
const engine = dockerEngine();
const anyCreated = async () => (await engine.list([clusterLabel])).length > 0;

after(async () => {
  await createDriver(await loadClusterFile(fixture)).down();
});

/** Starts `headroom up`, SIGKILLs it as soon as one container of the cluster exists; resolves once it is dead. */
async function killDuringUp(): Promise<void> {
  const child = spawn(process.execPath, [headroomJs, 'up', fixture], { cwd: projectRoot, stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  let done = false;
  void exited.then(() => (done = true));
  try {
    while (!done && !(await anyCreated())) await sleep(20);
    assert.equal(done, false, 'headroom up ended before it created a container');
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
  } finally {
    if (!done) child.kill('SIGKILL');
  }
  // A create request already sent when the harness died may still land: let the daemon settle.
  await sleep(1000);
}

test('SIGKILL during up: down removes what is left', async () => {
  await killDuringUp();
  const left = await containersWithLabel(clusterLabel);
  assert.ok(left.length >= 1, 'something was left behind');
  for (const c of await inspect(left)) assert.equal(c.Config.Labels['headroom.cluster'], 'hr-sigkill');
  const down = await headroom(['down', fixture]);
  assert.equal(down.code, 0, down.stderr);
  assert.equal(down.stdout, `cluster hr-sigkill: removed ${left.length} container${left.length === 1 ? '' : 's'}\n`);
  assert.deepEqual(await containersWithLabel(clusterLabel), []);
});

test('SIGKILL during up: the next up replaces what is left', async () => {
  await killDuringUp();
  const left = await containersWithLabel(clusterLabel);
  assert.ok(left.length >= 1);
  const up = await headroom(['up', fixture, '--run-id', 'after-crash']);
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stderr, new RegExp(`removed ${left.length} leftover container\\(s\\) of cluster hr-sigkill`));
  const now = await inspect(await containersWithLabel(clusterLabel));
  assert.equal(now.length, 3);
  assert.deepEqual(
    now.map((c) => c.Config.Labels['headroom.run']),
    ['after-crash', 'after-crash', 'after-crash'],
  );
  assert.ok(now.every((c) => c.State.Running));
  for (const id of left) assert.ok(!now.some((c) => c.Id === id), 'old containers are gone');
  // `headroom up` has ended: its replicas are leftovers of a dead owner, which down removes (in-process here;
  // the first test drives the CLI's down).
  assert.equal(await createDriver(await loadClusterFile(fixture)).down(), 3);
  assert.deepEqual(await containersWithLabel(clusterLabel), []);
});

test('SIGINT during up: exit 105 and the started replicas are removed', async () => {
  const child = spawn(process.execPath, [headroomJs, 'up', fixture], {
    cwd: projectRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  try {
    while (child.exitCode === null && !(await anyCreated())) await sleep(20);
    assert.equal(child.exitCode, null, `headroom up ended before it created a container: ${stderr}`);
    child.kill('SIGINT');
    assert.equal(await exited, 105, stderr);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  assert.match(stderr, /interrupted by SIGINT/);
  assert.deepEqual(await containersWithLabel(clusterLabel), []);
});
