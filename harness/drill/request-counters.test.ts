// The cheap counters agree with the metrics store's own windows, per replica, per tag filter and step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Metrics } from '../metrics';
import { RequestCounters } from './request-counters';

test('counts per replica and per filter match the store; steps are told apart; old tag-sets come back', () => {
  let now = 1_700_000_000_000;
  const m = new Metrics({ now: () => now });
  const c = new RequestCounters(m);
  const a = m.seriesFor({ replica: 'a', pool: 'dc1/small', protocol: 'http', endpoint: 'feed', step: '1' });
  const b = m.seriesFor({ replica: 'b', pool: 'dc1/large', protocol: 'grpc', endpoint: 'feed-grpc', step: '1' });
  const settle = m.seriesFor({ replica: 'a', pool: 'dc1/small', protocol: 'http', endpoint: 'feed', step: '2-settle' });
  assert.equal(m.seriesFor({ replica: 'a', pool: 'dc1/small', protocol: 'http', endpoint: 'feed', step: '1' }), a);
  const start = now;
  for (let i = 0; i < 100; i++) {
    now += 20;
    a.record(now, 5, i % 10 === 0);
    if (i % 2 === 0) b.record(now, 7, false);
    if (i % 4 === 0) settle.record(now, 9, true);
  }
  a.drop(now);
  now += 1;
  assert.deepEqual(c.counts(start, now, 'a'), { count: 125, failed: 35, dropped: 1 });
  assert.deepEqual(c.counts(start, now, 'b'), { count: 50, failed: 0, dropped: 0 });
  assert.deepEqual(c.counts(start, now), { count: 175, failed: 35, dropped: 1 });
  assert.deepEqual(c.countsWhere({ pool: 'dc1/small', step: '1', protocol: 'http' }, start, now), {
    count: 100,
    failed: 10,
    dropped: 1,
  });
  const w = m.window({
    sinceMs: start,
    untilMs: now,
    filter: { pool: 'dc1/small', step: '1' },
    metric: 'http_req_failed',
  });
  assert.equal(w.count, 100);
  assert.equal(w.failed, 10);
  // The last second, at the store's 100 ms resolution: the same count as its own window.
  const last = c.countsWhere({ step: '1' }, now - 1000, now);
  assert.equal(last.count, m.window({ sinceMs: now - 1000, untilMs: now, filter: { step: '1' } }).count);
  assert.equal(last.count, 76);
  // A tag-set idle for over a minute is dropped, and counted again when it comes back.
  now += 120_000;
  m.seriesFor({ replica: 'c', step: 'idle' });
  assert.deepEqual(c.countsWhere({ step: '1' }, start, now), { count: 0, failed: 0, dropped: 0 });
  a.record(now, 5, true);
  now += 1;
  assert.deepEqual(c.countsWhere({ step: '1', replica: 'a' }, now - 1000, now), { count: 1, failed: 1, dropped: 0 });
});

test('counters see only samples recorded while they listen', () => {
  const now = 1_700_000_000_000;
  const m = new Metrics({ now: () => now });
  const a = m.seriesFor({ replica: 'a', step: '1' });
  a.record(now - 500, 5, false);
  const c = new RequestCounters(m);
  a.record(now - 400, 5, true);
  a.drop(now - 300);
  c.close();
  a.record(now - 200, 5, false);
  assert.deepEqual(c.counts(now - 1000, now, 'a'), { count: 1, failed: 1, dropped: 1 });
  assert.deepEqual(c.countsWhere({ step: '1' }, now - 1000, now), { count: 1, failed: 1, dropped: 1 });
  assert.equal(m.window({ sinceMs: now - 1000, untilMs: now }).count, 3);
});

test('the rings of tag-sets idle for a minute go: one step after another, the counters keep the same number', () => {
  let now = 1_700_000_000_000;
  const m = new Metrics({ now: () => now, retainSeconds: 10 });
  const c = new RequestCounters(m);
  const kept = () => (c as unknown as { bySeries: Map<unknown, unknown> }).bySeries.size;
  const sizes: number[] = [];
  // 40 steps of 30 s, 3 replicas: each step brings 3 new tag-sets.
  for (let step = 0; step < 40; step++) {
    for (let ms = 0; ms < 30_000; ms += 100) {
      now += 100;
      for (const replica of ['a', 'b', 'c'])
        m.seriesFor({ replica, protocol: 'http', step: String(step) }).record(now, 3, false);
    }
    sizes.push(kept());
    // The current step still counts exactly.
    assert.deepEqual(c.countsWhere({ step: String(step) }, now - 30_000, now + 1), {
      count: 900,
      failed: 0,
      dropped: 0,
    });
  }
  assert.equal(sizes[39], sizes[10], `series with rings after 10 and 40 steps: ${sizes[10]}, ${sizes[39]}`);
  assert.ok(sizes[39] <= 3 * 4, `${sizes[39]} series with rings`);
});

test('a window without an end is refused at once, never walked slot by slot (the stalled agents drill)', () => {
  const m = new Metrics({ now: () => 1_700_000_000_000 });
  const c = new RequestCounters(m);
  m.seriesFor({ replica: 'a', protocol: 'http', endpoint: 'feed' }).record(1_700_000_000_000, 5, false);
  for (const until of [-Infinity, Infinity, NaN])
    assert.throws(() => c.counts(until - 10_000, until, 'a'), RangeError, `until ${until}`);
  assert.throws(() => c.countsWhere({}, 0, -Infinity), RangeError);
});
