// `headroom load` with what `drill` has: k6 JSON points (--out json=FILE), an OpenMetrics endpoint scraped
// while the load runs (--out prometheus=ADDR), two generator agents whose merged counts equal what the
// server counted (--agents 2), and a ramp of the arrival rate (--stage). Ports 16410-16419.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { httpServer } from '../load/testing/test-servers';
import type { CliIo } from './io';
import { main } from './main';
// The command's modules, loaded before the tests run at once: a first load inside one test holds the event
// loop (the other tests' servers and schedules with it) for seconds on a busy machine.
import './load';
import 'prom-client';

function captureIo(cwd: string): { io: CliIo; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d) => (o += d));
  stderr.on('data', (d) => (e += d));
  return { io: { stdout, stderr, env: {}, cwd }, out: () => o, err: () => e };
}

interface Line {
  type: string;
  metric: string;
  data: { time?: string; value?: number; tags?: Record<string, string> | null; thresholds?: string[]; type?: string };
}

const readPoints = (file: string): Line[] =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);

/** Requests in the points: k6's http_reqs counter, one point per request. */
const countOf = (lines: Line[]) =>
  lines.filter((l) => l.type === 'Point' && l.metric === 'http_reqs').reduce((n, l) => n + (l.data.value ?? 0), 0);

