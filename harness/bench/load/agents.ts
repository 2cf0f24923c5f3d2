// `make bench`, section 5: one process against `--agents 2` on the same nginx — first at the same offered
// rate (the rate the agents' merged seconds show, and the CPU of controller and agents, against the one
// process; ratios), then the highest constant arrival rate each sustains (send-lag p99 < 2 ms, achieved
// rate within 0.5%) and the controller's CPU per request.
import { execFile } from 'node:child_process';
import * as path from 'node:path';

export interface OpenResult {
  tool: string;
  seconds: number;
  requests: number;
  sent: number;
  dropped: number;
  failed: number;
  rate: number;
  cpuS: number;
  sendLagP99Ms?: number;
  /** --agents only: the agent processes' CPU, the requests of the window merged in the controller's store. */
  agentsCpuS?: number;
  merged?: number;
  mergedRate?: number;
  incomplete?: string[];
}

const f = (v: number | null | undefined, d = 1) =>
  v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d);

function runJson(args: string[], timeoutMs: number): Promise<OpenResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--require', 'ts-node/register', ...args],
      { timeout: timeoutMs, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${path.basename(args[0])} failed: ${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as OpenResult);
      },
    );
  });
}

/** Sustained: the rate was achieved within 0.5%, send lag p99 under 2 ms, nothing dropped. */
export function sustained(r: OpenResult, rate: number): boolean {
  return Math.abs(r.rate - rate) / rate < 0.005 && (r.sendLagP99Ms ?? Infinity) < 2 && r.dropped === 0;
}

type Side = { name: string; run: (rate: number) => Promise<OpenResult> };

/**
 * Both sides at the same offered rates: what the one process achieved against the agents' merged rate (the
 * requests of the window in the controller's store), and the CPU each side used: the one process, against
 * the controller plus the agent processes. Ratios are agents over one process.
 */
async function sameRate(
  sides: Side[],
  rates: number[],
  timing: { seconds: number; warmupSeconds: number },
  say: (l: string) => void,
): Promise<string[]> {
  say(
    `5. one process against --agents 2 (local agents: child processes on the same cores), ${timing.seconds} s per rate after ${timing.warmupSeconds} s warm-up;`,
  );
  const out: string[] = [];
  for (const rate of rates) {
    const one = await sides[0].run(rate);
    const fleet = await sides[1].run(rate);
    const oneRate = one.requests / one.seconds;
    const merged = fleet.mergedRate ?? NaN;
    const oneCpu = one.cpuS / one.seconds;
    const ctlCpu = fleet.cpuS / fleet.seconds;
    const agentsCpu = (fleet.agentsCpuS ?? NaN) / fleet.seconds;
    const total = ctlCpu + agentsCpu;
    const late = fleet.incomplete?.length
      ? ` (agents ${fleet.incomplete.join(', ')} had not reported the window's end)`
      : '';
    say(
      `   same rate ${rate} req/s: one process ${f(oneRate, 1)} req/s ended, CPU ${f(oneCpu, 3)} s/s, send lag p99 ${f(one.sendLagP99Ms, 2)} ms; ` +
        `--agents 2 merged ${f(merged, 1)} req/s${late} (${f((merged / oneRate) * 100, 1)}% of it), CPU controller ${f(ctlCpu, 3)} ` +
        `+ agents ${f(agentsCpu, 3)} = ${f(total, 3)} s/s (${f(total / oneCpu, 2)}x), send lag p99 ${f(fleet.sendLagP99Ms, 2)} ms`,
    );
    out.push(
      `at ${rate} req/s: --agents 2 merged ${f(merged, 1)} req/s vs one process ${f(oneRate, 1)} (ratio ${f(merged / oneRate, 3)}); ` +
        `CPU ${f(total, 3)} s/s (controller ${f(ctlCpu, 3)}) vs ${f(oneCpu, 3)} s/s (ratio ${f(total / oneCpu, 2)}, controller alone ${f(ctlCpu / oneCpu, 2)})`,
    );
  }
  return out;
}

