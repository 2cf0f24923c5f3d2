import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Metrics } from './store';

function fakeClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, set: (v: number) => (t = v), add: (d: number) => (t += d) };
}

test('a window counts to the 100 ms slot and merges percentiles across tag-sets', () => {
  const c = fakeClock(1_000_000);
  const m = new Metrics({ now: c.now });
  m.begin(1_000_000);
  // 10 s of 100 req/s: replica a at 1 ms, replica b at 10 ms; b fails 1 in 10.
  for (let i = 0; i < 1000; i++) {
    const at = 1_000_000 + i * 10;
    m.record({ replica: 'a', dc: 'x', protocol: 'http' }, 1, false, at);
    m.record({ replica: 'b', dc: 'y', protocol: 'http' }, 10, i % 10 === 0, at);
  }
  c.set(1_010_000);
  const all = m.window({ seconds: 10 });
  assert.equal(all.count, 2000);
  assert.equal(all.failed, 100);
  assert.equal(all.errorRate, 0.05);
  assert.equal(all.seconds, 10);
  assert.equal(all.rps, 200);
  assert.ok(Math.abs(all.percentile(50)! - 1) < 0.01);
  assert.ok(Math.abs(all.percentile(99)! - 10) < 0.02);
  const b = m.window({ seconds: 10, filter: { dc: 'y' } });
  assert.equal(b.count, 1000);
  assert.equal(b.failed, 100);
  assert.ok(Math.abs(b.avg! - 10) < 0.02);
  // The last 2.5 s: slots of 100 ms, so exactly 250 requests per replica.
  const last = m.window({ sinceMs: 1_007_500, untilMs: 1_010_000, filter: { replica: 'a' } });
  assert.equal(last.count, 250);
  assert.equal(last.rps, 100);
  assert.equal(m.window({ seconds: 10, metric: 'grpc_req_duration' }).count, 0);
});

test('old seconds merge into the run total and leave the windows: memory is bounded', () => {
  const c = fakeClock(0);
  const m = new Metrics({ now: c.now, retainSeconds: 5 });
  m.begin(0);
  for (let s = 0; s < 60; s++) {
    for (let i = 0; i < 10; i++)
      m.record({ replica: 'a', protocol: 'http' }, s < 30 ? 2 : 50, false, s * 1000 + i * 100);
  }
  c.set(60_000);
  m.end(60_000);
  const t = m.totals();
  assert.equal(t.count, 600);
  assert.equal(t.seconds, 60);
  assert.equal(t.rps, 10);
  assert.ok(Math.abs(t.percentile(25)! - 2) < 0.01);
  assert.ok(Math.abs(t.percentile(75)! - 50) < 0.1);
  // A window over part of the folded seconds has only the retained ones (55..59): never a part of a total.
  const w = m.window({ seconds: 30 });
  assert.ok(w.count <= 70 && w.count >= 50, `count ${w.count}`);
  assert.ok(Math.abs(w.percentile(1)! - 50) < 0.05, `p1 ${w.percentile(1)}: only the 50 ms seconds are retained`);
  // A window over every second of the series has its total: the same answer as the run's.
  const whole = m.window({ seconds: 60 });
  assert.equal(whole.count, 600);
  assert.ok(Math.abs(whole.percentile(25)! - 2) < 0.01);
  assert.ok(m.retained().seconds <= 6, `stored seconds ${m.retained().seconds}`);
});

test('a step longer than the retention: its window, read when it ends or long after, counts every second of it', () => {
  const c = fakeClock(0);
  const m = new Metrics({ now: c.now, retainSeconds: 10 });
  const all = new Metrics({ now: c.now, retainSeconds: 10_000 });
  m.begin(0);
  all.begin(0);
  // Step 1 runs from 5.35 s to 125.35 s (requests every 50 ms, 1 in 8 failed, latency 1..40 ms), then step 2 to 200 s.
  for (let at = 0; at < 200_000; at += 50) {
    const step = at < 5350 ? 'idle' : at < 125_350 ? '1' : '2';
    const ms = 1 + ((at / 50) % 40);
    for (const store of [m, all]) {
      store.record({ replica: 'a', protocol: 'http', step }, ms, (at / 50) % 8 === 0, at);
      if (at % 1000 === 0) store.recordGauge('cpu_share', { replica: 'a', step }, (at / 1000) % 2 ? 0.25 : 0.75, at);
    }
    if (at === 125_350) c.set(at);
    if (at === 125_350 || at === 199_950) {
      const q = (store: Metrics) => store.window({ sinceMs: 5350, untilMs: 125_350, filter: { step: '1' } });
      const [a, b] = [q(m), q(all)];
      assert.deepEqual(
        [a.count, a.failed, a.avg, a.percentile(50), a.percentile(99), a.max],
        [b.count, b.failed, b.avg, b.percentile(50), b.percentile(99), b.max],
      );
      assert.equal(a.count, 2400);
      assert.equal(a.failed, 300);
      const cpu = m.window({ sinceMs: 5350, untilMs: 125_350, filter: { step: '1' }, metric: 'cpu_share' });
      assert.equal(cpu.count, 120);
      assert.equal(cpu.gaugeAvg, 0.5);
    }
  }
  assert.ok(m.retained().seconds <= 11, `${m.retained().seconds} seconds kept`);
});

