import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { formatHistory, historyView, selectHistory, trendOf, type HistoryLine } from './history-query';
import { appendHistory, historyEntryOf, readHistory } from '../results';
import { reportRun } from '../cli/report';
import { readSummary } from '../results';
import { parseSince, run as historyCommand } from '../cli/history';

const fixtures = path.join(__dirname, 'fixtures');
const WEEK = 7 * 86_400_000;
const t0 = Date.parse('2026-10-05T06:00:00Z');
const at = (weeks: number) => new Date(t0 + weeks * WEEK).toISOString();

function line(
  runId: string,
  weeks: number,
  redlines: HistoryLine['redlines'],
  extra: Partial<HistoryLine> = {},
): HistoryLine {
  return { runId, endedAt: at(weeks), scenario: 'nightly', cluster: 'prod-like', status: 'passed', redlines, ...extra };
}

// Written out of order on purpose: a history merged from two CI branches is not sorted.
const mixed: HistoryLine[] = [
  line('r2', 1, [{ serverType: 'gen1', tier: 'web', rpsPerReplica: 110, cpuMsPerRequest: 1.1, interval: [104, 115] }]),
  line('r1', 0, [{ serverType: 'gen1', tier: 'web', rpsPerReplica: 100, cpuMsPerRequest: 1.2, interval: [95, 104] }]),
  line('other-cluster', 1.5, [{ serverType: 'gen1', tier: 'web', rpsPerReplica: 5, cpuMsPerRequest: 9 }], {
    cluster: 'laptop',
  }),
  line('r3', 2, [{ serverType: 'gen1', tier: 'web', rpsPerReplica: 120, cpuMsPerRequest: 1.0 }]),
  line(
    'r4',
    3,
    [
      { serverType: 'gen1', tier: 'web', rpsPerReplica: 100, cpuMsPerRequest: 1.3, interval: [96, 103] },
      { serverType: 'gen1', tier: 'cache', rpsPerReplica: null, cpuMsPerRequest: null },
    ],
    { status: 'failed', regressed: ['cache/gen1'] },
  ),
  line('smoke-run', 2.5, [{ serverType: 'gen1', tier: 'web', rpsPerReplica: 50, cpuMsPerRequest: 2 }], {
    scenario: 'smoke',
  }),
];

test('trend: the least-squares change per week, and none from one run', () => {
  assert.deepEqual(
    trendOf([
      { atMs: 0, value: 100 },
      { atMs: WEEK, value: 110 },
      { atMs: 2 * WEEK, value: 120 },
    ]),
    { perWeek: 10, perWeekShare: 10 / 110, runs: 3 },
  );
  assert.equal(trendOf([{ atMs: 0, value: 100 }]), null);
  assert.equal(
    trendOf([
      { atMs: 5, value: 100 },
      { atMs: 5, value: 90 },
    ]),
    null,
  );
});

