// The CPU cost per request is real: CPU seconds from /metrics over N requests match the knob, and
// raising the knob by X ms raises them by X ms (measured alternately, so the per-request overhead, which
// grows when the machine is busy, cancels out). CPU time only, no wall-clock limits. Ports 21530-21531.
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
    assert.ok(ms >= 1.9 && ms <= 3.5, `GET /feed cost ${ms.toFixed(3)} CPU ms, expected 2 plus a little overhead`);
  });

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  /**
   * CPU ms per request at two knob settings, measured alternately three times (low, high, ...): a collection or
   * a neighbour's burst in one window moves that window's figure by up to ~0.9 ms (8 - 4 = 4.88 was seen with
   * two pairs on a busy machine); with three pairs one such window counts a third of the mean, not half.
   */
  async function atTwo(knob: 'feedCpuMs' | 'likeCpuMs', low: number, high: number, send: (i: number) => Promise<void>) {
    const at: Record<number, number[]> = { [low]: [], [high]: [] };
    for (const ms of [low, high, low, high, low, high]) {
      await setKnobs({ [knob]: ms });
      at[ms].push(await cpuMsPerRequest(60, send));
    }
    return { low: mean(at[low]), high: mean(at[high]) };
  }

  it('doubling feedCpuMs from 4 to 8 adds 4 CPU ms per GET /feed (measured alternately, side by side)', async (t) => {
    try {
      const { low: four, high: eight } = await atTwo('feedCpuMs', 4, 8, httpFeed);
      t.diagnostic(`GET /feed CPU ms per request: feedCpuMs 4 -> ${four.toFixed(3)}, 8 -> ${eight.toFixed(3)}`);
      assert.ok(four >= 3.9, `feedCpuMs 4 cost ${four.toFixed(3)} CPU ms per request, under its budget`);
      assert.ok(eight - four >= 3.3 && eight - four <= 4.8, `8 - 4 = ${(eight - four).toFixed(3)} CPU ms, expected 4`);
    } finally {
      await setKnobs({ feedCpuMs: 2 });
    }
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

  it('GetFeed over gRPC spends the same budget (4 to 8 adds 4 ms), and POST /like spends likeCpuMs (2 to 4 adds 2)', async (t) => {
    const grpcFeed = async (i: number) => {
      assert.equal((await client.getFeed({ user: i + 1 })).posts.length, 20);
    };
    const like = async (i: number) => {
      const res = await request(ref.http, 'POST', '/like', { agent, body: `{"user":${i + 1},"post":7}` });
      assert.equal(res.status, 200);
    };
    try {
      const feed = await atTwo('feedCpuMs', 4, 8, grpcFeed);
      const likes = await atTwo('likeCpuMs', 2, 4, like);
      t.diagnostic(
        `GetFeed at feedCpuMs 4 -> ${feed.low.toFixed(3)}, 8 -> ${feed.high.toFixed(3)} CPU ms; ` +
          `POST /like at likeCpuMs 2 -> ${likes.low.toFixed(3)}, 4 -> ${likes.high.toFixed(3)} CPU ms`,
      );
      assert.ok(feed.low >= 3.9, `GetFeed cost ${feed.low.toFixed(3)} CPU ms at feedCpuMs 4, under its budget`);
      const feedStep = feed.high - feed.low;
      assert.ok(feedStep >= 3.3 && feedStep <= 4.8, `GetFeed 8 - 4 = ${feedStep.toFixed(3)} CPU ms, expected 4`);
      assert.ok(likes.low >= 1.9, `POST /like cost ${likes.low.toFixed(3)} CPU ms at likeCpuMs 2, under its budget`);
      const likeStep = likes.high - likes.low;
      // The like loop allocates a hash and a JSON string per round, and collecting them after the budget's check
      // is the process's CPU too: 2 -> 4 adds 2.65-2.90 ms (four runs of 2026-12-01), not 2 alone.
      assert.ok(likeStep >= 1.4 && likeStep <= 3.3, `POST /like 4 - 2 = ${likeStep.toFixed(3)} CPU ms, expected 2-3`);
    } finally {
      await setKnobs({ feedCpuMs: 2, likeCpuMs: 0.3 });
    }
  });
});
