// `make soak` (and the last part of `make bench`): a hold at 3,000 req/s against the local nginx for
// BENCH_SOAK_MINUTES (default 15), the generator's resident set sampled every 10 s; its growth after the
// first minute (start-up, JIT and pools settle there) must stay under 20 MiB, however long the hold.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { startNginx } from './nginx';

export const soakLimitMib = 20;

export interface SoakSample {
  s: number;
  rssMb: number;
  heapMb: number;
  buffersMb: number;
  completed: number;
  failed: number;
  dropped: number;
  breaches: number;
  storedSeconds: number;
  series: number;
}

export interface SoakOptions {
  url: string;
  minutes: number;
  rate?: number;
  say: (line: string) => void;
}

/** Runs the hold; returns the verdict line for the bench's summary. */
export async function soak(o: SoakOptions): Promise<{ growthMib: number; verdict: string; samples: SoakSample[] }> {
  const rate = o.rate ?? 3000;
  const seconds = Math.round(o.minutes * 60);
  const opts = { rate, seconds, sampleSeconds: 10, stepSeconds: 60 };
  o.say(
    `soak: ${rate} req/s for ${o.minutes} min against ${o.url}, the generator's RSS (after a GC) every ${opts.sampleSeconds} s, a new step every ${opts.stepSeconds} s`,
  );
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--require', 'ts-node/register', path.join(__dirname, 'soak-gen.ts'), o.url, JSON.stringify(opts)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const samples: SoakSample[] = [];
  const lines = readline.createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    const x = JSON.parse(line) as SoakSample;
    samples.push(x);
    const base = samples.find((p) => p.s >= 60);
    const since = base && x.s >= 60 ? `  (+${(x.rssMb - base.rssMb).toFixed(1)} since 1 min)` : '';
    o.say(
      `   ${String(x.s).padStart(5)} s  RSS ${x.rssMb.toFixed(1)} MiB${since}  heap ${x.heapMb.toFixed(1)}  buffers ${x.buffersMb.toFixed(1)}  requests ${x.completed} (failed ${x.failed}, dropped ${x.dropped})  kept ${x.storedSeconds} s of ${x.series} series`,
    );
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0)
    throw new Error(`the soak generator exited with ${code}: ${stderr.trim().split('\n').slice(-5).join('\n')}`);
  const base = samples.find((p) => p.s >= 60);
  const last = samples[samples.length - 1];
  if (!base || last.s <= base.s) {
    const verdict = `soak of ${o.minutes} min: too short to measure growth after the first minute`;
    o.say(`   ${verdict}`);
    return { growthMib: NaN, verdict, samples };
  }
  const growthMib = last.rssMb - base.rssMb;
  const peak = Math.max(...samples.filter((p) => p.s >= base.s).map((p) => p.rssMb)) - base.rssMb;
  const achieved = (last.completed - base.completed) / (last.s - base.s);
  const verdict = `soak RSS growth ${growthMib.toFixed(1)} MiB from 1 to ${(last.s / 60).toFixed(1)} min (peak +${peak.toFixed(1)}) ${growthMib < soakLimitMib ? 'meets' : 'MISSES'} < ${soakLimitMib} MiB`;
  o.say(
    `   RSS at 1 min ${base.rssMb.toFixed(1)} MiB, at the end ${last.rssMb.toFixed(1)} MiB: growth ${growthMib.toFixed(1)} MiB, peak +${peak.toFixed(1)} (target < ${soakLimitMib}); ${achieved.toFixed(0)} req/s achieved after the first minute`,
  );
  return { growthMib, verdict, samples };
}

/** Minutes from BENCH_SOAK_MINUTES (default 15): a clear error for anything but a positive number. */
export function soakMinutes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BENCH_SOAK_MINUTES;
  if (raw === undefined || raw === '') return 15;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`BENCH_SOAK_MINUTES=${JSON.stringify(raw)}: expected a positive number of minutes, like 15 or 3`);
  return n;
}

async function main() {
  const minutes = soakMinutes();
  const port = Number(process.env.BENCH_SOAK_PORT ?? 22101);
  const server = await startNginx(port);
  const say = (s: string) => process.stdout.write(`${s}\n`);
  let ok = false;
  try {
    const r = await soak({ url: server.url, minutes, say });
    say(`\nsummary:\n  ${r.verdict}`);
    ok = !(r.growthMib >= soakLimitMib);
  } finally {
    await server.stop();
  }
  if (!ok) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`soak failed: ${err?.message ?? err}\n`);
    process.exitCode = 1;
  });
}
