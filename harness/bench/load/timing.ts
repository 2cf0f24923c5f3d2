// `make bench`: how precisely the engine and the agents keep time, the figures the unit tests leave out
// (harness/load/engine.test.ts, harness/agent/agent.test.ts check the behaviour with wide bounds): the tail
// a 2% delay leaves (p99 near the delay, p97 near the base latency), where a stall's held requests sit, how
// late timeouts fire, and how evenly two agents' merged arrivals are spaced. Alone: node --require ts-node/register harness/bench/load/timing.ts
// (exit 1 when a target is missed). Ports 16440-16459.
import * as http from 'node:http';
import { Fleet } from '../../agent';
import type { Replica } from '../../cluster';
import { LoadEngine } from '../../load';
import { Metrics } from '../../metrics';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const f = (v: number | null | undefined, d = 1) =>
  v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d);
const verdict = (ok: boolean) => (ok ? 'meets' : 'MISSES');

function replicaAt(port: number): Replica {
  return {
    name: 'r0',
    region: 'local',
    dc: 'local',
    pool: 'local/bench',
    serverType: 'bench',
    index: 0,
    host: '127.0.0.1',
    httpPort: port,
    grpcPort: 0,
    http: `http://127.0.0.1:${port}`,
    grpc: '',
  };
}

/** A node:http server; `arrivals` holds each request's performance.now(). */
async function server(port: number, handler: (res: http.ServerResponse, n: number) => void) {
  const arrivals: number[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const s = http.createServer((_req, res) => {
    arrivals.push(performance.now());
    handler(res, arrivals.length);
  });
  s.keepAliveTimeout = 60_000;
  s.on('connection', (c) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
  });
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    arrivals,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const c of sockets) c.destroy();
        s.close(() => resolve());
      }),
  };
}

/** A second of load first, recorded elsewhere: the client's start-up (loading undici, connecting) is no figure. */
async function warmUp(engine: LoadEngine, metrics: Metrics): Promise<void> {
  await sleep(1000);
  engine.setMetrics(metrics);
}

const root = (timeout?: string) => ({
  endpoints: [{ name: 'root', weight: 1, protocol: 'http' as const, path: '/', timeout }],
});

/** 2% of requests delayed by 100 ms at 400 req/s: p99 should read the delay, p97 the base latency. */
async function tail(say: (l: string) => void): Promise<string> {
  const srv = await server(16440, (res, n) => (n % 50 === 0 ? setTimeout(() => res.end('slow'), 100) : res.end('ok')));
  const metrics = new Metrics();
  const engine = new LoadEngine({ replicas: [replicaAt(16440)], mix: root(), metrics: new Metrics() });
  try {
    engine.setRate(400);
    engine.start();
    await warmUp(engine, metrics);
    await sleep(5000);
  } finally {
    await engine.stop();
    await srv.stop();
  }
  const t = metrics.totals({}, 'http_req_duration');
  const [p50, p97, p99] = [t.percentile(50)!, t.percentile(97)!, t.percentile(99)!];
  const ok = p99 >= 100 && p99 < 140 && p97 < 50;
  say(
    `   2% delayed by 100 ms, 400 req/s for 5 s (${t.count} requests): p99 ${f(p99, 2)} ms (target 100-140, ${f(p99 / 100, 2)}x the delay), ` +
      `p97 ${f(p97, 2)} ms (target < 50), p50 ${f(p50, 2)} ms`,
  );
  return `tail of a 2% 100 ms delay: p99 ${f(p99, 1)} ms, p97 ${f(p97, 1)} ms ${verdict(ok)} p99 100-140, p97 < 50 ms`;
}

/** A 2 s stall in 5 s at 200 req/s: the held 40% spread from the stall down to 0, so p80 sits at its middle. */
async function stall(say: (l: string) => void): Promise<string> {
  let stallUntil = 0;
  const held: (() => void)[] = [];
  const srv = await server(16443, (res) => {
    if (performance.now() < stallUntil) held.push(() => res.end('late'));
    else res.end('ok');
  });
  const metrics = new Metrics();
  const engine = new LoadEngine({ replicas: [replicaAt(16443)], mix: root(), metrics: new Metrics() });
  let stalled = 0;
  try {
    engine.setRate(200);
    engine.start();
    await warmUp(engine, metrics);
    const from = performance.now();
    stallUntil = from + 2000;
    await sleep(2000);
    stallUntil = 0;
    stalled = performance.now() - from;
    for (const release of held.splice(0)) release();
    await sleep(3000);
  } finally {
    await engine.stop();
    await srv.stop();
  }
  const t = metrics.totals({}, 'http_req_duration');
  const p80 = t.percentile(80)! / stalled;
  const maxOff = t.max! - stalled;
  const ok = p80 >= 0.3 && p80 <= 0.7;
  say(
    `   a ${f(stalled, 0)} ms stall at 200 req/s (${t.count} requests): p80 ${f(p80, 2)}x the stall (target 0.3-0.7, ideally 0.5), ` +
      `max ${f(maxOff, 1)} ms beyond the stall (the first held request's send lag and transfer), p50 ${f(t.percentile(50), 2)} ms`,
  );
  return `a 2 s stall: p80 ${f(p80, 2)}x the stall ${verdict(ok)} 0.3-0.7x`;
}

