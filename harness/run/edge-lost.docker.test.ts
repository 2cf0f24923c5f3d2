// A managed edge that dies mid-drill ends the drill: `headroom drill` (a real process) drains toward use1
// through the HAProxy container it started (fixtures/edge/managed-lost.yaml, ports 15400-15460); the test kills
// that container once the drain's first step sends (HAProxy has forwarded more than the warm-up sends). Exit 110,
// the step in which it died is aborted with the cause (the edge container, its runtime API), no step after it,
// and no container of the cluster is left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { containersWithLabel, docker, inspect } from '../cluster/testing/test-kit';
import { RuntimeClient } from '../edge';
import { drillScenario, readStepsOf, tempOut, until } from './testing/existing-edge';

const clusterLabel = 'headroom.cluster=ed-edge-managed-lost';

test('the managed edge container killed mid-drain: exit 110, the step says so, nothing left', async (t) => {
  const out = tempOut('edge-managed-lost');
  let edgeImage: string | undefined;
  t.after(async () => {
    for (const id of await containersWithLabel(clusterLabel)) await docker(['rm', '-f', id]);
    // The configuration layer is this test's own (its ports): thrown away. The HAProxy base image stays cached.
    if (edgeImage) await docker(['rmi', edgeImage]).catch(() => undefined);
    fs.rmSync(out, { recursive: true, force: true });
  });
  const drill = drillScenario(path.join(__dirname, 'fixtures', 'edge', 'managed-lost-drain.js'), out);
  t.after(() => drill.kill());
  const client = new RuntimeClient({ host: '127.0.0.1', port: 15460 }, { timeoutMs: 1000 });
  // Requests HAProxy has forwarded; undefined until it answers.
  const forwarded = async () =>
    (await client.showStat().catch(() => undefined))
      ?.filter((r) => r.kind === 'server')
      .reduce((n, r) => n + r.lbtot, 0);
  assert.ok(await until(async () => (await forwarded()) !== undefined, 120_000), `no edge came up:\n${drill.log()}`);
  const [edgeContainer] = await inspect(await containersWithLabel('headroom.edge=ed-edge-managed-lost-edge'));
  assert.ok(edgeContainer, 'the edge container');
  edgeImage = edgeContainer.Config.Image;
  // The warm-up sends 1 req/s for 3 s, the drain 20 req/s: past 8 requests its first step has begun.
  assert.ok(
    await until(async () => ((await forwarded()) ?? 0) > 8, 60_000),
    `the drain never started:\n${drill.log()}`,
  );
  const killedAt = Date.now();
  await docker(['kill', edgeContainer.Id]);

  const { code } = await drill.exited;
  const log = drill.log();
  assert.equal(code, 110, log);
  assert.match(log, /lost the load balancer being drilled \(the edge container ed-edge-managed-lost-edge/);
  // The step in which the edge died (the first: it lasts 9 s) is the only one, and it is not a capacity figure.
  const steps = readStepsOf(out);
  assert.equal(steps.length, 1, `steps: ${steps.map((s) => `${s.targetShare} ${s.verdict}`)}`);
  const [step] = steps;
  assert.equal(step.drill, 'to-use1');
  assert.ok(Date.parse(step.endedAt) > killedAt);
  assert.equal(step.verdict, 'aborted', JSON.stringify(step, null, 1));
  assert.match(step.error ?? '', /edge container .*runtime API/);
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.status, 'error');
  assert.deepEqual(await containersWithLabel(clusterLabel), [], 'no replica or edge container left');
});
