// Behind an edge the generator sends to a frontend, yet each request lands on the replica HAProxy chose:
// HAProxy names it in x-headroom-server (also on its own 504) and the engine records the sample with that
// replica's tags. Host HAProxy on ports 25700-25719 in front of three small servers, one of them too slow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { Replica } from '../cluster';
import { LoadEngine } from '../load';
import { Metrics } from '../metrics';
import { type EdgeSpec, haproxyConfig } from './config';
import { hostHaproxy } from './testing/backends';

const runtime = { host: '127.0.0.1', port: 25710 };
const header = 'x-headroom-server';
const backends = [
  { server: 'use1-small-1', dc: 'use1', port: 25701, delayMs: 0 },
  { server: 'use1-small-2', dc: 'use1', port: 25702, delayMs: 0 },
  // Ten times HAProxy's server timeout (300 ms): its 504 comes first however late a busy machine runs either.
  { server: 'euw1-small-1', dc: 'euw1', port: 25703, delayMs: 3000 },
];

function replica(name: string, dc: string, port: number, pool = `${dc}/small`): Replica {
  return {
    name,
    region: dc === 'use1' ? 'us-east' : 'eu-west',
    dc,
    tier: 'web',
    pool,
    serverType: 'small',
    index: 1,
    host: '127.0.0.1',
    httpPort: port,
    grpcPort: port,
    http: `http://127.0.0.1:${port}`,
    grpc: `127.0.0.1:${port}`,
  } as Replica;
}

async function servers(): Promise<{ counts: number[]; close(): Promise<void> }> {
  const counts = backends.map(() => 0);
  const list: http.Server[] = [];
  for (const [i, b] of backends.entries()) {
    const s = http.createServer((req, res) => {
      counts[i]++;
      req.resume();
      const answer = setTimeout(() => res.end('ok\n'), b.delayMs);
      res.on('close', () => clearTimeout(answer));
    });
    list.push(s);
    await new Promise<void>((resolve) => s.listen(b.port, '127.0.0.1', () => resolve()));
  }
  return {
    counts,
    close: async () => {
      for (const s of list) s.closeAllConnections();
      await Promise.all(list.map((s) => new Promise((r) => s.close(r))));
    },
  };
}

test('each request through the edge is recorded on the replica HAProxy chose, a 504 on the slow one', async (t) => {
  const backendsUp = await servers();
  t.after(() => backendsUp.close());
  const spec: EdgeSpec = {
    file: 'served-by',
    runtime,
    threads: 1,
    servedByHeader: header,
    serverTimeoutMs: 300,
    serverMaxconn: 32,
    frontends: [
      {
        name: 'us',
        host: '127.0.0.1',
        port: 25700,
        servers: backends.map((b) => ({
          backend: 'be_us',
          server: b.server,
          dc: b.dc,
          serverType: 'small',
          address: '127.0.0.1',
          port: b.port,
        })),
      },
    ],
  };
  // use1 3/4 of the traffic (two servers), euw1 1/4.
  const hap = await hostHaproxy(haproxyConfig(spec, { dcs: { use1: 3, euw1: 1 } }), runtime);
  t.after(() => hap.stop());
  const metrics = new Metrics();
  const engine = new LoadEngine({
    replicas: [replica('edge-us', 'edge-us', 25700, 'edge-us/edge')],
    mix: { endpoints: [{ name: 'feed', weight: 1, protocol: 'http', path: '/feed' }] },
    metrics,
    timeoutMs: 5000,
    servedBy: {
      header,
      replicas: Object.fromEntries(backends.map((b) => [b.server, replica(`r-${b.server}`, b.dc, b.port)])),
    },
  });
  engine.setRate(100);
  engine.start();
  await new Promise((r) => setTimeout(r, 4000));
  engine.setRate(0);
  await engine.stop();

  const total = metrics.window({ seconds: 60 });
  const on = (filter: Record<string, string>) => metrics.window({ seconds: 60, filter });
  const use1 = on({ dc: 'use1' });
  const euw1 = on({ dc: 'euw1' });
  const unnamed = on({ dc: 'edge-us' });
  assert.ok(total.count >= 300, `sent ${total.count}`);
  // Every request came back named: none left on the frontend's own tags.
  assert.equal(unnamed.count, 0);
  assert.equal(use1.count + euw1.count, total.count);
  // Per replica, exactly what each server answered (or, for the slow one, what HAProxy gave up on).
  for (const [i, b] of backends.entries())
    assert.equal(on({ replica: `r-${b.server}` }).count, backendsUp.counts[i], b.server);
  // Roundrobin in one thread is deterministic: each server within 2 requests of its weight's share.
  const weights = (await hap.client.getWeights(backends.map((b) => ({ backend: 'be_us', server: b.server })))).map(
    (w) => w.weight,
  );
  const weightTotal = weights.reduce((a, b) => a + b, 0);
  for (const [i, b] of backends.entries())
    assert.ok(
      Math.abs(backendsUp.counts[i] - (total.count * weights[i]) / weightTotal) <= 2,
      `${b.server}: ${backendsUp.counts[i]} of ${total.count} at weights ${weights}`,
    );
  assert.ok(Math.abs(use1.count / total.count - 0.75) < 0.01, `use1 share ${use1.count / total.count}`);
  assert.equal(use1.failed, 0);
  // The slow server's requests failed with HAProxy's 504 before the generator's timeout, and are its own.
  assert.equal(euw1.failed, euw1.count);
  const p50 = euw1.percentile(50) ?? 0;
  assert.ok(p50 >= 290 && p50 < 2500, `euw1 p50 ${p50} ms (the edge's 300 ms server timeout, not the server's 3 s)`);
});
