// The Prometheus text format as servers write it: comments, labels with escapes, special values,
// timestamps, OpenMetrics' # EOF; malformed lines named by number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metricSum, parsePromText, PromParseError } from './prometheus-text';

test('counters and gauges with labels, escapes, special values and timestamps', () => {
  const text = [
    '# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.',
    '# TYPE process_cpu_seconds_total counter',
    'process_cpu_seconds_total{worker="1"} 1.25',
    'process_cpu_seconds_total{worker="2"} 0.75 1700000000000',
    '',
    '# TYPE process_resident_memory_bytes gauge',
    'process_resident_memory_bytes 5.24288e+07',
    'http_requests_total{path="/a\\"b\\\\c\\nd",code="200"} 3',
    'http_requests_total { code = "500" , } 1',
    'weird_gauge +Inf',
    'weird_gauge -Inf',
    'nan_gauge NaN',
    '# EOF',
    'after_eof 1',
  ].join('\r\n');
  const parsed = parsePromText(text);
  assert.deepEqual(parsed.types, { process_cpu_seconds_total: 'counter', process_resident_memory_bytes: 'gauge' });
  assert.deepEqual(parsed.samples.slice(0, 5), [
    { name: 'process_cpu_seconds_total', labels: { worker: '1' }, value: 1.25 },
    { name: 'process_cpu_seconds_total', labels: { worker: '2' }, value: 0.75, timestamp: 1700000000000 },
    { name: 'process_resident_memory_bytes', labels: {}, value: 52428800 },
    { name: 'http_requests_total', labels: { path: '/a"b\\c\nd', code: '200' }, value: 3 },
    { name: 'http_requests_total', labels: { code: '500' }, value: 1 },
  ]);
  assert.deepEqual(
    parsed.samples.slice(5).map((s) => s.value),
    [Infinity, -Infinity, NaN],
  );
  assert.equal(
    parsed.samples.some((s) => s.name === 'after_eof'),
    false,
  );
  // One figure per metric: the sum of its series (e.g. one per worker).
  assert.equal(metricSum(parsed, 'process_cpu_seconds_total'), 2);
  assert.equal(metricSum(parsed, 'process_open_fds'), undefined);
});

test('malformed lines are named by number', () => {
  const cases: [string, RegExp][] = [
    ['ok', /^line 1: expected a value and an optional timestamp: ok$/],
    ['a 1\n{x="1"} 2', /^line 2: expected a metric name/],
    ['a{x=1} 2', /^line 1: expected a quoted value for label x/],
    ['a{x="1} 2', /^line 1: unterminated value of label x/],
    ['a{x="1" y="2"} 2', /^line 1: expected ',' or '}' after label x/],
    ['a one', /^line 1: 'one' is not a number/],
    ['a 1 2 3', /^line 1: expected a value and an optional timestamp/],
    ['<html>', /^line 1: expected a metric name/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parsePromText(text),
      (err: unknown) => err instanceof PromParseError && message.test(err.message),
      text,
    );
  }
});