test('one cluster and scenario: series per tier and type in time order, intervals kept, regressions from history and from the drill', () => {
  const v = historyView(mixed, { cluster: 'prod-like', scenario: 'nightly' });
  assert.deepEqual(
    v.runs.map((r) => r.runId),
    ['r1', 'r2', 'r3', 'r4'],
  );
  assert.deepEqual(
    v.series.map((s) => `${s.tier}/${s.serverType}`),
    ['cache/gen1', 'web/gen1'],
  );
  const web = v.series[1];
  assert.deepEqual(
    web.points.map((p) => [p.runId, p.rpsPerReplica, p.interval, p.change, p.regressed]),
    [
      ['r1', 100, [95, 104], null, false],
      ['r2', 110, [104, 115], 0.1, false],
      ['r3', 120, null, 10 / 110, false],
      ['r4', 100, [96, 103], -20 / 120, true],
    ],
  );
  // x in weeks 0..3, y 100,110,120,100: slope = sum((x-1.5)(y-107.5)) / sum((x-1.5)^2) = 5 / 5 = 1 req/s per week.
  assert.ok(Math.abs(web.trend!.perWeek - 1) < 1e-9, String(web.trend!.perWeek));
  assert.ok(Math.abs(web.trend!.perWeekShare - 1 / 107.5) < 1e-12);
  assert.equal(v.series[0].trend, null);
  assert.deepEqual(
    v.regressions.map((r) => [r.runId, `${r.tier}/${r.serverType}`, r.from, r.to, r.source]),
    [
      ['r4', 'web/gen1', 120, 100, 'history'],
      ['r4', 'cache/gen1', null, null, 'drill'],
    ],
  );
  assert.equal(
    formatHistory(v),
    [
      'prod-like · nightly · cache/gen1: trend – (fewer than two runs with a redline)',
      '  run  ended             redline  interval  change  cpu ms/req  status',
      '  r4   2026-10-26 06:00        –         –       –           –  failed REGRESSED',
      '',
      'prod-like · nightly · web/gen1: trend +1.0 req/s per week (+0.9% per week, 4 runs)',
      '  run  ended             redline     interval  change  cpu ms/req  status',
      '  r1   2026-10-05 06:00    100.0   95.0–104.0       –       1.200  passed',
      '  r2   2026-10-12 06:00    110.0  104.0–115.0  +10.0%       1.100  passed',
      '  r3   2026-10-19 06:00    120.0            –   +9.1%       1.000  passed',
      '  r4   2026-10-26 06:00    100.0   96.0–103.0  -16.7%       1.300  failed REGRESSED',
      '',
      'regressed (a fall beyond 5.0% from the previous run, or flagged by the drill):',
      '  r4  web/gen1: 120.0 -> 100.0 req/s per replica (-16.7%)',
      '  r4  cache/gen1: – -> – req/s per replica (–)',
      '',
    ].join('\n'),
  );
});

test('no filter keeps clusters and scenarios apart; --since and --last narrow the runs', () => {
  const all = historyView(mixed, {});
  assert.deepEqual(
    all.series.map((s) => `${s.cluster}/${s.scenario}/${s.tier}/${s.serverType}:${s.points.length}`),
    [
      'laptop/nightly/web/gen1:1',
      'prod-like/nightly/cache/gen1:1',
      'prod-like/nightly/web/gen1:4',
      'prod-like/smoke/web/gen1:1',
    ],
  );
  assert.deepEqual(
    selectHistory(mixed, { sinceMs: Date.parse(at(1.5)) }).map((r) => r.runId),
    ['other-cluster', 'r3', 'smoke-run', 'r4'],
  );
  assert.deepEqual(
    selectHistory(mixed, { scenario: 'nightly', last: 2 }).map((r) => r.runId),
    ['r3', 'r4'],
  );
  // --last applies after the other filters: the last two prod-like nightly runs, not the last two lines.
  assert.deepEqual(
    historyView(mixed, { cluster: 'prod-like', scenario: 'nightly', last: 2 }).series[1].points.map((p) => p.change),
    [null, -20 / 120],
  );
  assert.equal(
    formatHistory(historyView(mixed, { cluster: 'nobody' })),
    'no runs in the history match the selection\n',
  );
});

test('the v1 history fixture: torn lines skipped, trend as an independent least-squares computation gives it', async () => {
  const v = historyView((await readHistory(path.join(fixtures, 'history.ndjson'))) as HistoryLine[], {
    cluster: 'local-3dc',
  });
  assert.deepEqual(
    v.series.map((s) => [s.tier, s.serverType, s.points.map((p) => p.rpsPerReplica)]),
    [
      [null, 'gen1', [318, 334, 326, 330]],
      [null, 'gen2', [810, 832, 819, 825]],
    ],
  );
  // From numpy-free Python over the same timestamps: 9.683313098785778 and 11.384091721137365 req/s per week.
  assert.ok(Math.abs(v.series[0].trend!.perWeek - 9.683313098785778) < 1e-6);
  assert.ok(Math.abs(v.series[1].trend!.perWeek - 11.384091721137365) < 1e-6);
  assert.deepEqual(v.regressions, []);
});