export async function agentsBench(opts: { url: string; quick: boolean; say: (l: string) => void }): Promise<string[]> {
  const { url, quick, say } = opts;
  const timing = { seconds: quick ? 4 : 10, warmupSeconds: quick ? 2 : 3 };
  const rates = quick ? [500, 1000, 2000, 4000] : [500, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 10000, 12000];
  // The agents listen on the two ports after the server's (the bench's own range).
  const base = Number(new URL(url).port);
  const ports = [base + 1, base + 2];
  const sides: Side[] = [
    {
      name: 'one process',
      run: (rate: number) =>
        runJson(
          [
            path.join(__dirname, 'gen.ts'),
            'headroom',
            'open',
            url,
            JSON.stringify({ rate, ...timing, connections: 50 }),
          ],
          120_000,
        ),
    },
    {
      name: '--agents 2',
      run: (rate: number) =>
        runJson(
          [path.join(__dirname, 'fleet-gen.ts'), url, JSON.stringify({ agents: 2, rate, ...timing, ports })],
          180_000,
        ),
    },
  ];
  const same = await sameRate(sides, quick ? [1000] : [1000, 4000], timing, say);
  say(
    `   highest sustained: rates ${rates.join(', ')} req/s, ${timing.seconds} s each after ${timing.warmupSeconds} s warm-up;`,
  );
  say(
    '   sustained = achieved within 0.5%, send-lag p99 < 2 ms, nothing dropped; the search stops at the first rate missed',
  );
  const best: Record<string, number> = {};
  const perReq: Record<string, number[]> = {};
  for (const side of sides) {
    best[side.name] = 0;
    perReq[side.name] = [];
    for (const rate of rates) {
      const r = await side.run(rate);
      const ok = sustained(r, rate);
      if (r.requests > 0) perReq[side.name].push((r.cpuS / r.requests) * 1e6);
      say(
        `   ${side.name.padEnd(11)} ${String(rate).padStart(6)} req/s: achieved ${f(r.rate, 1)} (${f((Math.abs(r.rate - rate) / rate) * 100, 2)}% off), send lag p99 ${f(r.sendLagP99Ms, 3)} ms, dropped ${r.dropped}, failed ${r.failed}; ` +
          `controller CPU ${f(r.cpuS / r.seconds, 3)} s/s = ${f((r.cpuS / Math.max(1, r.requests)) * 1e6, 1)} µs per request ${ok ? '' : ' MISSED'}`,
      );
      if (!ok) break;
      best[side.name] = rate;
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const one = median(perReq['one process']);
  const fleet = median(perReq['--agents 2']);
  say(
    `   highest sustained: one process ${best['one process']} req/s, --agents 2 ${best['--agents 2']} req/s (of the rates tried)`,
  );
  say(
    `   controller CPU per request (median over the rates run): one process generating and recording ${f(one, 1)} µs, ` +
      `controller absorbing 2 agents' seconds ${f(fleet, 1)} µs (${f((fleet / one) * 100, 0)}% of it)`,
  );
  return [
    ...same,
    `sustained rate: one process ${best['one process']} req/s, --agents 2 ${best['--agents 2']} req/s`,
    `controller CPU per request with agents ${f(fleet, 1)} µs vs ${f(one, 1)} µs in one process`,
  ];
}

// Alone: `BENCH_QUICK=1 BENCH_PORT=22101 node --require ts-node/register harness/bench/load/agents.ts` (nginx on
// BENCH_PORT, default 22101; the agents on the next two ports).
if (require.main === module) {
  void (async () => {
    const { startNginx } = await import('./nginx');
    const server = await startNginx(Number(process.env.BENCH_PORT ?? 22101));
    try {
      const verdicts = await agentsBench({
        url: server.url,
        quick: process.env.BENCH_QUICK === '1',
        say: (l) => process.stdout.write(`${l}\n`),
      });
      process.stdout.write(`\nsummary:\n${verdicts.map((v) => `  ${v}`).join('\n')}\n`);
    } finally {
      await server.stop();
    }
  })().catch((err) => {
    process.stderr.write(`bench failed: ${err?.stack ?? err}\n`);
    process.exitCode = 1;
  });
}
