// Kraken's mode end to end: `headroom drill` on an HAProxy it did not start (host binary, started here) that
// carries live traffic from this test, not from headroom's generator. The drain moves that live traffic toward
// use1 step by step; at the end, and on Ctrl-C of the real process, the weights found at start are back.
// Ports 25300-25319 (fixtures/edge/existing.yaml).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../cli/main';
import { headroomJs, projectRoot } from '../cluster/testing/test-kit';
import { type EdgeSpec, haproxyConfig, readClaim } from '../edge';
import { hostHaproxy } from '../edge/testing/backends';
import type { StepRecord } from '../results';

const scenario = path.join(__dirname, 'fixtures', 'edge', 'existing-drain.js');
const runtime = { host: '127.0.0.1', port: 25310 };
const refs = [
  { backend: 'be_live', server: 'use1-a' },
  { backend: 'be_live', server: 'euw1-a' },
];
const spec: EdgeSpec = {
  file: 'edge-existing',
  runtime,
  threads: 1,
  frontends: [
    {
      name: 'live',
      host: '127.0.0.1',
      port: 25300,
      servers: [
        { ...refs[0], dc: 'use1', serverType: 'small', address: '127.0.0.1', port: 25301 },
        { ...refs[1], dc: 'euw1', serverType: 'small', address: '127.0.0.1', port: 25302 },
      ],
    },
  ],
};

/** The two servers: each answers its name; /healthz and the generator's /feed too. */
async function servers(): Promise<() => Promise<void>> {
  const ports = [25301, 25302];
  const list = ports.map((_, i) =>
    http.createServer((req, res) => {
      req.resume();
      res.end(i === 0 ? 'use1' : 'euw1');
    }),
  );
  await Promise.all(
    list.map((s, i) => new Promise<void>((resolve) => s.listen(ports[i], '127.0.0.1', () => resolve()))),
  );
  return async () => {
    for (const s of list) s.closeAllConnections();
    await Promise.all(list.map((s) => new Promise((r) => s.close(r))));
  };
}

/** Live traffic through the HAProxy (about 50 req/s), not headroom's: which server answered, and when. */
function liveTraffic(): { seen: { at: number; server: string }[]; stop(): Promise<void> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const seen: { at: number; server: string }[] = [];
  let running = true;
  const loop = async () => {
    while (running) {
      await new Promise<void>((resolve) => {
        http
          .get('http://127.0.0.1:25300/live', { agent }, (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => {
              seen.push({ at: Date.now(), server: body });
              resolve();
            });
          })
          .on('error', () => resolve());
      });
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const done = loop();
  return {
    seen,
    stop: async () => {
      running = false;
      await done;
      agent.destroy();
    },
  };
}

const weightsNow = async (hap: Awaited<ReturnType<typeof hostHaproxy>>) =>
  (await hap.client.getWeights(refs)).map((w) => w.weight);

test('a drain on an HAProxy headroom did not start moves its live traffic, then restores its weights', async (t) => {
  const stopServers = await servers();
  t.after(stopServers);
  // Weights found at start are not demand (1:1): the drill must put back these, not its own idea of normal.
  const hap = await hostHaproxy(haproxyConfig(spec, { dcs: { use1: 1, euw1: 3 } }), runtime);
  t.after(() => hap.stop());
  const before = await weightsNow(hap);
  const live = liveTraffic();
  t.after(() => live.stop());
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'e13-edge-existing-'));
  t.after(() => fs.rmSync(out, { recursive: true, force: true }));
  const stderr = new PassThrough();
  let log = '';
  stderr.on('data', (d) => (log += d));
  const code = await main(['drill', scenario, '--out', out, '--replace'], {
    stdout: new PassThrough().resume(),
    stderr,
    env: {},
    cwd: projectRoot,
  });
  await live.stop();
  assert.equal(code, 0, log);
  assert.deepEqual(await weightsNow(hap), before, 'weights found at start are back');
  const saved = JSON.parse(fs.readFileSync(path.join(out, 'edge-weights.json'), 'utf8'));
  assert.deepEqual(
    saved.servers.map((s: { weight: number }) => s.weight),
    before,
  );
  const steps = fs
    .readFileSync(path.join(out, 'steps.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as StepRecord)
    .filter((s) => s.drill === 'to-use1');
  // The live traffic (this test's, through HAProxy) followed each step's share of use1. Not a sample: HAProxy's
  // roundrobin in one thread gives each server, over any run of picks, its share within 2 requests; the live
  // client has one request in flight, so at most one request of the window was picked before it. 20 requests
  // are the fewest that tell 0.5 from the 0.25 found at start within those 3.
  const useCount = (s: StepRecord) => {
    const from = Date.parse(s.startedAt);
    const to = Date.parse(s.endedAt);
    const inStep = live.seen.filter((x) => x.at >= from && x.at < to);
    assert.ok(inStep.length >= 20, `${inStep.length} live requests in step ${s.index}`);
    return { n: inStep.length, use1: inStep.filter((x) => x.server === 'use1').length };
  };
  const first = steps[0];
  const last = steps[steps.length - 1];
  assert.equal(first.targetShare, 0.5);
  assert.equal(last.targetShare, 1);
  const atHalf = useCount(first);
  assert.ok(
    Math.abs(atHalf.use1 - atHalf.n / 2) <= 3,
    `live requests to use1 in the first step: ${JSON.stringify(atHalf)}`,
  );
  const atFull = useCount(last);
  assert.ok(atFull.use1 >= atFull.n - 1, `live requests to use1 in the last step: ${JSON.stringify(atFull)}`);
  // The weights are reported on the step that set them: a repeat of an unstable step keeps them and says only that.
  const notes = steps.filter((s) => s.targetShare === 1).flatMap((s) => s.annotations);
  assert.match(notes.join('\n'), /edge weights reported: be_live use1=1\.000 euw1=0\.000/);
  // A drill that ends frees the edge for the next one.
  const claim = await readClaim(hap.client);
  assert.equal(claim.state, 'released');
  assert.equal(claim.owner?.runId, JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8')).runId);
});

test('Ctrl-C of a drill on an existing HAProxy (a real process) puts the weights found at start back', async (t) => {
  const stopServers = await servers();
  t.after(stopServers);
  const hap = await hostHaproxy(haproxyConfig(spec, { dcs: { use1: 1, euw1: 3 } }), runtime);
  t.after(() => hap.stop());
  const before = await weightsNow(hap);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'e13-edge-sigint-'));
  t.after(() => fs.rmSync(out, { recursive: true, force: true }));
  const child = spawn(process.execPath, [headroomJs, 'drill', scenario, '--out', out, '--replace'], {
    cwd: projectRoot,
    env: { ...process.env, HEADROOM_LIVE: '0', EDGE_MEASURE: '30s' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let log = '';
  let during: number[] | undefined;
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('exit', (c, s) => resolve([c, s])),
  );
  // Once the first step has moved HAProxy's weights toward use1 (the step is 30 s long), Ctrl-C.
  for (let i = 0; i < 600 && child.exitCode === null; i++) {
    const w = await weightsNow(hap);
    if (w[1] === 0 || w[0] / (w[0] + w[1]) > 0.45) {
      during = w;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(during, `the weights never moved: ${log}`);
  child.kill('SIGINT');
  const [code, signal] = await exited;
  assert.equal(signal, null, log);
  assert.equal(code, 105, log);
  assert.notDeepEqual(during, before);
  assert.deepEqual(await weightsNow(hap), before, `weights after Ctrl-C; log:\n${log}`);
  assert.match(log, /edge: weights restored/);
});