/** Requests to a server that never answers, timeout 300 ms: how late each client's timeouts fire. */
async function timeouts(client: 'net' | 'undici', port: number, say: (l: string) => void): Promise<string> {
  const srv = await server(port, () => {});
  const metrics = new Metrics();
  const engine = new LoadEngine({
    replicas: [replicaAt(port)],
    mix: root('300ms'),
    metrics: new Metrics(),
    httpClient: client,
  });
  try {
    engine.setRate(50);
    engine.start();
    await warmUp(engine, metrics);
    await sleep(2000);
    engine.setRate(0);
    await sleep(700);
  } finally {
    await engine.stop();
    await srv.stop();
  }
  const t = metrics.totals({}, 'http_req_duration');
  const late = (ms: number | null) => (ms === null ? NaN : ms - 300);
  const ok = t.failed === t.count && t.min! >= 300 && t.max! < 600;
  say(
    `   ${client} client, timeout 300 ms, ${t.count} requests never answered: fired ${f(late(t.min), 1)}..${f(late(t.max), 1)} ms late ` +
      `(p50 ${f(late(t.percentile(50)), 1)}, p99 ${f(late(t.percentile(99)), 1)}; target: none early, all < 300 ms late)`,
  );
  return `${client} timeouts of 300 ms fired ${f(late(t.min), 0)}..${f(late(t.max), 0)} ms late ${verdict(ok)} 0-300 ms`;
}

/** Two local agents at 20 req/s: the gaps between merged arrivals against the 50 ms of one engine. */
async function agentSpacing(say: (l: string) => void): Promise<string> {
  const srv = await server(16450, (res) => res.end('ok'));
  let fleet: Fleet | null = null;
  let off: number[] = [];
  try {
    fleet = await Fleet.connect({
      agents: { local: 2, spawn: { ports: [16451, 16452] } },
      replicas: [replicaAt(16450)],
      mix: root(),
      metrics: new Metrics(),
    });
    fleet.start();
    fleet.setRate(20);
    await sleep(1000);
    const from = performance.now();
    await sleep(4000);
    const at = srv.arrivals.filter((a) => a >= from);
    off = at
      .slice(1)
      .map((a, i) => Math.abs(a - at[i] - 50))
      .sort((a, b) => a - b);
  } finally {
    await fleet?.stop();
    await srv.stop();
  }
  const median = off[Math.floor(off.length / 2)] ?? NaN;
  const p90 = off[Math.floor(off.length * 0.9)] ?? NaN;
  const ok = off.length >= 70 && median <= 10;
  say(
    `   2 agents at 20 req/s for 4 s: ${off.length + 1} merged arrivals, gaps off 50 ms by ${f(median, 1)} ms (median; target <= 10), ${f(p90, 1)} ms (p90)`,
  );
  return `2 agents' merged arrival spacing ${f(median, 1)} ms off 50 ms ${verdict(ok)} <= 10 ms`;
}

export async function timingBench(opts: { say: (l: string) => void }): Promise<string[]> {
  const { say } = opts;
  say(
    '6. timing: the tail a delay leaves, a stall, timeouts, agents sharing one schedule (in this process, beside nothing else)',
  );
  return [
    await tail(say),
    await stall(say),
    await timeouts('net', 16441, say),
    await timeouts('undici', 16442, say),
    await agentSpacing(say),
  ];
}

if (require.main === module) {
  const say = (l: string) => process.stdout.write(`${l}\n`);
  timingBench({ say }).then(
    (verdicts) => {
      say(`\nsummary:\n${verdicts.map((v) => `  ${v}`).join('\n')}`);
      if (verdicts.some((v) => v.includes('MISSES'))) process.exitCode = 1;
    },
    (err) => {
      process.stderr.write(`timing bench failed: ${err?.stack ?? err}\n`);
      process.exitCode = 1;
    },
  );
}
