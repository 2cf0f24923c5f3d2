import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { appendHistory, readHistory, readSummary } from '../results';
import { reportRun } from '../cli/report';
import { inlineJson, inlineScript } from './html';
import { main } from '../cli/main';

const fixtures = path.join(__dirname, 'fixtures');
const forecast = path.join(__dirname, '..', 'capacity', 'fixtures', 'forecast-3dc.csv');

function tempRun(): { dir: string; runDir: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'headroom-report-'));
  const runDir = path.join(dir, 'run');
  cpSync(path.join(fixtures, 'run-3dc'), runDir, { recursive: true });
  return { dir, runDir };
}

test('headroom report writes index.html and the CSVs, and summary.json gains the plan', async () => {
  const { dir, runDir } = tempRun();
  try {
    const res = await reportRun(runDir, { forecastFile: forecast, planOptions: { growth: 0.2 } });
    assert.deepEqual(
      res.files.map((f) => path.basename(f)),
      ['summary.json', 'index.html', 'steps.csv', 'redlines.csv', 'plan.csv'],
    );
    const written = JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
    assert.deepEqual(written.plan.recommended, [
      { dc: 'use1', serverType: 'gen1', servers: 8, costPerHour: 0.8 },
      { dc: 'use2', serverType: 'gen1', servers: 7, costPerHour: 0.7 },
      { dc: 'euw1', serverType: 'gen1', servers: 5, costPerHour: 0.5 },
    ]);
    assert.deepEqual(written.redlines, res.analysis.summary.redlines);

    const steps = readFileSync(path.join(runDir, 'steps.csv'), 'utf8').trim().split('\n');
    assert.equal(
      steps[0],
      'run_id,step,drill,kind,target,server_type,started_at,ended_at,offered_rps,offered_rps_per_replica,achieved_rps,dropped_iterations,target_share,lost_dc,rps,rps_per_replica,p50_ms,p90_ms,p99_ms,error_rate,cpu_share,cpu_ms_per_request,verdict,guards_broken,weight_use1,weight_use2,weight_euw1,annotations',
    );
    assert.equal(steps.length, 1 + 29);
    assert.equal(
      steps[7],
      '20261127-180000-capacity-drill,6,redline-gen1,redline,use1/gen1,gen1,2026-11-27T18:02:30.000Z,2026-11-27T18:02:50.000Z,660,330,659.34,0,,,659.34,329.67,8.19,36.528,140.347,0,0.812,1.23,held,,1,0,0,',
    );

    const redlines = readFileSync(path.join(runDir, 'redlines.csv'), 'utf8').trim().split('\n');
    assert.equal(
      redlines[0],
      'drill,method,server_type,pool,rps_per_replica,limited_by,p50_ms,p99_ms,cpu_share,cpu_ms_per_request,fit_cpu_ms_per_request,fit_idle_cpu_share,fit_r2,knee_rps_per_replica,probes,duration_s',
    );
    assert.equal(redlines.length, 4);
    const gen1 = redlines[1].split(',');
    assert.deepEqual(gen1.slice(0, 6), [
      'redline-gen1',
      'redline',
      'gen1',
      'use1/gen1',
      '330',
      'http_req_duration: p(99)<250',
    ]);
    // The fixture's CPU is 10 ms/s at rest plus 1.2 ms per request on 0.5 CPU (rounded to 0.001 of quota).
    assert.ok(Math.abs(Number(gen1[10]) - 1.2) < 0.005, `fit ${gen1[10]}`);
    assert.ok(Math.abs(Number(gen1[11]) - 0.02) < 0.002, `idle ${gen1[11]}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a forecast that cannot be planned still gets its report, with the problem in the verdict (exit 104 from the CLI)', async () => {
  const { dir, runDir } = tempRun();
  try {
    const bad = path.join(dir, 'forecast.csv');
    writeFileSync(bad, 'dc,peak_rps\nuse1,100\nuse2,50\nmars1,10\neuw1,5\n');
    const res = await reportRun(runDir, { forecastFile: bad });
    assert.equal(res.analysis.planError?.exitCode, 104);
    assert.equal(res.analysis.plan, null);
    const html = readFileSync(res.indexHtml, 'utf8');
    const data = JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]);
    assert.equal(
      data.verdict[0],
      `No plan: ${bad}: line 4, column 1 (dc): unknown dc 'mars1'; expected one of use1, use2, euw1`,
    );
    assert.equal(
      data.sections.some((s: { id: string }) => s.id === 'plan'),
      false,
    );
    assert.deepEqual(data.facts.slice(7, 10), [
      ['scenario.description', 'Redlines of both server types, a drain toward use1 and the loss of each DC'],
      ['cluster.file', 'clusters/local-3dc.yaml'],
      ['cluster.driver', 'docker'],
    ]);
    const err = new PassThrough();
    let stderr = '';
    err.on('data', (d) => (stderr += d));
    assert.equal(
      await main(['report', runDir, '--forecast', bad], { stdout: new PassThrough(), stderr: err, env: {}, cwd: dir }),
      104,
    );
    assert.match(stderr, /^headroom: no plan: .*unknown dc 'mars1'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hostile names stay inert: no early </script>, and spreadsheet formulas are quoted in CSV', async () => {
  const { dir, runDir } = tempRun();
  try {
    const stepsFile = path.join(runDir, 'steps.ndjson');
    const lines = readFileSync(stepsFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    for (const s of lines) if (s.drill === 'drain-use1') s.drill = '=HYPERLINK("</script><script>alert(1)</script>")';
    // A crash tore the last line: the report skips it.
    writeFileSync(stepsFile, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n{"runId":"20261127-1800`);
    const summaryFile = path.join(runDir, 'summary.json');
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
    summary.drains[0].drill = lines.find((s) => s.kind === 'drain').drill;
    writeFileSync(summaryFile, JSON.stringify(summary));
    await reportRun(runDir);
    const html = readFileSync(path.join(runDir, 'index.html'), 'utf8');
    assert.equal(
      html.match(/<script/gi)!.length,
      3,
      'the data, chart.js and the page script: no script element from the data',
    );
    assert.equal(html.match(/<\/script>/gi)!.length, 3);
    const csv = readFileSync(path.join(runDir, 'steps.csv'), 'utf8');
    assert.equal(csv.trim().split('\n').length, 1 + 29);
    assert.ok(csv.includes(`"'=HYPERLINK(""</script>`), 'a cell starting with = is prefixed with a quote');
    assert.equal(inlineScript('a="</SCRIPT>"; b="<!--"'), 'a="<\\/SCRIPT>"; b="<\\!--"');
    assert.equal(JSON.parse(inlineJson({ s: '</script>&\u2028' })).s, '</script>&\u2028');
    assert.ok(!/[<>&\u2028]/.test(inlineJson({ s: '</script>&\u2028' })));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('history: each run appends one line; torn lines are skipped; the report draws the trend', async () => {
  const { dir, runDir } = tempRun();
  try {
    const history = path.join(dir, 'history.ndjson');
    const a = await readSummary(path.join(fixtures, 'run-3dc'));
    const b = await readSummary(path.join(fixtures, 'run-3dc-costlier'));
    await appendHistory(history, a.summary);
    appendFileSync(history, '{"runId": torn\n');
    await appendHistory(history, b.summary);
    const entries = await readHistory(history);
    assert.deepEqual(
      entries.map((e) => [e.runId, e.status, e.redlines]),
      [
        [
          '20261127-180000-capacity-drill',
          'failed',
          [
            { serverType: 'gen1', rpsPerReplica: 330, cpuMsPerRequest: 1.2 },
            { serverType: 'gen2', rpsPerReplica: 825, cpuMsPerRequest: 1 },
          ],
        ],
        [
          '20261127-190000-capacity-drill',
          'failed',
          [
            { serverType: 'gen1', rpsPerReplica: 240, cpuMsPerRequest: 1.5 },
            { serverType: 'gen2', rpsPerReplica: 600, cpuMsPerRequest: 1.25 },
          ],
        ],
      ],
    );
    assert.deepEqual(await readHistory(path.join(dir, 'none.ndjson')), []);
    await reportRun(runDir, { historyFile: history });
    const html = readFileSync(path.join(runDir, 'index.html'), 'utf8');
    const data = JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]);
    const trend = data.sections.find((s: { id: string }) => s.id === 'trend');
    assert.deepEqual(
      trend.charts[0].datasets.map((d: { label: string; data: number[] }) => [d.label, d.data]),
      [
        ['gen1', [330, 240]],
        ['gen2', [825, 600]],
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('headroom report re-renders a run, keeps its plan, and exits 99 when the baseline shows a regression', async () => {
  const { dir, runDir } = tempRun();
  try {
    const out = new PassThrough(),
      err = new PassThrough();
    let stdout = '',
      stderr = '';
    out.on('data', (d) => (stdout += d));
    err.on('data', (d) => (stderr += d));
    const io = { stdout: out, stderr: err, env: {}, cwd: dir };
    assert.equal(await main(['report', 'run', '--forecast', forecast], io), 0);
    assert.equal(stdout, `${path.join(runDir, 'index.html')}\n`);
    rmSync(path.join(runDir, 'plan.csv'));
    // Without --forecast the plan already in summary.json is kept and plan.csv written again.
    assert.equal(await main(['report', runDir, '--baseline', path.join(fixtures, 'run-3dc')], io), 0);
    assert.match(readFileSync(path.join(runDir, 'plan.csv'), 'utf8'), /^dc,server_type,/);
    // This run against a baseline that was faster: the report still renders, and says so with exit 99.
    cpSync(path.join(fixtures, 'run-3dc-costlier'), path.join(dir, 'slow'), { recursive: true });
    assert.equal(await main(['report', 'slow', '--baseline', runDir], io), 99);
    assert.match(stderr, /regressed against .*: gen1, gen2/);
    assert.match(readFileSync(path.join(dir, 'slow', 'index.html'), 'utf8'), /"id":"baseline"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a real run whose one drill searched two server types: one chart pair per type, with that type's probes only", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'headroom-report-'));
  try {
    const runDir = path.join(dir, 'run');
    cpSync(path.join(fixtures, 'real', 'run-cpu2'), runDir, { recursive: true });
    const res = await reportRun(runDir);
    const html = readFileSync(res.indexHtml, 'utf8');
    const data = JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]);
    const charts = data.sections.find((s: { id: string }) => s.id === 'redlines').charts;
    assert.deepEqual(
      charts.map((c: { id: string }) => c.id),
      ['redline-small-latency', 'redline-small-cpu', 'redline-large-latency', 'redline-large-cpu'],
    );
    for (const r of res.analysis.summary.redlines) {
      const table = charts.find((c: { id: string }) => c.id === `redline-${r.serverType}-latency`).table;
      assert.equal(table.rows.length, r.probes, `${r.serverType}: its ${r.probes} probes`);
    }
    const csv = readFileSync(path.join(runDir, 'redlines.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    // Fits per type differ (they were one mixed fit before probes were matched by pool).
    assert.notEqual(csv[0][10], csv[1][10]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a forecast that fails after one that planned: the stale plan.csv and summary.plan are removed beside "No plan"', async () => {
  const { dir, runDir } = tempRun();
  try {
    await reportRun(runDir, { forecastFile: forecast });
    assert.ok(readSummaryJson(runDir).plan);
    const bad = path.join(dir, 'forecast.csv');
    writeFileSync(bad, 'dc,peak_rps\nuse1,lots\n');
    const res = await reportRun(runDir, { forecastFile: bad });
    assert.equal(res.analysis.planError?.exitCode, 104);
    assert.equal(readSummaryJson(runDir).plan, undefined);
    assert.equal(existsSync(path.join(runDir, 'plan.csv')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the badge states why the run failed: summary.failures, and a regression turns passed into failed', async () => {
  const { dir, runDir } = tempRun();
  try {
    const file = path.join(runDir, 'summary.json');
    const summary = readSummaryJson(runDir);
    writeFileSync(
      file,
      JSON.stringify({
        ...summary,
        status: 'failed',
        failures: [
          { kind: 'survivor', name: 'use1 lost → use2', detail: 'http_req_duration: p(99)<250 broke at 900 req/s' },
          { kind: 'threshold', name: 'http_req_failed: rate<0.05', detail: 'failed (0.2)' },
        ],
      }),
    );
    const data = reportData((await reportRun(runDir)).indexHtml);
    assert.equal(data.status, 'failed');
    assert.deepEqual(data.reasons, ['survivor use1 lost → use2', 'threshold http_req_failed: rate<0.05']);

    writeFileSync(file, JSON.stringify({ ...summary, status: 'passed' }));
    cpSync(path.join(fixtures, 'run-3dc-costlier'), path.join(dir, 'slow'), { recursive: true });
    const regressed = await reportRun(path.join(dir, 'slow'), { baselineRunDir: runDir });
    assert.ok(regressed.analysis.comparison!.regressed.length > 0);
    const page = reportData(regressed.indexHtml);
    assert.equal(page.status, 'failed');
    assert.deepEqual(
      page.reasons,
      regressed.analysis.comparison!.regressed.map((t) => `regression ${t}`),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function readSummaryJson(runDir: string) {
  return JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
}

function reportData(indexHtml: string) {
  const html = readFileSync(indexHtml, 'utf8');
  return JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]);
}
