// The CLI as users run it, start-up included: CPU (user + system, from the shell's `times`) of a whole
// `headroom load` process next to the autocannon CLI's, short open-model runs and 5 s closed-loop runs.
// Run by run.ts (`make bench`), or alone: node -r ts-node/register harness/bench/load/startup.ts [port].
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { startNginx } from './nginx';

const root = path.join(__dirname, '..', '..', '..');
const headroomBin = path.join(root, 'dist', 'harness', 'cli', 'bin.js');
const autocannonBin = path.join(path.dirname(require.resolve('autocannon/package.json')), 'autocannon.js');

export interface ProcessRun {
  cpuS: number;
  requests: number;
}

/** Runs node with args under bash and reads the child's CPU from `times`; `requests` from its JSON output. */
function measure(
  args: string[],
  requestsOf: (json: Record<string, any>) => number,
  timeoutMs: number,
): Promise<ProcessRun> {
  const quoted = [process.execPath, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    execFile(
      '/bin/bash',
      ['-c', `${quoted} 2>/dev/null; times`],
      { timeout: timeoutMs, maxBuffer: 16 << 20 },
      (err, stdout) => {
        if (err) return reject(new Error(`${args.slice(0, 3).join(' ')}: ${err.message}`));
        const lines = stdout.trim().split('\n');
        const [, um, us, sm, ss] = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/.exec(lines[lines.length - 1])!.map(Number);
        const json = stdout.slice(0, stdout.lastIndexOf('}') + 1);
        resolve({ cpuS: um * 60 + us + sm * 60 + ss, requests: requestsOf(JSON.parse(json.slice(json.indexOf('{')))) });
      },
    );
  });
}

const headroomReqs = (j: Record<string, any>) => j.metrics.http_reqs.values.count as number;
const autocannonReqs = (j: Record<string, any>) => j.requests.total as number;

export const headroomOpen = (url: string) =>
  measure([headroomBin, 'load', url, '--rate', '2', '--duration', '1s', '--json'], headroomReqs, 60_000);
export const autocannonOpen = (url: string) =>
  measure([autocannonBin, '-R', '2', '-d', '1', '--json', url], autocannonReqs, 60_000);
export const headroomClosed = (url: string, seconds: number) =>
  measure(
    [headroomBin, 'load', url, '--vus', '10', '--duration', `${seconds}s`, '--json'],
    headroomReqs,
    seconds * 1000 + 60_000,
  );
export const autocannonClosed = (url: string, seconds: number) =>
  measure([autocannonBin, '-c', '10', '-d', String(seconds), '--json', url], autocannonReqs, seconds * 1000 + 60_000);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Prints the start-up section; returns its verdict lines. */
export async function startupBench(url: string, runs: number, say: (s: string) => void): Promise<string[]> {
  say(
    `0. the CLI as run, start-up included (compiled: ${path.relative(root, headroomBin)}), median of ${runs} run(s); CPU = user + system`,
  );
  const h: number[] = [];
  const a: number[] = [];
  for (let i = 0; i < runs; i++) {
    h.push((await headroomOpen(url)).cpuS);
    a.push((await autocannonOpen(url)).cpuS);
  }
  const cpuH = median(h);
  const cpuA = median(a);
  say(
    `   1 s at 2 req/s: headroom load ${cpuH.toFixed(2)} CPU-s, autocannon -R 2 -d 1 ${cpuA.toFixed(2)} CPU-s: ${(cpuH / cpuA).toFixed(2)}x (targets < 0.5 s, <= 2.5x)`,
  );
  const seconds = 5;
  const ratios: number[] = [];
  for (let i = 0; i < runs; i++) {
    const hc = await headroomClosed(url, seconds);
    const ac = await autocannonClosed(url, seconds);
    const ratio = hc.requests / hc.cpuS / (ac.requests / ac.cpuS);
    ratios.push(ratio);
    say(
      `   closed loop, 10 connections, ${seconds} s: headroom ${(hc.requests / hc.cpuS).toFixed(0)} req/CPU-s (${hc.requests} in ${hc.cpuS.toFixed(2)} CPU-s), autocannon ${(ac.requests / ac.cpuS).toFixed(0)} req/CPU-s (${ac.requests} in ${ac.cpuS.toFixed(2)} CPU-s): ${ratio.toFixed(2)}x`,
    );
  }
  const ratio = median(ratios);
  say(`   median closed-loop ratio with start-up: ${ratio.toFixed(2)}x (target >= 1.2)\n`);
  return [
    `CLI start-up run ${cpuH.toFixed(2)} CPU-s ${cpuH < 0.5 ? 'meets' : 'MISSES'} < 0.5 s; ${(cpuH / cpuA).toFixed(2)}x autocannon ${cpuH / cpuA <= 2.5 ? 'meets' : 'MISSES'} <= 2.5x`,
    `closed loop with start-up ${ratio.toFixed(2)}x ${ratio >= 1.2 ? 'meets' : 'MISSES'} >= 1.2x`,
  ];
}

if (require.main === module) {
  const port = Number(process.argv[2] ?? 22101);
  (async () => {
    const server = await startNginx(port);
    try {
      const verdicts = await startupBench(server.url, 1, (s) => process.stdout.write(`${s}\n`));
      process.stdout.write(`${verdicts.join('\n')}\n`);
    } finally {
      await server.stop();
    }
  })().catch((err) => {
    process.stderr.write(`startup bench failed: ${err?.stack ?? err}\n`);
    process.exitCode = 1;
  });
}
