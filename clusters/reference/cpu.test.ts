// The CPU cost per request is real: CPU seconds from /metrics over N requests match the knob, and
// doubling the knob doubles them. Ratios and CPU time only, no wall-clock limits. Ports 21530-21531.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { type RunningReference, startReference } from './index';
import { type GrpcClients, grpcClients, metric, request } from './test-client';

describe('reference service CPU cost', { timeout: 180000 }, () => {
  let ref: RunningReference;
  let client: GrpcClients;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const cpuSeconds = async () =>
    metric((await request(ref.http, 'GET', '/metrics', { agent })).body, 'process_cpu_seconds_total')!;
  const setKnobs = async (knobs: object) =>
    assert.equal((await request(ref.http, 'POST', '/admin/knobs', { agent, body: JSON.stringify(knobs) })).status, 200);

  /** CPU milliseconds per request over `n` sequential requests made by `send`. */
  async function cpuMsPerRequest(n: number, send: (i: number) => Promise<void>): Promise<number> {
    for (let i = 0; i < 10; i++) await send(i); // warm up after a knob change
    const c0 = await cpuSeconds();
    for (let i = 0; i < n; i++) await send(i);
    const c1 = await cpuSeconds();
    return ((c1 - c0) * 1000) / n;
  }
  const httpFeed = async (i: number) =>
    assert.equal((await request(ref.http, 'GET', `/feed?user=${i + 1}`, { agent })).status, 200);

  before(async () => {
    ref = await startReference({ httpPort: 21530, grpcPort: 21531, replica: 'cpu-test' });
    client = grpcClients(ref.grpc);
  });
  after(async () => {
    client?.close();
    agent.destroy();
    if (ref) assert.equal(await ref.stop(), 0);
  });

  it('defaults to FEED_CPU_MS 2 and a GET /feed costs about that much CPU', async (t) => {
    assert.equal((await request(ref.http, 'GET', '/admin/knobs', { agent })).json().feedCpuMs, 2);
    const ms = await cpuMsPerRequest(150, httpFeed);
    t.diagnostic(`GET /feed at feedCpuMs 2: ${ms.toFixed(3)} CPU ms per request`);
    assert.ok(ms >= 1.9 && ms <= 3.2, `GET /feed cost ${ms.toFixed(3)} CPU ms, expected 2 plus a little overhead`);
  });

  it('doubling feedCpuMs doubles the CPU per GET /feed (measured alternately, side by side)', async (t) => {
    const at: Record<number, number[]> = { 4: [], 8: [] };
    for (const ms of [4, 8, 4, 8]) {
      await setKnobs({ feedCpuMs: ms });
      at[ms].push(await cpuMsPerRequest(80, httpFeed));
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const four = mean(at[4]);
    const eight = mean(at[8]);
    assert.ok(four >= 3.9 && four <= 5.5, `feedCpuMs 4 cost ${four.toFixed(3)} CPU ms per request`);
    assert.ok(eight >= 7.9 && eight <= 9.8, `feedCpuMs 8 cost ${eight.toFixed(3)} CPU ms per request`);
    const ratio = eight / four;
    t.diagnostic(
      `GET /feed CPU ms per request: feedCpuMs 4 -> ${four.toFixed(3)}, 8 -> ${eight.toFixed(3)}, ratio ${ratio.toFixed(3)}`,
    );
    assert.ok(ratio >= 1.7 && ratio <= 2.1, `ratio ${ratio.toFixed(2)}, expected about 2`);
    await setKnobs({ feedCpuMs: 2 });
  });

  it('nodejs_eventloop_lag_seconds rises while long CPU-bound requests block the event loop', async () => {
    const idle = metric((await request(ref.http, 'GET', '/metrics', { agent })).body, 'nodejs_eventloop_lag_seconds')!;
    await setKnobs({ feedCpuMs: 150 });
    try {
      const busy = [1, 2, 3, 4, 5, 6].map((u) => request(ref.http, 'GET', `/feed?user=${u}`, { fresh: true }));
      await Promise.all(busy);
      // Scraped right after: the sampler's last second holds the ticks that were late behind the 150 ms blocks.
      const lag = metric((await request(ref.http, 'GET', '/metrics', { agent })).body, 'nodejs_eventloop_lag_seconds')!;
      assert.ok(lag > idle && lag >= 0.02, `lag ${lag} s under load, ${idle} s idle`);
    } finally {
      await setKnobs({ feedCpuMs: 2 });
    }
  });

  it('GetFeed over gRPC costs the same budget, and POST /like costs likeCpuMs', async (t) => {
    await setKnobs({ feedCpuMs: 4, likeCpuMs: 2 });
    try {
      const grpcMs = await cpuMsPerRequest(80, async (i) => {
        assert.equal((await client.getFeed({ user: i + 1 })).posts.length, 20);
      });
      assert.ok(grpcMs >= 3.9 && grpcMs <= 6.2, `GetFeed cost ${grpcMs.toFixed(3)} CPU ms per request`);
      const likeMs = await cpuMsPerRequest(80, async (i) => {
        assert.equal(
          (await request(ref.http, 'POST', '/like', { agent, body: `{"user":${i + 1},"post":7}` })).status,
          200,
        );
      });
      t.diagnostic(
        `GetFeed at feedCpuMs 4: ${grpcMs.toFixed(3)} CPU ms; POST /like at likeCpuMs 2: ${likeMs.toFixed(3)} CPU ms`,
      );
      assert.ok(likeMs >= 1.9 && likeMs <= 3.6, `POST /like cost ${likeMs.toFixed(3)} CPU ms per request`);
    } finally {
      await setKnobs({ feedCpuMs: 2, likeCpuMs: 0.3 });
    }
  });
});