test('gauges average over the window and filter by tags; dropped iterations count per tag-set', () => {
  const c = fakeClock(10_000);
  const m = new Metrics({ now: c.now });
  m.begin(10_000);
  for (let s = 0; s < 10; s++) {
    m.recordGauge('cpu_share', { pool: 'use1/gen1', replica: 'r1' }, 0.5, 10_000 + s * 1000);
    m.recordGauge('cpu_share', { pool: 'use1/gen1', replica: 'r2' }, 0.7, 10_000 + s * 1000);
    m.recordGauge('cpu_share', { pool: 'use1/gen2', replica: 'r3' }, 0.1, 10_000 + s * 1000);
  }
  m.seriesFor({ pool: 'use1/gen1', protocol: 'http' }).drop(15_000);
  m.seriesFor({ pool: 'use1/gen2', protocol: 'http' }).drop(15_000);
  c.set(20_000);
  const g = m.window({ seconds: 10, metric: 'cpu_share', filter: { pool: 'use1/gen1' } });
  assert.ok(Math.abs(g.gaugeAvg! - 0.6) < 1e-12);
  assert.equal(g.gaugeMax, 0.7);
  assert.ok(Math.abs(m.window({ seconds: 3, metric: 'cpu_share', filter: { replica: 'r3' } }).gaugeAvg! - 0.1) < 1e-12);
  assert.equal(m.window({ seconds: 10, metric: 'cpu_share', filter: { pool: 'nope' } }).gaugeAvg, null);
  assert.equal(m.window({ seconds: 10 }).droppedIterations, 2);
  assert.equal(m.window({ seconds: 10, filter: { pool: 'use1/gen1' } }).droppedIterations, 1);
});

test('an empty window has no latency and no rate', () => {
  const m = new Metrics();
  const w = m.window({ seconds: 5 });
  assert.equal(w.count, 0);
  assert.equal(w.avg, null);
  assert.equal(w.percentile(99), null);
  assert.equal(w.errorRate, 0);
});

test('sample listeners see every request and dropped arrival with its series, until they unsubscribe', () => {
  const m = new Metrics({ now: () => 5_000 });
  const a = m.seriesFor({ replica: 'a', step: '1' });
  const seen: string[] = [];
  const seenToo: string[] = [];
  const off = m.onSample((s, atMs, outcome, durationMs) =>
    seen.push(`${s.key}|${s.tags.replica}|${atMs}|${outcome}|${durationMs}`),
  );
  m.onSample((_s, atMs, outcome) => seenToo.push(`${atMs}|${outcome}`));
  a.record(1_000, 5, false);
  a.record(1_100, 7, true);
  a.drop(1_200);
  m.record({ replica: 'b' }, 3, false, 1_300);
  off();
  a.record(1_400, 9, false);
  assert.deepEqual(seen, [
    'replica=a\u0001step=1\u0001|a|1000|ok|5',
    'replica=a\u0001step=1\u0001|a|1100|failed|7',
    'replica=a\u0001step=1\u0001|a|1200|dropped|0',
    'replica=b\u0001|b|1300|ok|3',
  ]);
  assert.deepEqual(seenToo, ['1000|ok', '1100|failed', '1200|dropped', '1300|ok', '1400|ok']);
  // Listeners only observe: the store counts the same as without them.
  assert.equal(m.totals().count, 4);
  assert.equal(m.totals().droppedIterations, 1);
});

test('a store fed only gauges stays bounded: old points fold into the total, the average over all time is kept', () => {
  const c = fakeClock(1_000_000);
  const m = new Metrics({ now: c.now, retainSeconds: 20 });
  // 200 s of one gauge per second for 3 replicas (a static cluster's scrape), no request ever recorded.
  for (let s = 0; s < 200; s++) {
    for (const replica of ['a', 'b', 'c'])
      m.recordGauge('cpu_share', { replica }, s % 2 === 0 ? 0.4 : 0.6, 1_000_000 + s * 1000);
  }
  const kept = m.retained().gaugePoints;
  assert.ok(kept <= 3 * 21, `${kept} gauge points held for 3 series with 20 s retention`);
  assert.ok(kept >= 3 * 20, `${kept} gauge points: the last 20 s stay at one-second resolution`);
});
