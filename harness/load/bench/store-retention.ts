// The metrics store's memory over simulated time (no waiting): a drill-shaped stream at 150 req/s over
// 6 replicas, a step a minute, through the store and the request counters as a drill builds them.
// usage: node --expose-gc --require ts-node/register harness/load/bench/store-retention.ts [retainSeconds] [minutes]
// (no retainSeconds: the drill's, for the shipped guards; 900 was v1's)
import type { Scenario } from '../../config/scenario';
import { metricsRetentionSeconds, RequestCounters } from '../../drill';
import { Metrics } from '../../metrics';
import { feedDrillStream } from '../../metrics/testing/drill-stream';
import { feedGuards } from '../../../scenarios/feed-mix';

const retain = process.argv[2] ? Number(process.argv[2]) : metricsRetentionSeconds({ file: 'shipped', guards: feedGuards, thresholds: {} } as unknown as Scenario);
const minutes = Number(process.argv[3] ?? 60);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const used = () => {
  gc();
  const u = process.memoryUsage();
  return (u.heapUsed + u.arrayBuffers) / 1048576;
};
const startMs = 1_700_000_000_000;
let now = startMs;
const metrics = new Metrics({ retainSeconds: retain, now: () => now });
const counters = new RequestCounters(metrics);
const before = used();
process.stdout.write(`retainSeconds ${retain}: 150 req/s over 6 replicas, a step a minute, ${minutes} simulated minutes\n`);
feedDrillStream(metrics, { startMs, seconds: minutes * 60, rps: 150 }, (t) => {
  now = t;
  const s = (t - startMs) / 1000;
  if (s % 300 !== 0) return;
  const r = metrics.retained();
  process.stdout.write(`  ${String(s / 60).padStart(3)} min: ${r.seconds} seconds kept, ${r.cells} series-seconds, ${r.series} series; heap + buffers +${(used() - before).toFixed(1)} MiB\n`);
});
counters.close();