test('--since takes an age or a date, and names the flag when it is neither', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');
  assert.equal(parseSince('30d', now), Date.parse('2026-10-31T12:00:00Z'));
  assert.equal(parseSince('2w', now), Date.parse('2026-11-16T12:00:00Z'));
  assert.equal(parseSince('2026-11-01', now), Date.parse('2026-11-01T00:00:00Z'));
  assert.throws(
    () => parseSince('last tuesday', now),
    (e: Error & { exitCode?: number }) =>
      e.exitCode === 104 &&
      e.message ===
        "command line: --since: value 'last tuesday': expected an age such as 30d, 12w or 48h, or a date such as 2026-11-01",
  );
});

async function cli(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await historyCommand(
    argv,
    { stdout, stderr, env: {}, cwd },
    undefined,
    Date.parse('2026-10-27T00:00:00Z'),
  );
  return { code, out, err };
}

test('headroom history reads reports/history.ndjson, prints JSON with --json, and refuses a bad --last with 104', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'headroom-history-'));
  try {
    const reports = path.join(dir, 'reports');
    mkdirSync(reports);
    writeFileSync(path.join(reports, 'history.ndjson'), `${mixed.map((l) => JSON.stringify(l)).join('\n')}\n{"torn":`);
    const json = await cli(['--cluster', 'prod-like', '--scenario', 'nightly', '--since', '10d', '--json'], dir);
    assert.equal(json.code, 0);
    const view = JSON.parse(json.out);
    assert.deepEqual(
      view.runs.map((r: { runId: string }) => r.runId),
      ['r3', 'r4'],
    );
    assert.equal(view.selection.sinceMs, Date.parse('2026-10-17T00:00:00Z'));
    const text = await cli([path.join(reports, 'history.ndjson'), '--last', '1'], dir);
    assert.match(text.out, /^prod-like · nightly · cache\/gen1/);
    await assert.rejects(
      cli(['--last', '0'], dir),
      (e: Error & { exitCode?: number }) => e.exitCode === 104 && /--last: value '0'/.test(e.message),
    );
    await assert.rejects(
      cli(['--bogus'], dir),
      (e: Error & { exitCode?: number }) => e.exitCode === 104 && /bogus/.test(e.message),
    );
    await assert.rejects(
      cli([], path.join(dir, 'reports', 'elsewhere')),
      (e: Error & { exitCode?: number }) => e.exitCode === 104 && /history\.ndjson: not found/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the report's trend chart shows the same selection: this run's cluster and scenario, in time order", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'headroom-history-'));
  try {
    const runDir = path.join(dir, 'run');
    cpSync(path.join(fixtures, 'run-3dc-costlier'), runDir, { recursive: true });
    const history = path.join(dir, 'history.ndjson');
    const a = (await readSummary(path.join(fixtures, 'run-3dc'))).summary;
    await appendHistory(history, { ...a, cluster: { ...a.cluster, name: 'laptop' }, runId: 'other-cluster' });
    await appendHistory(history, { ...a, scenario: 'smoke', runId: 'other-scenario' });
    // Written after this run's line would be, but it ended an hour before it.
    await appendHistory(history, a);
    appendFileSync(
      history,
      `${JSON.stringify({
        ...historyEntryOf(a),
        runId: 'later',
        endedAt: '2026-11-28T00:00:00.000Z',
        redlines: [{ serverType: 'gen1', rpsPerReplica: 300, cpuMsPerRequest: 1.3 }],
      })}\n`,
    );
    await reportRun(runDir, { historyFile: history });
    const html = readFileSync(path.join(runDir, 'index.html'), 'utf8');
    const data = JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]);
    const trend = data.sections.find((s: { id: string }) => s.id === 'trend');
    assert.deepEqual(
      trend.charts[0].datasets.map((d: { label: string; data: (number | null)[] }) => [d.label, d.data]),
      [
        ['gen1', [330, 240, 300]],
        ['gen2', [825, 600, null]],
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
