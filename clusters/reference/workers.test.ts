// WORKERS=2: both workers share the ports, an admin change reaches every worker, /metrics sums
// them, and SIGTERM stops the primary and its workers with exit code 0. Ports 21520-21521.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as protoLoader from '@grpc/proto-loader';
import { type RunningReference, feedProtoPath, startReference } from './index';
import { grpcClients, grpc, metric, request } from './test-client';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('reference service with WORKERS=2', { timeout: 180000 }, () => {
  let ref: RunningReference;

  before(async () => {
    ref = await startReference({ httpPort: 21520, grpcPort: 21521, replica: 'workers-test', workers: 2, feedCpuMs: 1 });
  });
  after(async () => {
    if (ref) await ref.stop();
  });

  it('logs workers=2 and spreads new connections over both workers', async () => {
    assert.equal(
      ref.output().stdout.split('\n')[0],
      'reference workers-test listening http=127.0.0.1:21520 grpc=127.0.0.1:21521 workers=2',
    );
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const r = await request(ref.http, 'GET', `/feed?user=${i + 1}`, { fresh: true });
      assert.equal(r.status, 200);
      seen.add(String(r.headers['x-worker']));
    }
    assert.deepEqual([...seen].sort(), ['1', '2']);
  });

  it('an admin knob change reaches both workers: errorRate 1, then 20 requests on new connections all fail', async () => {
    const set = await request(ref.http, 'POST', '/admin/knobs', { body: '{"errorRate":1}', fresh: true });
    assert.equal(set.status, 200);
    assert.equal(set.json().errorRate, 1);
    try {
      const workers = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const r = await request(ref.http, 'GET', `/feed?user=${i + 1}`, { fresh: true });
        assert.equal(r.status, 500, `request ${i} answered by worker ${r.headers['x-worker']}`);
        workers.add(String(r.headers['x-worker']));
      }
      assert.equal(workers.size, 2, 'both workers answered');
      const knobsSeen = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const k = await request(ref.http, 'GET', '/admin/knobs', { fresh: true });
        assert.equal(k.json().errorRate, 1);
        knobsSeen.add(String(k.headers['x-worker']));
      }
      assert.equal(knobsSeen.size, 2, 'both workers show the new knobs');
      const client = grpcClients(ref.grpc);
      try {
        for (let i = 0; i < 6; i++) {
          await assert.rejects(
            client.getFeed({ user: 1 }),
            (e: grpc.ServiceError) => e.code === grpc.status.UNAVAILABLE,
          );
        }
      } finally {
        client.close();
      }
    } finally {
      await request(ref.http, 'POST', '/admin/knobs', { body: '{"errorRate":0}', fresh: true });
    }
    for (let i = 0; i < 10; i++)
      assert.equal((await request(ref.http, 'GET', '/feed?user=3', { fresh: true })).status, 200);
  });

  it('/metrics sums both workers, whichever worker answers the scrape', async () => {
    const m0 = (await request(ref.http, 'GET', '/metrics', { fresh: true })).body;
    assert.equal(metric(m0, 'headroom_workers'), 2);
    const before = metric(m0, 'headroom_requests_total{endpoint="feed",code="200"}') ?? 0;
    for (let i = 0; i < 16; i++) await request(ref.http, 'GET', `/feed?user=${i + 1}`, { fresh: true });
    for (let i = 0; i < 4; i++) {
      const m = (await request(ref.http, 'GET', '/metrics', { fresh: true })).body;
      assert.equal(metric(m, 'headroom_requests_total{endpoint="feed",code="200"}'), before + 16);
    }
  });

  it('gRPC: one channel is one connection, served by one worker; separate channels spread over both', async () => {
    const pkg = grpc.loadPackageDefinition(
      protoLoader.loadSync(feedProtoPath, { keepCase: true, defaults: true }),
    ) as any;
    const workerOf = (client: any) =>
      new Promise<string>((resolve, reject) => {
        let worker = '';
        const call = client.GetFeed({ user: 1 }, (err: Error | null) => (err ? reject(err) : resolve(worker)));
        call.on('metadata', (md: grpc.Metadata) => (worker = String(md.get('x-worker')[0])));
      });
    // grpc-js shares one connection between channels to the same target unless asked not to.
    const channels = [0, 1, 2, 3].map(
      () =>
        new pkg.headroom.feed.v1.Feed(ref.grpc, grpc.credentials.createInsecure(), {
          'grpc.use_local_subchannel_pool': 1,
        }),
    );
    try {
      const perChannel: Set<string>[] = [];
      for (const c of channels) {
        const seen = new Set<string>();
        for (let i = 0; i < 5; i++) seen.add(await workerOf(c));
        perChannel.push(seen);
      }
      for (const seen of perChannel)
        assert.equal(seen.size, 1, 'a channel sticks to the worker that accepted its connection');
      assert.deepEqual([...new Set(perChannel.map((s) => [...s][0]))].sort(), ['1', '2']);
      const m = (await request(ref.http, 'GET', '/metrics', { fresh: true })).body;
      assert.ok(metric(m, 'headroom_worker_requests_total{worker="1"}')! > 0);
      assert.ok(metric(m, 'headroom_worker_requests_total{worker="2"}')! > 0);
    } finally {
      for (const c of channels) c.close();
    }
  });

  it('a worker that dies is restarted and the replica keeps answering', async () => {
    const children = () =>
      execFileSync('ps', ['-o', 'pid=', '--ppid', String(ref.pid)], { encoding: 'utf8' })
        .split('\n')
        .map((l) => Number(l.trim()))
        .filter((n) => n > 0);
    const before = children();
    assert.equal(before.length, 2);
    process.kill(before[0], 'SIGKILL');
    // Until the primary sees the death, node:cluster may hand a new connection to the dead worker,
    // and that connection is lost (a limitation of node:cluster's round-robin): such a request
    // times out or is reset and is retried. Then wait, by polling, for the restart.
    let answered = 0;
    for (;;) {
      try {
        const r = await request(ref.http, 'GET', '/feed?user=1', { fresh: true, timeoutMs: 2000 });
        assert.equal(r.status, 200);
        answered++;
      } catch (err) {
        assert.match(String(err), /no answer|ECONNRESET|socket hang up/);
      }
      const now = children();
      if (answered > 0 && now.length === 2 && !now.includes(before[0])) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (;;) {
      const m = (await request(ref.http, 'GET', '/metrics', { fresh: true })).body;
      if (metric(m, 'headroom_workers') === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.match(
      ref.output().stderr,
      /reference workers-test: worker 1 exited \(code null, SIGKILL\); restarting it|worker 2 exited \(code null, SIGKILL\); restarting it/,
    );
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++)
      seen.add(String((await request(ref.http, 'GET', '/feed?user=2', { fresh: true })).headers['x-worker']));
    assert.deepEqual([...seen].sort(), ['1', '2']);
  });

  it('SIGTERM stops the primary and both workers with exit code 0', async () => {
    const health = grpcClients(ref.grpc);
    try {
      assert.deepEqual(await health.check(''), { status: 'SERVING' });
    } finally {
      health.close();
    }
    const code = await ref.stop();
    assert.equal(code, 0, ref.output().stderr);
    assert.equal(alive(ref.pid), false);
    await assert.rejects(request(ref.http, 'GET', '/healthz', { fresh: true }), /ECONNREFUSED/);
  });
});
