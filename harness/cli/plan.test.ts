import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from './main';
import type { CliIo } from './io';

const root = path.join(__dirname, '..', '..');
const runDir = path.join(root, 'harness', 'report', 'fixtures', 'run-3dc');
const forecast = path.join(root, 'harness', 'capacity', 'fixtures', 'forecast-3dc.csv');

async function headroom(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough(),
    err = new PassThrough();
  let stdout = '',
    stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  const io: CliIo = { stdout: out, stderr: err, env: {}, cwd: root };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

test('plan --json prints exactly the plan and the cheapest type per DC', async () => {
  const { code, stdout } = await headroom([
    'plan',
    '--capacity',
    runDir,
    '--forecast',
    forecast,
    '--growth',
    '20%',
    '--json',
  ]);
  assert.equal(code, 0);
  // Redlines of the fixture run: gen1 330, gen2 825 req/s per replica; at 80%: 264 and 660 per server.
  // use1 (1200 req/s, 1714.3 with use2 lost): gen1 ceil(4.55)+1 = 6 and ceil(6.49)+1 = 8; gen2 3 and 4.
  const { range, ...parsed } = JSON.parse(stdout);
  // Redlines without intervals and a forecast without peak ranges: the range is the point plan.
  assert.deepEqual(range.dcs[0].servers, { p5: 8, p50: 8, p95: 8 });
  assert.deepEqual([range.draws, range.seed], [2000, 1]);
  assert.deepEqual(range.rejected[0], {
    dc: 'use1',
    serverType: 'gen2',
    reason: 'cost',
    explanation: '4 × gen2 cost 0.88/h against 8 × gen1 at 0.8/h (+10.0%)',
  });
  assert.deepEqual(parsed, {
    plan: [
      { dc: 'use1', serverType: 'gen1', normal: 6, withDcLoss: 8, bindingLoss: 'use2', current: 40, costPerHour: 0.8 },
      {
        dc: 'use1',
        serverType: 'gen2',
        normal: 3,
        withDcLoss: 4,
        bindingLoss: 'use2',
        current: null,
        costPerHour: 0.88,
      },
      { dc: 'use2', serverType: 'gen1', normal: 4, withDcLoss: 7, bindingLoss: 'use1', current: 12, costPerHour: 0.7 },
      {
        dc: 'use2',
        serverType: 'gen2',
        normal: 3,
        withDcLoss: 4,
        bindingLoss: 'use1',
        current: null,
        costPerHour: 0.88,
      },
      { dc: 'euw1', serverType: 'gen1', normal: 3, withDcLoss: 5, bindingLoss: 'use1', current: 14, costPerHour: 0.5 },
      {
        dc: 'euw1',
        serverType: 'gen2',
        normal: 2,
        withDcLoss: 3,
        bindingLoss: 'use1',
        current: null,
        costPerHour: 0.66,
      },
    ],
    recommended: [
      { dc: 'use1', serverType: 'gen1', servers: 8, costPerHour: 0.8 },
      { dc: 'use2', serverType: 'gen1', servers: 7, costPerHour: 0.7 },
      { dc: 'euw1', serverType: 'gen1', servers: 5, costPerHour: 0.5 },
    ],
  });
  assert.equal(stdout.trim().split('\n').length, 1, 'one line of JSON, nothing else on stdout');
  assert.ok(
    stdout.startsWith(
      '{"plan":[{"dc":"use1","serverType":"gen1","normal":6,"withDcLoss":8,"bindingLoss":"use2","current":40,"costPerHour":0.8}',
    ),
  );
});

test('plan --json with redline intervals and forecast peak ranges: p5 < p50 < p95 servers, the same figures run after run', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'headroom-plan-range-'));
  try {
    const summary = JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
    for (const r of summary.redlines)
      if (r.serverType === 'gen1' && r.rpsPerReplica !== null)
        r.interval = [r.rpsPerReplica * 0.85, r.rpsPerReplica * 1.15];
    writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary));
    const csv = path.join(dir, 'forecast.csv');
    writeFileSync(
      csv,
      'dc,peak_rps,peak_rps_low,peak_rps_high,current_gen1\nuse1,1000,800,1300,40\nuse2,600,500,700,12\neuw1,400,350,450,14\n',
    );
    const run = () => headroom(['plan', '--capacity', dir, '--forecast', csv, '--growth', '20%', '--json']);
    const first = await run();
    assert.equal(first.code, 0, first.stderr);
    const { range } = JSON.parse(first.stdout);
    const use1 = range.dcs.find((d: { dc: string }) => d.dc === 'use1');
    assert.ok(use1.servers.p5 < use1.servers.p50 && use1.servers.p50 < use1.servers.p95, JSON.stringify(use1.servers));
    assert.ok(range.totalCostPerHour.p5 < range.totalCostPerHour.p95);
    assert.equal((await run()).stdout, first.stdout, 'seeded: the same input gives the same range');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('plan without --json prints a table; --utilization, --spares and --out apply', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'headroom-plan-'));
  try {
    // u = 1, k = 0: use1 gen1 needs ceil(1714.3 / 330) = 6 with use2 lost, ceil(1200 / 330) = 4 normally.
    const { code, stdout } = await headroom([
      'plan',
      '--capacity',
      path.join(runDir, 'summary.json'),
      '--forecast',
      forecast,
      '--growth',
      '0.2',
      '--utilization',
      '1',
      '--spares',
      '0',
      '--out',
      out,
    ]);
    assert.equal(code, 0);
    assert.match(stdout, /^use1 +gen1 +1200 +4 +6 +use2 +40 /m);
    assert.match(stdout, /utilization 100% of redline, 0 spare\(s\) per pool, default growth 20%/);
    const csv = readFileSync(path.join(out, 'plan.csv'), 'utf8').split('\n');
    assert.equal(
      csv[0],
      'dc,server_type,redline_rps_per_replica,peak_rps,normal_servers,with_dc_loss_servers,binding_loss_dc,binding_load_rps,current_servers,cost_per_hour,recommended,dc_fleet_capacity_rps,dc_fleet_headroom_rps,dc_fleet_status',
    );
    // Today use1 runs 40 gen1: 40 × 330 = 13200 req/s for 1714.3 with use2 lost.
    assert.equal(csv[1], 'use1,gen1,330,1200,4,6,use2,1714.286,40,0.6,yes,13200,11485.714,over-provisioned');
    assert.match(stdout, /^use2 +12 × gen1 +3960 +1440 +2520 +over-provisioned$/m);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('a forecast naming an unknown DC exits 104 naming file, line, column and value', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'headroom-plan-'));
  try {
    const bad = path.join(dir, 'forecast.csv');
    writeFileSync(bad, 'dc,peak_rps\nuse1,100\nuse2,50\nmars1,10\neuw1,5\n');
    const { code, stdout, stderr } = await headroom(['plan', '--capacity', runDir, '--forecast', bad, '--json']);
    assert.equal(code, 104);
    assert.equal(stdout, '');
    assert.equal(
      stderr,
      `headroom: ${bad}: line 4, column 1 (dc): unknown dc 'mars1'; expected one of use1, use2, euw1\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a redline of zero in the run exits 104 with a clear message', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'headroom-plan-'));
  try {
    cpSync(runDir, dir, { recursive: true });
    const file = path.join(dir, 'summary.json');
    const summary = JSON.parse(readFileSync(file, 'utf8'));
    summary.redlines[1].rpsPerReplica = 0;
    writeFileSync(file, JSON.stringify(summary));
    const { code, stderr } = await headroom(['plan', '--capacity', dir, '--forecast', forecast]);
    assert.equal(code, 104);
    assert.match(
      stderr,
      /summary\.json: redlines\[gen2\]\.rpsPerReplica: is 0: no load held its guards, so servers of this type cannot be planned/,
    );
    assert.match(stderr, /hint: look at the redline drill of this server type/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad flags: a missing --forecast is a usage error (2), a bad utilization a config error (104)', async () => {
  assert.equal((await headroom(['plan', '--capacity', runDir])).code, 104);
  const bad = await headroom(['plan', '--capacity', runDir, '--forecast', forecast, '--utilization', '1.5']);
  assert.equal(bad.code, 104);
  assert.match(bad.stderr, /--utilization: value '1\.5'/);
  const missing = await headroom(['plan', '--capacity', '/nonexistent/run', '--forecast', forecast]);
  assert.equal(missing.code, 104);
  assert.match(missing.stderr, /\/nonexistent\/run: not found; expected a run directory/);
});
