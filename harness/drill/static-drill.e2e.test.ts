// Drills on existing servers (driver: static): bucket servers of known capacity (child processes on ports
// 12100-12199, harness/cluster/testing/bucket-server.js) are redlined through `headroom drill`. The redline
// of each server type lands below its bucket's rate, CPU comes from the servers' own metrics, the report and
// the plan for a forecast are written, nothing is marked out for lack of resource samples, and a CPU guard
// without a metrics source is refused before anything starts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { type BucketServers, startBucketServers } from '../cluster/testing/bucket-servers';
import type { StepRecord, Summary } from '../results';
import { assertBucketRedline } from './testing/bucket-redline';

const fixtures = path.join(__dirname, 'fixtures', 'static');
const headroomJs = path.join(__dirname, '..', 'cli', 'headroom.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-static-'));
const capacity = { small: 30, large: 60 };
let servers: BucketServers | null = null;

before(async () => {
  servers = await startBucketServers([
    { port: 12101, rate: capacity.small, cpuMs: 1 },
    { port: 12103, rate: capacity.large, cpuMs: 1 },
    { port: 12105, rate: 1, burst: 0 },
    // bucket-no-metrics.yaml's servers: the same capacities on their own ports, so its drill runs beside the first.
    { port: 12111, rate: capacity.small, cpuMs: 1 },
    { port: 12113, rate: capacity.large, cpuMs: 1 },
  ]);
});

after(async () => {
  await servers?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/**
 * `headroom drill` in a process of its own: the drills run side by side, and in one process their generators
 * shared one event loop (a send lag of 85-100 ms at p99 made the steps unstable beside busy test lanes).
 */
async function drill(scenario: string, name: string) {
  const out = path.join(tmp, name);
  const child = spawn(process.execPath, [headroomJs, 'drill', path.join(fixtures, scenario), '--out', out], {
    cwd: tmp,
    env: { PATH: process.env.PATH, HEADROOM_LIVE: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const summaryFile = path.join(out, 'summary.json');
  const summary = fs.existsSync(summaryFile) ? (JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as Summary) : null;
  const stepsFile = path.join(out, 'steps.ndjson');
  const steps = fs.existsSync(stepsFile)
    ? fs
        .readFileSync(stepsFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as StepRecord)
    : [];
  return { code, summary, steps, log, out };
}

const markedOut = (steps: StepRecord[]) => steps.flatMap((s) => s.annotations.filter((a) => a.includes('marked out')));
/**
 * Servers marked out for what a static cluster never has: resource samples (Docker's). A server marked out for a
 * silence (a starved machine can stall one for a second) is the replica watch doing its job: said, not failed.
 */
const markedOutForSamples = (steps: StepRecord[]) =>
  markedOut(steps).filter((a) => /missing from the resource samples/.test(a));

// The drills use servers of their own: they run side by side (their figures come from token buckets,
// not from the machine's CPU).
describe('drills on existing servers', { concurrency: true }, () => {
  test('a redline per server type on existing servers lands below the rate of its bucket; CPU from their own metrics; the report and the plan', async (t) => {
    // One drill per server type, side by side: each server is a token bucket of its own.
    const types = Object.keys(capacity) as (keyof typeof capacity)[];
    const runs = await Promise.all(types.map((type) => drill(`redline-${type}.ts`, `redline-${type}`)));
    types.forEach((type, i) => {
      const { code, summary, steps, log, out } = runs[i];
      const rate = capacity[type];
      assert.equal(code, 0, log);
      assert.ok(summary, log);
      const r = summary.redlines.find((x) => x.serverType === type);
      assert.ok(r, `a redline of ${type}: ${JSON.stringify(summary.redlines)}`);
      t.diagnostic(
        `${type}: redline ${r.rpsPerReplica} req/s for a bucket of ${rate}, ${r.cpuMsPerRequest} CPU ms/request, ` +
          `${r.probes} probes in ${r.durationS} s`,
      );
      const note = assertBucketRedline(r, steps, rate, log);
      if (note) t.diagnostic(`${type}: ${note}`);
      assert.match(r.limitedBy, /http_req_duration/);
      // Each answer burns 1 ms of CPU: the scraped CPU per request is at least that.
      assert.ok(
        r.cpuMsPerRequest !== null && r.cpuMsPerRequest >= 0.9 && r.cpuMsPerRequest < 10,
        `${type}: ${r.cpuMsPerRequest} CPU ms per request`,
      );
      // The steps that held read the servers' CPU (a breached one may miss a scrape of a starved server).
      for (const step of steps.filter((x) => x.verdict === 'held')) {
        const cpu = step.guards.find((g) => g.metric === 'cpu_share');
        assert.ok(cpu && cpu.value !== null && !cpu.noData, `step ${step.index}: ${JSON.stringify(step.guards)}`);
      }
      assert.deepEqual(markedOutForSamples(steps), []);
      for (const a of markedOut(steps)) t.diagnostic(`${type}: ${a}`);
      // The report of the run, and the plan for the forecast from this redline.
      const html = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
      assert.match(html, new RegExp(`static-redline-${type}`));
      const row = summary.plan?.plan.find((p) => p.dc === 'lab1' && p.serverType === type);
      assert.ok(row, `a plan row for lab1/${type}: ${JSON.stringify(summary.plan)}\n${log}`);
      assert.equal(row.redlineRps, r.rpsPerReplica);
      assert.equal(row.peakRps, 100);
      assert.ok(row.withDcLoss >= 1, JSON.stringify(row));
      assert.ok(fs.existsSync(path.join(out, 'plan.csv')));
    });
  });

  test('without a metrics source: a drill on latency and errors runs, nothing marked out; a CPU guard is refused (exit 104)', async (t) => {
    const [refused, latencyOnly] = await Promise.all([
      drill('cpu-guard-no-source.ts', 'refused'),
      drill('latency-only.ts', 'latency-only'),
    ]);
    assert.equal(refused.code, 104, refused.log);
    assert.match(
      refused.log,
      /guards\.cpu_share: guard 'cpu_share: avg<0\.95' has no data source: pools lab1\/small, lab1\/large of static cluster bucket-no-metrics/,
    );
    assert.equal(refused.summary, null, 'nothing started');

    const { code, summary, steps, log } = latencyOnly;
    assert.equal(code, 0, log);
    assert.ok(summary, log);
    const [r] = summary.redlines;
    t.diagnostic(
      `large, no metrics: redline ${r.rpsPerReplica} req/s for a bucket of ${capacity.large}, ${r.probes} probes in ${r.durationS} s`,
    );
    const note = assertBucketRedline(r, steps, capacity.large, log);
    if (note) t.diagnostic(note);
    assert.equal(r.cpuMsPerRequest, null);
    assert.deepEqual(markedOutForSamples(steps), []);
    for (const a of markedOut(steps)) t.diagnostic(a);
  });

  test('a pool whose server never answers: marked out for its silence, and no redline for a pool that served nothing', async () => {
    const { code, summary, steps, log } = await drill('silent.ts', 'silent');
    assert.equal(code, 0, log);
    assert.ok(summary, log);
    const [r] = summary.redlines;
    assert.equal(r.rpsPerReplica, null, JSON.stringify(r));
    assert.equal(r.limitedBy, 'no serving replica');
    assert.match(log, /silent-lab1-small-1 marked out .*not answering/);
    assert.ok(
      steps.every((s) => s.verdict !== 'held'),
      JSON.stringify(steps.map((s) => s.verdict)),
    );
  });
});
