// CPU limits are real: saturated side by side with the same closed loop of keep-alive requests,
// a `large` replica (0.5 CPU) completes about twice what a `small` one (0.25 CPU) does.
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

test('on GET /feed a large replica serves 1.6-2.4x what a small one serves', async (t) => {
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
  assert.ok(ratio >= 1.6 && ratio <= 2.4, `large/small = ${l.ok}/${s.ok} = ${ratio.toFixed(2)}, expected 1.6..2.4`);
  // Both were busy (not waiting for the client). How close to 100% of quota depends on what else
  // runs on the machine, so only a floor here; the ratio is the claim.
  assert.ok(
    share(small.name) > 0.3 && share(large.name) > 0.3,
    `cpu shares ${share(small.name)}, ${share(large.name)}`,
  );
});
