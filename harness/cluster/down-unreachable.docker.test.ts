// `headroom down` of a cluster on two Docker daemons when one of them does not answer: the containers on
// the daemon that answers are removed, the unreachable daemon is named with its DC, exit 110; once it is
// back, a second `down` removes the rest. The second daemon is this test's own (testing/second-docker.sh on
// its own socket, data and exec root), stopped by the test. It is cut off as a network cut would, without a
// stop and a second start: its socket is moved aside (connecting finds nothing there, as after a stop) and
// put back. Ports 27100-27199.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, renameSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { docker, headroom } from './testing/test-kit';
import { NotRoot, secondDocker, type SecondDocker, type SecondDockerPlace } from './testing/second-docker';

const clusterFile = path.join(__dirname, 'fixtures', 'down-unreachable-2dc.yaml');
const clusterName = 'f11-down-2dc';
const place: SecondDockerPlace = {
  socket: '/run/f11-down-unreachable.sock',
  dir: '/var/lib/f11-down-unreachable',
  execRoot: '/run/f11-down-unreachable',
};
/** Where the socket waits while the daemon is cut off. */
const aside = `${place.socket}.cut-off`;
let daemon: SecondDocker | undefined;
let unavailable: string | undefined;

const idsOn = async (run: (args: string[]) => Promise<string>) =>
  (await run(['ps', '-aq', '--no-trunc', '--filter', `label=headroom.cluster=${clusterName}`]))
    .split('\n')
    .filter(Boolean);

before(async () => {
  try {
    daemon = await secondDocker(place);
  } catch (err) {
    if (!(err instanceof NotRoot)) throw err;
    unavailable = err.message;
  }
});

after(async () => {
  try {
    if (existsSync(aside)) renameSync(aside, place.socket);
    for (const id of await idsOn(docker)) await docker(['rm', '-f', id]);
    if (daemon) for (const id of await idsOn(daemon.docker)) await daemon.docker(['rm', '-f', id]);
  } finally {
    await daemon?.stop();
  }
});

test('down with one of two daemons unreachable: removes what it can, names the daemon and its DC, exit 110', async (t) => {
  if (unavailable || !daemon) return t.skip(unavailable);
  const up = await headroom(['up', clusterFile]);
  assert.equal(up.code, 0, up.stderr);
  assert.equal((await idsOn(docker)).length, 1, 'dc a on the default daemon');
  assert.equal((await idsOn(daemon.docker)).length, 1, 'dc b on the second daemon');
  // status names the run that holds the cluster: here `up`'s own, whose process has ended.
  const st = await headroom(['status', clusterFile, '--json']);
  assert.equal(st.code, 0, st.stderr);
  const heldBy = (
    JSON.parse(st.stdout) as { heldBy: { host: string; runId: string; live: boolean; replicas: string[] }[] }
  ).heldBy;
  assert.deepEqual(
    heldBy.map((h) => [h.host, h.live, h.replicas]),
    [[os.hostname(), false, ['f11-down-2dc-a-small-1', 'f11-down-2dc-b-small-1']]],
  );
  assert.match(heldBy[0].runId, /\S/);
  const table = await headroom(['status', clusterFile]);
  assert.match(
    table.stdout,
    /\nheld by run \S+ \(host [^,]+, pid \d+, since [^)]+\): 2 replicas, not alive \(leftovers: /,
  );

  renameSync(place.socket, aside);
  const down = await headroom(['down', clusterFile]);
  assert.equal(down.code, 110, down.stderr);
  assert.match(
    down.stderr,
    /cluster f11-down-2dc: removed 1 container on the Docker daemons that answer; not reached, its containers left: unix:\/\/\/run\/f11-down-unreachable\.sock \(dc b\): /,
  );
  assert.match(down.stderr, /hint: make that daemon reachable again/);
  assert.deepEqual(await idsOn(docker), [], "dc a's container removed although dc b's daemon is down");

  // The daemon back: a second down removes what was left there.
  renameSync(aside, place.socket);
  assert.equal((await idsOn(daemon.docker)).length, 1);
  const again = await headroom(['down', clusterFile]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /cluster f11-down-2dc: removed 1 container\n/);
  assert.deepEqual(await idsOn(daemon.docker), []);
});
