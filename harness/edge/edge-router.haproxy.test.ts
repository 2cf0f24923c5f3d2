// The edge router against the host's HAProxy: DC weights honoured by real traffic, steps bounded,
// and the weights HAProxy reports back recorded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type EdgeSpec, edgeServers, haproxyConfig } from './config';
import { EdgeRouter } from './edge-router';
import { countingServers, hostHaproxy, sendRequests } from './testing/backends';

const ports = [30201, 30202, 30203, 30204];
const dcOf = ['use1', 'use1', 'euw1', 'aps1'];
const runtime = { host: '127.0.0.1', port: 30210 };
const spec: EdgeSpec = {
  file: 'edge-test',
  runtime,
  threads: 1,
  frontends: [
    {
      name: 'us',
      host: '127.0.0.1',
      port: 30200,
      servers: ports.map((port, i) => ({
        backend: 'be_us',
        server: `${dcOf[i]}-gen1-${i}`,
        dc: dcOf[i],
        serverType: 'gen1',
        address: '127.0.0.1',
        port,
        replica: `edge-test-${dcOf[i]}-gen1-${i}`,
      })),
    },
  ],
};
const demand = { dcs: { use1: 0.5, euw1: 0.3, aps1: 0.2 } };

function dcCounts(counts: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [i, n] of counts.entries()) out[dcOf[i]] = (out[dcOf[i]] ?? 0) + n;
  return out;
}

/**
 * HAProxy's roundrobin in one thread is deterministic, not a sample: over any run of n picks each server gets
 * n × its weight / the total within 2 requests (measured: within 1.33). So each server's count is checked
 * against the weights HAProxy reports, to 2 requests, and each DC's against the share asked for (the
 * integer weights round it by less than 0.5%).
 */
async function assertCounts(
  edge: Awaited<ReturnType<typeof hostHaproxy>>,
  counts: number[],
  shares: Record<string, number>,
) {
  const weights = (await edge.client.getWeights(edgeServers(spec))).map((w) => w.weight);
  const total = weights.reduce((a, b) => a + b, 0);
  const n = counts.reduce((a, b) => a + b, 0);
  for (const [i, c] of counts.entries())
    assert.ok(
      Math.abs(c - (n * weights[i]) / total) <= 2,
      `server ${i}: ${c} of ${n} requests at weights ${weights} (${JSON.stringify(counts)})`,
    );
  const got = dcCounts(counts);
  for (const [dc, share] of Object.entries(shares))
    assert.ok(
      Math.abs((got[dc] ?? 0) / n - share) <= 0.005 + 4 / n,
      `${dc}: ${got[dc]} of ${n} requests, expected a share of ${share} (${JSON.stringify(got)})`,
    );
}

test('DC weights set through the runtime API are honoured by traffic through HAProxy (each server to 2 requests)', async (t) => {
  const servers = await countingServers(ports);
  t.after(() => servers.close());
  const edge = await hostHaproxy(haproxyConfig(spec, demand), runtime);
  t.after(() => edge.stop());
  const router = new EdgeRouter(edge.client, edgeServers(spec), { maxShareChange: 1 });

  await sendRequests('http://127.0.0.1:30200/', 600);
  await assertCounts(edge, servers.counts(), demand.dcs);
  // Inside use1 the two replicas split evenly.
  assert.ok(Math.abs(servers.counts()[0] - servers.counts()[1]) <= 2, JSON.stringify(servers.counts()));

  servers.reset();
  const step = await router.setWeights({ dcs: { use1: 0.1, euw1: 0.6, aps1: 0.3 } });
  assert.equal(step.limited, false);
  assert.deepEqual(step.reported, step.sent);
  assert.deepEqual(step.reported, {
    'be_us/use1-gen1-0': 21,
    'be_us/use1-gen1-1': 21,
    'be_us/euw1-gen1-2': 256,
    'be_us/aps1-gen1-3': 128,
  });
  await sendRequests('http://127.0.0.1:30200/', 600);
  await assertCounts(edge, servers.counts(), { use1: 0.1, euw1: 0.6, aps1: 0.3 });

  // Losing a DC by weight: its servers get 0 and no request.
  servers.reset();
  await router.setWeights({ dcs: { use1: 0.6, euw1: 0, aps1: 0.4 } });
  await sendRequests('http://127.0.0.1:30200/', 600);
  assert.equal(dcCounts(servers.counts()).euw1, 0);
  await assertCounts(edge, servers.counts(), { use1: 0.6, euw1: 0, aps1: 0.4 });

  // A replica marked out leaves its share to the other replica of its pool.
  servers.reset();
  const out = await router.markOut('edge-test-use1-gen1-0');
  assert.equal(out.reported['be_us/use1-gen1-0'], 0);
  await sendRequests('http://127.0.0.1:30200/', 600);
  assert.equal(servers.counts()[0], 0);
  await assertCounts(edge, servers.counts(), { use1: 0.6, aps1: 0.4 });
});

