// Faulted probes and saturation against real Docker on the fault tests'
// pool (two small replicas, ports 16100-16199): a replica paused mid-search is marked out, back in, and
// its probe repeated, so the redline and CPU per request stay close to a run without the fault (run side by
// side on fault-test-pool-b.yaml, ports 16200-16299, so both meet the same machine); a pool offered far more
// than it can serve is saturated, not dead, and no replica is marked out.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { silentLogger } from '../common';
import { createDriver, type RunningCluster } from '../cluster';
import { loadClusterFile } from '../config';
import { runScenario } from './index';
import type { StepRecord } from '../results';

const root = path.resolve(__dirname, '..', '..');
const fixtures = path.join(__dirname, 'fixtures');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-pool-faults-'));

after(async () => {
  await createDriver(await loadClusterFile(path.join(fixtures, 'fault-test-pool.yaml'))).down();
  await createDriver(await loadClusterFile(path.join(fixtures, 'fault-test-pool-b.yaml'))).down();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function run(name: string, onUp?: (c: RunningCluster) => Promise<void>, scenario = 'fault-test-redline.ts') {
  const out = path.join(tmp, name);
  const result = await runScenario({
    scenarioFile: path.join(fixtures, scenario),
    outDir: out,
    cwd: root,
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    logger: silentLogger,
    tty: false,
    onClusterUp: onUp,
  });
  const steps = fs
    .readFileSync(path.join(out, 'steps.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as StepRecord);
  return { result, steps };
}

test('a replica paused mid-search: marked out, back in, the probe repeated; redline and CPU per request as without the fault', async () => {
  const victim = 'fault-test-pool-dc1-small-2';
  let timer: NodeJS.Timeout | undefined;
  const [clean, faulted] = await Promise.all([
    run('clean', undefined, 'fault-test-redline-b.ts'),
    run('paused', async (c) => {
      // Paused during the second probe (3 s warm-up, then probes of 4 s), for 8 s: through the driver's own fault.
      timer = setTimeout(() => {
        void c
          .pause(victim)
          .then(() => new Promise((r) => setTimeout(r, 8000)))
          .then(() => c.unpause(victim));
      }, 14000);
    }),
  ]);
  clearTimeout(timer);
  assert.equal(clean.result.exitCode, 0);
  const cleanRedline = clean.result.summary!.redlines[0];
  assert.ok(cleanRedline.rpsPerReplica !== null, JSON.stringify(cleanRedline));
  const r = faulted.result.summary!.redlines[0];
  const notes = faulted.steps.flatMap((s) => s.annotations);
  assert.ok(
    notes.some((n) => n.startsWith(`replica ${victim} marked out`)),
    notes.join('\n'),
  );
  assert.ok(
    notes.some((n) => n.startsWith(`replica ${victim} marked in`)),
    notes.join('\n'),
  );
  assert.ok(
    notes.some((n) => /faulted .*repeated once the pool is whole/.test(n)),
    notes.join('\n'),
  );
  assert.ok(r.rpsPerReplica !== null, JSON.stringify(r));
  assert.notEqual(r.limitedBy, 'http_req_failed: rate<0.05', JSON.stringify(r));
  const near = (a: number, b: number, share: number) => Math.abs(a / b - 1) <= share;
  assert.ok(
    near(r.rpsPerReplica!, cleanRedline.rpsPerReplica!, 0.25),
    `redline ${r.rpsPerReplica} vs ${cleanRedline.rpsPerReplica} without the fault`,
  );
  assert.ok(
    near(r.cpuMsPerRequest!, cleanRedline.cpuMsPerRequest!, 0.25),
    `CPU per request ${r.cpuMsPerRequest} vs ${cleanRedline.cpuMsPerRequest} ms without the fault`,
  );
  process.stderr.write(
    `# redline ${r.rpsPerReplica} (clean ${cleanRedline.rpsPerReplica}), CPU ms/request ${r.cpuMsPerRequest} (clean ${cleanRedline.cpuMsPerRequest})\n`,
  );
});

test('offered far more than the pool can serve: saturated, not dead, no replica marked out', async () => {
  process.env.FAULT_HOLD_RPS = '1000';
  try {
    const { result, steps } = await run('saturated', async (c) => {
      // 20 ms of CPU per request on a quarter CPU: about 12 req/s per replica, offered 1000.
      for (const r of c.replicas) await c.setKnobs(r.name, { feedCpuMs: 20 });
    });
    const notes = steps.flatMap((s) => s.annotations);
    assert.ok(steps.length >= 3, JSON.stringify(result.summary));
    assert.deepEqual(
      notes.filter((n) => /marked out/.test(n)),
      [],
    );
    assert.ok(steps.every((s) => s.replicas.every((x) => x.serving)));
    // It was saturated indeed: requests queued for seconds while the replicas worked (CPU well above idle; on a
    // shared machine the quota itself is not always reachable).
    assert.ok(
      steps.some((s) => (s.pools[0].p50Ms ?? 0) > 1000 && (s.pools[0].cpuShare ?? 0) > 0.3),
      JSON.stringify(steps.map((s) => s.pools[0])),
    );
  } finally {
    delete process.env.FAULT_HOLD_RPS;
  }
});
