// `make bench`, the redline's speed and precision: scenarios/redline.ts on the reference cluster (local-3dc),
// every server type searched until its 95% interval is ±3% or its 60 s budget is spent. Per type it prints the
// time, the half-width reached, the probes and what ended the search; the targets are 60 s and ±3% per type.
// Alone: node -r ts-node/register harness/bench/redline/speed.ts
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RedlineResult } from '../../results';

const root = path.join(__dirname, '..', '..', '..');
const bin = path.join(root, 'dist', 'harness', 'cli', 'bin.js');
const scenario = path.join(root, 'scenarios', 'redline.ts');
export const targetSeconds = 60;
export const targetHalfWidth = 0.03;

const f = (v: number | null | undefined, d = 1) =>
  v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d);

function drill(): Promise<RedlineResult[]> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-redline-'));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [bin, 'drill', scenario, '--out', out, '--replace'],
      { cwd: root, env: { ...process.env, HEADROOM_LIVE: '0' }, timeout: 20 * 60_000, maxBuffer: 64 << 20 },
      (err, _stdout, stderr) => {
        const file = path.join(out, 'summary.json');
        const redlines = fs.existsSync(file)
          ? (JSON.parse(fs.readFileSync(file, 'utf8')).redlines as RedlineResult[])
          : null;
        fs.rmSync(out, { recursive: true, force: true });
        if (redlines) resolve(redlines);
        else reject(new Error(`scenarios/redline.ts: ${err?.message ?? 'no summary.json'}\n${stderr.slice(-2000)}`));
      },
    );
  });
}

/** Prints the section; returns a verdict line per server type. */
export async function redlineSpeedBench(o: { say: (s: string) => void }): Promise<string[]> {
  o.say(
    `\nredline speed: scenarios/redline.ts on local-3dc, each server type to ±${targetHalfWidth * 100}% within ${targetSeconds} s (load average ${f(os.loadavg()[0])})`,
  );
  const redlines = await drill();
  const verdicts: string[] = [];
  for (const r of redlines) {
    const half = r.halfWidth ?? Number.POSITIVE_INFINITY;
    o.say(
      `   ${r.serverType}: ${f(r.rpsPerReplica)} req/s per replica [${r.interval?.join(', ') ?? '-'}] ±${f(half * 100)}% ` +
        `in ${f(r.durationS, 0)} s, ${r.probes} probes, ended by ${r.endedBy ?? '-'}${r.drift?.significant ? `, cost moved ${f(r.drift.change * 100, 0)}%` : ''}`,
    );
    const ok = r.durationS <= targetSeconds && half <= targetHalfWidth;
    verdicts.push(
      `redline ${r.serverType} ${f(r.durationS, 0)} s ±${f(half * 100)}% ${ok ? 'meets' : 'MISSES'} <= ${targetSeconds} s and ±${targetHalfWidth * 100}%`,
    );
  }
  return verdicts;
}

if (require.main === module) {
  const say = (s: string) => process.stdout.write(`${s}\n`);
  redlineSpeedBench({ say })
    .then((verdicts) => {
      say(`\nsummary:\n${verdicts.map((v) => `  ${v}`).join('\n')}`);
      if (verdicts.some((v) => v.includes('MISSES'))) process.exitCode = 99;
    })
    .catch((err) => {
      process.stderr.write(`bench failed: ${err?.stack ?? err}\n`);
      process.exitCode = 1;
    });
}
