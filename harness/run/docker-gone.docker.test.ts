// Docker dying in the middle of a drill step, for real: the cluster runs on a Docker daemon of this test's own
// (testing/second-docker.sh on its own socket, data and exec root), which the test stops by its PID while a step
// is measured. The drill exits 110 with a hint; the cut step is recorded as the cluster's error, never as a breach
// nor with replicas marked out as "not running"; once the daemon is back, no replica runs again and `headroom
// down` removes what the dead run left. A daemon frozen during the teardown: a second SIGINT ends the drill
// within its time limit (exit 105). Ports 27000-27099.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StepRecord, Summary } from '../results';
import { headroom, headroomJs, projectRoot, sleep } from '../cluster/testing/test-kit';
import { NotRoot, secondDocker, type SecondDocker, type SecondDockerPlace } from '../cluster/testing/second-docker';

const fixtures = path.join(__dirname, 'fixtures');
const scenario = path.join(fixtures, 'hold-docker-gone.ts');
const clusterFile = path.join(fixtures, 'docker-gone-1dc.yaml');
const clusterName = 'f11-docker-gone';
// The daemon's own place: this test stops it, so it must not be the one other tests share.
const place: SecondDockerPlace = {
  socket: '/run/f11-docker-gone.sock',
  dir: '/var/lib/f11-docker-gone',
  execRoot: '/run/f11-docker-gone',
};
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'f11-docker-gone-'));
let daemon: SecondDocker | undefined;
/** Every start of the daemon in this file: each one that started it stops it at the end. */
const starts: SecondDocker[] = [];
const startDaemon = async () => {
  daemon = await secondDocker(place);
  starts.push(daemon);
  return daemon;
};
let unavailable: string | undefined;

before(async () => {
  try {
    await startDaemon();
  } catch (err) {
    if (!(err instanceof NotRoot)) throw err;
    unavailable = err.message;
  }
});

after(async () => {
  // Whatever happened: the daemon answers again, the cluster's containers are removed, the daemon stopped.
  try {
    if (!unavailable) {
      const d = await startDaemon();
      const ids = await containersOf(d);
      if (ids.length) await d.docker(['rm', '-f', ...ids]);
    }
  } finally {
    for (const d of starts) await d.stop();
    // A drill cut off by a failed test may still be writing there: never let that keep the daemon up.
    fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  }
});

const containersOf = async (d: SecondDocker, ...filters: string[]) =>
  (await d.docker(['ps', '-aq', '--no-trunc', '--filter', `label=headroom.cluster=${clusterName}`, ...filters]))
    .split('\n')
    .filter(Boolean);

/** The daemon's PID from its pidfile (second-docker.sh writes it). */
const daemonPid = () => Number(fs.readFileSync(`${place.execRoot}.pid`, 'utf8').trim());

const pidAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('Docker stops mid-step: exit 110 with a hint, the step is a cluster error (not a breach), nothing left', async (t) => {
  if (unavailable || !daemon) return t.skip(unavailable);
  const out = path.join(tmp, 'gone');
  const child = spawn(process.execPath, [headroomJs, 'drill', scenario, '--out', out], {
    cwd: projectRoot,
    env: { ...process.env, HEADROOM_LIVE: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  let stepsSeen = 0;
  let stoppedPid: number | undefined;
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => {
    log += d;
    for (const _ of String(d).matchAll(/\[hold #\d+\]/g)) stepsSeen++;
    // A step measured; stop the daemon in the middle of the next (steps after the first have no settle).
    if (stepsSeen >= 1 && stoppedPid === undefined) {
      stoppedPid = daemonPid();
      setTimeout(() => process.kill(stoppedPid!, 'SIGTERM'), 500);
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('exit', (c, s) => resolve([c, s])),
  );
  assert.ok(stoppedPid, `the drill never measured a step: ${log}`);
  // The daemon takes a few seconds to stop its containers and exit; it must be gone before it is started again.
  while (pidAlive(stoppedPid)) await sleep(200);
  assert.equal(signal, null, log);
  assert.equal(code, 110, log);
  assert.match(log, /hint: /, log);
  assert.doesNotMatch(log, /internal error|\n\s+at /);

  const steps = fs
    .readFileSync(path.join(out, 'steps.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as StepRecord);
  assert.ok(steps.length >= 2, log);
  const [last, ...before] = [steps.at(-1)!, ...steps.slice(0, -1)];
  // The steps before the daemon died were measured: held, or unstable when a busy machine made the generator
  // late (a neighbour's doing, not the cluster's). Never a breach, never a cluster error.
  assert.deepEqual(
    before.filter((s) => s.verdict !== 'held' && s.verdict !== 'unstable').map((s) => [s.index, s.verdict, s.error]),
    [],
  );
  // The cut step: the cluster's error, its guards no breach, no replica marked out as a capacity fact.
  assert.equal(last.verdict, 'aborted', JSON.stringify(last));
  assert.match(
    last.error ?? '',
    /^cluster: (Docker unreachable|Docker answers but none of the cluster's 2 replicas runs|docker: .*ENOENT)/,
    JSON.stringify(last),
  );
  assert.ok(!steps.some((s) => s.verdict === 'breached'));
  assert.deepEqual(
    steps.flatMap((s) => s.annotations).filter((a) => /not running|marked out/.test(a)),
    [],
  );
  assert.deepEqual(
    last.replicas.filter((r) => !r.serving).map((r) => r.replica),
    [],
  );
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as Summary;
  assert.equal(summary.status, 'error');
  assert.doesNotMatch(JSON.stringify(summary), /breached on|limited by http_req_failed/);

  // The daemon back: no replica of the dead run runs again, and `headroom down` removes what it left.
  const back = await startDaemon();
  assert.deepEqual(await containersOf(back, '--filter', 'status=running'), []);
  const down = await headroom(['down', clusterFile]);
  assert.equal(down.code, 0, down.stderr);
  assert.deepEqual(await containersOf(back), []);
});

test('Docker frozen during the teardown: a second SIGINT exits 105 once its time limit is up, naming what may be left', {
  timeout: 180_000, // only so that a teardown without a limit fails instead of hanging the suite
}, async (t) => {
  if (unavailable || !daemon) return t.skip(unavailable);
  const out = path.join(tmp, 'frozen');
  // Its own daemon, whatever the test before it left: started again when it is not running.
  if (!fs.existsSync(`${place.execRoot}.pid`) || !pidAlive(daemonPid())) await startDaemon();
  const pid = daemonPid();
  // The daemon frozen, not gone: every Docker call of the teardown hangs. It is thawed whatever happens.
  t.after(() => {
    if (pidAlive(pid)) process.kill(pid, 'SIGCONT');
  });
  const child = spawn(process.execPath, [headroomJs, 'drill', scenario, '--out', out, '--teardown-timeout', '3s'], {
    cwd: projectRoot,
    env: { ...process.env, HEADROOM_LIVE: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  let frozen = false;
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => {
    log += d;
    // Frozen once the cluster is up, and the drill interrupted: its teardown meets the frozen daemon.
    if (!frozen && /cluster f11-docker-gone: 2 replicas up in/.test(log)) {
      frozen = true;
      process.kill(pid, 'SIGSTOP');
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGINT'), 500);
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('exit', (c, s) => resolve([c, s])),
  );
  process.kill(pid, 'SIGCONT');
  assert.equal(frozen, true, log);
  assert.equal(signal, null, log);
  assert.equal(code, 105, log);
  assert.match(log, /headroom: second SIGINT: exiting in [1-3] s at most/);
  assert.match(
    log,
    /the containers of cluster f11-docker-gone \(run \S+\) may be left: `headroom down \S*docker-gone-1dc\.yaml` removes them/,
  );
  assert.doesNotMatch(log, /internal error|\n\s+at /);
  // What the run left is removed by `headroom down` once the daemon answers again (the run's process is gone).
  const down = await headroom(['down', clusterFile]);
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stdout, /cluster f11-docker-gone: removed 2 containers/);
  assert.deepEqual(await containersOf(daemon), []);
});
