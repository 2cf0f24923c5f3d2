// Pure checks: seconds shipped by two agents' stores, through the protobuf encoding, merge into the
// controller's store exactly as if one store had recorded every sample; the watchdog and the rate split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Metrics } from '../metrics';
import { ShippingMetrics } from './shipping-metrics';
import { Watchdog, splitRate } from './watchdog';
import { type WireReport, agentService, sparseFromWire, sparseToWire, tagsFromWire } from './wire';

test("two agents' seconds, encoded and merged, equal one store that recorded every sample", () => {
  let now = 1_700_000_000_000;
  const clock = () => now;
  const agents = [new ShippingMetrics({ now: clock }), new ShippingMetrics({ now: clock })];
  const all = new Metrics({ now: clock, retainSeconds: 60 });
  const merged = new Metrics({ now: clock, retainSeconds: 60 });
  // The very (de)serializers grpc-js uses for the Drive stream's reports.
  const drive = agentService().service.Drive;
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const tagsets = [
    { dc: 'use1', replica: 'a', endpoint: 'feed', protocol: 'http', step: '1' },
    { dc: 'use2', replica: 'b', endpoint: 'feed', protocol: 'http', step: '1' },
  ];
  const ship = (m: ShippingMetrics, final: boolean) => {
    const seconds = final ? m.takeAll() : m.take(now);
    const wire = {
      series: seconds.map((s) => ({
        tags: { ...s.tags },
        sec: s.sec,
        slots: Array.from(s.slots),
        ...sparseToWire(s.hist ?? { idx: new Int32Array(0), counts: new Float64Array(0), total: 0, min: 0, max: 0 }),
      })),
    };
    const decoded = drive.responseDeserialize(drive.responseSerialize(wire)) as WireReport;
    for (const s of decoded.series) merged.absorb(tagsFromWire(s.tags), s.sec, sparseFromWire(s), s.slots);
  };
  for (let i = 0; i < 6000; i++) {
    now += 1 + Math.floor(rand() * 2);
    const agent = agents[i % 2];
    const tags = tagsets[Math.floor(rand() * 2)];
    const ms = rand() < 0.02 ? 100 + rand() * 400 : rand() * 20;
    const failed = rand() < 0.05;
    if (rand() < 0.01) {
      agent.seriesFor(tags).drop(now);
      all.seriesFor(tags).drop(now);
    } else {
      agent.seriesFor(tags).record(now, ms, failed);
      all.seriesFor(tags).record(now, ms, failed);
    }
    if (i % 700 === 0) for (const a of agents) ship(a, false);
  }
  for (const a of agents) ship(a, true);
  for (const filter of [undefined, { dc: 'use1' }, { replica: 'b' }]) {
    const want = all.totals(filter);
    const got = merged.totals(filter);
    assert.ok(want.count > 1000);
    assert.equal(got.count, want.count);
    assert.equal(got.failed, want.failed);
    assert.equal(got.droppedIterations, want.droppedIterations);
    assert.equal(got.min, want.min);
    assert.equal(got.max, want.max);
    assert.equal(got.avg, want.avg);
    for (const q of [0, 1, 50, 90, 95, 98, 99, 99.9, 100])
      assert.equal(got.percentile(q), want.percentile(q), `p${q} ${JSON.stringify(filter)}`);
  }
  const w = { sinceMs: now - 3000, untilMs: now + 1 };
  assert.equal(merged.window(w).count, all.window(w).count);
  assert.equal(merged.window(w).percentile(99), all.window(w).percentile(99));
});

test('the watchdog expires after silenceMs of silence, and a beat starts it again', () => {
  let t = 0;
  const w = new Watchdog(2000, () => t);
  t = 1999;
  assert.equal(w.expired(), false);
  assert.equal(w.remainingMs(), 1);
  w.beat();
  t = 3998;
  assert.equal(w.expired(), false);
  t = 3999;
  assert.equal(w.expired(), true);
  assert.equal(w.remainingMs(), 0);
});

test("the rate splits equally or by capacity, and a dead agent's share goes to the others", () => {
  const agents = [
    { id: 'a', capacity: 1000, alive: true },
    { id: 'b', capacity: 3000, alive: true },
    { id: 'c', capacity: 0, alive: true },
  ];
  assert.deepEqual([...splitRate(300, agents, 'equal').values()], [100, 100, 100]);
  agents[1].alive = false;
  assert.deepEqual(Object.fromEntries(splitRate(300, agents, 'equal')), { a: 150, b: 0, c: 150 });
  agents[1].alive = true;
  agents[2].alive = false;
  assert.deepEqual(Object.fromEntries(splitRate(400, agents, 'capacity')), { a: 100, b: 300, c: 0 });
});
