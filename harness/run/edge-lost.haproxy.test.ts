// Losing the load balancer being drilled ends the drill: a host HAProxy (which headroom did not start) is
// killed while `headroom drill` (a real process) drains toward use1. Exit 110; the step in which it died is
// aborted with the cause and the last weights that took effect; no step after it; the message names
// `headroom edge restore <run>`. Ports 15340-15359 (fixtures/edge/lost.yaml).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hostHaproxy } from '../edge/testing/backends';
import { drillChild, existingEdge, readStepsOf, tempOut, until } from './testing/existing-edge';

test('HAProxy killed mid-drain: exit 110, the step says so, nothing after it is a capacity figure', async (t) => {
  const edge = await existingEdge(15340, hostHaproxy);
  t.after(() => edge.stop());
  const out = tempOut('edge-lost');
  t.after(() => fs.rmSync(out, { recursive: true, force: true }));
  // Five steps of 3 s: HAProxy dies in the first, four are left that must not be recorded as held.
  const drill = drillChild('lost.yaml', out, [], { EDGE_STEPS: '5' });
  t.after(() => drill.kill());
  // The warm-up sets demand (1:1); the drain's first step gives use1 more than half.
  const useShare = async () => {
    const w = await edge.weightsNow().catch(() => [0, 1]);
    return w[0] / (w[0] + w[1]);
  };
  const took = await until(async () => (await useShare()) > 0.55, 30_000);
  assert.ok(took, `the drain never started:\n${drill.log()}`);
  const shifted = await edge.weightsNow();
  const killedAt = Date.now();
  process.kill(edge.hap.pid, 'SIGKILL');
  const { code } = await drill.exited;
  const log = drill.log();
  assert.equal(code, 110, log);
  assert.match(log, /headroom edge restore \S+/);
  const steps = readStepsOf(out).filter((s) => s.drill === 'to-use1');
  // The step in which HAProxy died is the last one, and it is not a capacity figure.
  const after = steps.filter((s) => Date.parse(s.endedAt) > killedAt);
  assert.equal(after.length, 1, `steps ended after the kill: ${after.map((s) => `${s.targetShare} ${s.verdict}`)}`);
  const last = after[0];
  assert.equal(last, steps[steps.length - 1]);
  assert.equal(last.verdict, 'aborted', JSON.stringify(last, null, 1));
  assert.match(last.error ?? '', /runtime API/);
  // The last weights that took effect, as HAProxy reported them before it died.
  const share = shifted[0] / (shifted[0] + shifted[1]);
  assert.match(last.annotations.join('\n'), new RegExp(`last weights that took effect: .*use1=${share.toFixed(3)}`));
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.status, 'error', JSON.stringify(summary));
  assert.match(summary.error, /runtime API/);
});

test('HAProxy reloaded mid-drain: its claim is gone, the drill ends (110) and changes no weight after it', async (t) => {
  const edge = await existingEdge(15340, hostHaproxy);
  t.after(() => edge.stop());
  const out = tempOut('edge-reloaded');
  t.after(() => fs.rmSync(out, { recursive: true, force: true }));
  const drill = drillChild('lost.yaml', out, [], { EDGE_STEPS: '5' });
  t.after(() => drill.kill());
  const took = await until(async () => {
    const w = await edge.weightsNow().catch(() => [0, 1]);
    return w[0] / (w[0] + w[1]) > 0.55;
  }, 30_000);
  assert.ok(took, `the drain never started:\n${drill.log()}`);
  const reloadedAt = Date.now();
  await edge.hap.reload();
  const { code } = await drill.exited;
  const log = drill.log();
  assert.equal(code, 110, log);
  assert.match(log, /no longer holds HAProxy at tcp:\/\/127\.0\.0\.1:15350: HAProxy was reloaded or restarted/);
  assert.match(log, /weights not restored/);
  // The reload put the configured weights back, and the drill sent nothing after it.
  assert.deepEqual(await edge.weightsNow(), edge.configured);
  const after = readStepsOf(out).filter((s) => Date.parse(s.endedAt) > reloadedAt);
  assert.equal(after.length, 1, `steps ended after the reload: ${after.map((s) => `${s.targetShare} ${s.verdict}`)}`);
  assert.equal(after[0].verdict, 'aborted');
  assert.match(after[0].error ?? '', /reloaded or restarted/);
});
