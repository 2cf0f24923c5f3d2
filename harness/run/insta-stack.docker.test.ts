// clusters/insta-stack.yaml, short: one DC (web, memcached, PostgreSQL from their Debian packages) as cluster
// insta-test on ports 15800-15849, the feed's cache cold (FEED_CACHE_HIT 0), a small seed, and one redline
// of the web tier under loose guards. Every tier comes up healthy and answers; a feed request reads
// PostgreSQL and stores the feed in memcached, a profile is read back from memcached; the redline is set by
// the db tier (a quarter of a CPU against the web's whole one: four times apart before the cost per
// request counts), named on the redline and on the step that broke; no container is left. The images are
// built the first time (about 75 s), then found by their tags.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { request } from 'undici';
import { createDriver, type Replica, type RunningCluster } from '../cluster';
import { silentLogger } from '../common';
import { loadClusterFile } from '../config';
import type { StepRecord, Summary } from '../results';
import { runScenario } from './index';
import { writeStackVariant } from './testing/stack-variant';

const root = path.resolve(__dirname, '..', '..');
const clusterName = 'insta-test';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-insta-test-'));
const clusterFile = writeStackVariant(tmp, {
  name: clusterName,
  ports: '15800-15849',
  pools: { use1: { web: { large: 1 }, cache: { cache: 1 }, db: { db: 1 } } },
  env: {
    web: { FEED_CACHE_HIT: '0' },
    db: { SEED_USERS: '500', SEED_POSTS_PER_USER: '10', SEED_FOLLOWS_PER_USER: '60', SEED_LIKES: '5000' },
  },
  // The web server has a whole CPU, the db a quarter (as shipped): the db runs out far below the web.
  serverTypes: { large: { cpus: 1, memoryMb: 640, workers: 4 } },
});
fs.writeFileSync(
  path.join(tmp, 'scenario.ts'),
  `import { instaGuards, instaMix } from ${JSON.stringify(path.join(root, 'scenarios', 'insta-mix'))};
const memory = Object.fromEntries(Object.entries(instaGuards).filter(([m]) => m.startsWith('memory_mb')));
export default {
  name: 'insta-test',
  cluster: './cluster.yaml',
  mix: {
    ...instaMix,
    params: { user: { kind: 'zipf', min: 1, max: 500, s: 0.9 }, post: { kind: 'uniform', min: 1, max: 5000 } },
  },
  baselineRps: 20,
  guards: {
    http_req_duration: [{ threshold: 'p(99)<2000', window: '3s' }],
    http_req_failed: [{ threshold: 'rate<0.05', window: '3s' }],
    cpu_share: [{ threshold: 'avg<0.7', window: '3s' }],
    ...memory,
  },
  timeout: '2s',
  safety: { maxErrorRate: 0.9, maxTotalRps: 400 },
  settle: '1s',
  measure: '3s',
  drills: [
    { kind: 'redline', name: 'redline-web', tier: 'web', serverTypes: ['large'], startRps: 40, maxRps: 400, rampFactor: 2.5, resolution: 0.5, repeatUnstable: 0, budget: '0s' },
  ],
};
`,
);

function containersLeft(): string[] {
  return execFileSync('docker', ['ps', '-aq', '--filter', `label=headroom.cluster=${clusterName}`], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
}

after(async () => {
  await createDriver(await loadClusterFile(clusterFile)).down();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** One memcached text-protocol command; resolves with its answer up to the line that ends it. */
function memcached(r: Replica, command: string, end: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: r.host, port: r.httpPort });
    let text = '';
    socket.setTimeout(3000, () => socket.destroy(new Error(`memcached ${command}: no answer in 3 s`)));
    socket.on('data', (d) => {
      text += d;
      if (end.test(text)) {
        socket.end();
        resolve(text);
      }
    });
    socket.on('error', reject);
    socket.write(`${command}\r\n`);
  });
}

async function cacheStats(r: Replica): Promise<Record<string, number>> {
  const text = await memcached(r, 'stats', /END\r\n$/);
  return Object.fromEntries([...text.matchAll(/^STAT (\S+) (\d+)\r$/gm)].map((m) => [m[1], Number(m[2])]));
}

async function get(url: string): Promise<{ status: number; source: string | undefined; body: string }> {
  const res = await request(url, { headersTimeout: 5000, bodyTimeout: 5000 });
  const source = res.headers['x-source'];
  return {
    status: res.statusCode,
    source: typeof source === 'string' ? source : undefined,
    body: await res.body.text(),
  };
}

interface Seen {
  tiers: string[];
  healthz: number;
  cacheVersion: string;
  feed: { status: number; source: string | undefined; posts: { username: string }[] };
  cacheDelta: { gets: number; sets: number };
  profiles: (string | undefined)[];
}

