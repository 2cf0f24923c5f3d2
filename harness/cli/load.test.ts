// `headroom load` end to end against a local server (ports 16400-16409): thresholds, exit codes, --json.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { httpServer } from '../load/testing/test-servers';
import type { CliIo } from './io';
import { main } from './main';
// The command's modules, loaded before the tests run at once: a first load inside one test holds the event
// loop (the other tests' servers and schedules with it) for seconds on a busy machine.
import './load';

function captureIo(): { io: CliIo; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d) => (o += d));
  stderr.on('data', (d) => (e += d));
  return { io: { stdout, stderr, env: {}, cwd: process.cwd() }, out: () => o, err: () => e };
}

/** Runs main and measures its span, for counts checked against the schedule rather than the wall clock. */
async function timed(argv: string[], io: CliIo): Promise<{ code: number; spanMs: number }> {
  const began = performance.now();
  const code = await main(argv, io);
  return { code, spanMs: performance.now() - began };
}

// Each run mostly waits on its schedule or its agents: they run at once, each on its own ports.
describe('headroom load', { concurrency: true }, () => {
  test('thresholds pass (exit 0) and fail (exit 99); --json is k6 handleSummary() data, field by field', async () => {
    const server = await httpServer(16400, (req, res) => {
      if (req.url === '/slow') setTimeout(() => res.end('slow'), 60);
      else res.end('ok');
    });
    try {
      const pass = captureIo();
      // Thresholds that hold whatever the machine's load: below the 60 s timeout, and the 2 s schedule's 200 arrivals
      // sent. 2 s, not 1: the vus gauge is sampled each second.
      const { code, spanMs } = await timed(
        [
          'load',
          'http://127.0.0.1:16400/',
          '--rate',
          '100',
          '--duration',
          '2s',
          '--timeout',
          '60s',
          '--json',
          '--threshold',
          'http_req_duration=p(95)<60000',
          '--threshold',
          'http_req_failed=rate<0.01',
          '--threshold',
          'http_reqs=count>=199',
        ],
        pass.io,
      );
      assert.equal(code, 0, pass.err());
      const summary = JSON.parse(pass.out());
      // The top level of k6's handleSummary(data) (k6 js/summary.go): exactly these four keys.
      assert.deepEqual(Object.keys(summary).sort(), ['metrics', 'options', 'root_group', 'state']);
      assert.deepEqual(summary.root_group, {
        name: '',
        path: '',
        id: 'd41d8cd98f00b204e9800998ecf8427e',
        groups: [],
        checks: [],
      });
      const trendStats = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'];
      assert.deepEqual(summary.options, { summaryTrendStats: trendStats, summaryTimeUnit: '', noColor: false });
      assert.deepEqual(Object.keys(summary.state), ['isStdOutTTY', 'isStdErrTTY', 'testRunDurationMs']);
      assert.equal(summary.state.isStdOutTTY, false);
      assert.equal(summary.state.isStdErrTTY, false);
      assert.ok(
        summary.state.testRunDurationMs >= 2000 && summary.state.testRunDurationMs <= spanMs,
        String(summary.state.testRunDurationMs),
      );
      // Each metric: type, contains, values with k6's keys for its type, thresholds as { ok } only.
      const valueKeys: Record<string, string[]> = {
        counter: ['count', 'rate'],
        rate: ['rate', 'passes', 'fails'],
        trend: trendStats,
        gauge: ['value', 'min', 'max'],
      };
      for (const [name, m] of Object.entries<{
        type: string;
        contains: string;
        values: Record<string, number>;
        thresholds?: object;
      }>(summary.metrics)) {
        assert.deepEqual(
          Object.keys(m).sort(),
          m.thresholds ? ['contains', 'thresholds', 'type', 'values'] : ['contains', 'type', 'values'],
          name,
        );
        assert.deepEqual(Object.keys(m.values), valueKeys[m.type], name);
        assert.equal(m.contains, m.type === 'trend' ? 'time' : 'default', name);
        for (const v of Object.values(m.values)) assert.equal(typeof v, 'number', name);
      }
      assert.deepEqual(Object.keys(summary.metrics).sort(), [
        'dropped_iterations',
        'http_req_duration',
        'http_req_failed',
        'http_reqs',
        'iteration_duration',
        'iterations',
        'vus',
      ]);
      assert.equal(summary.metrics.vus.type, 'gauge');
      assert.equal(summary.metrics.http_reqs.type, 'counter');
      assert.equal(summary.metrics.http_req_duration.type, 'trend');
      assert.equal(summary.metrics.http_req_failed.type, 'rate');
      const count = summary.metrics.http_reqs.values.count;
      assert.ok(
        count >= 199 && count <= Math.floor(spanMs / 10) + 1,
        `count ${count}: the schedule of 100/s over 2 s..${spanMs.toFixed(0)} ms`,
      );
      // k6's rate metric: passes = non-zero samples (failed requests for http_req_failed), fails = the zero ones.
      assert.deepEqual(summary.metrics.http_req_failed.values, { rate: 0, passes: 0, fails: count });
      assert.deepEqual(summary.metrics.http_req_failed.thresholds, { 'rate<0.01': { ok: true } });
      assert.deepEqual(summary.metrics.http_req_duration.thresholds, { 'p(95)<60000': { ok: true } });
      assert.deepEqual(summary.metrics.http_reqs.thresholds, { 'count>=199': { ok: true } });
      assert.ok(summary.metrics.http_req_duration.values['p(95)'] < 60000);

      const fail = captureIo();
      const code2 = await main(
        [
          'load',
          'http://127.0.0.1:16400/slow',
          '--vus',
          '4',
          '--duration',
          '1s',
          '--threshold',
          'http_req_duration=p(95)<50',
        ],
        fail.io,
      );
      assert.equal(code2, 99);
      const was = /thresholds failed:\n {2}✗ http_req_duration: p\(95\)<50 \(was (\d+(?:\.\d+)?)\)/.exec(fail.err());
      assert.ok(was && Number(was[1]) >= 60, fail.err());
      assert.match(fail.out(), /threshold {2}✗ http_req_duration: p\(95\)<50/);
    } finally {
      await server.stop();
    }
  });

  test('plain progress lines when stderr is not a TTY', async () => {
    const server = await httpServer(16401, (_req, res) => res.end('ok'));
    try {
      const c = captureIo();
      const { code, spanMs } = await timed(
        ['load', 'http://127.0.0.1:16401/', '--rate', '50', '--duration', '5.5s'],
        c.io,
      );
      assert.equal(code, 0);
      const lines = c.err().trimEnd().split('\n');
      assert.equal(lines.length, 1, c.err());
      assert.match(lines[0], /^ {3}5s +\d+ req\/s {2}p50 [\d.]+ ms {2}p99 [\d.]+ ms {2}errors 0\.00%/);
      const [, count] = /^requests {3}(\d+) in 5\.\d s/.exec(c.out()) ?? [];
      assert.ok(
        Number(count) >= 274 && Number(count) <= Math.floor(spanMs / 20) + 1,
        `${c.out()}: the schedule of 50/s over 5.5 s..${spanMs.toFixed(0)} ms`,
      );
    } finally {
      await server.stop();
    }
  });

  test('bad input: each gives a clear error and exit 104', async () => {
    const cases: [string[], RegExp][] = [
      [['http://127.0.0.1:16402/', '--rate', '-5', '--duration', '1s'], /--rate: value '-5': expected a number > 0/],
      [['not a url', '--rate', '5', '--duration', '1s'], /url: 'not a url' is not a URL/],
      [
        ['http://192.0.2.10/', '--rate', '5', '--duration', '1s'],
        /'192\.0\.2\.10' is not a loopback address[^\n]*\n(.|\n)*hint: pass --allow-target HOST/,
      ],
      [
        ['http://127.0.0.1:16402/', '--rate', '5', '--duration', '1s', '--threshold', 'http_req_duration=p(99)<<1'],
        /malformed threshold 'p\(99\)<<1'/,
      ],
      [['http://127.0.0.1:16402/', '--rate', '5', '--vus', '2', '--duration', '1s'], /give exactly one of --rate N/],
      [
        ['http://127.0.0.1:16402/', '--rate', '5', '--duration', 'soon'],
        /--duration: value 'soon': expected a duration/,
      ],
      [['http://127.0.0.1:16402/', '--rate', '5'], /--duration: missing/],
    ];
    for (const [args, re] of cases) {
      const c = captureIo();
      const code = await main(['load', ...args], c.io);
      assert.equal(code, 104, `${args.join(' ')}: ${c.err()}`);
      assert.match(c.err(), re);
    }
    // Every problem at once.
    const c = captureIo();
    assert.equal(
      await main(['load', 'http://10.0.0.1/', '--rate', '0', '--duration', 'x', '--threshold', 'nope=avg<1'], c.io),
      104,
    );
    assert.equal(
      c
        .err()
        .split('\n')
        .filter((l) => l.startsWith('command line') || l.includes(': command line')).length,
      4,
      c.err(),
    );
  });

  test('--warmup loads first and leaves the warm-up out of every figure', async () => {
    const server = await httpServer(16403, (_req, res) => res.end('ok'));
    try {
      const c = captureIo();
      const { code, spanMs } = await timed(
        ['load', 'http://127.0.0.1:16403/', '--rate', '100', '--warmup', '1s', '--duration', '1s', '--json'],
        c.io,
      );
      assert.equal(code, 0, c.err());
      const count = JSON.parse(c.out()).metrics.http_reqs.values.count;
      // The measured second's 100 arrivals; the warm-up took at least its 1 s of the span.
      assert.ok(
        count >= 99 && count <= Math.floor((spanMs - 1000) / 10) + 1,
        `measured ${count} requests in a span of ${spanMs.toFixed(0)} ms, the warm-up excluded`,
      );
      assert.ok(server.arrivals.length >= 198, `the server saw ${server.arrivals.length} requests`);
      assert.match(c.err(), /warming up for 1 s/);
    } finally {
      await server.stop();
    }
  });
});
