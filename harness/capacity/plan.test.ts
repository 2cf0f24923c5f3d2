import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, ExitCode, exitCodeOf } from '../common';
import { parseForecastCsv } from '../results';
import { plan, defaultPlanOptions, type PlanInput, type PlanRow } from './index';

const dcs = ['use1', 'use2', 'euw1'];
const fixture = path.join(__dirname, 'fixtures', 'forecast-3dc.csv');
const serverTypes = { gen1: { costPerHour: 0.1 }, gen2: { costPerHour: 0.22 } };
const redlines = [
  { serverType: 'gen1', rpsPerReplica: 100 },
  { serverType: 'gen2', rpsPerReplica: 250 },
];
const opts = { ...defaultPlanOptions, utilization: 0.8, spares: 1, growth: 0.2 };

function input(over: Partial<PlanInput> = {}): PlanInput {
  return {
    redlines,
    serverTypes,
    forecast: parseForecastCsv(readFileSync(fixture, 'utf8'), fixture, dcs),
    dcs,
    ...over,
  };
}
const pick = (rows: PlanRow[]) =>
  rows.map((r) => ({
    dc: r.dc,
    serverType: r.serverType,
    normal: r.normal,
    withDcLoss: r.withDcLoss,
    bindingLoss: r.bindingLoss,
    current: r.current,
    costPerHour: r.costPerHour,
  }));

// By hand, peaks grown 20%: use1 1200, use2 720, euw1 480; R·u: gen1 80, gen2 200 req/s per server.
// Losing use2, use1 carries 1200 + 720·1000/1400 = 1714.29; losing euw1 only 1200 + 480·1000/1600 = 1500.
// use2 losing use1: 720 + 1200·600/1000 = 1440 (exactly 18 gen1 servers: the ceil must not round 18 up).
// euw1 losing use1: 480 + 1200·400/1000 = 960 (exactly 12 gen1).
test('three DCs with unequal demand, two types, growth and N+1: every count by hand, binding loss named', () => {
  const p = plan(input(), opts);
  assert.deepEqual(pick(p.plan), [
    { dc: 'use1', serverType: 'gen1', normal: 16, withDcLoss: 23, bindingLoss: 'use2', current: 40, costPerHour: 2.3 },
    { dc: 'use1', serverType: 'gen2', normal: 7, withDcLoss: 10, bindingLoss: 'use2', current: null, costPerHour: 2.2 },
    { dc: 'use2', serverType: 'gen1', normal: 10, withDcLoss: 19, bindingLoss: 'use1', current: 12, costPerHour: 1.9 },
    { dc: 'use2', serverType: 'gen2', normal: 5, withDcLoss: 9, bindingLoss: 'use1', current: null, costPerHour: 1.98 },
    { dc: 'euw1', serverType: 'gen1', normal: 7, withDcLoss: 13, bindingLoss: 'use1', current: 14, costPerHour: 1.3 },
    { dc: 'euw1', serverType: 'gen2', normal: 4, withDcLoss: 6, bindingLoss: 'use1', current: null, costPerHour: 1.32 },
  ]);
  // The cheapest type differs per DC: gen2 in use1 (10 × 0.22 < 23 × 0.10), gen1 elsewhere.
  assert.deepEqual(p.recommended, [
    { dc: 'use1', serverType: 'gen2', servers: 10, costPerHour: 2.2 },
    { dc: 'use2', serverType: 'gen1', servers: 19, costPerHour: 1.9 },
    { dc: 'euw1', serverType: 'gen1', servers: 13, costPerHour: 1.3 },
  ]);
  assert.equal(p.totalCostPerHour, 5.4);
  const byKey = new Map(p.plan.map((r) => [`${r.dc}/${r.serverType}`, r]));
  assert.equal(byKey.get('use1/gen1')!.bindingLoadRps, 1714.286);
  assert.equal(byKey.get('use2/gen1')!.bindingLoadRps, 1440);
  // Today's fleet (gen1 only) in the binding case, spares set aside, at 80%:
  // use1 (40 - 1) × 80 = 3120 for 1714.3 (more than 1.5×: over-provisioned); use2 (12 - 1) × 80 = 880 for 1440 (short by 560);
  // euw1 (14 - 1) × 80 = 1040 for 960 (ok, 80 to spare).
  assert.deepEqual(
    p.fleet.map((f) => [f.dc, f.capacityRps, f.bindingLoss, f.headroomRps, f.status]),
    [
      ['use1', 3120, 'use2', 1405.714, 'over-provisioned'],
      ['use2', 880, 'use1', -560, 'short'],
      ['euw1', 1040, 'use1', 80, 'ok'],
    ],
  );
});

