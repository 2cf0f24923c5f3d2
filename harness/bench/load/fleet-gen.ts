// One open-model run driven through generator agents (the bench's `--agents N` side): this process is
// the controller only; it prints one JSON line like gen.ts, its CPU being what absorbing the agents' seconds costs,
// `agentsCpuS` the agent processes' own (from /proc), `merged` the requests of the window in the controller's store.
// usage: fleet-gen.ts <url> <json options: agents, rate, seconds, warmupSeconds, ports?>
import * as fs from 'node:fs';
import { Fleet } from '../../agent';
import { Metrics } from '../../metrics';
import { urlReplica } from './url-replica';

interface Opts {
  agents: number;
  rate: number;
  seconds: number;
  warmupSeconds: number;
  /** The agents' ports (default: free ones the system picks). */
  ports?: number[];
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cpuS = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1e6;
/** CPU seconds a local process has used (utime + stime from /proc, in clock ticks of 1/100 s on Linux). */
function procCpuS(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

async function main() {
  const [url, json] = process.argv.slice(2);
  const o = JSON.parse(json) as Opts;
  const u = new URL(url);
  const replica = urlReplica(u, 'bench');
  const metrics = new Metrics({ retainSeconds: 60 });
  const fleet = await Fleet.connect({
    agents: { local: o.agents, spawn: { ports: o.ports } },
    replicas: [replica],
    metrics,
    maxInFlight: 2000,
    mix: { endpoints: [{ name: 'bench', weight: 1, protocol: 'http', path: u.pathname }] },
  });
  try {
    fleet.start();
    fleet.setRate(o.rate);
    await sleep(o.warmupSeconds * 1000);
    // Reports arrive about 1 s after each second: the counters read at both ends lag alike.
    const s0 = fleet.stats();
    fleet.resetSendLag();
    const pids = fleet.agents().map((a) => a.pid);
    const a0 = pids.reduce((n, pid) => n + procCpuS(pid), 0);
    const m0 = metrics.now();
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await sleep(o.seconds * 1000);
    const c1 = process.cpuUsage(c0);
    const t1 = performance.now();
    const m1 = metrics.now();
    const agentsCpuS = pids.reduce((n, pid) => n + procCpuS(pid), 0) - a0;
    const s1 = fleet.stats();
    // The window's last second reaches the store about 1 s later: wait for it (bounded), then count exactly.
    const short = await fleet.awaitReported(m1, 5000);
    // The store counts in 100 ms slots: a window on slot edges counts exactly what ended inside it.
    const from = Math.ceil(m0 / 100) * 100;
    const to = Math.floor(m1 / 100) * 100;
    const merged = metrics.window({ sinceMs: from, untilMs: to }).count;
    const lag = fleet.sendLag();
    fleet.setRate(0);
    const seconds = (t1 - t0) / 1000;
    const completed = s1.completed - s0.completed;
    const w = metrics.totals();
    process.stdout.write(
      `${JSON.stringify({
        tool: `headroom --agents ${o.agents}`,
        mode: 'open',
        seconds,
        requests: completed,
        sent: s1.sent - s0.sent,
        failed: s1.failed - s0.failed,
        dropped: s1.dropped - s0.dropped,
        rate: (s1.sent - s0.sent) / seconds,
        cpuS: cpuS(c1),
        agentsCpuS,
        merged,
        mergedRate: merged / ((to - from) / 1000),
        incomplete: short.map((x) => x.agent),
        perCpuS: completed / cpuS(c1),
        sendLagP50Ms: lag.p50,
        sendLagP99Ms: lag.p99,
        sendLagMaxMs: lag.max,
        p50Ms: w.percentile(50),
        p99Ms: w.percentile(99),
      })}\n`,
    );
  } finally {
    await fleet.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`fleet-gen failed: ${err?.stack ?? err}\n`);
  process.exitCode = 1;
});
