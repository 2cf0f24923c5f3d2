// How throughput follows a server type's CPU quota: a `large` replica (0.5 CPU) and a `small` one (0.25 CPU)
// of the reference service, saturated side by side by the same closed loop of GET /feed, should serve 2:1.
// The test suite checks only that the quota is enforced (cpu-limits.docker.test.ts); this is the figure.
// Run by run.ts (`make bench`), or alone: node -r ts-node/register harness/bench/load/cpu-quota.ts
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { Pool } from 'undici';
import { cgroupCpuUsec, createDriver } from '../../cluster';
import { parseClusterFile } from '../../config';

const root = path.join(__dirname, '..', '..', '..');
const cluster = `name: bench-cpu-quota
driver: docker
ports: 16700-16709
service:
  env: { FEED_CPU_MS: "5" }
serverTypes:
  small: { cpus: 0.25, memoryMb: 256, workers: 1 }
  large: { cpus: 0.5, memoryMb: 512, workers: 1 }
regions:
  - name: lab
    dcs:
      - name: lab1
        demand: 1
        pools: { small: 1, large: 1 }
`;
/** Served large/small within this range of the quota ratio (2) meets the target. */
const target = { low: 1.6, high: 2.4 };

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

/** Prints the CPU-quota section; returns its verdict line. */
export async function cpuQuotaBench(opts: { quick: boolean; say: (l: string) => void }): Promise<string[]> {
  const { quick, say } = opts;
  const windowS = quick ? 3 : 6;
  say(
    `\n6. CPU quota: small (0.25 CPU) and large (0.5 CPU) replicas of the reference service (FEED_CPU_MS 5), each saturated by 8 requests in flight for ${windowS} s after 1.5 s of warm-up`,
  );
  try {
    execFileSync('bash', [path.join(root, 'harness', 'cluster', 'ensure-docker.sh')], { stdio: 'inherit' });
  } catch {
    say('   not measured: no Docker daemon answers');
    return ['CPU quota ratio not measured (no Docker daemon) MISSES 1.6-2.4'];
  }
  const driver = createDriver(parseClusterFile(cluster, path.join(root, 'clusters', 'bench-cpu-quota.yaml')));
  try {
    await using running = await driver.up();
    const small = running.replicas.find((r) => r.serverType === 'small')!;
    const large = running.replicas.find((r) => r.serverType === 'large')!;
    const warm = AbortSignal.timeout(1500);
    await Promise.all([closedLoop(small.http, 8, warm), closedLoop(large.http, 8, warm)]);
    const u0 = await Promise.all([small, large].map((r) => cgroupCpuUsec(r.containerId!)));
    const t0 = performance.now();
    const window = AbortSignal.timeout(windowS * 1000);
    const [s, l] = await Promise.all([closedLoop(small.http, 8, window), closedLoop(large.http, 8, window)]);
    const seconds = (performance.now() - t0) / 1000;
    const u1 = await Promise.all([small, large].map((r) => cgroupCpuUsec(r.containerId!)));
    const cores = u1.map((u, i) => (u - u0[i]) / 1e6 / seconds);
    const served = l.ok / s.ok;
    const used = cores[1] / cores[0];
    say(
      `   small: ${s.ok} served, ${s.failed} failed, ${cores[0].toFixed(3)} cores (${((cores[0] / 0.25) * 100).toFixed(0)}% of its quota), ${(s.ok / seconds / cores[0]).toFixed(0)} req per CPU-s`,
    );
    say(
      `   large: ${l.ok} served, ${l.failed} failed, ${cores[1].toFixed(3)} cores (${((cores[1] / 0.5) * 100).toFixed(0)}% of its quota), ${(l.ok / seconds / cores[1]).toFixed(0)} req per CPU-s`,
    );
    say(
      `   large/small: served ${served.toFixed(2)} (target ${target.low}-${target.high}: the quota ratio 2 within 20%), CPU used ${used.toFixed(2)}; below its quota a replica was starved by the machine, not held by its limit`,
    );
    const meets = served >= target.low && served <= target.high && s.failed + l.failed === 0;
    return [
      `CPU quota: large/small served ${served.toFixed(2)}${s.failed + l.failed ? ` (${s.failed + l.failed} failed)` : ''} ${meets ? 'meets' : 'MISSES'} ${target.low}-${target.high}`,
    ];
  } finally {
    await driver.down();
  }
}

if (require.main === module) {
  cpuQuotaBench({ quick: process.env.BENCH_QUICK === '1', say: (l) => process.stdout.write(`${l}\n`) })
    .then((verdicts) => {
      process.stdout.write(`\nsummary:\n${verdicts.map((v) => `  ${v}`).join('\n')}\n`);
      if (verdicts.some((v) => v.includes('MISSES'))) process.exitCode = 1;
    })
    .catch((err) => {
      process.stderr.write(`cpu-quota bench failed: ${err?.stack ?? err}\n`);
      process.exitCode = 1;
    });
}
