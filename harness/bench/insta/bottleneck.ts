// `make insta-bottleneck`: does the feed's cache move the bottleneck of clusters/insta-stack.yaml? One DC of
// the stack as shipped (a small and a large web server, memcached, PostgreSQL), drilled twice by the compiled
// CLI, each in a process of its own: FEED_CACHE_HIT 0 (every feed built from PostgreSQL), then 0.95. Prints
// the redline of each web server type with the tier that limits it and the CPU each tier spends per front
// request. Exit 0 when db limits every redline with the cache cold and web limits every one with it warm, 99
// when not (a measurement: a busy machine can move it). INSTA_BOTTLENECK_HITS=0,0.5,0.95 sets the values tried.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExitCode } from '../../common';
import type { RedlineResult, Summary } from '../../results';
import { writeStackVariant } from '../../run/testing/stack-variant';

const root = path.resolve(__dirname, '..', '..', '..');
const cli = path.join(root, 'dist', 'harness', 'cli', 'bin.js');

/** The web server types of the drilled DC: one redline each per value of the knob. */
const webTypes = ['small', 'large'];

/** What the knob should give: the tier that limits every web redline. */
const expected = (hit: number): string | undefined => (hit === 0 ? 'db' : hit >= 0.95 ? 'web' : undefined);

function scenario(dir: string): string {
  const file = path.join(dir, 'scenario.ts');
  fs.writeFileSync(
    file,
    `import { instaGuards, instaMix } from ${JSON.stringify(path.join(root, 'scenarios', 'insta-mix'))};
export default {
  name: 'insta-bottleneck',
  cluster: './cluster.yaml',
  mix: instaMix,
  baselineRps: 50,
  guards: instaGuards,
  timeout: '2s',
  // An overloaded probe pool takes all the traffic: its errors are the global rate until a guard ends the step.
  safety: { maxErrorRate: 0.9, maxTotalRps: 700 },
  settle: '2s',
  measure: '4s',
  drills: [
    { kind: 'redline', name: 'redline-web', tier: 'web', serverTypes: 'all', startRps: 20, maxRps: 600, rampFactor: 1.6, resolution: 0.1, repeatUnstable: 1 },
  ],
};
`,
  );
  return file;
}

function drill(scenarioFile: string, out: string, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'drill', scenarioFile, '--out', out], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, HEADROOM_LIVE: '0' },
    });
    const stop = () => child.kill('SIGINT');
    signal.addEventListener('abort', stop, { once: true });
    child.on('error', reject);
    child.on('exit', (code) => {
      signal.removeEventListener('abort', stop);
      resolve(code ?? ExitCode.interrupted);
    });
  });
}

interface Row {
  hit: number;
  redline: RedlineResult;
}

const cell = (x: number | null | undefined, d = 2) => (x === null || x === undefined ? '–' : x.toFixed(d));

function table(rows: readonly Row[]): string {
  return [
    '| FEED_CACHE_HIT | pool | redline req/s per replica | limited by | tier | CPU ms per front request: web | cache | db |',
    '| ---: | --- | ---: | --- | --- | ---: | ---: | ---: |',
    ...rows.map(({ hit, redline: r }) => {
      const cpu = r.cpuMsPerFrontRequestByTier ?? {};
      return `| ${hit} | ${r.pool} | ${cell(r.rpsPerReplica, 1)} | ${r.limitedBy} | ${r.limitedByTier ?? r.tier ?? '–'} | ${cell(cpu.web)} | ${cell(cpu.cache)} | ${cell(cpu.db)} |`;
    }),
    '',
  ].join('\n');
}

async function main(): Promise<number> {
  const hits = (process.env.INSTA_BOTTLENECK_HITS ?? '0,0.95').split(',').map(Number);
  if (hits.some((h) => !(h >= 0 && h <= 1))) {
    process.stderr.write(`INSTA_BOTTLENECK_HITS=${process.env.INSTA_BOTTLENECK_HITS}: expected numbers from 0 to 1\n`);
    return ExitCode.invalidConfig;
  }
  if (!fs.existsSync(cli)) {
    process.stderr.write(`insta-bottleneck: ${path.relative(root, cli)} is missing; run make build first\n`);
    return ExitCode.invalidConfig;
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = path.join(root, 'reports', `insta-bottleneck-${stamp}`);
  fs.mkdirSync(dir, { recursive: true });
  const abort = new AbortController();
  const onSignal = () => abort.abort('SIGINT');
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const started = Date.now();
  const rows: Row[] = [];
  const problems: string[] = [];
  for (const hit of hits) {
    if (abort.signal.aborted) break;
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-insta-bottleneck-'));
    try {
      writeStackVariant(work, {
        name: 'insta-bn',
        ports: '15850-15899',
        pools: { use1: { web: Object.fromEntries(webTypes.map((t) => [t, 1])), cache: { cache: 1 }, db: { db: 1 } } },
        env: { web: { FEED_CACHE_HIT: String(hit) } },
      });
      const out = path.join(dir, `hit-${hit}`);
      process.stderr.write(`insta-bottleneck: FEED_CACHE_HIT ${hit} → ${path.relative(root, out)}\n`);
      const code = await drill(scenario(work), out, abort.signal);
      const summaryFile = path.join(out, 'summary.json');
      if (!fs.existsSync(summaryFile)) {
        problems.push(`FEED_CACHE_HIT ${hit}: the drill exited ${code} without a summary`);
        continue;
      }
      const summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as Summary;
      if (summary.status === 'failed' || summary.error)
        problems.push(
          `FEED_CACHE_HIT ${hit}: the drill ended early (exit ${code}): ${summary.error ?? summary.status}`,
        );
      const missing = webTypes.filter((t) => !summary.redlines.some((r) => r.serverType === t));
      if (missing.length) problems.push(`FEED_CACHE_HIT ${hit}: no redline of ${missing.join(', ')}`);
      for (const redline of summary.redlines) {
        rows.push({ hit, redline });
        const want = expected(hit);
        const got = redline.limitedByTier ?? redline.tier;
        if (redline.rpsPerReplica === null) problems.push(`FEED_CACHE_HIT ${hit}, ${redline.pool}: no redline`);
        else if (want && got !== want)
          problems.push(`FEED_CACHE_HIT ${hit}, ${redline.pool}: limited by the ${got} tier, expected ${want}`);
      }
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  const load = os.loadavg().map((x) => x.toFixed(1));
  const text =
    `${table(rows)}\n${problems.length ? problems.map((p) => `- ${p}\n`).join('') : 'every redline limited by the expected tier (0: db, 0.95: web)\n'}` +
    `${minutes} min; load average at the end ${load.join(', ')} on ${os.cpus().length} cores.\n`;
  process.stdout.write(text);
  fs.writeFileSync(path.join(dir, 'bottleneck.md'), `# make insta-bottleneck, ${new Date().toISOString()}\n\n${text}`);
  process.stderr.write(`insta-bottleneck: ${path.relative(root, path.join(dir, 'bottleneck.md'))}\n`);
  if (abort.signal.aborted) return ExitCode.interrupted;
  return problems.length ? ExitCode.thresholdsFailed : ExitCode.ok;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`insta-bottleneck: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = (err as { exitCode?: number }).exitCode ?? ExitCode.internal;
  },
);