// Each run mostly waits on its schedule or its agents: they run at once, each on its own ports.
describe('headroom load --out, --agents, --stage', { concurrency: true }, () => {
  test('--out json=FILE: k6 NDJSON points, a Metric line before each metric, as many requests as the server answered', async (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pk-load-out-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const server = await httpServer(16410, (_req, res) => res.end('ok'));
    t.after(() => server.stop());
    const c = captureIo(dir);
    const code = await main(
      [
        'load',
        'http://127.0.0.1:16410/',
        '--rate',
        '50',
        '--duration',
        '1s',
        '--json',
        '--out',
        'json=points.ndjson',
        '--threshold',
        'http_req_duration=p(95)<60000',
      ],
      c.io,
    );
    assert.equal(code, 0, c.err());
    const lines = readPoints(path.join(dir, 'points.ndjson'));
    // The drill's writer (metrics/outputs/json.ts): { type, data, metric } in k6's key order.
    for (const l of lines) assert.deepEqual(Object.keys(l), ['type', 'data', 'metric']);
    const declared = new Set<string>();
    for (const l of lines) {
      if (l.type === 'Metric') {
        assert.deepEqual(Object.keys(l.data), ['type', 'contains', 'tainted', 'thresholds', 'submetrics']);
        declared.add(l.metric);
      } else {
        assert.equal(l.type, 'Point');
        assert.ok(declared.has(l.metric), `${l.metric}: a Point before its Metric line`);
        assert.deepEqual(Object.keys(l.data), ['time', 'value', 'tags']);
        assert.ok(!Number.isNaN(Date.parse(l.data.time!)), l.data.time);
      }
    }
    assert.deepEqual([...declared].sort(), ['http_req_duration', 'http_req_failed', 'http_reqs']);
    const duration = lines.find((l) => l.type === 'Metric' && l.metric === 'http_req_duration')!;
    assert.deepEqual(duration.data.thresholds, ['p(95)<60000']);
    assert.equal(duration.data.type, 'trend');
    const point = lines.find((l) => l.type === 'Point' && l.metric === 'http_reqs')!;
    assert.equal(point.data.tags?.endpoint, 'url');
    assert.equal(point.data.tags?.protocol, 'http');
    const summary = JSON.parse(c.out()).metrics.http_reqs.values.count;
    assert.equal(countOf(lines), server.arrivals.length);
    assert.equal(summary, server.arrivals.length);
    assert.ok(summary >= 49, `${summary} requests`);
  });

  test('--out prometheus=ADDR: /metrics answers while the load runs, with the offered rate and the requests so far; gone after', async () => {
    const server = await httpServer(16411, (_req, res) => res.end('ok'));
    try {
      const c = captureIo(process.cwd());
      const run = main(
        ['load', 'http://127.0.0.1:16411/', '--rate', '40', '--duration', '3s', '--out', 'prometheus=127.0.0.1:16412'],
        c.io,
      );
      // Scraped as soon as requests are counted while the load runs (the command's start-up takes longer on a
      // busy machine), not after a fixed wait.
      let res: Response | null = null;
      let text = '';
      const measuring = /^headroom_drill_state\{state="measuring"\} 1$/m;
      for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
        res = await fetch('http://127.0.0.1:16412/metrics').catch(() => null);
        text = res?.ok ? await res.text() : '';
        if (measuring.test(text) && /^headroom_requests_total\{[^}]*\} [1-9]/m.test(text)) break;
      }
      assert.equal(res?.status, 200, 'the endpoint answered while the load ran');
      assert.match(res!.headers.get('content-type') ?? '', /openmetrics/);
      const served = server.arrivals.length;
      assert.match(text, /^headroom_offered_rps 40$/m);
      assert.match(text, measuring);
      const [, requests] = /^headroom_requests_total\{[^}]*endpoint="url"[^}]*\} (\d+)/m.exec(text) ?? [];
      assert.ok(Number(requests) > 0 && Number(requests) <= served, `${requests} in /metrics, ${served} served`);
      assert.equal(await run, 0, c.err());
      assert.match(c.err(), /metrics for Prometheus at http:\/\/127\.0\.0\.1:16412\/metrics/);
      await assert.rejects(fetch('http://127.0.0.1:16412/metrics'), 'the endpoint closes with the run');
    } finally {
      await server.stop();
    }
  });

  test('--agents 2: two agent processes send the load, ramped; the merged count is what the server counted', async (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pk-load-agents-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const server = await httpServer(16413, (_req, res) => res.end('ok'));
    t.after(() => server.stop());
    const c = captureIo(dir);
    const code = await main(
      [
        'load',
        'http://127.0.0.1:16413/',
        '--rate',
        '20',
        '--stage',
        '1s:60',
        '--stage',
        '1s:60',
        '--agents',
        '2',
        '--json',
        '--out',
        'json=points.ndjson',
      ],
      c.io,
    );
    assert.equal(code, 0, c.err());
    assert.match(c.err(), /load from 2 generator agents: 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+/);
    assert.equal(c.err().match(/agent-joined/g)?.length, 2, c.err());
    const merged = JSON.parse(c.out()).metrics.http_reqs.values.count;
    assert.equal(merged, server.arrivals.length, 'merged from the agents = answered by the server');
    assert.equal(countOf(readPoints(path.join(dir, 'points.ndjson'))), merged);
    // 40 planned over the ramp, 60 over the hold: loose, the count is checked exactly above.
    assert.ok(merged >= 50, `${merged} requests`);
  });

  test('--stage: the arrival rate follows the stages (20/s held, then a ramp to 100/s held)', async (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pk-load-stage-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const server = await httpServer(16414, (_req, res) => res.end('ok'));
    try {
      const c = captureIo(dir);
      const args = ['--rate', '20', '--stage', '1.5s:20', '--stage', '0.5s:100', '--stage', '1.5s:100', '--json'];
      const code = await main(['load', 'http://127.0.0.1:16414/', ...args, '--out', 'json=points.ndjson'], c.io);
      assert.equal(code, 0, c.err());
      // Each request's intended send time, from its point (when it ended, less its latency, which counts from the
      // intended time): the schedule itself, not when a busy machine let this process send or read it.
      const arrivals = readPoints(path.join(dir, 'points.ndjson'))
        .filter((l) => l.type === 'Point' && l.metric === 'http_req_duration')
        .map((l) => Date.parse(l.data.time!) - l.data.value!)
        .sort((a, b) => a - b);
      const start = arrivals[0];
      const inSecond = (from: number, to: number) =>
        arrivals.filter((a) => a - start >= from * 1000 && a - start < to * 1000).length / (to - from);
      const first = inSecond(0, 1.5);
      const last = inSecond(2.2, 3.5);
      // Loose on purpose: the shape, not a figure (20 and 100 planned).
      assert.ok(last > 2.5 * first, `first stage ${first}/s, last stage ${last}/s`);
      assert.ok(first > 5 && first < 50, `first stage ${first}/s`);
      assert.equal(JSON.parse(c.out()).metrics.http_reqs.values.count, server.arrivals.length);
    } finally {
      await server.stop();
    }
  });

  test('bad values of --stage, --out and --agents exit 104 naming the flag', async () => {
    const url = 'http://127.0.0.1:16415/';
    const cases: [string[], RegExp][] = [
      [['--stage', 'fast'], /--stage: value 'fast': expected DURATION:TARGET/],
      [['--stage', '10s:'], /--stage: value '10s:': expected DURATION:TARGET/],
      [['--stage', '10s:-5'], /--stage: value '10s:-5': expected DURATION:TARGET/],
      [['--stage', 'soon:5'], /--stage: value 'soon': expected a duration/],
      [['--rate', '5', '--stage', '1s:10', '--duration', '1s'], /--duration: value '1s': not with --stage/],
      [['--vus', '2', '--stage', '1s:2.5'], /--stage: value '1s:2\.5': with --vus, expected a whole number of VUs/],
      [['--rate', '5', '--duration', '1s', '--out', 'csv=x'], /--out: got 'csv=x'; expected json=FILE or prometheus/],
      [['--rate', '5', '--duration', '1s', '--out', 'json='], /--out: got 'json='; expected json=FILE/],
      [['--rate', '5', '--duration', '1s', '--out', 'prometheus=nope'], /--out prometheus: got 'nope'/],
      [['--rate', '5', '--duration', '1s', '--out', 'json=/nonexistent/dir/p.ndjson'], /--out: json=.*cannot write it/],
      [['--rate', '5', '--duration', '1s', '--agents', '0'], /--agents: value '0': expected a whole number > 0/],
      [['--rate', '5', '--duration', '1s', '--agents', 'here'], /--agents: value 'here': expected a number of local/],
      [['--vus', '2', '--duration', '1s', '--agents', '2'], /--agents: value '2': agents send arrival rates/],
      [['--duration', '1s'], /--rate: give exactly one of --rate N .* or a ramp with --stage/],
    ];
    for (const [args, re] of cases) {
      const c = captureIo(process.cwd());
      const code = await main(['load', url, ...args], c.io);
      assert.equal(code, 104, `${args.join(' ')}: ${c.err()}`);
      assert.match(c.err(), re, args.join(' '));
    }
  });
});
