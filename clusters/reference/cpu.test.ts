// The CPU cost per request is real: CPU seconds from /metrics over N requests are at least the knob, and
// raising the knob raises them by about the difference (measured side by side, so the per-request overhead,
// which grows when the machine is busy, cancels out). CPU time only, no wall-clock limits; bounds from half
// to twice the step, far from that overhead. How close the figures come to the knob: make bench
// (harness/bench/load/reference-cpu.ts). Ports 16420-16421.
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
    for (let i = 0; i < 3; i++) await send(i); // warm up after a knob change
    const c0 = await cpuSeconds();
    for (let i = 0; i < n; i++) await send(i);
    const c1 = await cpuSeconds();
    return ((c1 - c0) * 1000) / n;
  }
  const httpFeed = async (i: number) =>
    assert.equal((await request(ref.http, 'GET', `/feed?user=${i + 1}`, { agent })).status, 200);

  before(async () => {
    ref = await startReference({ httpPort: 16420, grpcPort: 16421, replica: 'cpu-test' });
    client = grpcClients(ref.grpc);
  });
  after(async () => {
    client?.close();
    agent.destroy();
    if (ref) assert.equal(await ref.stop(), 0);
  });

  it('defaults to FEED_CPU_MS 2 and a GET /feed spends at least that much CPU, not several times it', async (t) => {
    assert.equal((await request(ref.http, 'GET', '/admin/knobs', { agent })).json().feedCpuMs, 2);
    const ms = await cpuMsPerRequest(20, httpFeed);
    t.diagnostic(`GET /feed at feedCpuMs 2: ${ms.toFixed(3)} CPU ms per request`);
    assert.ok(ms >= 1.9 && ms <= 6, `GET /feed cost ${ms.toFixed(3)} CPU ms, expected 2 plus a little overhead`);
  });

  /** CPU ms per request at a low and a high knob setting, one after the other. */
  async function atTwo(knob: 'feedCpuMs' | 'likeCpuMs', low: number, high: number, send: (i: number) => Promise<void>) {
    await setKnobs({ [knob]: low });
    const lo = await cpuMsPerRequest(20, send);
    await setKnobs({ [knob]: high });
    const hi = await cpuMsPerRequest(20, send);
    return { low: lo, high: hi, step: hi - lo };
  }
  /** The budget holds (at least the knob) and the step follows the knob's (half to twice its size). */
  function follows(what: string, knob: { low: number; high: number }, m: { low: number; step: number }): void {
    const want = knob.high - knob.low;
    assert.ok(m.low >= knob.low - 0.1, `${what} cost ${m.low.toFixed(3)} CPU ms at ${knob.low}, under its budget`);
    assert.ok(
      m.step >= want / 2 && m.step <= want * 2,
      `${what}: ${knob.high} - ${knob.low} = ${m.step.toFixed(3)} CPU ms per request, expected about ${want}`,
    );
  }

  it('raising feedCpuMs from 1 to 9 adds about 8 CPU ms per GET /feed', async (t) => {
    try {
      const m = await atTwo('feedCpuMs', 1, 9, httpFeed);
      t.diagnostic(`GET /feed CPU ms per request: feedCpuMs 1 -> ${m.low.toFixed(3)}, 9 -> ${m.high.toFixed(3)}`);
      follows('GET /feed', { low: 1, high: 9 }, m);
    } finally {
      await setKnobs({ feedCpuMs: 2 });
    }
  });

  it('nodejs_eventloop_lag_seconds rises while long CPU-bound requests block the event loop', async () => {
    const idle = metric((await request(ref.http, 'GET', '/metrics', { agent })).body, 'nodejs_eventloop_lag_seconds')!;
    await setKnobs({ feedCpuMs: 150 });
    try {
      const busy = [1, 2, 3, 4].map((u) => request(ref.http, 'GET', `/feed?user=${u}`, { fresh: true }));
      await Promise.all(busy);
      // Scraped right after: the sampler's last second holds the ticks that were late behind the 150 ms blocks.
      const lag = metric((await request(ref.http, 'GET', '/metrics', { agent })).body, 'nodejs_eventloop_lag_seconds')!;
      assert.ok(lag > idle && lag >= 0.02, `lag ${lag} s under load, ${idle} s idle`);
    } finally {
      await setKnobs({ feedCpuMs: 2 });
    }
  });

  it('GetFeed over gRPC spends the same budget (1 to 9 adds about 8 ms), and POST /like spends likeCpuMs (1 to 5 adds about 4)', async (t) => {
    const grpcFeed = async (i: number) => {
      assert.equal((await client.getFeed({ user: i + 1 })).posts.length, 20);
    };
    const like = async (i: number) => {
      const res = await request(ref.http, 'POST', '/like', { agent, body: `{"user":${i + 1},"post":7}` });
      assert.equal(res.status, 200);
    };
    try {
      const feed = await atTwo('feedCpuMs', 1, 9, grpcFeed);
      const likes = await atTwo('likeCpuMs', 1, 5, like);
      t.diagnostic(
        `GetFeed at feedCpuMs 1 -> ${feed.low.toFixed(3)}, 9 -> ${feed.high.toFixed(3)} CPU ms; ` +
          `POST /like at likeCpuMs 1 -> ${likes.low.toFixed(3)}, 5 -> ${likes.high.toFixed(3)} CPU ms`,
      );
      follows('GetFeed', { low: 1, high: 9 }, feed);
      // The like loop allocates a hash and a JSON string per round, and collecting them is the process's CPU
      // too: its step runs ~1.4x the knob's (make bench), inside half to twice.
      follows('POST /like', { low: 1, high: 5 }, likes);
    } finally {
      await setKnobs({ feedCpuMs: 2, likeCpuMs: 0.3 });
    }
  });
});
