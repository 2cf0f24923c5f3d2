// A drill SIGKILLed on someone else's HAProxy leaves its claim and a drained state. Its claim blocks the next
// drill (exit 110 naming it and when it expires) until it expires or an operator frees it (`headroom edge
// release`); then the next drill is refused because the weights are not the configured ones (110, naming each
// server and both weights), and accepted with --force, which saves what it found and puts it back. `headroom
// edge restore <killed run>` then puts back the configured weights. Real processes, a host HAProxy; ports
// 15320-15339 (fixtures/edge/expiry.yaml). The claim lasts 30 s, so its refusal does not depend on how fast the
// next drill starts; the expiry itself is checked against HAProxy's clock in harness/edge/claim.haproxy.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readClaim, releaseClaim } from '../edge';
import { hostHaproxy } from '../edge/testing/backends';
import { drillChild, existingEdge, headroomRun, readStepsOf, tempOut, until } from './testing/existing-edge';

test('a SIGKILLed drill blocks the edge until its claim is freed; shifted weights are refused unless --force', async (t) => {
  const edge = await existingEdge(15320, hostHaproxy);
  t.after(() => edge.stop());
  const outs = ['killed', 'blocked', 'shifted', 'forced'].map((n) => tempOut(`edge-expiry-${n}`));
  t.after(() => {
    for (const d of outs) fs.rmSync(d, { recursive: true, force: true });
  });
  const [killedOut, blockedOut, shiftedOut, forcedOut] = outs;

  // Long steps: the drill is certainly mid-drain, its weights moved, when it is killed.
  const killed = drillChild('expiry.yaml', killedOut, [], { EDGE_MEASURE: '30s' });
  t.after(() => killed.kill());
  assert.ok(await until(() => edge.moved(), 30_000), `the drill never moved the weights:\n${killed.log()}`);
  killed.kill();
  await killed.exited;
  const left = await edge.weightsNow();
  assert.notDeepEqual(left, edge.configured);
  const runId = JSON.parse(fs.readFileSync(path.join(killedOut, 'run.json'), 'utf8')).runId as string;

  // Its claim is still live (30 s after its last heartbeat): refused, naming the killed run.
  const blocked = drillChild('expiry.yaml', blockedOut, ['--replace']);
  t.after(() => blocked.kill());
  assert.equal((await blocked.exited).code, 110, blocked.log());
  assert.match(
    blocked.log(),
    new RegExp(`held by run ${runId} on host ${os.hostname()} \\(pid ${killed.child.pid}\\)`),
  );
  assert.match(blocked.log(), /expires 30 s after its last heartbeat/);
  assert.equal(readStepsOf(blockedOut).length, 0);
  assert.deepEqual(await edge.weightsNow(), left, 'the blocked drill changed nothing');

  // The operator frees it rather than wait out the 30 s (what `headroom edge release <runtime>` does).
  const was = await releaseClaim(edge.hap.client);
  assert.equal(was.state, 'held');
  assert.equal(was.owner?.runId, runId);
  assert.equal((await readClaim(edge.hap.client)).state, 'released');

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

  // --force: taken as found (saved as the weights to put back), and put back as found when it stops (Ctrl-C
  // once it holds the edge: its steps are long, the test needs none of them).
  const forced = drillChild('expiry.yaml', forcedOut, ['--replace', '--force'], { EDGE_MEASURE: '30s' });
  t.after(() => forced.kill());
  assert.ok(await until(() => /claimed for run/.test(forced.log()), 60_000), `never claimed:\n${forced.log()}`);
  assert.match(forced.log(), /--force: the weights found are not the configured ones/);
  forced.child.kill('SIGINT');
  assert.equal((await forced.exited).code, 105, forced.log());
  const saved = JSON.parse(fs.readFileSync(path.join(forcedOut, 'edge-weights.json'), 'utf8'));
  assert.deepEqual(
    saved.servers.map((s: { weight: number }) => s.weight),
    left,
  );
  assert.deepEqual(await edge.weightsNow(), left, 'the forced drill put back the weights it found');

  const restore = await headroomRun(['edge', 'restore', killedOut]);
  assert.equal(restore.code, 0, restore.log);
  assert.deepEqual(await edge.weightsNow(), edge.configured, 'edge restore of the killed run');
});
