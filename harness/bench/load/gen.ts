// One generator run in its own process, so its CPU time is its own: headroom's engine or autocannon,
// closed (N connections/VUs) or open (a fixed rate). Prints one JSON line with its figures.
// usage: gen.ts <headroom|autocannon> <closed|open|memory> <url> <json options>
import { LoadEngine } from '../../load';
import { Metrics } from '../../metrics';
import { urlReplica } from './url-replica';

interface Opts {
  connections?: number;
  seconds: number;
  warmupSeconds: number;
  rate?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cpuS = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;
const memoryMb = () => {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss / 1048576, heap: m.heapUsed / 1048576 };
};

async function headroom(mode: string, url: string, o: Opts) {
  const metrics = new Metrics({ retainSeconds: 60 });
  const engine = new LoadEngine({
    replicas: [urlReplica(new URL(url), 'bench')],
    mix: { endpoints: [{ name: 'bench', weight: 1, protocol: 'http', path: new URL(url).pathname }] },
    metrics,
    maxInFlight: 2000,
  });
  const drive = (on: boolean) =>
    mode === 'closed' ? engine.setVus(on ? (o.connections ?? 10) : 0) : engine.setRate(on ? o.rate! : 0);
  drive(true);
  engine.start();
  await sleep(o.warmupSeconds * 1000);
  // The measured window starts here: warm-up (JIT, connections) is excluded from every figure.
  const mem0 = mode === 'memory' ? memoryMb() : { rss: 0, heap: 0 };
  const s0 = engine.stats();
  engine.resetSendLag();
  const t0 = performance.now();
  const wall0 = Date.now();
  const c0 = process.cpuUsage();
  await sleep(o.seconds * 1000);
  const c1 = process.cpuUsage(c0);
  const t1 = performance.now();
  const s1 = engine.stats();
  const lag = engine.sendLag();
  const mem1 = mode === 'memory' ? memoryMb() : { rss: 0, heap: 0 };
  drive(false);
  const w = metrics.window({ sinceMs: wall0, untilMs: Date.now() });
  await engine.stop();
  const seconds = (t1 - t0) / 1000;
  const sent = s1.sent - s0.sent;
  const completed = s1.completed - s0.completed;
  return {
    tool: 'headroom',
    mode,
    seconds,
    requests: completed,
    sent,
    failed: s1.failed - s0.failed,
    dropped: s1.dropped - s0.dropped,
    rate: sent / seconds,
    cpuS: cpuS(c1),
    perCpuS: completed / cpuS(c1),
    sendLagP50Ms: lag.p50,
    sendLagP99Ms: lag.p99,
    sendLagMaxMs: lag.max,
    p50Ms: w.percentile(50),
    p99Ms: w.percentile(99),
    rssStartMb: mem0.rss,
    rssEndMb: mem1.rss,
    heapStartMb: mem0.heap,
    heapEndMb: mem1.heap,
  };
}

async function autocannon(mode: string, url: string, o: Opts) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ac = require('autocannon') as (opts: Record<string, unknown>) => Promise<Record<string, any>>;
  const base: Record<string, unknown> = { url, connections: o.connections ?? 10, pipelining: 1 };
  if (mode === 'open') base.overallRate = o.rate;
  await ac({ ...base, duration: o.warmupSeconds });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await ac({ ...base, duration: o.seconds });
  const c1 = process.cpuUsage(c0);
  const seconds = (performance.now() - t0) / 1000;
  const requests = r.requests.total as number;
  return {
    tool: 'autocannon',
    mode,
    seconds,
    requests,
    sent: requests,
    failed: (r.errors as number) + (r.non2xx as number),
    dropped: 0,
    rate: requests / (r.duration as number),
    cpuS: cpuS(c1),
    perCpuS: requests / cpuS(c1),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
  };
}

async function main() {
  const [tool, mode, url, json] = process.argv.slice(2);
  const o = JSON.parse(json) as Opts;
  const result = tool === 'headroom' ? await headroom(mode, url, o) : await autocannon(mode, url, o);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exitCode = 1;
});
