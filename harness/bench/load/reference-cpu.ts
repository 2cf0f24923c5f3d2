// `make bench`: how closely the reference service's CPU per request follows its knobs, the figures its unit
// test (clusters/reference/cpu.test.ts) checks only within half to twice: GET /feed at the default 2 ms, and
// the step from 4 to 8 ms (HTTP and gRPC) and of POST /like from 2 to 4 ms, each measured alternately three
// times so a burst in one window counts a third. Alone: node --require ts-node/register
// harness/bench/load/reference-cpu.ts (exit 1 when a target is missed). Ports 16460-16461.
import http from 'node:http';
import { type RunningReference, startReference } from '../../../clusters/reference';
import { grpcClients, metric, request } from '../../../clusters/reference/test-client';

const f = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '-');
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const verdict = (ok: boolean) => (ok ? 'meets' : 'MISSES');

type Send = (i: number) => Promise<void>;

export async function referenceCpuBench(opts: { say: (l: string) => void }): Promise<string[]> {
  const { say } = opts;
  say(
    '7. the reference service: CPU ms per request against its knobs (process_cpu_seconds_total, 60 requests a window)',
  );
  const ref: RunningReference = await startReference({ httpPort: 16460, grpcPort: 16461, replica: 'cpu-bench' });
  const client = grpcClients(ref.grpc);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const ok200 = (status: number, what: string) => {
    if (status !== 200) throw new Error(`${what} answered ${status}`);
  };
  const cpuSeconds = async () =>
    metric((await request(ref.http, 'GET', '/metrics', { agent })).body, 'process_cpu_seconds_total')!;
  const setKnobs = async (knobs: object) =>
    ok200((await request(ref.http, 'POST', '/admin/knobs', { agent, body: JSON.stringify(knobs) })).status, 'knobs');
  const cpuMsPerRequest = async (n: number, send: Send) => {
    for (let i = 0; i < 10; i++) await send(i); // warm up after a knob change
    const c0 = await cpuSeconds();
    for (let i = 0; i < n; i++) await send(i);
    return (((await cpuSeconds()) - c0) * 1000) / n;
  };
  const atTwo = async (knob: 'feedCpuMs' | 'likeCpuMs', low: number, high: number, send: Send) => {
    const at: Record<number, number[]> = { [low]: [], [high]: [] };
    for (const ms of [low, high, low, high, low, high]) {
      await setKnobs({ [knob]: ms });
      at[ms].push(await cpuMsPerRequest(60, send));
    }
    return { low: mean(at[low]), high: mean(at[high]) };
  };
  const httpFeed: Send = async (i) =>
    ok200((await request(ref.http, 'GET', `/feed?user=${i + 1}`, { agent })).status, 'GET /feed');
  const grpcFeed: Send = async (i) => {
    await client.getFeed({ user: i + 1 });
  };
  const like: Send = async (i) =>
    ok200(
      (await request(ref.http, 'POST', '/like', { agent, body: `{"user":${i + 1},"post":7}` })).status,
      'POST /like',
    );
  const verdicts: string[] = [];
  try {
    const base = await cpuMsPerRequest(150, httpFeed);
    const okBase = base >= 1.9 && base <= 3.5;
    say(`   GET /feed at feedCpuMs 2: ${f(base)} CPU ms per request (target 1.9-3.5, ${f(base / 2, 2)}x the knob)`);
    verdicts.push(`GET /feed at the default 2 ms: ${f(base)} CPU ms ${verdict(okBase)} 1.9-3.5`);
    const steps: [string, 'feedCpuMs' | 'likeCpuMs', number, number, Send, number, number][] = [
      ['GET /feed', 'feedCpuMs', 4, 8, httpFeed, 3.3, 4.8],
      ['GetFeed (gRPC)', 'feedCpuMs', 4, 8, grpcFeed, 3.3, 4.8],
      // The like loop allocates per round and collecting that is the process's CPU too: 2 -> 4 adds 2.65-2.9.
      ['POST /like', 'likeCpuMs', 2, 4, like, 1.4, 3.3],
    ];
    for (const [what, knob, low, high, send, min, max] of steps) {
      const m = await atTwo(knob, low, high, send);
      const step = m.high - m.low;
      const ok = m.low >= low - 0.1 && step >= min && step <= max;
      say(
        `   ${what} at ${knob} ${low} -> ${f(m.low)}, ${high} -> ${f(m.high)} CPU ms: step ${f(step)} ` +
          `(target ${min}-${max}, ${f(step / (high - low), 2)}x the knob's ${high - low}; at ${low} at least ${low})`,
      );
      verdicts.push(`${what} ${knob} ${low} -> ${high} adds ${f(step)} CPU ms ${verdict(ok)} ${min}-${max}`);
    }
  } finally {
    client.close();
    agent.destroy();
    await ref.stop();
  }
  return verdicts;
}

if (require.main === module) {
  const say = (l: string) => process.stdout.write(`${l}\n`);
  referenceCpuBench({ say }).then(
    (verdicts) => {
      say(`\nsummary:\n${verdicts.map((v) => `  ${v}`).join('\n')}`);
      if (verdicts.some((v) => v.includes('MISSES'))) process.exitCode = 1;
    },
    (err) => {
      process.stderr.write(`reference CPU bench failed: ${err?.stack ?? err}\n`);
      process.exitCode = 1;
    },
  );
}
