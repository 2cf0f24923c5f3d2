// A drain through the HAProxy headroom starts (fixtures/edge/managed.yaml, ports 25000-25199): requests go to
// the region frontends, each step moves HAProxy's weights, and the figures per pool are the replicas' own
// (HAProxy names the server that answered). Every step holds, the weights found at start are put back before
// the edge goes, and no container is left. Replicas that burn no CPU: nothing here is a figure a busy
// neighbour moves (fixtures/edge/managed-drain.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { containersWithLabel, docker, headroomJs, projectRoot } from '../cluster/testing/test-kit';
import type { StepRecord } from '../results';

const scenario = path.join(__dirname, 'fixtures', 'edge', 'managed-drain.js');
const clusterLabel = 'headroom.cluster=e13-edge-test';

test('a drain through the managed HAProxy: low errors, per-pool figures from the replicas, weights back, nothing left', async (t) => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'e13-edge-drain-'));
  t.after(async () => {
    for (const id of await containersWithLabel(clusterLabel)) await docker(['rm', '-f', id]);
    fs.rmSync(out, { recursive: true, force: true });
  });
  // A real process: its log lines (the weights restored among them) go to its own stderr.
  const child = spawn(process.execPath, [headroomJs, 'drill', scenario, '--out', out, '--replace'], {
    cwd: projectRoot,
    env: { ...process.env, HEADROOM_LIVE: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 0, log);
  assert.deepEqual(await containersWithLabel(clusterLabel), [], 'no replica or edge container left');

  const steps = fs
    .readFileSync(path.join(out, 'steps.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as StepRecord)
    .filter((s) => s.drill === 'to-use1');
  // The only guard is an error rate a working edge never reaches: every step holds, at the planned shares.
  assert.deepEqual(
    steps.map((s) => [s.targetShare, s.verdict]),
    [
      [0.6, 'held'],
      [0.8, 'held'],
      [1, 'held'],
    ],
    log,
  );
  const use1Rps = (s: StepRecord) => s.pools.filter((p) => p.dc === 'use1').reduce((n, p) => n + p.rps, 0);
  const allRps = (s: StepRecord) => s.pools.reduce((n, p) => n + p.rps, 0);
  for (const s of steps) {
    for (const p of s.pools) assert.ok(p.errorRate < 0.5, `step ${s.index}: ${p.pool} error rate ${p.errorRate}`);
    // Every request HAProxy answered was put on a replica: the pools add up to what was sent. (A request the edge
    // did not answer within the generator's timeout stays on the frontend's tags; idle replicas leave none.)
    assert.ok(
      Math.abs(allRps(s) / s.achievedRps - 1) < 0.05,
      `step ${s.index}: pools ${allRps(s)} of ${s.achievedRps}`,
    );
    // The pools follow HAProxy's weights. Not a sample: roundrobin in one thread is deterministic, each server
    // within 2 requests of its share of any run of picks (two backends here), so the bound only has to hold the
    // requests in flight across the window's edges (under 1 in 80 at these latencies; 0.06 is 5 requests).
    assert.ok(
      Math.abs(use1Rps(s) / allRps(s) - (s.targetShare ?? 0)) < 0.06,
      `step ${s.index}: use1 took ${use1Rps(s)} of ${allRps(s)} req/s at share ${s.targetShare}`,
    );
    // The target's figures are its own replicas', not the frontends' (at 60% those would be 1.67 times as many).
    // Close, not equal: the target's window leaves out requests sent before it, the pools' counters count whole
    // 100 ms slots (up to 5% of a 2 s window more).
    assert.ok(
      Math.abs(s.targetFigures.rps / use1Rps(s) - 1) < 0.15,
      `step ${s.index}: target ${s.targetFigures.rps} req/s, use1 pools ${use1Rps(s)}`,
    );
  }
  // At 100% not one request reached euw1 (the settle outlasts the request timeout), and every use1 pool served.
  const last = steps[steps.length - 1];
  assert.equal(last.pools.find((p) => p.dc === 'euw1')?.rps, 0);
  assert.ok(last.pools.filter((p) => p.dc === 'use1').every((p) => p.p99Ms !== null && p.rps > 0));

  // Weights restored: what the log says HAProxy holds at the end is what was saved before the first change.
  const saved = JSON.parse(fs.readFileSync(path.join(out, 'edge-weights.json'), 'utf8')) as {
    servers: { backend: string; server: string; weight: number }[];
  };
  const restored = /edge: weights restored \(([^)]*)\)/.exec(log);
  assert.ok(restored, log);
  assert.deepEqual(
    restored[1].split(' ').sort(),
    saved.servers.map((s) => `${s.backend}/${s.server}=${s.weight}`).sort(),
  );
  assert.ok(saved.servers.some((s) => s.server.startsWith('euw1') && s.weight > 0));
});