test("a mixed fleet's headroom adds its types: spares set aside per pool", () => {
  // use1 today: 10 gen1 and 5 gen2 -> (10 - 1) × 80 + (5 - 1) × 200 = 1520 for 1714.3 with use2 lost: short by 194.3.
  // use2: 0 gen1 (no pool, no spares to remove) and 9 gen2 -> 8 × 200 = 1600 for 1440: ok. euw1: no columns filled -> unknown.
  const forecast = parseForecastCsv(
    'dc,peak_rps,current_gen1,current_gen2\nuse1,1000,10,5\nuse2,600,0,9\neuw1,400,,\n',
    'mixed.csv',
    dcs,
  );
  const p = plan({ ...input(), forecast }, opts);
  assert.deepEqual(
    p.fleet.map((f) => [f.dc, f.current, f.capacityRps, f.headroomRps, f.status]),
    [
      ['use1', { gen1: 10, gen2: 5 }, 1520, -194.286, 'short'],
      ['use2', { gen1: 0, gen2: 9 }, 1600, 160, 'ok'],
      ['euw1', {}, null, null, 'unknown'],
    ],
  );
});

test('a failover map replaces the proportional spread and can move the binding case', () => {
  // use1's traffic goes 25% to use2 and 75% to euw1: euw1 carries 480 + 900 = 1380 -> ceil(17.25) + 1 = 19 gen1.
  // use2: losing use1 gives 720 + 300 = 1020, more than losing euw1 (900, proportional) -> 14 gen1.
  const p = plan(input({ failover: { use1: { use2: 0.25, euw1: 0.75 } } }), opts);
  const row = (dc: string) => p.plan.find((r) => r.dc === dc && r.serverType === 'gen1')!;
  assert.deepEqual([row('euw1').withDcLoss, row('euw1').bindingLoss, row('euw1').bindingLoadRps], [19, 'use1', 1380]);
  assert.deepEqual([row('use2').withDcLoss, row('use2').bindingLoss, row('use2').bindingLoadRps], [14, 'use1', 1020]);
});

test("a forecast row's own growth overrides the default growth", () => {
  const forecast = parseForecastCsv('dc,peak_rps,growth\nuse1,1000,50%\nuse2,600,\neuw1,400,0\n', 'f.csv', dcs);
  const p = plan({ ...input(), forecast }, { ...opts, growth: 0.2 });
  const row = (dc: string) => p.plan.find((r) => r.dc === dc && r.serverType === 'gen1')!;
  assert.deepEqual([row('use1').peakRps, row('use2').peakRps, row('euw1').peakRps], [1500, 720, 400]);
  assert.equal(row('use1').normal, Math.ceil(1500 / 80) + 1); // 19 + 1
});

test('a zero forecast needs only the spares, and no DC loss binds', () => {
  const forecast = parseForecastCsv('dc,peak_rps\nuse1,0\nuse2,0\neuw1,0\n', 'zero.csv', dcs);
  const p = plan({ ...input(), forecast }, opts);
  for (const r of p.plan)
    assert.deepEqual([r.normal, r.withDcLoss, r.bindingLoss], [1, 1, null], `${r.dc}/${r.serverType}`);
  assert.deepEqual(
    p.recommended.map((r) => [r.dc, r.serverType, r.servers]),
    [
      ['use1', 'gen1', 1],
      ['use2', 'gen1', 1],
      ['euw1', 'gen1', 1],
    ],
  );
});

