// The reference service over gRPC (Feed and the standard health service), on ports 21510-21511.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type RunningReference, startReference, feedServiceName } from './index';
import { type GrpcClients, grpc, grpcClients, metric, request } from './test-client';

describe('reference service over gRPC', { timeout: 180000 }, () => {
  let ref: RunningReference;
  let client: GrpcClients;

  before(async () => {
    ref = await startReference({ httpPort: 21510, grpcPort: 21511, replica: 'grpc-test', feedCpuMs: 1 });
    client = grpcClients(ref.grpc);
  });
  after(async () => {
    client?.close();
    if (ref) assert.equal(await ref.stop(), 0);
  });

  const rejects = async (p: Promise<unknown>, code: grpc.status) => {
    await assert.rejects(p, (err: grpc.ServiceError) => {
      assert.equal(err.code, code, `expected ${grpc.status[code]}, got ${grpc.status[err.code]}: ${err.details}`);
      return true;
    });
  };

  it('Health/Check answers SERVING for "" and the Feed service, NOT_FOUND for others; Watch says SERVING', async () => {
    assert.deepEqual(await client.check(''), { status: 'SERVING' });
    assert.deepEqual(await client.check(feedServiceName), { status: 'SERVING' });
    await rejects(client.check('nope.Service'), grpc.status.NOT_FOUND);
    assert.deepEqual(await client.watchFirst(''), { status: 'SERVING' });
    assert.deepEqual(await client.watchFirst('nope.Service'), { status: 'SERVICE_UNKNOWN' });
  });

  it('GetFeed answers the same 20 posts as GET /feed for a user; limit works', async () => {
    const reply = await client.getFeed({ user: 42 });
    assert.equal(reply.posts.length, 20);
    const viaHttp = (await request(ref.http, 'GET', '/feed?user=42')).json();
    assert.deepEqual(reply.posts, viaHttp.posts);
    assert.equal((await client.getFeed({ user: 42, limit: 3 })).posts.length, 3);
  });

  it('GetFeed and Like refuse bad input with INVALID_ARGUMENT', async () => {
    await rejects(client.getFeed({ user: 0 }), grpc.status.INVALID_ARGUMENT);
    await rejects(client.getFeed({ user: 1, limit: 101 }), grpc.status.INVALID_ARGUMENT);
    await rejects(client.like({ user: 0, post: 1 }), grpc.status.INVALID_ARGUMENT);
    await rejects(client.like({ user: 1, post: 0 }), grpc.status.INVALID_ARGUMENT);
  });

  it('Like answers ok and the like shows in the feed over both protocols', async () => {
    const post = (await client.getFeed({ user: 8 })).posts[0];
    assert.deepEqual(await client.like({ user: 3, post: post.id }), { ok: true });
    const again = (await client.getFeed({ user: 8 })).posts[0];
    assert.equal(again.id, post.id);
    assert.equal(again.likes, post.likes + 1);
    const viaHttp = (await request(ref.http, 'GET', '/feed?user=8')).json().posts[0];
    assert.equal(viaHttp.likes, post.likes + 1);
  });

  it('errorRate 1 turns every GetFeed and Like into UNAVAILABLE, counted in /metrics; health stays SERVING', async () => {
    const m0 = (await request(ref.http, 'GET', '/metrics')).body;
    assert.equal((await request(ref.http, 'POST', '/admin/knobs', { body: '{"errorRate":1}' })).status, 200);
    try {
      for (let i = 1; i <= 10; i++) await rejects(client.getFeed({ user: i }), grpc.status.UNAVAILABLE);
      await rejects(client.like({ user: 1, post: 1 }), grpc.status.UNAVAILABLE);
      assert.deepEqual(await client.check(''), { status: 'SERVING' });
    } finally {
      await request(ref.http, 'POST', '/admin/knobs', { body: '{"errorRate":0}' });
    }
    const m1 = (await request(ref.http, 'GET', '/metrics')).body;
    const delta = (name: string) => (metric(m1, name) ?? 0) - (metric(m0, name) ?? 0);
    assert.equal(delta('headroom_requests_total{endpoint="grpc_feed",code="UNAVAILABLE"}'), 10);
    assert.equal(delta('headroom_request_errors_total{endpoint="grpc_feed"}'), 10);
    assert.equal(delta('headroom_request_errors_total{endpoint="grpc_like"}'), 1);
    assert.equal((await client.getFeed({ user: 1 })).posts.length, 20);
  });

  it('backendWaitMs 200 delays GetFeed by at least 200 ms', async () => {
    await request(ref.http, 'POST', '/admin/knobs', { body: '{"backendWaitMs":200}' });
    try {
      const t0 = performance.now();
      await client.getFeed({ user: 5 });
      const ms = performance.now() - t0;
      assert.ok(ms >= 199, `GetFeed took ${ms.toFixed(0)} ms, expected >= 200`);
    } finally {
      await request(ref.http, 'POST', '/admin/knobs', { body: '{"backendWaitMs":0}' });
    }
  });
});
