// CPU limits are real: each replica's cgroup holds the quota of its server type (and a live setCpus
// reaches the kernel), and a replica loaded past its quota is held to it (throttled, never above it).
// How throughput follows the quota is a figure a busy machine moves: `make bench` measures it
// (harness/bench/load/cpu-quota.ts).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Pool } from 'undici';
import { loadClusterFile } from '../config';
import { cgroupCpuUsec, createDriver } from './index';
import { cgroupCpus, cgroupThrottling } from './testing/cgroup';

const fixture = path.join(__dirname, 'fixtures', 'cpu-ratio.yaml');
after(async () => {
  await createDriver(await loadClusterFile(fixture)).down();
});

/** Keeps `concurrency` GET /feed requests in flight until `stop` aborts; counts 200s and the rest. */
async function closedLoop(
  http: string,
  concurrency: number,
  stop: AbortSignal,
): Promise<{ ok: number; failed: number }> {
  const pool = new Pool(http, { connections: concurrency, pipelining: 1 });
  let ok = 0;
  let failed = 0;
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async (_, i) => {
        while (!stop.aborted) {
          try {
            const res = await pool.request({ path: `/feed?user=${i + 1}`, method: 'GET' });
            await res.body.dump();
            if (res.statusCode === 200) ok++;
            else failed++;
          } catch {
            failed++;
          }
        }
      }),
    );
  } finally {
    await pool.close();
  }
  return { ok, failed };
}

test("a replica's cgroup holds its server type's CPU quota; loaded past it, the kernel holds it there", async (t) => {
  const spec = await loadClusterFile(fixture);
  await using cluster = await createDriver(spec).up();
  const small = cluster.replicas.find((r) => r.serverType === 'small')!;
  const large = cluster.replicas.find((r) => r.serverType === 'large')!;
  assert.equal(await cgroupCpus(small.containerId!), 0.25);
  assert.equal(await cgroupCpus(large.containerId!), 0.5);

  // A live change reaches the cgroup. A tenth of a core also makes "loaded past its quota" certain: the
  // closed loop keeps the replica runnable, and no neighbour on this machine leaves it under 10 ms per 100 ms.
  await cluster.setCpus(small.name, 0.1);
  assert.equal(await cgroupCpus(small.containerId!), 0.1);

  const quota = new Map([
    [small.name, 0.1],
    [large.name, 0.5],
  ]);
  await Promise.all([
    closedLoop(small.http, 8, AbortSignal.timeout(500)),
    closedLoop(large.http, 8, AbortSignal.timeout(500)),
  ]);
  const before = await Promise.all(
    [small, large].map(async (r) => ({
      usec: await cgroupCpuUsec(r.containerId!),
      throttling: await cgroupThrottling(r.containerId!),
    })),
  );
  const first = await cluster.sampleResources();
  const t0 = performance.now();
  const window = AbortSignal.timeout(2500);
  const served = await Promise.all([closedLoop(small.http, 8, window), closedLoop(large.http, 8, window)]);
  const seconds = (performance.now() - t0) / 1000;
  const samples = await cluster.sampleResources();
  const afterLoad = await Promise.all(
    [small, large].map(async (r) => ({
      usec: await cgroupCpuUsec(r.containerId!),
      throttling: await cgroupThrottling(r.containerId!),
    })),
  );

  for (const [i, r] of [small, large].entries()) {
    const cores = (afterLoad[i].usec - before[i].usec) / 1e6 / seconds;
    const throttled = afterLoad[i].throttling.throttled - before[i].throttling.throttled;
    const periods = afterLoad[i].throttling.periods - before[i].throttling.periods;
    const sample = samples.find((s) => s.replica === r.name)!;
    const previous = first.find((s) => s.replica === r.name)!;
    const q = quota.get(r.name)!;
    const line = `${r.name} (quota ${q}): served ${served[i].ok}, used ${cores.toFixed(3)} cores, throttled in ${throttled} of ${periods} periods`;
    t.diagnostic(line);
    assert.equal(served[i].failed, 0, line);
    assert.ok(served[i].ok > 0, line);
    // Never above the quota (one 100 ms period of slack over the window). Unlimited, the closed loop would
    // take what the machine has left, far above a tenth of a core.
    assert.ok(cores <= q * (1 + 0.1 / seconds) * 1.05, line);
    // The resource sampler reports CPU as a share of the quota in force, the live one after setCpus.
    assert.ok(
      Math.abs(sample.cpuShare * q * ((sample.at - previous.at) / 1000) - (sample.cpuSeconds - previous.cpuSeconds)) <
        1e-6,
      `${line}; sample ${JSON.stringify(sample)} after ${JSON.stringify(previous)}`,
    );
    assert.ok(sample.cpuShare <= 1.1, `${line}; cpuShare ${sample.cpuShare}`);
    if (r === small) assert.ok(throttled > 0, `the kernel held the small replica to its quota: ${line}`);
  }
});
