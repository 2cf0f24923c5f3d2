// A drain through the HAProxy headroom starts (fixtures/edge/managed.yaml, ports 25000-25199): requests go to
// the region frontends, each step moves HAProxy's weights, and the figures per pool are the replicas' own
// (HAProxy names the server that answered). Errors stay low, the weights found at start are put back before
// the edge goes, and no container is left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { containersWithLabel, docker, headroomJs, projectRoot } from '../cluster/testing/test-kit';
import type { StepRecord } from '../results';

const scenario = path.join(__dirname, 'fixtures', 'edge', 'managed-drain.ts');
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
  assert.ok(steps.length >= 3, log);
  const use1Rps = (s: StepRecord) => s.pools.filter((p) => p.dc === 'use1').reduce((n, p) => n + p.rps, 0);
  const allRps = (s: StepRecord) => s.pools.reduce((n, p) => n + p.rps, 0);
  for (const s of steps) {
    assert.ok(s.targetFigures.errorRate < 0.02, `step ${s.index}: target error rate ${s.targetFigures.errorRate}`);
    for (const p of s.pools) assert.ok(p.errorRate < 0.02, `step ${s.index}: ${p.pool} error rate ${p.errorRate}`);
    // Every request answered was put on a replica: the pools add up to what was sent.
    assert.ok(
      Math.abs(allRps(s) / s.achievedRps - 1) < 0.05,
      `step ${s.index}: pools ${allRps(s)} of ${s.achievedRps}`,
    );
    // The target's figures are its own replicas', at the share HAProxy was given.
    assert.ok(
      Math.abs(use1Rps(s) / allRps(s) - (s.targetShare ?? 0)) < 0.06,
      `step ${s.index}: use1 took ${use1Rps(s)} of ${allRps(s)} req/s at share ${s.targetShare}`,
    );
    // (The target's window counts whole seconds, the pools' counts the step's exact span: close, not equal.)
    assert.ok(
      Math.abs(s.targetFigures.rps / use1Rps(s) - 1) < 0.1,
      `step ${s.index}: target ${s.targetFigures.rps} req/s, use1 pools ${use1Rps(s)}`,
    );
  }
  const last = steps[steps.length - 1];
  assert.equal(last.targetShare, 1);
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
