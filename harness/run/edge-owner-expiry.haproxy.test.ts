// A drill SIGKILLed on someone else's HAProxy leaves its claim and a drained state. Its claim blocks the next
// drill (exit 110 naming it) only until it expires (claimSeconds: 3); then the next drill is refused because
// the weights are not the configured ones (110, naming each server and both weights), and accepted with
// --force, which puts back what it found. `headroom edge restore <killed run>` then puts back the configured
// weights. Real processes, a host HAProxy; ports 15320-15339 (fixtures/edge/expiry.yaml).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readClaim } from '../edge';
import { hostHaproxy } from '../edge/testing/backends';
import { drillChild, existingEdge, headroomRun, readStepsOf, tempOut, until } from './testing/existing-edge';

test('a SIGKILLed drill blocks the edge until its claim expires; shifted weights are refused unless --force', async (t) => {
  const edge = await existingEdge(15320, hostHaproxy);
  t.after(() => edge.stop());
  const outs = ['killed', 'blocked', 'shifted', 'forced'].map((n) => tempOut(`edge-expiry-${n}`));
  t.after(() => {
    for (const d of outs) fs.rmSync(d, { recursive: true, force: true });
  });
  const [killedOut, blockedOut, shiftedOut, forcedOut] = outs;

  const killed = drillChild('expiry.yaml', killedOut, [], { EDGE_MEASURE: '10s' });
  t.after(() => killed.kill());
  assert.ok(await until(() => edge.moved(), 30_000), `the drill never moved the weights:\n${killed.log()}`);
  killed.kill();
  await killed.exited;
  const left = await edge.weightsNow();
  assert.notDeepEqual(left, edge.configured);
  const runId = JSON.parse(fs.readFileSync(path.join(killedOut, 'run.json'), 'utf8')).runId as string;

  // Its claim is still live: refused, naming the killed run.
  const blocked = drillChild('expiry.yaml', blockedOut, ['--replace']);
  t.after(() => blocked.kill());
  assert.equal((await blocked.exited).code, 110, blocked.log());
  assert.match(
    blocked.log(),
    new RegExp(`held by run ${runId} on host ${os.hostname()} \\(pid ${killed.child.pid}\\)`),
  );
  assert.match(blocked.log(), /expires 3 s after its last heartbeat/);

  // No heartbeat any more: past 3 s the claim expires by itself.
  assert.ok(await until(async () => (await readClaim(edge.hap.client)).state === 'expired', 10_000));

  // Free, but the weights are the killed drill's: refused, each server named with both weights.
  const shifted = drillChild('expiry.yaml', shiftedOut, ['--replace']);
  t.after(() => shifted.kill());
  assert.equal((await shifted.exited).code, 110, shifted.log());
  for (const [i, server] of ['use1-a', 'euw1-a'].entries())
    if (left[i] !== edge.configured[i])
      assert.match(
        shifted.log(),
        new RegExp(`be_live/${server} weight ${left[i]} \\(configured ${edge.configured[i]}\\)`),
      );
  assert.equal(fs.existsSync(path.join(shiftedOut, 'edge-weights.json')), false);
  assert.deepEqual(await edge.weightsNow(), left, 'the refused drill changed nothing');

  // --force: taken as found, and put back as found.
  const forced = drillChild('expiry.yaml', forcedOut, ['--replace', '--force'], { EDGE_STEPS: '2' });
  t.after(() => forced.kill());
  assert.equal((await forced.exited).code, 0, forced.log());
  assert.match(forced.log(), /--force: the weights found are not the configured ones/);
  assert.ok(readStepsOf(forcedOut).length > 0);
  assert.deepEqual(await edge.weightsNow(), left, 'the forced drill put back the weights it found');

  const restore = await headroomRun(['edge', 'restore', killedOut]);
  assert.equal(restore.code, 0, restore.log);
  assert.deepEqual(await edge.weightsNow(), edge.configured, 'edge restore of the killed run');
});