/** What every tier answers once the cluster is up (collected here, asserted after the run). */
async function look(cluster: RunningCluster): Promise<Seen> {
  const of = (tier: string) => cluster.replicas.find((r) => r.tier === tier)!;
  const [web, cache] = [of('web'), of('cache')];
  const before = await cacheStats(cache);
  const feed = await get(`${web.http}/feed/7`);
  const afterFeed = await cacheStats(cache);
  const profiles = [(await get(`${web.http}/profile/7`)).source, (await get(`${web.http}/profile/7`)).source];
  return {
    tiers: cluster.replicas.map((r) => r.tier!).sort(),
    healthz: (await get(`${web.http}/healthz`)).status,
    cacheVersion: (await memcached(cache, 'version', /\r\n$/)).trim(),
    feed: { status: feed.status, source: feed.source, posts: (JSON.parse(feed.body) as { posts: [] }).posts },
    cacheDelta: { gets: afterFeed.cmd_get - before.cmd_get, sets: afterFeed.cmd_set - before.cmd_set },
    profiles,
  };
}

test('insta-stack: web, memcached and PostgreSQL up and wired; with the cache cold the db tier limits the web redline', async () => {
  const out = path.join(tmp, 'run');
  const stderr = new PassThrough();
  let log = '';
  stderr.on('data', (d) => (log += d));
  let seen: Seen | Error | undefined;
  const result = await runScenario({
    scenarioFile: path.join(tmp, 'scenario.ts'),
    outDir: out,
    cwd: root,
    stdout: new PassThrough(),
    stderr,
    logger: silentLogger,
    tty: false,
    driver: { healthTimeoutMs: 120_000 },
    onClusterUp: async (cluster) => {
      seen = await look(cluster).catch((err: Error) => err);
    },
  });
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as Summary;
  assert.notEqual(summary.status, 'error', `${summary.error ?? ''}\n${log}`);
  assert.ok(result.exitCode === 0 || result.exitCode === 99, log);

  // Every tier came up (the driver waited for each one's health check) and answers on its own protocol.
  assert.ok(seen && !(seen instanceof Error), `the checks after up failed: ${seen}`);
  assert.deepEqual(seen.tiers, ['cache', 'db', 'web']);
  assert.equal(seen.healthz, 200);
  assert.match(seen.cacheVersion, /^VERSION 1\.\d+\.\d+$/);
  // A feed with the cache cold: looked up in memcached, built from PostgreSQL's seed, stored in memcached.
  assert.equal(seen.feed.status, 200);
  assert.equal(seen.feed.source, 'db');
  assert.equal(seen.feed.posts.length, 20, 'FEED_ROWS posts of the users user 7 follows');
  assert.ok(seen.feed.posts.every((p) => /^user\d+$/.test(p.username)));
  assert.deepEqual(seen.cacheDelta, { gets: 1, sets: 1 });
  assert.deepEqual(seen.profiles, ['db', 'cache'], 'a profile is read back from memcached');

  // The redline of the web tier, set by the db tier: named on the result and on the step that broke.
  assert.equal(summary.redlines.length, 1);
  const web = summary.redlines[0];
  assert.equal(web.tier, 'web');
  assert.equal(web.pool, 'use1/web/large');
  assert.ok(web.rpsPerReplica !== null && web.rpsPerReplica > 0, JSON.stringify(web));
  assert.equal(web.limitedByTier, 'db', JSON.stringify(web));
  const cpu = web.cpuMsPerFrontRequestByTier!;
  assert.deepEqual(Object.keys(cpu).sort(), ['cache', 'db', 'web']);
  assert.ok(
    Object.values(cpu).every((ms) => ms !== null && ms > 0),
    JSON.stringify(cpu),
  );
  const steps = fs
    .readFileSync(path.join(out, 'steps.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as StepRecord);
  assert.ok(steps.some((s) => s.verdict === 'breached' && s.brokenTier === 'db'));
  // The memory guards of other server types were not judged on these pools ('no data' would fail every step).
  assert.ok(!steps.some((s) => s.verdict === 'noData'), JSON.stringify(steps.map((s) => s.verdict)));
  const took = (Date.parse(summary.endedAt) - Date.parse(summary.startedAt)) / 1000;
  const drillS = steps.length ? (Date.parse(steps.at(-1)!.endedAt) - Date.parse(steps[0].startedAt)) / 1000 : 0;
  console.log(
    `insta-stack test figures: ${JSON.stringify({ took, drillS, redline: web.rpsPerReplica, cpu, probes: steps.length })}`,
  );
  assert.deepEqual(containersLeft(), []);
});
