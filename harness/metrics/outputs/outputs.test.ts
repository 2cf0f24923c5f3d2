// The live outputs: k6 NDJSON points checked field by field, bounded buffering, the --out flag; and the
// OpenMetrics endpoint served on a loopback port, scraped over real HTTP, its exposition parsed.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../common';
import { JsonOutput, PrometheusOutput, parseOutFlag, recordsToSamples, splitOutFlags, storeListener } from '.';

/**
 * Listens on the first free port of this test's loopback range: ports there are also the kernel's
 * ephemeral ports, so another process's outgoing connection can hold any one of them for a while.
 */
async function listenInRange(out: PrometheusOutput, from: number, to: number) {
  for (let port = from; ; port++) {
    try {
      return await out.listen(`127.0.0.1:${port}`);
    } catch (err) {
      if (port >= to || !(err instanceof ConfigError && err.message.includes('EADDRINUSE'))) throw err;
    }
  }
}

const t0 = Date.UTC(2026, 10, 30, 15, 0, 0, 250);

test('json output writes k6 Metric and Point lines, one Metric line per metric', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-json-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'points.json');
  const out = new JsonOutput(file, { thresholds: { http_req_duration: ['p(99)<250'] } });
  const rec = recordsToSamples(out);
  rec.request({ dc: 'use1', pool: 'use1/small', endpoint: 'feed', step: '3' }, 12.5, false, t0);
  rec.request({ dc: 'use1', pool: 'use1/small', endpoint: 'feed-grpc', protocol: 'grpc' }, 7, true, t0 + 1000);
  rec.gauge('cpu_share', { pool: 'use1/small' }, 0.42, t0 + 1000);
  rec.dropped({}, t0 + 2000);
  out.end();
  out.end();
  const lines = fs
    .readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  const metrics = lines.filter((l) => l.type === 'Metric');
  assert.deepEqual(
    metrics.map((m) => m.metric),
    [
      'http_reqs',
      'http_req_duration',
      'http_req_failed',
      'grpc_reqs',
      'grpc_req_duration',
      'grpc_req_failed',
      'cpu_share',
      'dropped_iterations',
    ],
  );
  assert.deepEqual(metrics[1], {
    type: 'Metric',
    data: { type: 'trend', contains: 'time', tainted: null, thresholds: ['p(99)<250'], submetrics: null },
    metric: 'http_req_duration',
  });
  assert.deepEqual(metrics[2].data.type, 'rate');
  assert.deepEqual(metrics[6].data.type, 'gauge');
  const point = lines.find((l) => l.type === 'Point' && l.metric === 'http_req_duration');
  assert.deepEqual(point, {
    type: 'Point',
    data: {
      time: '2026-11-30T15:00:00.250Z',
      value: 12.5,
      tags: { dc: 'use1', pool: 'use1/small', endpoint: 'feed', step: '3' },
    },
    metric: 'http_req_duration',
  });
  assert.equal(lines.find((l) => l.type === 'Point' && l.metric === 'grpc_req_failed').data.value, 1);
  assert.equal(lines.find((l) => l.type === 'Point' && l.metric === 'dropped_iterations').data.tags, null);
  for (const l of lines) assert.deepEqual(Object.keys(l), ['type', 'data', 'metric']);
  for (const l of lines.filter((x) => x.type === 'Point')) assert.ok(!Number.isNaN(Date.parse(l.data.time)));
});

test('json output flushes by size while running and keeps only a bounded buffer', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-json-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'points.json');
  const out = new JsonOutput(file, { bufferBytes: 4096, flushEveryMs: 0 });
  for (let i = 0; i < 1000; i++) out.sample('http_req_duration', { dc: 'use1' }, i, t0 + i);
  const before = fs.readFileSync(file, 'utf8');
  assert.ok(before.endsWith('\n'), 'a flush writes whole lines');
  out.end();
  const all = fs.readFileSync(file, 'utf8');
  assert.equal(all.trimEnd().split('\n').length, 1001);
  // At most one buffer's worth (plus the line that crossed it) was held back until the end.
  assert.ok(all.length - before.length <= 4096 + 200, `${all.length - before.length} bytes held back`);
});

test('--out values: json=FILE, prometheus with and without ADDR, the run folder beside them', () => {
  assert.deepEqual(parseOutFlag('json=run.ndjson'), { kind: 'json', file: 'run.ndjson' });
  assert.deepEqual(parseOutFlag('prometheus'), { kind: 'prometheus', address: '127.0.0.1:9464' });
  assert.deepEqual(parseOutFlag('prometheus=[::1]:8001'), { kind: 'prometheus', address: '[::1]:8001' });
  assert.throws(() => parseOutFlag('json'), ConfigError);
  assert.throws(() => parseOutFlag('prometheus=localhost:99999'), ConfigError);
  assert.throws(() => parseOutFlag('influxdb=x'), ConfigError);
  assert.deepEqual(splitOutFlags(['reports/a', 'json=p.json', 'prometheus']), {
    outputs: [
      { kind: 'json', file: 'p.json' },
      { kind: 'prometheus', address: '127.0.0.1:9464' },
    ],
    outDir: 'reports/a',
  });
  assert.throws(() => splitOutFlags(['a', 'b']), ConfigError);
});

