// CPU limits are real: saturated side by side with the same closed loop of keep-alive requests, neither
// replica uses more than its quota, a `large` replica (0.5 CPU) gets more CPU than a `small` one (0.25 CPU),
// about twice on a quiet machine, and each completes requests in proportion to the CPU it got.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Pool } from 'undici';
import { loadClusterFile } from '../config';
import { createDriver } from './index';

const fixture = path.join(__dirname, 'fixtures', 'cpu-ratio.yaml');
after(async () => {
  await createDriver(await loadClusterFile(fixture)).down();
});

/** Keeps `concurrency` GET /feed requests in flight until `stop` aborts; counts 200s. */
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

test('on GET /feed a replica serves in proportion to its CPU quota: large (0.5) vs small (0.25), neither above its quota', async (t) => {
  const spec = await loadClusterFile(fixture);
  await using cluster = await createDriver(spec).up();
  const small = cluster.replicas.find((r) => r.serverType === 'small')!;
  const large = cluster.replicas.find((r) => r.serverType === 'large')!;

  // Warm up (JIT, connections), then count over the same window for both.
  const warm = AbortSignal.timeout(1500);
  await Promise.all([closedLoop(small.http, 8, warm), closedLoop(large.http, 8, warm)]);
  await cluster.sampleResources();
  const window = AbortSignal.timeout(6000);
  const [s, l] = await Promise.all([closedLoop(small.http, 8, window), closedLoop(large.http, 8, window)]);
  const samples = await cluster.sampleResources();
  const share = (name: string) => samples.find((x) => x.replica === name)!.cpuShare;
  const ratio = l.ok / s.ok;
  t.diagnostic(
    `small ${s.ok} ok (cpu ${(share(small.name) * 100).toFixed(0)}% of quota), large ${l.ok} ok (cpu ${(share(large.name) * 100).toFixed(0)}% of quota): ratio ${ratio.toFixed(2)}`,
  );
  assert.equal(s.failed + l.failed, 0);
  assert.ok(s.ok > 50, `the small replica served ${s.ok}`);
  // The limits hold: saturated by the closed loop, neither replica used more than its quota (unlimited,
  // each would take about a core: 2-4x its quota).
  assert.ok(
    share(small.name) <= 1.1 && share(large.name) <= 1.1,
    `cpu shares of quota ${share(small.name)}, ${share(large.name)}`,
  );
  // Both were busy (not waiting for the client).
  assert.ok(
    share(small.name) > 0.3 && share(large.name) > 0.3,
    `cpu shares ${share(small.name)}, ${share(large.name)}`,
  );
  // Each served in proportion to the CPU it got. Alone, both get their whole quota and the ratio is about 2;
  // beside three busy test lanes the large replica got less than its 0.5 CPU once (302/200 = 1.51), so the
  // ratio is checked against the CPU each replica actually used, and the large one must have used more.
  const cpuRatio = (0.5 * share(large.name)) / (0.25 * share(small.name));
  assert.ok(cpuRatio >= 1.3, `the large replica used ${cpuRatio.toFixed(2)}x the small one's CPU`);
  assert.ok(
    ratio >= 0.8 * cpuRatio && ratio <= 1.2 * cpuRatio,
    `large/small = ${l.ok}/${s.ok} = ${ratio.toFixed(2)}, CPU used ${cpuRatio.toFixed(2)}x: expected within 20%`,
  );
});
