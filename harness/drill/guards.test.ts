// Guards read rates and counts from the request counters, and give the value the metrics store gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateScenario } from '../config/scenario';
import { Metrics } from '../metrics';
import { buildGuards, evaluateRunThresholds } from './guards';
import { RequestCounters } from './request-counters';

test('error-rate and request-rate guards on the counters agree with the store; latency guards read the store', () => {
  let now = 1_700_000_000_000;
  const metrics = new Metrics({ now: () => now });
  const counters = new RequestCounters(metrics);
  const scenario = validateScenario(
    {
      name: 'g',
      cluster: 'c.yaml',
      baselineRps: 10,
      mix: { endpoints: [{ name: 'feed', weight: 1, protocol: 'http', path: '/feed' }] },
      guards: { http_req_failed: ['rate<0.05'], http_reqs: ['rate<60'], 'http_req_duration{pool:a}': ['p(99)<250'] },
      guardWindow: '2s',
      safety: { maxErrorRate: 0.5, maxTotalRps: 2000 },
      drills: [{ kind: 'hold', name: 'h' }],
    },
    '/fake/scenario.ts',
  );
  const guards = buildGuards(scenario, metrics, counters);
  const http = metrics.seriesFor({ pool: 'a', protocol: 'http', step: '1' });
  const grpc = metrics.seriesFor({ pool: 'a', protocol: 'grpc', step: '1' });
  const other = metrics.seriesFor({ pool: 'b', protocol: 'http', step: '1' });
  const start = now;
  // 4 s: pool a gets 50 http req/s (1 in 10 failed, 20 ms) and 50 gRPC req/s (all failed); pool b 50 http req/s.
  for (let i = 0; i < 200; i++) {
    now += 20;
    http.record(now, 20, i % 10 === 0);
    grpc.record(now, 5, true);
    other.record(now, 400, false);
  }
  // The window is the last 2 s, [now - 2000, now): 100 requests of each series.
  const values = guards.map((g) => [g.name, g.evaluate({ pool: 'a', step: '1' }, start)]);
  assert.deepEqual(values, [
    // Only http counts for http_req_failed: the failing gRPC requests are not in it.
    ['http_req_failed: rate<0.05', { ok: false, value: 0.1 }],
    ['http_reqs: rate<60', { ok: true, value: 50 }],
    ['http_req_duration{pool:a}: p(99)<250', values[2][1]],
  ]);
  const p99 = values[2][1] as { ok: boolean; value: number };
  assert.equal(p99.ok, true);
  assert.ok(Math.abs(p99.value - 20) < 0.1, String(p99.value));
  const store = metrics.window({
    sinceMs: now - 2000,
    untilMs: now,
    filter: { pool: 'a', step: '1' },
    metric: 'http_req_failed',
  });
  assert.equal(store.errorRate, 0.1);
});

test('a guard with no data does not pass: no request served, no resource sample (unlike a k6 threshold)', () => {
  const now = 1_700_000_000_000;
  const metrics = new Metrics({ now: () => now });
  const counters = new RequestCounters(metrics);
  const scenario = validateScenario(
    {
      name: 'g',
      cluster: 'c.yaml',
      baselineRps: 10,
      mix: { endpoints: [{ name: 'feed', weight: 1, protocol: 'http', path: '/feed' }] },
      guards: {
        http_req_failed: ['rate<0.05'],
        http_req_duration: ['p(99)<250'],
        cpu_share: ['avg<0.9'],
        memory_mb: ['max<200'],
        http_reqs: ['count<100'],
      },
      guardWindow: '2s',
      safety: { maxErrorRate: 0.5, maxTotalRps: 2000 },
      drills: [{ kind: 'hold', name: 'h' }],
      thresholds: { cpu_share: ['avg<0.9'] },
    },
    '/fake/scenario.ts',
  );
  const values = buildGuards(scenario, metrics, counters).map((g) => [
    g.name,
    g.evaluate({ pool: 'a', step: '1' }, now - 5000),
  ]);
  assert.deepEqual(values, [
    ['http_req_failed: rate<0.05', { ok: false, value: null }],
    ['http_req_duration: p(99)<250', { ok: false, value: null }],
    ['cpu_share: avg<0.9', { ok: false, value: null }],
    ['memory_mb: max<200', { ok: false, value: null }],
    // A count is judged even when zero.
    ['http_reqs: count<100', { ok: true, value: 0 }],
  ]);
  // Whole-run thresholds keep k6's rule: nothing to judge passes.
  assert.deepEqual(evaluateRunThresholds(scenario, metrics), { 'cpu_share: avg<0.9': { ok: true, value: null } });
  // Once sampled, the same guard judges the value.
  metrics.recordGauge('cpu_share', { pool: 'a', step: '1' }, 0.95, now - 500);
  const cpu = buildGuards(scenario, metrics, counters)[2].evaluate({ pool: 'a', step: '1' }, now - 5000);
  assert.deepEqual(cpu, { ok: false, value: 0.95 });
});