/** A small OpenMetrics text parser: `name{a="b",...} value` lines into samples; comments kept as types. */
function parseExposition(text: string): {
  samples: { name: string; labels: Record<string, string>; value: number }[];
  types: Record<string, string>;
  eof: boolean;
} {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  const types: Record<string, string> = {};
  let eof = false;
  for (const line of text.split('\n')) {
    if (line === '# EOF') eof = true;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types[type[1]] = type[2];
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    assert.ok(m, `not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return { samples, types, eof };
}

test('prometheus output serves OpenMetrics on a loopback port; a real scrape shows rates, latency, errors, CPU, step, drill and guard state', async (t) => {
  const prom = new PrometheusOutput();
  t.after(() => prom.end());
  const bound = await listenInRange(prom, 8100, 8149);
  assert.equal(bound.host, '127.0.0.1');
  const rec = recordsToSamples(prom);
  prom.setStep({ drill: 'drain-use1', index: 4, kind: 'drain', target: 'use1', offeredRps: 400 });
  prom.setDrillState('measuring');
  const tags = { dc: 'use1', pool: 'use1/small', endpoint: 'feed' };
  for (let i = 0; i < 10; i++) rec.request(tags, i < 9 ? 3 : 300, i === 9, t0 + i * 10);
  for (let i = 0; i < 4; i++)
    rec.request({ ...tags, endpoint: 'feed-grpc', protocol: 'grpc' }, 20, false, t0 + 1000 + i);
  rec.request(tags, 3, false, t0 + 2000);
  prom.setCpuShare('use1/small', 0.61);
  prom.setGuard('http_req_duration p(99)<250', 'use1', false, 297.5);

  const res = await fetch(bound.url);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/openmetrics-text; version=1\.0\.0/);
  const { samples, types, eof } = parseExposition(await res.text());
  assert.ok(eof, 'OpenMetrics ends with # EOF');
  const one = (name: string, labels: Record<string, string> = {}) => {
    const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    assert.equal(found.length, 1, `${name} ${JSON.stringify(labels)}: ${found.length} samples`);
    return found[0].value;
  };
  const feed = { dc: 'use1', pool: 'use1/small', endpoint: 'feed', protocol: 'http' };
  assert.equal(types.headroom_requests, 'counter');
  assert.equal(one('headroom_requests_total', feed), 11);
  assert.equal(one('headroom_requests_total', { endpoint: 'feed-grpc', protocol: 'grpc' }), 4);
  assert.equal(one('headroom_request_errors_total', feed), 1);
  assert.equal(one('headroom_request_errors_total', { endpoint: 'feed-grpc' }), 0);
  assert.equal(one('headroom_request_duration_seconds_count', feed), 11);
  assert.equal(one('headroom_request_duration_seconds_bucket', { ...feed, le: '0.005' }), 10);
  assert.equal(one('headroom_request_duration_seconds_bucket', { ...feed, le: '0.25' }), 10);
  assert.equal(one('headroom_request_duration_seconds_bucket', { ...feed, le: '0.5' }), 11);
  assert.equal(one('headroom_offered_rps'), 400);
  // The second that ended (t0+1 s) completed 4 requests: published when t0+2 s began.
  assert.equal(one('headroom_achieved_rps'), 4);
  assert.equal(one('headroom_cpu_share', { pool: 'use1/small' }), 0.61);
  assert.equal(one('headroom_step', { drill: 'drain-use1', step: '4', kind: 'drain', target: 'use1' }), 4);
  assert.equal(one('headroom_drill_state', { state: 'measuring' }), 1);
  assert.equal(one('headroom_drill_state', { state: 'idle' }), 0);
  assert.equal(one('headroom_guard_ok', { guard: 'http_req_duration p(99)<250', target: 'use1' }), 0);
  assert.equal(one('headroom_guard_value', { target: 'use1' }), 297.5);

  const missing = await fetch(bound.url.replace('/metrics', '/other'));
  assert.equal(missing.status, 404);
  await missing.text();
  prom.setDrillState('done');
  const after = parseExposition(await (await fetch(bound.url)).text());
  assert.equal(after.samples.find((s) => s.name === 'headroom_offered_rps')?.value, 0);
  await prom.end();
  await assert.rejects(fetch(bound.url));
});

test('prometheus output on a port in use fails with a ConfigError naming the address', async (t) => {
  const a = new PrometheusOutput();
  const b = new PrometheusOutput();
  t.after(async () => {
    await a.end();
    await b.end();
  });
  const bound = await listenInRange(a, 8150, 8199);
  await assert.rejects(b.listen(`127.0.0.1:${bound.port}`), (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.match(e.message, new RegExp(`--out prometheus: cannot listen on 127\\.0\\.0\\.1:${bound.port}: EADDRINUSE`));
    return true;
  });
});

test("storeListener turns the store's ok, failed and dropped samples into the k6 metrics of the series' protocol", () => {
  const seen: string[] = [];
  const listener = storeListener(
    recordsToSamples({ sample: (m, tags, v, at) => seen.push(`${m} ${tags.dc} ${v} ${at}`), end: () => {} }),
  );
  listener({ tags: { dc: 'use1', protocol: 'grpc' } }, 1000, 'failed', 4.5);
  listener({ tags: { dc: 'usw2' } }, 2000, 'ok', 3);
  listener({ tags: { dc: 'euw1' } }, 3000, 'dropped', 0);
  assert.deepEqual(seen, [
    'grpc_reqs use1 1 1000',
    'grpc_req_duration use1 4.5 1000',
    'grpc_req_failed use1 1 1000',
    'http_reqs usw2 1 2000',
    'http_req_duration usw2 3 2000',
    'http_req_failed usw2 0 2000',
    'dropped_iterations euw1 1 3000',
  ]);
});
