// `make bench`: the compiled CLI's start-up and headroom's engine against autocannon (and wrk for reference),
// side by side on the same local nginx, the redline through 2 agents against the in-process engine's (two reference
// replicas, Docker), the timing figures of the engine and the agents and the reference service's CPU per request,
// then a soak (BENCH_SOAK_MINUTES). BENCH_QUICK=1 runs short versions (memory 20 s, soak 2 min). Exit 99 when a
// target is missed (every verdict is printed at the end).
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { edgeRedlineBench } from '../edge/redline';
import { redlineSpeedBench } from '../redline/speed';
import { agentsBench } from './agents';
import { cpuQuotaBench } from './cpu-quota';
import { agentsRedlineBench } from './agents-redline';
import { startNginx } from './nginx';
import { soak, soakMinutes } from './soak';
import { referenceCpuBench } from './reference-cpu';
import { startupBench } from './startup';
import { timingBench } from './timing';

const quick = process.env.BENCH_QUICK === '1';
const port = 22100;
const gen = path.join(__dirname, 'gen.ts');

interface GenResult {
  tool: string;
  mode: string;
  seconds: number;
  requests: number;
  sent: number;
  failed: number;
  dropped: number;
  rate: number;
  cpuS: number;
  perCpuS: number;
  p50Ms: number | null;
  p99Ms: number | null;
  sendLagP50Ms?: number;
  sendLagP99Ms?: number;
  sendLagMaxMs?: number;
  rssStartMb?: number;
  rssEndMb?: number;
  heapStartMb?: number;
  heapEndMb?: number;
}

