// `make bench`, section 5: one process against `--agents 2` on the same nginx — the highest constant arrival
// rate each sustains (send-lag p99 < 2 ms, achieved rate within 0.5%), and the controller's CPU per request
// when it only absorbs the agents' seconds against the one process that generates and records itself.
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

export async function agentsBench(opts: { url: string; quick: boolean; say: (l: string) => void }): Promise<string[]> {
  const { url, quick, say } = opts;
  const timing = { seconds: quick ? 4 : 10, warmupSeconds: quick ? 2 : 3 };
  const rates = quick ? [500, 1000, 2000, 4000] : [500, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 10000, 12000];
  const sides = [
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
        runJson([path.join(__dirname, 'fleet-gen.ts'), url, JSON.stringify({ agents: 2, rate, ...timing })], 180_000),
    },
  ];
  say(
    `5. one process against --agents 2 (local agents: child processes on the same cores), rates ${rates.join(', ')} req/s, ${timing.seconds} s each after ${timing.warmupSeconds} s warm-up;`,
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
    `sustained rate: one process ${best['one process']} req/s, --agents 2 ${best['--agents 2']} req/s`,
    `controller CPU per request with agents ${f(fleet, 1)} µs vs ${f(one, 1)} µs in one process`,
  ];
}

// Alone: `BENCH_QUICK=1 node --require ts-node/register harness/load/bench/agents.ts` (nginx on port 22101).
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
