// `make bench`, the edge: the redline of the small server type through the HAProxy headroom starts against the
// same redline straight to the replicas, measured in one run, back to back, on the same machine. The edge picks
// the replica instead of the generator; it must not move what a replica carries. Prints both redlines with their
// intervals and the ratio against its target; a miss (or a drill with no redline) is a MISSES verdict.
// Alone: node -r ts-node/register harness/bench/edge/redline.ts (BENCH_QUICK=1: one pair instead of two).
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RedlineResult } from '../../results';

const root = path.join(__dirname, '..', '..', '..');
const headroomJs = path.join(root, 'harness', 'cli', 'headroom.js');
const fixtures = path.join(__dirname, 'fixtures');
/** Through the edge / direct: the ratio of the two redlines stays within this much of 1. */
export const ratioTolerance = 0.15;

interface Measured {
  way: 'edge' | 'direct';
  redline: RedlineResult | undefined;
  seconds: number;
}

/** One `headroom drill` of a redline fixture; its small-type redline from summary.json. */
function drill(way: Measured['way']): Promise<Measured> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), `bench-rl-${way}-`));
  const started = Date.now();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [headroomJs, 'drill', path.join(fixtures, `redline-${way}.ts`), '--out', out, '--replace'],
      { cwd: root, env: { ...process.env, HEADROOM_LIVE: '0' }, timeout: 20 * 60_000, maxBuffer: 64 << 20 },
      (err, _stdout, stderr) => {
        const summary = path.join(out, 'summary.json');
        if (!fs.existsSync(summary)) {
          fs.rmSync(out, { recursive: true, force: true });
          reject(new Error(`redline ${way}: ${err?.message ?? 'no summary.json'}\n${stderr.slice(-2000)}`));
          return;
        }
        const redlines = JSON.parse(fs.readFileSync(summary, 'utf8')).redlines as RedlineResult[];
        fs.rmSync(out, { recursive: true, force: true });
        resolve({
          way,
          redline: redlines.find((r) => r.serverType === 'small'),
          seconds: (Date.now() - started) / 1000,
        });
      },
    );
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f = (v: number | null | undefined, d = 1) =>
  v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d);
const describe = (m: Measured) =>
  `${m.way === 'edge' ? 'through the edge' : 'direct          '} ${f(m.redline?.rpsPerReplica)} req/s per replica ` +
  `[${f(m.redline?.interval?.[0])}, ${f(m.redline?.interval?.[1])}], limited by ${m.redline?.limitedBy ?? '-'} (${f(m.seconds, 0)} s)`;

/** Prints the edge section; returns its verdict line. Docker and HAProxy are set up first when missing. */
export async function edgeRedlineBench(o: { quick: boolean; say: (s: string) => void }): Promise<string[]> {
  for (const script of ['harness/cluster/ensure-docker.sh', 'harness/edge/ensure-haproxy.sh']) {
    const r = spawnSync('bash', [path.join(root, script)], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) return [`edge redline ratio: not measured (${script} failed) MISSES`];
  }
  // Pairs in alternating order (edge, direct, direct, edge), so a machine that slows down over the run moves
  // both sides alike; the ratio is of the medians.
  const order: Measured['way'][] = o.quick ? ['edge', 'direct'] : ['edge', 'direct', 'direct', 'edge'];
  o.say(
    `\nedge. the redline of small (0.25 CPU, 1 ms of CPU per /feed) through the managed HAProxy against direct, ${order.join(', ')}`,
  );
  const runs: Measured[] = [];
  for (const way of order) {
    const m = await drill(way);
    runs.push(m);
    o.say(`   ${describe(m)}`);
  }
  const of = (way: Measured['way']) =>
    runs.filter((m) => m.way === way).map((m) => m.redline?.rpsPerReplica ?? Number.NaN);
  const edge = median(of('edge'));
  const direct = median(of('direct'));
  const ratio = edge / direct;
  const meets = Number.isFinite(ratio) && Math.abs(ratio - 1) <= ratioTolerance;
  o.say(
    `   redline through the edge / direct: ${f(edge)} / ${f(direct)} = ${f(ratio, 2)} (target ${f(1 - ratioTolerance, 2)}-${f(1 + ratioTolerance, 2)})`,
  );
  return [
    `edge redline ratio ${f(ratio, 2)} ${meets ? 'meets' : 'MISSES'} ${f(1 - ratioTolerance, 2)}-${f(1 + ratioTolerance, 2)}`,
  ];
}

if (require.main === module) {
  const say = (s: string) => process.stdout.write(`${s}\n`);
  edgeRedlineBench({ quick: process.env.BENCH_QUICK === '1', say })
    .then((verdicts) => {
      say(`\nsummary:\n${verdicts.map((v) => `  ${v}`).join('\n')}`);
      if (verdicts.some((v) => v.includes('MISSES'))) process.exitCode = 1;
    })
    .catch((err) => {
      process.stderr.write(`bench failed: ${err?.stack ?? err}\n`);
      process.exitCode = 1;
    });
}