function run(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err)
        reject(new Error(`${path.basename(file)} ${args.slice(0, 4).join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

async function generator(
  tool: 'headroom' | 'autocannon',
  mode: 'closed' | 'open' | 'memory',
  url: string,
  opts: Record<string, number>,
): Promise<GenResult> {
  const budget = ((opts.seconds ?? 0) + (opts.warmupSeconds ?? 0)) * 1000 + 60_000;
  const out = await run(
    process.execPath,
    ['--expose-gc', '--require', 'ts-node/register', gen, tool, mode, url, JSON.stringify(opts)],
    budget,
  );
  return JSON.parse(out.trim().split('\n').pop()!) as GenResult;
}

async function wrk(
  url: string,
  connections: number,
  seconds: number,
): Promise<{ requests: number; cpuS: number; perCpuS: number; rate: number }> {
  // `times` prints the CPU the shell's children used: wrk's own user + system time.
  const out = await run(
    '/bin/bash',
    ['-c', `wrk -t1 -c${connections} -d${seconds}s ${url} && times`],
    seconds * 1000 + 30_000,
  );
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const times = out.trim().split('\n').slice(-1)[0];
  const [, um, us, sm, ss] = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/.exec(times)!.map(Number);
  const cpuS = um * 60 + us + sm * 60 + ss;
  return { requests, cpuS, perCpuS: requests / cpuS, rate };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f = (v: number | null | undefined, d = 1) =>
  v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d);
const say = (s: string) => process.stdout.write(`${s}\n`);

/** 1. Closed model: requests per generator CPU-second, headroom against autocannon, pairs back to back (order alternating); wrk for reference. */
async function closedBench(url: string): Promise<string[]> {
  const verdicts: string[] = [];
  const pairs = 5;
  const closed = { connections: 10, seconds: quick ? 2 : 5, warmupSeconds: 1 };
  say(
    `1. closed model, ${closed.connections} connections, ${closed.seconds} s per run after ${closed.warmupSeconds} s warm-up: requests per generator CPU-second`,
  );
  const ratios: number[] = [];
  const hs: number[] = [];
  const as: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const order: ('headroom' | 'autocannon')[] = i % 2 === 0 ? ['headroom', 'autocannon'] : ['autocannon', 'headroom'];
    const r: Record<string, GenResult> = {};
    for (const tool of order) r[tool] = await generator(tool, 'closed', url, closed);
    const ratio = r.headroom.perCpuS / r.autocannon.perCpuS;
    ratios.push(ratio);
    hs.push(r.headroom.perCpuS);
    as.push(r.autocannon.perCpuS);
    say(
      `   pair ${i + 1}: headroom ${f(r.headroom.perCpuS, 0)} req/CPU-s (${f(r.headroom.rate, 0)} req/s, ${f(r.headroom.cpuS, 2)} CPU-s)  autocannon ${f(r.autocannon.perCpuS, 0)} req/CPU-s (${f(r.autocannon.rate, 0)} req/s, ${f(r.autocannon.cpuS, 2)} CPU-s)  ratio ${f(ratio, 2)}`,
    );
  }
  const ratio = median(ratios);
  say(
    `   median ratio headroom/autocannon: ${f(ratio, 2)} (target >= 1.2)  medians: headroom ${f(median(hs), 0)}, autocannon ${f(median(as), 0)} req/CPU-s`,
  );
  verdicts.push(`closed-model ratio ${f(ratio, 2)} ${ratio >= 1.2 ? 'meets' : 'MISSES'} >= 1.2`);
  try {
    const w = await wrk(url, closed.connections, closed.seconds);
    say(`   wrk (reference, C, 1 thread): ${f(w.perCpuS, 0)} req/CPU-s (${f(w.rate, 0)} req/s, ${f(w.cpuS, 2)} CPU-s)`);
  } catch (err) {
    say(`   wrk: not run (${(err as Error).message.split('\n')[0]})`);
  }
  return verdicts;
}

/** 2. Open model at 5,000 req/s for 10 s after warm-up: the rate held, the send lag, CPU against autocannon -R. */
async function openBench(url: string): Promise<string[]> {
  const verdicts: string[] = [];
  const open = { rate: 5000, seconds: 10, warmupSeconds: 3, connections: 50 };
  say(
    `\n2. open model at ${open.rate} req/s for ${open.seconds} s after ${open.warmupSeconds} s warm-up (warm-up excluded from every figure)`,
  );
  const h = await generator('headroom', 'open', url, open);
  const a = await generator('autocannon', 'open', url, open);
  const rateErr = Math.abs(h.rate - open.rate) / open.rate;
  say(
    `   headroom:   achieved ${f(h.rate, 1)} req/s (${f(rateErr * 100, 2)}% off; target < 0.5%), send lag p50 ${f(h.sendLagP50Ms, 3)} ms p99 ${f(h.sendLagP99Ms, 3)} ms max ${f(h.sendLagMaxMs, 1)} ms (target p99 < 2 ms), latency p50 ${f(h.p50Ms, 2)} p99 ${f(h.p99Ms, 2)} ms, dropped ${h.dropped}, failed ${h.failed}, CPU ${f(h.cpuS, 2)} s`,
  );
  say(
    `   autocannon -R ${open.rate} (-c ${open.connections}): achieved ${f(a.rate, 1)} req/s, latency p50 ${f(a.p50Ms, 2)} p99 ${f(a.p99Ms, 2)} ms, CPU ${f(a.cpuS, 2)} s over ${f(a.seconds, 1)} s`,
  );
  const cpuRatio = h.cpuS / h.seconds / (a.cpuS / a.seconds);
  say(
    `   CPU per second of load: headroom ${f(h.cpuS / h.seconds, 3)}, autocannon ${f(a.cpuS / a.seconds, 3)}: ratio ${f(cpuRatio, 2)} (target <= 1)`,
  );
  verdicts.push(`5000 req/s within ${f(rateErr * 100, 2)}% ${rateErr < 0.005 ? 'meets' : 'MISSES'} 0.5%`);
  verdicts.push(`send-lag p99 ${f(h.sendLagP99Ms, 2)} ms ${h.sendLagP99Ms! < 2 ? 'meets' : 'MISSES'} < 2 ms`);
  verdicts.push(`CPU vs autocannon -R 5000 ${f(cpuRatio, 2)}x ${cpuRatio <= 1 ? 'meets' : 'MISSES'} <= 1`);
  return verdicts;
}

/** 3. Memory over a long run at 3,000 req/s: resident set growth after a GC. */
async function memoryBench(url: string): Promise<string[]> {
  const verdicts: string[] = [];
  const mem = { rate: 3000, seconds: quick ? 20 : 300, warmupSeconds: quick ? 3 : 10 };
  say(
    `\n3. memory: ${mem.rate} req/s for ${mem.seconds} s after ${mem.warmupSeconds} s warm-up (resident set size after a GC)`,
  );
  const m = await generator('headroom', 'memory', url, mem);
  const growth = m.rssEndMb! - m.rssStartMb!;
  say(
    `   RSS start ${f(m.rssStartMb)} MiB, end ${f(m.rssEndMb)} MiB, growth ${f(growth)} MiB (target < 20); JS heap ${f(m.heapStartMb)} -> ${f(m.heapEndMb)} MiB; ${m.requests} requests, achieved ${f(m.rate, 1)} req/s, send lag p99 ${f(m.sendLagP99Ms, 3)} ms`,
  );
  say(
    '   (the start figure still holds the TypeScript compiler ts-node loaded; a drop means it was returned to the system, not that load frees memory)',
  );
  verdicts.push(`memory growth ${f(growth)} MiB over ${mem.seconds} s ${growth < 20 ? 'meets' : 'MISSES'} < 20 MiB`);
  return verdicts;
}

async function main() {
  const server = await startNginx(port);
  const verdicts: string[] = [];
  try {
    say(
      `headroom bench${quick ? ' (BENCH_QUICK=1)' : ''}: nginx ${server.url} (1 worker), ${require('node:os').cpus().length} cores shared with whatever else runs\n`,
    );

    // 0. The CLI as users run it (make bench builds it first), start-up included, next to autocannon's CLI.
    verdicts.push(...(await startupBench(server.url, quick ? 1 : 3, say)));

    verdicts.push(...(await closedBench(server.url)));
    verdicts.push(...(await openBench(server.url)));
    verdicts.push(...(await memoryBench(server.url)));

    // 5. (before the soak, which is long) one process against --agents 2 (also alone: harness/bench/load/agents.ts).
    say('');
    verdicts.push(...(await agentsBench({ url: server.url, quick, say })));
    verdicts.push(...(await edgeRedlineBench({ quick, say })));
    verdicts.push(...(await redlineSpeedBench({ say })));

    verdicts.push(...(await cpuQuotaBench({ quick, say })));
    // 6. (Docker) the redline through 2 agents against the in-process engine's (also alone: harness/bench/load/agents-redline.ts).
    verdicts.push(...(await agentsRedlineBench({ say })));
    // 7. the engine's and the agents' timing figures; the reference service's CPU per request against its knobs.
    say('');
    verdicts.push(...(await timingBench({ say })));
    say('');
    verdicts.push(...(await referenceCpuBench({ say })));

    // 4. Soak: a long hold through the drill's metric path (also alone: make soak).
    say('\n4.');
    verdicts.push(
      (await soak({ url: server.url, minutes: quick ? 2 : soakMinutes(), say: (l) => say(`   ${l}`) })).verdict,
    );
  } finally {
    await server.stop();
  }
  say(`\nsummary:\n${verdicts.map((v) => `  ${v}`).join('\n')}`);
  // A missed target is a failure of make bench, as a failed threshold is of a drill (k6's code).
  const missed = verdicts.filter((v) => /\bMISSES\b/.test(v));
  if (missed.length) {
    say(`\nmake bench: ${missed.length} target(s) missed`);
    process.exitCode = 99;
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err?.stack ?? err}\n`);
  process.exitCode = 1;
});
