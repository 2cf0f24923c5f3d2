// The reference service over HTTP/1.1, run as a real child process on ports 21500-21501.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { type RunningReference, startReference } from './index';
import { metric, request } from './test-client';

describe('reference service over HTTP', { timeout: 180000 }, () => {
  let ref: RunningReference;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const get = (path: string) => request(ref.http, 'GET', path, { agent });
  const post = (path: string, body: string) => request(ref.http, 'POST', path, { agent, body });

  before(async () => {
    ref = await startReference({
      httpPort: 21500,
      grpcPort: 21501,
      replica: 'http-test',
      feedCpuMs: 1,
      likeCpuMs: 0.2,
    });
  });
  after(async () => {
    agent.destroy();
    if (ref) assert.equal(await ref.stop(), 0);
  });

  it('logs one start line with its addresses and worker count', () => {
    assert.equal(
      ref.output().stdout.split('\n')[0],
      'reference http-test listening http=127.0.0.1:21500 grpc=127.0.0.1:21501 workers=1',
    );
  });

  it('GET /feed answers 20 posts for a user, the same posts every time, over keep-alive', async () => {
    const a = await get('/feed?user=42');
    assert.equal(a.status, 200);
    assert.match(String(a.headers['content-type']), /^application\/json/);
    assert.equal(a.headers.connection, 'keep-alive');
    const feed = a.json();
    assert.equal(feed.user, 42);
    assert.equal(feed.replica, 'http-test');
    assert.equal(feed.posts.length, 20);
    for (const p of feed.posts) {
      assert.deepEqual(Object.keys(p).sort(), ['author', 'id', 'likes', 'text']);
      assert.ok(Number.isInteger(p.id) && p.id >= 1 && p.id <= 4294967295);
      assert.ok(p.text.length > 0);
    }
    assert.equal(new Set(feed.posts.map((p: { id: number }) => p.id)).size, 20, 'post ids are distinct');
    const b = (await get('/feed?user=42')).json();
    assert.deepEqual(b.posts, feed.posts);
    const other = (await get('/feed?user=43')).json();
    assert.notDeepEqual(
      other.posts.map((p: { id: number }) => p.id),
      feed.posts.map((p: { id: number }) => p.id),
    );
    assert.equal((await get('/feed?user=42&limit=5')).json().posts.length, 5);
  });

  it('GET /feed refuses a missing or invalid user or limit with 400', async () => {
    for (const q of [
      '',
      '?user=',
      '?user=abc',
      '?user=0',
      '?user=-3',
      '?user=1.5',
      '?user=4294967296',
      '?user=1&limit=0',
      '?user=1&limit=101',
    ]) {
      const r = await get(`/feed${q}`);
      assert.equal(r.status, 400, `/feed${q}`);
      assert.match(r.json().error, /^(user|limit): expected/);
    }
  });

  it('POST /like answers {"ok":true} and the like shows in the feed', async () => {
    const before = (await get('/feed?user=7')).json().posts[3];
    const r = await post('/like', JSON.stringify({ user: 9, post: before.id }));
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), { ok: true });
    await post('/like', JSON.stringify({ user: 10, post: before.id }));
    const after = (await get('/feed?user=7')).json().posts.find((p: { id: number }) => p.id === before.id);
    assert.equal(after.likes, before.likes + 2);
  });

  it('POST /like refuses a bad body with 400', async () => {
    for (const body of [
      '',
      'not json',
      '[]',
      '{"user":1}',
      '{"post":1}',
      '{"user":0,"post":1}',
      '{"user":"1","post":2}',
      '{"user":1,"post":-2}',
    ]) {
      const r = await post('/like', body);
      assert.equal(r.status, 400, body);
    }
  });

  it('GET /healthz answers ok; unknown paths 404; wrong methods 405', async () => {
    const h = await get('/healthz');
    assert.equal(h.status, 200);
    assert.equal(h.body, 'ok');
    assert.equal((await get('/nope')).status, 404);
    assert.equal((await get('/')).status, 404);
    assert.equal((await get('/feedx?user=1')).status, 404);
    const m = await post('/feed?user=1', '{}');
    assert.equal(m.status, 405);
    assert.equal(m.headers.allow, 'GET');
    assert.equal((await get('/like')).status, 405);
  });

  it('GET /metrics counts requests by endpoint and code, errors, CPU seconds and event-loop lag', async () => {
    const base = await get('/metrics');
    assert.equal(base.status, 200);
    assert.match(String(base.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const before = (name: string) => metric(base.body, name) ?? 0;
    await get('/feed?user=1');
    await get('/feed?user=2');
    await get('/feed?user=0');
    await post('/like', '{"user":1,"post":2}');
    await get('/missing');
    const text = (await get('/metrics')).body;
    assert.equal(
      metric(text, 'headroom_requests_total{endpoint="feed",code="200"}'),
      before('headroom_requests_total{endpoint="feed",code="200"}') + 2,
    );
    assert.equal(
      metric(text, 'headroom_requests_total{endpoint="feed",code="400"}'),
      before('headroom_requests_total{endpoint="feed",code="400"}') + 1,
    );
    assert.equal(
      metric(text, 'headroom_requests_total{endpoint="like",code="200"}'),
      before('headroom_requests_total{endpoint="like",code="200"}') + 1,
    );
    assert.equal(
      metric(text, 'headroom_requests_total{endpoint="other",code="404"}'),
      before('headroom_requests_total{endpoint="other",code="404"}') + 1,
    );
    assert.equal(
      metric(text, 'headroom_requests_total{endpoint="metrics",code="200"}'),
      before('headroom_requests_total{endpoint="metrics",code="200"}') + 1,
    );
    assert.equal(metric(text, 'headroom_replica_info{replica="http-test"}'), 1);
    assert.equal(metric(text, 'headroom_workers'), 1);
    assert.ok(metric(text, 'process_cpu_seconds_total')! > metric(base.body, 'process_cpu_seconds_total')!);
    const lag = metric(text, 'nodejs_eventloop_lag_seconds');
    assert.ok(lag !== undefined && lag >= 0, 'event-loop lag is a number');
    assert.match(text, /^# TYPE headroom_requests_total counter$/m);
    assert.match(text, /^# TYPE headroom_request_errors_total counter$/m);
  });

  it('GET /admin/knobs shows the knobs from the environment; POST validates and applies them', async () => {
    const k = await get('/admin/knobs');
    assert.equal(k.status, 200);
    assert.deepEqual(k.json(), { feedCpuMs: 1, likeCpuMs: 0.2, backendWaitMs: 0, errorRate: 0 });

    const bad: [string, string, string][] = [
      ['{"errorRate":1.5}', 'errorRate', 'a share from 0 to 1'],
      ['{"feedCpuMs":-1}', 'feedCpuMs', 'a number of CPU milliseconds from 0 to 10000'],
      ['{"backendWaitMs":"200"}', 'backendWaitMs', 'a number of milliseconds from 0 to 600000'],
      ['{"cpu":3}', 'cpu', 'one of the knobs feedCpuMs, likeCpuMs, backendWaitMs, errorRate'],
    ];
    for (const [body, field, expected] of bad) {
      const r = await post('/admin/knobs', body);
      assert.equal(r.status, 400, body);
      assert.equal(r.json().field, field);
      assert.equal(r.json().expected, expected);
      assert.equal(r.json().error, `${field}: expected ${expected}`);
    }
    assert.equal((await post('/admin/knobs', 'nope')).status, 400);
    assert.equal((await post('/admin/knobs', '[1]')).status, 400);
    assert.deepEqual(
      (await get('/admin/knobs')).json(),
      { feedCpuMs: 1, likeCpuMs: 0.2, backendWaitMs: 0, errorRate: 0 },
      'refused patches change nothing',
    );

    const ok = await post('/admin/knobs', '{"likeCpuMs":0.5}');
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json(), { feedCpuMs: 1, likeCpuMs: 0.5, backendWaitMs: 0, errorRate: 0 });
    assert.equal(metric((await get('/metrics')).body, 'headroom_knob{knob="likeCpuMs"}'), 0.5);
    await post('/admin/knobs', '{"likeCpuMs":0.2}');
  });

  it('errorRate 1 makes every feed and like answer 500, counted as errors; 0 restores', async () => {
    const m0 = (await get('/metrics')).body;
    await post('/admin/knobs', '{"errorRate":1}');
    try {
      for (let i = 1; i <= 20; i++) assert.equal((await get(`/feed?user=${i}`)).status, 500);
      for (let i = 1; i <= 5; i++) assert.equal((await post('/like', `{"user":${i},"post":1}`)).status, 500);
      assert.equal((await get('/healthz')).status, 200, 'the replica is up, its answers fail');
    } finally {
      await post('/admin/knobs', '{"errorRate":0}');
    }
    const m1 = (await get('/metrics')).body;
    assert.equal(
      (metric(m1, 'headroom_request_errors_total{endpoint="feed"}') ?? 0) -
        (metric(m0, 'headroom_request_errors_total{endpoint="feed"}') ?? 0),
      20,
    );
    assert.equal(
      (metric(m1, 'headroom_requests_total{endpoint="like",code="500"}') ?? 0) -
        (metric(m0, 'headroom_requests_total{endpoint="like",code="500"}') ?? 0),
      5,
    );
    assert.equal((await get('/feed?user=1')).status, 200);
  });

  it('backendWaitMs 200 makes each request take at least 200 ms without spending CPU', async () => {
    await post('/admin/knobs', '{"backendWaitMs":200}');
    try {
      const cpu0 = metric((await get('/metrics')).body, 'process_cpu_seconds_total')!;
      const t0 = performance.now();
      // Four at once: the waits overlap, as an async backend call would.
      const answers = await Promise.all(
        [1, 2, 3, 4].map((u) => request(ref.http, 'GET', `/feed?user=${u}`, { fresh: true })),
      );
      const elapsed = performance.now() - t0;
      const like0 = performance.now();
      assert.equal((await post('/like', '{"user":1,"post":3}')).status, 200);
      assert.ok(performance.now() - like0 >= 199, 'like waits too');
      const cpu1 = metric((await get('/metrics')).body, 'process_cpu_seconds_total')!;
      for (const a of answers) assert.equal(a.status, 200);
      assert.ok(elapsed >= 199, `4 feeds took ${elapsed.toFixed(0)} ms, expected >= 200`);
      assert.ok(cpu1 - cpu0 < 0.2, `waiting burned ${(cpu1 - cpu0).toFixed(3)} CPU seconds`);
    } finally {
      await post('/admin/knobs', '{"backendWaitMs":0}');
    }
  });
});