test('survivors with no traffic of their own share a lost DC evenly', () => {
  const forecast = parseForecastCsv('dc,peak_rps\nuse1,800\nuse2,0\neuw1,0\n', 'one.csv', dcs);
  const p = plan({ ...input(), forecast }, { ...opts, growth: 0 });
  const row = p.plan.find((r) => r.dc === 'use2' && r.serverType === 'gen1')!;
  assert.deepEqual([row.bindingLoss, row.bindingLoadRps, row.withDcLoss], ['use1', 400, 6]); // 400/80 = 5, + 1
});

test('a forecast naming an unknown DC is a ConfigError (exit 104) naming file, line, column and value', () => {
  assert.throws(
    () => parseForecastCsv('dc,peak_rps\nuse1,10\nusw9,5\nuse2,1\neuw1,1\n', 'forecast.csv', dcs),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(exitCodeOf(err), ExitCode.invalidConfig);
      assert.equal(
        err.message,
        "forecast.csv: line 3, column 1 (dc): unknown dc 'usw9'; expected one of use1, use2, euw1",
      );
      return true;
    },
  );
});

test('every problem in a forecast is reported at once', () => {
  assert.throws(
    () => parseForecastCsv('dc,peak_rps,current_gen1\nuse1,lots,3\nuse2,5,2.5\n', 'bad.csv', dcs),
    (err: unknown) => {
      assert.equal(exitCodeOf(err), 104);
      const msg = (err as Error).message;
      assert.match(msg, /bad\.csv: line 2, column 2 \(peak_rps\): value 'lots' is not a rate/);
      assert.match(msg, /bad\.csv: line 3, column 3 \(current_gen1\): value '2\.5' is not a server count/);
      assert.match(msg, /no row for dc 'euw1'/);
      return true;
    },
  );
});

test('a redline of zero, or none at all, is a clear error naming the server type', () => {
  assert.throws(
    () =>
      plan(
        input({
          redlines: [redlines[0], { serverType: 'gen2', rpsPerReplica: 0 }],
          redlineSource: 'reports/r1/summary.json',
        }),
        opts,
      ),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(
        err.message,
        /^reports\/r1\/summary\.json: redlines\[gen2\]\.rpsPerReplica: is 0: no load held its guards/,
      );
      return true;
    },
  );
  assert.throws(
    () => plan(input({ redlines: [{ serverType: 'gen1', rpsPerReplica: null }] }), opts),
    /redlines\[gen1\]\.rpsPerReplica: is null/,
  );
  assert.throws(() => plan(input({ redlines: [] }), opts), /no server type has a redline/);
});

test('a current_<type> column for a type the run did not measure is named', () => {
  const forecast = parseForecastCsv('dc,peak_rps,current_gen9\nuse1,1,1\nuse2,1,1\neuw1,1,1\n', 'f.csv', dcs);
  assert.throws(
    () => plan({ ...input(), forecast }, opts),
    /f\.csv: line 2, current_gen9: server type 'gen9' has no redline in this run/,
  );
});

test('utilization outside (0, 1] is refused', () => {
  assert.throws(
    () => plan(input(), { ...opts, utilization: 1.5 }),
    (err: unknown) => err instanceof ConfigError && /utilization/.test(err.message),
  );
});

test('a noBreach redline (no breach up to the cap) is refused with that reason, not planned from its cap', () => {
  const noBreach = [{ serverType: 'gen1', rpsPerReplica: null, status: 'noBreach' as const, atLeast: 60 }, redlines[1]];
  assert.throws(
    () => plan(input({ redlines: noBreach }), opts),
    (e: unknown) =>
      e instanceof ConfigError &&
      exitCodeOf(e) === ExitCode.invalidConfig &&
      /no breach up to 60 req\/s per replica: that is not a redline/.test(e.message),
  );
});
