// One owner at a time on someone else's HAProxy: while `headroom drill` (a real process) drains through a host
// HAProxy, a second drill on the same runtime API is refused (exit 110) naming the run that holds it, and
// changes nothing; the first, stopped with Ctrl-C once the second is refused (its steps are long, so it is
// certainly still running then), puts the configured weights back and releases its claim.
// Ports 15300-15319 (fixtures/edge/owned.yaml).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readClaim } from '../edge';
import { hostHaproxy } from '../edge/testing/backends';
import { drillChild, existingEdge, readStepsOf, tempOut, until } from './testing/existing-edge';

test('a second drill on an HAProxy another run holds is refused naming it; the first restores and releases', async (t) => {
  const edge = await existingEdge(15300, hostHaproxy);
  t.after(() => edge.stop());
  const outA = tempOut('edge-owner-a');
  const outB = tempOut('edge-owner-b');
  t.after(() => {
    for (const d of [outA, outB]) fs.rmSync(d, { recursive: true, force: true });
  });
  const first = drillChild('owned.yaml', outA, [], { EDGE_MEASURE: '60s' });
  t.after(() => first.kill());
  // Once the first drill holds the edge and has moved its weights, the second one starts.
  assert.ok(await until(() => edge.moved(), 30_000), `the first drill never moved the weights:\n${first.log()}`);
  const held = await readClaim(edge.hap.client);
  assert.equal(held.state, 'held');
  const runA = JSON.parse(fs.readFileSync(path.join(outA, 'run.json'), 'utf8')).runId as string;
  assert.equal(held.owner?.runId, runA);
  const during = await edge.weightsNow();

  const second = drillChild('owned.yaml', outB, ['--replace']);
  t.after(() => second.kill());
  const b = await second.exited;
  assert.equal(b.code, 110, second.log());
  const pattern = `held by run ${runA} on host ${os.hostname()} \\(pid ${first.child.pid}\\) since \\d{4}-\\d\\d-\\d\\dT`;
  assert.match(second.log(), new RegExp(pattern));
  assert.equal(fs.existsSync(path.join(outB, 'edge-weights.json')), false, 'the refused drill saved no weights');
  assert.equal(readStepsOf(outB).length, 0);
  assert.deepEqual(await edge.weightsNow(), during, 'the refused drill changed no weight');
  assert.equal(first.child.exitCode, null, `the first drill ended before the second was refused:\n${first.log()}`);

  first.child.kill('SIGINT');
  const a = await first.exited;
  assert.equal(a.code, 105, first.log());
  assert.deepEqual(await edge.weightsNow(), edge.configured, 'the first drill put the configured weights back');
  const saved = JSON.parse(fs.readFileSync(path.join(outA, 'edge-weights.json'), 'utf8'));
  assert.deepEqual(
    saved.servers.map((s: { weight: number }) => s.weight),
    edge.configured,
  );
  const after = await readClaim(edge.hap.client);
  assert.equal(after.state, 'released');
  assert.equal(after.owner?.runId, runA);
});
