// Drills against a real Docker cluster (harness/drill/fixtures/drill-2dc.yaml: two DCs, one replica
// per pool, ports 23000-23099): guards break on latency, errors and CPU when a DC's replicas are made
// slow, failing or CPU-hungry through the admin knobs. The faults and signals of a hold are in
// hold.docker.test.ts, on a cluster of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drills2dc } from './testing/drill-2dc';

const { drillWith } = drills2dc('drill-2dc.yaml', 'drill-2dc');

const dc1 = ['drill-2dc-dc1-small-1', 'drill-2dc-dc1-large-1'];

/** Losing dc2 puts all traffic on dc1, whose replicas got `knobs`; losing dc1 (dc2 healthy) is the control. */
async function guardCase(name: string, knobs: Record<string, number>, expected: string) {
  const { result, summary, steps, log } = await drillWith('guards-2dc.ts', name, async (c) => {
    for (const r of dc1) await c.setKnobs(r, knobs);
  });
  // A survivor that breaks fails the drill: exit 99, the survivor and its guard named.
  assert.equal(result.exitCode, 99, log);
  assert.equal(summary.status, 'failed');
  assert.ok(
    summary.failures?.some((f) => f.kind === 'survivor' && f.name.includes('dc1') && f.detail.includes(expected)),
    JSON.stringify(summary.failures),
  );
  const [loseDc1, loseDc2] = summary.failovers;
  assert.equal(loseDc1.lostDc, 'dc1');
  assert.deepEqual(
    loseDc1.survivors.map((s) => [s.dc, s.held]),
    [['dc2', true]],
    `control broke: ${log}`,
  );
  assert.equal(loseDc2.lostDc, 'dc2');
  const survivor = loseDc2.survivors[0];
  assert.equal(survivor.dc, 'dc1');
  assert.equal(survivor.held, false, log);
  assert.equal(survivor.brokenBy, expected, log);
  assert.equal(loseDc2.held, false);
  // The breach ended the step early and is in steps.ndjson with the guard's value.
  const step = steps.find((s) => s.drill === 'lose-dc2' && s.verdict === 'breached')!;
  assert.ok(step, log);
  assert.ok(
    step.guards.some((g) => !g.ok && g.name === expected),
    JSON.stringify(step.guards),
  );
  return { survivor, step };
}

test('a guard breaks on latency: dc1 made slow (backend wait 700 ms) breaks p(99)<500 only', async () => {
  const { step } = await guardCase('latency', { backendWaitMs: 700 }, 'http_req_duration: p(99)<500');
  const p99 = step.guards.find((g) => g.metric === 'http_req_duration')!.value!;
  assert.ok(p99 >= 700, `p99 ${p99}`);
  assert.ok(
    step.guards.filter((g) => g.metric !== 'http_req_duration').every((g) => g.ok),
    JSON.stringify(step.guards),
  );
});

test('a guard breaks on errors: dc1 failing 30% of requests breaks rate<0.05', async () => {
  const { step } = await guardCase('errors', { errorRate: 0.3 }, 'http_req_failed: rate<0.05');
  const rate = step.guards.find((g) => g.metric === 'http_req_failed')!.value!;
  assert.ok(rate > 0.15 && rate < 0.45, `error rate ${rate}`);
});

test('a guard breaks on CPU: dc1 made CPU-hungry (7.5 ms per feed) breaks cpu_share max<0.5', async () => {
  const { step } = await guardCase('cpu', { feedCpuMs: 7.5 }, 'cpu_share: max<0.5');
  const share = step.guards.find((g) => g.metric === 'cpu_share')!.value!;
  assert.ok(share >= 0.5, `cpu share ${share}`);
  // The small replica (0.25 CPU) is the hungry one: 20 req/s × 7.5 ms = 0.15 s/s, 60% of its quota: over the CPU
  // guard and short of saturation, where p99 (throttled bursts) breaks first (it did at 9 ms, 72% of the quota,
  // beside three busy test lanes). The healthy DC's small replica reads 20-36%.
  const small = step.replicas.find((r) => r.replica === 'drill-2dc-dc1-small-1')!;
  assert.ok(small.cpuShare! > 0.5, JSON.stringify(small));
});
