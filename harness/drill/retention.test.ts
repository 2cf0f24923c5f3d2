import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Scenario } from '../config';
import { k6Summary, Metrics, parseThresholds } from '../metrics';
import { feedDrillStream } from '../metrics/testing/drill-stream';
import { evaluateRunThresholds, metricsRetentionSeconds } from './guards';

const scenario: Pick<Scenario, 'parsed'> = {
  parsed: {
    guards: parseThresholds({
      http_req_duration: [{ threshold: 'p(99)<250', window: '5s' }],
      http_req_failed: [{ threshold: 'rate<0.05', window: '5s' }],
    }),
    thresholds: parseThresholds({
      http_req_duration: ['p(95)<40', { threshold: 'p(99)<60', window: '30s' }],
      'http_req_failed{dc:dc1}': ['rate<0.02'],
      http_reqs: ['count>100'],
      cpu_share: ['avg<0.9'],
    }),
  },
};

const startMs = 1_700_000_000_000;
/** A mean summed in another order may differ in the 15th digit. */
const rounded = (x: unknown) =>
  JSON.parse(JSON.stringify(x, (_k, v) => (typeof v === 'number' ? Number(v.toPrecision(12)) : v)));

test('the store a drill builds keeps the same number of seconds at 5 and at 20 minutes, and answers as if it kept them all', (t) => {
  const retain = metricsRetentionSeconds(scenario);
  assert.equal(retain, 30 + 120, 'the longest window (a whole-run threshold over 30 s) plus the look-back margin');
  let now = startMs;
  const bounded = new Metrics({ retainSeconds: retain, now: () => now });
  const all = new Metrics({ retainSeconds: 1e7, now: () => now });
  const cellsAt = new Map<number, number>();
  // A light stream (5 requests a second per replica): the store keeps seconds, not requests, so the rate does not
  // change what is kept, only how long the test takes.
  const stream = { startMs, seconds: 20 * 60, rps: 30 };
  const spans = feedDrillStream(bounded, stream, (t) => {
    now = t;
    const min = (t - startMs) / 60_000;
    if (min === 5 || min === 20) cellsAt.set(min, bounded.retained().cells);
  });
  feedDrillStream(all, stream);
  bounded.end(now);
  all.end(now);

  // Memory: bounded by the retention, not by how long the drill has run.
  t.diagnostic(
    `series-seconds kept: ${cellsAt.get(5)} at 5 min, ${cellsAt.get(20)} at 20 min (retainSeconds ${retain}); a store keeping all: ${all.retained().cells}`,
  );
  assert.equal(
    cellsAt.get(20),
    cellsAt.get(5),
    `series-seconds kept at 5 and 20 min: ${cellsAt.get(5)}, ${cellsAt.get(20)}`,
  );
  assert.ok(cellsAt.get(20)! <= retain * 6, `${cellsAt.get(20)} series-seconds for 6 replicas`);
  assert.ok(all.retained().cells > 5 * cellsAt.get(20)!, 'the reference store kept every second');

  // Whole-run thresholds and the k6 summary: the same answers.
  assert.deepEqual(evaluateRunThresholds(scenario, bounded), evaluateRunThresholds(scenario, all));
  const thresholds = scenario.parsed.thresholds;
  assert.deepEqual(rounded(k6Summary(bounded, thresholds)), rounded(k6Summary(all, thresholds)));

  // Every step's figures, read at the end of the run (long after they left the retention): the same answers.
  assert.equal(spans.length, 20);
  for (const s of spans) {
    for (const filter of [{ step: s.tag }, { step: s.tag, dc: 'dc1' }, { step: s.tag, replica: 'r4' }]) {
      const a = bounded.window({ sinceMs: s.sinceMs, untilMs: s.untilMs, filter });
      const b = all.window({ sinceMs: s.sinceMs, untilMs: s.untilMs, filter });
      const figures = (w: typeof a) => ({
        count: w.count,
        failed: w.failed,
        rps: w.rps,
        avg: w.avg,
        p50: w.percentile(50),
        p99: w.percentile(99),
        max: w.max,
      });
      assert.deepEqual(figures(a), figures(b), `step ${s.tag} ${JSON.stringify(filter)}`);
      assert.ok(a.count > 0);
      const ca = bounded.window({ sinceMs: s.sinceMs, untilMs: s.untilMs, filter, metric: 'cpu_share' });
      const cb = all.window({ sinceMs: s.sinceMs, untilMs: s.untilMs, filter, metric: 'cpu_share' });
      assert.deepEqual(
        rounded([ca.gaugeAvg, ca.gaugeMax, ca.count]),
        rounded([cb.gaugeAvg, cb.gaugeMax, cb.count]),
        `cpu of step ${s.tag}`,
      );
    }
  }
});
