// `headroom plan`, `report` and `compare` on a recorded run give the plan, its range, the comparison and the
// verdict that the drill's end (analyseRun with its defaults) gives for the same run, forecast and baseline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { analyseRun, completed } from '../capacity';
import { readForecast, readRunSamples, writeSummary } from '../results';
import { main } from './main';
import { planJson } from './plan';

const root = path.join(__dirname, '..', '..');
const fixtures = path.join(root, 'harness', 'report', 'fixtures');
const forecast = path.join(root, 'harness', 'capacity', 'fixtures', 'forecast-3dc.csv');

async function headroom(argv: string[], cwd: string) {
  const out = new PassThrough(),
    err = new PassThrough();
  let stdout = '',
    stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  const code = await main(argv, { stdout: out, stderr: err, env: {}, cwd });
  return { code, stdout, stderr };
}

test('plan, compare and report agree with the analysis a drill makes of the same run', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'headroom-same-'));
  try {
    const runDir = path.join(dir, 'run');
    cpSync(path.join(fixtures, 'run-3dc-costlier'), runDir, { recursive: true });
    const baselineDir = path.join(fixtures, 'run-3dc');
    const run = await readRunSamples(runDir);
    const baseline = await readRunSamples(baselineDir);
    // As the drill's end calls it: the forecast and the baseline as read at its start, default options.
    const { status: _status, ...measured } = run.summary;
    const drill = analyseRun({
      summary: measured,
      steps: run.steps,
      forecast: { rows: readForecast(forecast, ['use1', 'use2', 'euw1']) },
      baseline,
      ending: completed,
      options: { redlineSource: run.file },
    });
    assert.ok(drill.plan && drill.range && drill.comparison?.regressed.length);
    writeSummary(runDir, drill.summary);

    const plan = await headroom(['plan', '--capacity', runDir, '--forecast', forecast, '--json'], dir);
    assert.equal(plan.code, 0, plan.stderr);
    assert.deepEqual(JSON.parse(plan.stdout), JSON.parse(JSON.stringify(planJson(drill.plan, drill.range))));

    const compare = await headroom(['compare', baselineDir, runDir, '--json'], dir);
    assert.equal(compare.code, 99, compare.stderr);
    assert.deepEqual(JSON.parse(compare.stdout), JSON.parse(JSON.stringify(drill.comparison)));

    const report = await headroom(['report', runDir, '--forecast', forecast, '--baseline', baselineDir], dir);
    assert.equal(report.code, 99, report.stderr);
    // Read back and analysed again with the same forecast and baseline, the run means what the drill said.
    const written = JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
    assert.deepEqual(written, JSON.parse(JSON.stringify(drill.summary)));
    assert.deepEqual(
      written.failures.map((f: { kind: string }) => f.kind),
      ['survivor', 'survivor', 'survivor', 'survivor', 'regression', 'regression'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
