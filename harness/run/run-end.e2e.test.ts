// The end of a real drill, counted: `headroom drill --baseline RUN --forecast CSV --junit FILE` on a token
// bucket of its own (harness/cluster/testing/bucket-server.js on port 17301) writes summary.json once, reads
// the forecast and the baseline once each, and renders the JUnit file from memory; `headroom plan`, `report`
// and `compare` on the same run give the drill's plan, its page and its comparison. The drill runs in this
// process (through cli/main) so that every write and read of those files is counted at node:fs.
import { after, before, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { type BucketServers, startBucketServers } from '../cluster/testing/bucket-servers';
import type { Summary } from '../results';

const scenario = path.join(__dirname, 'fixtures', 'r22', 'r22-redline.ts');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-run-end-'));
const out = path.join(tmp, 'run');
const summaryFile = path.join(out, 'summary.json');
const forecastFile = path.join(tmp, 'forecast.csv');
const baselineDir = path.join(tmp, 'baseline');
const baselineSummary = path.join(baselineDir, 'summary.json');
const junitFile = path.join(tmp, 'junit.xml');
let servers: BucketServers | null = null;

const counts = { summaryWrites: 0, forecastReads: 0, baselineReads: 0 };
const same = (p: unknown, file: string) =>
  (typeof p === 'string' || p instanceof URL) && path.resolve(String(p)) === file;
const wrote = (p: unknown) => {
  if (same(p, summaryFile)) counts.summaryWrites++;
};
const read = (p: unknown) => {
  if (same(p, forecastFile)) counts.forecastReads++;
  if (same(p, baselineSummary)) counts.baselineReads++;
};

/**
 * Every way node:fs writes or reads a whole file, counted for the three files. Installed before the harness is
 * loaded: a module's `import * as fs` copies node:fs's functions when it is first loaded.
 */
function countFiles(): void {
  const spy = (target: object, name: string, count: (p: unknown) => void, arg: number) => {
    const original = (target as Record<string, (...a: unknown[]) => unknown>)[name];
    mock.method(target, name as never, (...a: unknown[]) => {
      count(a[arg]);
      return original(...a);
    });
  };
  spy(fs, 'renameSync', wrote, 1);
  spy(fs, 'writeFileSync', wrote, 0);
  spy(fs, 'readFileSync', read, 0);
  spy(fsp, 'rename', wrote, 1);
  spy(fsp, 'writeFile', wrote, 0);
  spy(fsp, 'readFile', read, 0);
}

before(async () => {
  servers = await startBucketServers([{ port: 17301, rate: 40, cpuMs: 1 }]);
  fs.writeFileSync(forecastFile, 'dc,peak_rps,growth\nlab1,100,0\n');
  // An earlier run of the same cluster in which even small's lowest probe broke: nothing to start the search
  // from (a known redline would make the search longer), and a comparison in which this run cannot regress.
  fs.mkdirSync(baselineDir);
  const baseline = {
    runId: 'r22-baseline',
    status: 'passed',
    scenario: 'r22-redline',
    scenarioFile: scenario,
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:01:00.000Z',
    cluster: {
      name: 'r22-bucket',
      serverTypes: { small: { cpus: 0.25, memoryMb: 256, workers: 1, costPerHour: 0.1 } },
      dcs: [{ name: 'lab1', region: 'lab', demand: 1, pools: { small: 1 } }],
    },
    redlines: [
      { drill: 'redline', serverType: 'small', pool: 'lab1/small', rpsPerReplica: null, status: 'allBreached' },
    ],
    sweeps: [],
    drains: [],
    failovers: [],
    thresholds: {},
  };
  fs.writeFileSync(baselineSummary, JSON.stringify(baseline));
  countFiles();
});

after(async () => {
  mock.restoreAll();
  await servers?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function headroom(argv: string[]) {
  const { main } = await import('../cli/main');
  const o = new PassThrough(),
    e = new PassThrough();
  let stdout = '',
    stderr = '';
  o.on('data', (d) => (stdout += d));
  e.on('data', (d) => (stderr += d));
  const code = await main(argv, { stdout: o, stderr: e, env: { HEADROOM_LIVE: '0' }, cwd: tmp });
  return { code, stdout, stderr };
}

test('one drill writes summary.json once and reads its forecast and baseline once; plan, report and compare agree with it', async () => {
  const drill = await headroom([
    'drill',
    scenario,
    '--out',
    out,
    '--baseline',
    baselineDir,
    '--forecast',
    forecastFile,
    '--junit',
    junitFile,
  ]);
  const log = drill.stderr;
  assert.deepEqual(counts, { summaryWrites: 1, forecastReads: 1, baselineReads: 1 }, log);
  const summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as Summary;
  const regressed = (summary.failures ?? []).filter((f) => f.kind === 'regression').map((f) => f.name);
  assert.ok(summary.status === 'passed' || summary.status === 'failed', `${summary.status}: ${summary.error}\n${log}`);
  assert.equal(drill.code, summary.status === 'passed' ? 0 : 99, log);
  assert.equal(drill.stdout, `${path.join(out, 'index.html')}\n`);
  assert.ok(
    summary.redlines[0]?.rpsPerReplica,
    `a redline below the bucket's cliff: ${JSON.stringify(summary.redlines)}`,
  );
  assert.ok(summary.plan, log);
  // JUnit from the drill's analysis in memory: the comparison with the baseline is a test case of its own.
  const junit = fs.readFileSync(junitFile, 'utf8');
  assert.match(junit, /<testcase name="redline small against the baseline"/);
  assert.match(log, new RegExp(`^headroom: ${summary.status.toUpperCase()} r22-redline on r22-bucket`, 'm'));

  // `headroom plan` on the run: the drill's plan.
  const plan = await headroom(['plan', '--capacity', out, '--forecast', forecastFile, '--json']);
  assert.equal(plan.code, 0, plan.stderr);
  const { planJson } = await import('../cli/plan');
  const { range: _range, ...planned } = JSON.parse(plan.stdout);
  assert.deepEqual(planned, JSON.parse(JSON.stringify(planJson(summary.plan))));

  // `headroom compare` against the same baseline: the drill's verdict on each server type.
  const compare = await headroom(['compare', baselineDir, out, '--json']);
  assert.equal(compare.code, regressed.length ? 99 : 0, compare.stderr);
  const comparison = JSON.parse(compare.stdout);
  assert.deepEqual(comparison.regressed, regressed);
  assert.deepEqual(
    comparison.types.map((t: { serverType: string; redlineB: number | null }) => [t.serverType, t.redlineB]),
    [['small', summary.redlines[0].rpsPerReplica]],
  );

  // `headroom report` with the same forecast and baseline: the same analysis, so summary.json is left as the
  // drill wrote it and the page is the drill's, byte for byte.
  const page = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
  const report = await headroom(['report', out, '--forecast', forecastFile, '--baseline', baselineDir]);
  assert.equal(report.code, regressed.length ? 99 : 0, report.stderr);
  assert.equal(counts.summaryWrites, 1, 'the report found nothing to change in summary.json');
  assert.equal(fs.readFileSync(path.join(out, 'index.html'), 'utf8'), page);
});
