// Losing the load balancer being drilled ends the drill: a host HAProxy (which headroom did not start) is
// killed, or reloaded, while `headroom drill` (a real process) drains toward use1. Exit 110; the step in which
// it happened is aborted with the cause (and, when killed, the last weights that took effect); no step after
// it; the message names `headroom edge restore <run>`. Ports 15340-15359 (fixtures/edge/lost.yaml).
// The test acts as soon as the drain's first step sends (its servers count the requests: the warm-up sends
// fewer); that step lasts 9 s, so the fault lands in it however late a busy machine lets the drill notice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hostHaproxy } from '../edge/testing/backends';
import { drillChild, existingEdge, readStepsOf, tempOut, until } from './testing/existing-edge';

const stepEnv = { EDGE_STEPS: '5', EDGE_MEASURE: '8s' };

test('HAProxy killed mid-drain: exit 110, the step says so, nothing after it is a capacity figure', async (t) => {
  const edge = await existingEdge(15340, hostHaproxy);
  t.after(() => edge.stop());
  const out = tempOut('edge-lost');
  t.after(() => fs.rmSync(out, { recursive: true, force: true }));
  // Five steps: HAProxy dies in the first, four are left that must not be recorded as held.
  const drill = drillChild('lost.yaml', out, [], stepEnv);
  t.after(() => drill.kill());
  assert.ok(await until(() => edge.draining(), 60_000), `the drain never started:\n${drill.log()}`);
  const shifted = await edge.weightsNow();
  assert.notDeepEqual(shifted, edge.configured, 'the drill set its weights');
  const killedAt = Date.now();
  process.kill(edge.hap.pid, 'SIGKILL');
  const { code } = await drill.exited;
  const log = drill.log();
  assert.equal(code, 110, log);
  assert.match(log, /headroom edge restore \S+/);
  // The step in which HAProxy died is the only one, and it is not a capacity figure.
  const steps = readStepsOf(out);
  assert.equal(steps.length, 1, `steps: ${steps.map((s) => `${s.targetShare} ${s.verdict}`)}`);
  const [step] = steps;
  assert.equal(step.drill, 'to-use1');
  assert.ok(Date.parse(step.endedAt) > killedAt);
  assert.equal(step.verdict, 'aborted', JSON.stringify(step, null, 1));
  assert.match(step.error ?? '', /runtime API/);
  // The last weights that took effect, as HAProxy reported them before it died.
  const share = shifted[0] / (shifted[0] + shifted[1]);
  assert.match(step.annotations.join('\n'), new RegExp(`last weights that took effect: .*use1=${share.toFixed(3)}`));
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.status, 'error', JSON.stringify(summary));
  assert.match(summary.error, /runtime API/);
});

test('HAProxy reloaded mid-drain: its claim is gone, the drill ends (110) and changes no weight after it', async (t) => {
  const edge = await existingEdge(15340, hostHaproxy);
  t.after(() => edge.stop());
  const out = tempOut('edge-reloaded');
  t.after(() => fs.rmSync(out, { recursive: true, force: true }));
  const drill = drillChild('lost.yaml', out, [], stepEnv);
  t.after(() => drill.kill());
  assert.ok(await until(() => edge.draining(), 60_000), `the drain never started:\n${drill.log()}`);
  await edge.hap.reload();
  const { code } = await drill.exited;
  const log = drill.log();
  assert.equal(code, 110, log);
  assert.match(log, /no longer holds HAProxy at tcp:\/\/127\.0\.0\.1:15350: HAProxy was reloaded or restarted/);
  assert.match(log, /weights not restored/);
  // The reload put the configured weights back, and the drill sent nothing after it.
  assert.deepEqual(await edge.weightsNow(), edge.configured);
  const steps = readStepsOf(out);
  assert.equal(steps.length, 1, `steps: ${steps.map((s) => `${s.targetShare} ${s.verdict}`)}`);
  assert.equal(steps[0].verdict, 'aborted');
  assert.match(steps[0].error ?? '', /reloaded or restarted/);
});