test("a step moves a DC's share by at most the bound unless told otherwise; HAProxy's weights are reported back", async (t) => {
  const edge = await hostHaproxy(haproxyConfig(spec, demand), runtime);
  t.after(() => edge.stop());
  const router = new EdgeRouter(edge.client, edgeServers(spec), { maxShareChange: 0.2 });
  // The first step starts from the shares HAProxy reports (demand, rounded to integer weights).
  const first = await router.setWeights({ dcs: { use1: 1, euw1: 0, aps1: 0 } });
  assert.equal(first.limited, true);
  assert.ok(Math.abs(first.applied.use1 - 0.7) < 1e-3, JSON.stringify(first.applied));
  const reported = first.reportedShares.be_us;
  assert.ok(
    Math.abs(reported.use1 - 0.7) < 0.005 &&
      Math.abs(reported.euw1 - 0.18) < 0.005 &&
      Math.abs(reported.aps1 - 0.12) < 0.005,
    JSON.stringify(reported),
  );
  const second = await router.setWeights({ dcs: { use1: 1, euw1: 0, aps1: 0 } });
  assert.ok(Math.abs(second.applied.use1 - 0.9) < 1e-3 && second.limited);
  const third = await router.setWeights({ dcs: { use1: 1, euw1: 0, aps1: 0 } });
  assert.equal(third.limited, false);
  assert.deepEqual(third.reportedShares.be_us, { use1: 1, euw1: 0, aps1: 0 });
  // Told otherwise: one jump back to demand.
  const jump = await router.setWeights(demand, { unbounded: true });
  assert.equal(jump.limited, false);
  assert.ok(Math.abs(jump.reportedShares.be_us.euw1 - 0.3) < 0.005, JSON.stringify(jump.reportedShares));
  await assert.rejects(
    router.setWeights({ dcs: { use1: 0, euw1: 0, aps1: 0 } }, { unbounded: true }),
    /no server of be_us a weight/,
  );
  await assert.rejects(router.setWeights({ dcs: { usw2: 1 } }), /weights: dcs\.usw2: unknown dc 'usw2'/);
});

test("a replica marked out before any step: its pool's other replica takes the share HAProxy ran with", async (t) => {
  const edge = await hostHaproxy(haproxyConfig(spec, demand), runtime);
  t.after(() => edge.stop());
  const router = new EdgeRouter(edge.client, edgeServers(spec));
  const out = await router.markOut('edge-test-use1-gen1-0');
  assert.equal(out.reported['be_us/use1-gen1-0'], 0);
  assert.equal(out.reported['be_us/use1-gen1-1'], 256);
  assert.ok(Math.abs(out.reportedShares.be_us.use1 - 0.5) < 0.005, JSON.stringify(out.reportedShares));
  const back = await router.markIn('edge-test-use1-gen1-0');
  assert.equal(back.reported['be_us/use1-gen1-0'], back.reported['be_us/use1-gen1-1']);
  await assert.rejects(router.markOut('nope'), /no server or replica 'nope' behind the edge/);
});
