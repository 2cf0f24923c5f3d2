// A managed edge that dies mid-drill ends the drill: `headroom drill` (a real process) drains toward use1
// through the HAProxy container it started (fixtures/edge/managed-lost.yaml, ports 15400-15460); the test kills
// that container after the first drain step took effect. Exit 110, the step in which it died is aborted with the
// cause (the edge container, its runtime API), no step after it, and no container of the cluster is left.
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
  const drill = drillScenario(path.join(__dirname, 'fixtures', 'edge', 'managed-lost-drain.ts'), out);
  t.after(() => drill.kill());
  const client = new RuntimeClient({ host: '127.0.0.1', port: 15460 }, { timeoutMs: 1000 });
  // Demand is 1:1; the drain's first step gives use1 more than half of the first backend.
  const useShare = async () => {
    const rows = (await client.showStat().catch(() => [])).filter((r) => r.kind === 'server');
    const first = rows.filter((r) => r.proxy === rows[0]?.proxy);
    const total = first.reduce((a, r) => a + (r.weight ?? 0), 0);
    return total > 0
      ? first.filter((r) => r.name.startsWith('use1')).reduce((a, r) => a + (r.weight ?? 0), 0) / total
      : 0;
  };
  assert.ok(await until(async () => (await useShare()) > 0.55, 120_000), `the drain never started:\n${drill.log()}`);
  const [edgeContainer] = await inspect(await containersWithLabel('headroom.edge=ed-edge-managed-lost-edge'));
  assert.ok(edgeContainer, 'the edge container');
  edgeImage = edgeContainer.Config.Image;
  const killedAt = Date.now();
  await docker(['kill', edgeContainer.Id]);

  const { code } = await drill.exited;
  const log = drill.log();
  assert.equal(code, 110, log);
  assert.match(log, /lost the load balancer being drilled \(the edge container ed-edge-managed-lost-edge/);
  const steps = readStepsOf(out).filter((s) => s.drill === 'to-use1');
  const after = steps.filter((s) => Date.parse(s.endedAt) > killedAt);
  assert.equal(after.length, 1, `steps ended after the kill: ${after.map((s) => `${s.targetShare} ${s.verdict}`)}`);
  assert.equal(after[0], steps[steps.length - 1]);
  assert.equal(after[0].verdict, 'aborted', JSON.stringify(after[0], null, 1));
  assert.match(after[0].error ?? '', /edge container .*runtime API/);
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.status, 'error');
  assert.deepEqual(await containersWithLabel(clusterLabel), [], 'no replica or edge container left');
});
