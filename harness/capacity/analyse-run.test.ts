// What a finished run means, with exact expectations on recorded runs (harness/report/fixtures): the plan and
// its range, the comparison with a baseline, every failure, the status and exit code, and summary.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, ConfigErrors, type HeadroomError, Interrupted } from '../common';
import { forecastHeader, parseForecastCsv, readForecast, type RunDir, type Summary } from '../results';
import { analyseRun, completed, type MeasuredRun, type RunEnding } from './index';

const fixtures = path.join(__dirname, '..', 'report', 'fixtures');
const forecastFile = path.join(__dirname, 'fixtures', 'forecast-3dc.csv');
const dcs = ['use1', 'use2', 'euw1'];
const forecast = { rows: parseForecastCsv(readFileSync(forecastFile, 'utf8'), forecastFile, dcs) };
const planOptions = { growth: 0.2 };

/** A recorded run as the drill hands it over before its end: its measurements, no status, no verdict. */
function recorded(
  name: string,
  change: Partial<Summary> = {},
): Pick<RunDir, 'summary' | 'steps'> & { measured: MeasuredRun } {
  const dir = path.join(fixtures, name);
  const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as Summary;
  const steps = readFileSync(path.join(dir, 'steps.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const { status: _status, ...measured } = { ...summary, ...change };
  return { summary, steps, measured };
}

const drillEnd = (ending: RunEnding = completed) => ({ ending, options: { plan: planOptions } });

test('passed: the plan and its range from the forecast, no comparison, no failure, exit 0', () => {
  const run = recorded('run-3dc', { failovers: [] });
  const a = analyseRun({ summary: run.measured, steps: run.steps, forecast, ...drillEnd() });
  assert.equal(a.status, 'passed');
  assert.equal(a.exitCode, 0);
  assert.deepEqual(a.failures, []);
  assert.equal(a.comparison, null);
  assert.equal(a.planError, null);
  // gen1's redline 330 at 80%: 264 per server; use1 with use2 lost carries 1714.3 req/s: ceil(6.49) + 1 = 8.
  assert.deepEqual(a.plan?.recommended, [
    { dc: 'use1', serverType: 'gen1', servers: 8, costPerHour: 0.8 },
    { dc: 'use2', serverType: 'gen1', servers: 7, costPerHour: 0.7 },
    { dc: 'euw1', serverType: 'gen1', servers: 5, costPerHour: 0.5 },
  ]);
  // Redlines without intervals, peaks without ranges: every draw is the point plan.
  assert.deepEqual(
    a.range?.dcs.map((d) => [d.dc, d.servers]),
    [
      ['use1', { p5: 8, p50: 8, p95: 8 }],
      ['use2', { p5: 7, p50: 7, p95: 7 }],
      ['euw1', { p5: 5, p50: 5, p95: 5 }],
    ],
  );
  assert.deepEqual(a.range?.totalCostPerHour, { p5: 2, p50: 2, p95: 2 });
  assert.deepEqual(a.summary, { ...run.summary, failovers: [], status: 'passed', plan: a.plan });
  assert.deepEqual(Object.keys(a.summary).slice(0, 2), ['runId', 'status']);
});

test('a failed threshold: named with its value, status failed, exit 99, summary.error says it', () => {
  const run = recorded('run-3dc', {
    failovers: [],
    thresholds: {
      'http_req_failed: rate<0.01': { ok: false, value: 0.02 },
      'http_reqs: count>10': { ok: true, value: 99 },
    },
  });
  const a = analyseRun({ summary: run.measured, steps: run.steps, ...drillEnd() });
  assert.deepEqual(a.failures, [{ kind: 'threshold', name: 'http_req_failed: rate<0.01', detail: 'failed (0.02)' }]);
  assert.deepEqual([a.status, a.exitCode], ['failed', 99]);
  assert.equal(a.summary.error, 'threshold http_req_failed: rate<0.01: failed (0.02)');
  assert.deepEqual(a.summary.failures, a.failures);
  assert.equal(a.plan, null, 'no forecast, no plan');
});

test('a survivor that broke when a DC was lost: named with its guard and load, exit 99; an interrupt keeps 105', () => {
  const run = recorded('run-3dc');
  const a = analyseRun({ summary: run.measured, steps: run.steps, forecast, ...drillEnd() });
  const survivor = {
    kind: 'survivor',
    name: 'use2 lost → use1',
    detail: 'http_req_duration: p(99)<250 broke at 1570.8 req/s, 106% of its capacity (drill lose-use2)',
  };
  assert.deepEqual(a.failures, [survivor]);
  assert.deepEqual([a.status, a.exitCode], ['failed', 99]);
  assert.equal(a.plan?.recommended.length, 3, 'a failed run is planned all the same');
  const interrupted = analyseRun({
    summary: run.measured,
    steps: run.steps,
    ...drillEnd({ outcome: 'interrupted', failures: [], error: new Interrupted('SIGINT').message }),
  });
  assert.deepEqual([interrupted.status, interrupted.exitCode], ['interrupted', 105]);
  assert.deepEqual(interrupted.failures, [survivor]);
  assert.equal(interrupted.summary.error, 'interrupted by SIGINT');
});

test('a regression against the baseline: compared on both runs’ probes, named per server type, exit 99', () => {
  const baseline = recorded('run-3dc');
  const run = recorded('run-3dc-costlier', { failovers: [] });
  const a = analyseRun({
    summary: run.measured,
    steps: run.steps,
    baseline,
    ending: completed,
  });
  assert.deepEqual(a.comparison?.regressed, ['gen1', 'gen2']);
  assert.deepEqual(
    a.failures.map((f) => [f.kind, f.name]),
    [
      ['regression', 'gen1'],
      ['regression', 'gen2'],
    ],
  );
  assert.equal(
    a.failures[0].detail,
    'regressed against 20261127-180000-capacity-drill: CPU per request +25.0% (Hodges-Lehmann, 15 vs 15 samples): regressed: ' +
      'rank test p < 0.0001 < 0.01 and the rise is at least +5.5%',
  );
  assert.deepEqual([a.status, a.exitCode], ['failed', 99]);
  assert.equal(a.baselinePlan, null, 'the baseline was never planned');
  // The same run against itself: compared, nothing regressed.
  const same = analyseRun({ summary: baseline.measured, steps: baseline.steps, baseline, ending: completed });
  assert.deepEqual(same.comparison?.regressed, []);
  assert.deepEqual(
    same.failures.map((f) => f.kind),
    ['survivor'],
  );
});

test('a forecast without its peak_rps column: one error naming the file, the line and the header expected', () => {
  const expected = `expected a forecast CSV with a header row \`${forecastHeader}\``;
  assert.equal(forecastHeader, 'dc,peak_rps[,peak_rps_low,peak_rps_high][,growth][,current_<serverType>...]');
  let error: unknown;
  try {
    parseForecastCsv('dc,growth\nuse1,0.1\nuse2,0\neuw1,0\n', 'forecast.csv', dcs);
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof ConfigError && !(error instanceof ConfigErrors), String(error));
  assert.equal(error.message, `forecast.csv: line 1: the header has no 'peak_rps' column; ${expected}`);
  assert.equal(error.exitCode, 104);
  // A forecast that is not there says what is expected in the same words.
  assert.throws(() => readForecast('/nonexistent/forecast.csv', dcs), {
    message: `/nonexistent/forecast.csv: no such file; ${expected}`,
  });
  // Handed to the analysis (as `headroom report` does): no plan, the error kept, the verdict untouched.
  const run = recorded('run-3dc', { failovers: [] });
  const a = analyseRun({
    summary: { ...run.measured, plan: analyseRun({ summary: run.measured, steps: [], forecast }).plan! },
    steps: run.steps,
    forecast: { error: error as HeadroomError },
    ending: completed,
  });
  assert.equal(a.planError, error);
  assert.equal(a.plan, null);
  assert.equal('plan' in a.summary, false, 'a plan from an earlier forecast is dropped');
  assert.deepEqual([a.status, a.exitCode], ['passed', 0]);
});

test('a run read back (no ending given) keeps the verdict the drill wrote: analysing it again changes nothing', () => {
  const run = recorded('run-3dc-costlier', { failovers: [] });
  const baseline = recorded('run-3dc');
  const drill = analyseRun({ summary: run.measured, steps: run.steps, forecast, baseline, ...drillEnd() });
  const again = analyseRun({
    summary: drill.summary,
    steps: run.steps,
    forecast,
    baseline,
    options: { plan: planOptions },
  });
  assert.deepEqual(again.summary, drill.summary);
  assert.deepEqual(again.failures, drill.failures);
  // Without the baseline its regressions stand as the drill found them; against a baseline that is itself, they go.
  assert.deepEqual(analyseRun({ summary: drill.summary, steps: run.steps }).failures, drill.failures);
  const self = analyseRun({ summary: drill.summary, steps: run.steps, baseline: run });
  assert.deepEqual([self.status, self.failures, self.summary.error], ['passed', [], undefined]);
  // An older summary that failed without listing why stays failed.
  assert.equal(analyseRun({ summary: run.summary, steps: run.steps }).status, 'failed');
});

test('a redline whose cost moved more than its precision: a caution beside a passed status, exit 0', () => {
  const run = recorded('run-3dc', { failovers: [] });
  const caution =
    'the cost per request moved +24% during the search of use1/gen1 ...: repeat when the machine is quiet';
  const redlines = run.measured.redlines.map((r, i) => (i === 0 ? { ...r, caution } : r));
  const a = analyseRun({ summary: { ...run.measured, redlines }, steps: run.steps, ...drillEnd() });
  assert.equal(a.status, 'passed');
  assert.equal(a.exitCode, 0);
  assert.deepEqual(a.cautions, [{ kind: 'drift', name: `redline ${redlines[0].pool}`, detail: caution }]);
  assert.deepEqual(a.summary.cautions, a.cautions);
  // A run without one has no cautions field at all.
  assert.equal(analyseRun({ summary: run.measured, steps: run.steps, ...drillEnd() }).summary.cautions, undefined);
});
