import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigErrors } from '../common';
import { Metrics } from './store';
import { evaluateThreshold, parseThresholds } from './thresholds';
import { failedThresholds, k6Summary } from './summary';

function run(): Metrics {
  let now = 0;
  const m = new Metrics({ now: () => now });
  m.begin(0);
  // 20 s at 50 req/s. use1: 5 ms, 1 in 100 failed. use2: 5 ms for 10 s, then 300 ms and 10% failed.
  for (let i = 0; i < 1000; i++) {
    const at = i * 20;
    m.record({ dc: 'use1', protocol: 'http' }, 5, i % 100 === 0, at);
    const slow = at >= 10_000;
    m.record({ dc: 'use2', protocol: 'http' }, slow ? 300 : 5, slow && i % 10 === 0, at);
  }
  now = 20_000;
  m.end(20_000);
  return m;
}

test('k6 expressions pass and fail on the whole run, with sub-metric tag filters', () => {
  const m = run();
  const ts = parseThresholds({
    'http_req_duration{dc:use1}': ['p(99)<250', 'avg<10', 'max<=5.01'],
    'http_req_duration{dc:use2}': ['p(99)<250'],
    http_req_failed: ['rate<0.01'],
    'http_req_failed{dc:use1}': ['rate<=0.01'],
    http_reqs: ['count>=2000', 'rate>100', 'count>2000'],
  });
  const verdicts = ts.map((t) => [`${t.key}: ${t.expression}`, evaluateThreshold(t, m)] as const);
  const ok = Object.fromEntries(verdicts.map(([k, v]) => [k, v.ok]));
  assert.deepEqual(ok, {
    'http_req_duration{dc:use1}: p(99)<250': true,
    'http_req_duration{dc:use1}: avg<10': true,
    'http_req_duration{dc:use1}: max<=5.01': true,
    'http_req_duration{dc:use2}: p(99)<250': false,
    'http_req_failed: rate<0.01': false,
    'http_req_failed{dc:use1}: rate<=0.01': true,
    'http_reqs: count>=2000': true,
    'http_reqs: rate>100': false,
    'http_reqs: count>2000': false,
  });
  const v = Object.fromEntries(verdicts.map(([k, x]) => [k, x.value]));
  assert.equal(v['http_reqs: count>=2000'], 2000);
  assert.equal(v['http_reqs: rate>100'], 100);
  assert.equal(v['http_req_failed: rate<0.01'], (10 + 50) / 2000);
});

test('a window threshold (guard) looks only at the last seconds', () => {
  const m = run();
  const [whole] = parseThresholds({ 'http_req_duration{dc:use2}': ['p(40)<100'] });
  const [lastFive] = parseThresholds({
    'http_req_duration{dc:use2}': [{ threshold: 'p(40)<100', window: '5s', abortOnFail: true }],
  });
  assert.equal(evaluateThreshold(whole, m).ok, true);
  const r = evaluateThreshold(lastFive, m);
  assert.equal(r.ok, false);
  assert.ok(Math.abs(r.value! - 300) < 0.5);
  assert.equal(lastFive.abortOnFail, true);
  assert.equal(lastFive.windowMs, 5000);
  // Early in the run (t = 8 s) the same guard holds.
  assert.equal(evaluateThreshold(lastFive, m, { nowMs: 8000 }).ok, true);
  // extraFilter narrows it: use1 never breaks.
  assert.equal(evaluateThreshold(lastFive, m, { extraFilter: { dc: 'use1' } }).ok, true);
});

test('a metric with no samples passes with no value, as in k6; counts are judged at zero', () => {
  const m = new Metrics();
  const [p99, count] = parseThresholds({ grpc_req_duration: ['p(99)<1'], grpc_reqs: ['count>0'] });
  assert.deepEqual(evaluateThreshold(p99, m), { ok: true, value: null });
  assert.deepEqual(evaluateThreshold(count, m), { ok: false, value: 0 });
});

test('bad thresholds are config errors naming every expression (exit 104)', () => {
  let err: unknown;
  try {
    parseThresholds(
      {
        http_req_duration: ['p(99)<<250', 'p99<250', { threshold: 'avg<1', window: 'soon' }],
        http_req_failed: ['avg<0.1'],
        'http_req_duration{colour:red}': ['avg<1'],
        not_a_metric: ['count>1'],
      },
      'scenario.ts',
    );
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ConfigErrors);
  assert.equal(err.exitCode, 104);
  const text = err.message;
  for (const piece of [
    "malformed threshold 'p(99)<<250'",
    "malformed threshold 'p99<250'",
    'window: expected a duration',
    "'avg' does not apply to http_req_failed",
    "unknown tag 'colour'",
    "unknown metric 'not_a_metric'",
  ]) {
    assert.ok(text.includes(piece), `missing "${piece}" in:\n${text}`);
  }
  assert.ok(text.startsWith('scenario.ts: thresholds.http_req_duration[0]'));
});

test('the summary export is shaped like k6 and lists failed thresholds', () => {
  const m = run();
  const ts = parseThresholds({ http_req_failed: ['rate<0.01'], 'http_req_duration{dc:use1}': ['p(95)<10'] });
  const s = k6Summary(m, ts);
  assert.equal(s.metrics.http_reqs.type, 'counter');
  assert.equal(s.metrics.http_reqs.values.count, 2000);
  assert.equal(s.metrics.http_reqs.values.rate, 100);
  assert.equal(s.metrics.http_req_duration.type, 'trend');
  assert.deepEqual(Object.keys(s.metrics.http_req_duration.values), [
    'avg',
    'min',
    'med',
    'max',
    'p(90)',
    'p(95)',
    'p(99)',
  ]);
  assert.deepEqual(s.metrics.http_req_failed.values, { rate: 0.03, passes: 60, fails: 1940 });
  assert.deepEqual(s.metrics.http_req_failed.thresholds, { 'rate<0.01': { ok: false, value: 0.03 } });
  assert.equal(s.metrics['http_req_duration{dc:use1}'].thresholds!['p(95)<10'].ok, true);
  assert.deepEqual(failedThresholds(s), ['http_req_failed: rate<0.01 (was 0.03)']);
});
