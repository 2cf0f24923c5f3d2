// An edge session against the host's HAProxy: weights saved before the first change and put back at
// close (with the watchdog stopped, not firing); `headroom edge restore <run-id>` does the same from the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { type EdgeSpec, edgeServers, haproxyConfig } from './config';
import { edgeCommand } from './restore-command';
import { openEdgeSession } from './session';
import { hostHaproxy } from './testing/backends';
import { watchdogReportFile } from './watchdog';

const runtime = { host: '127.0.0.1', port: 30510 };
const spec: EdgeSpec = {
  file: 'edge-test',
  runtime,
  threads: 1,
  frontends: [
    {
      name: 'us',
      host: '127.0.0.1',
      port: 30500,
      servers: [
        { backend: 'be_us', server: 'use1-gen1-0', dc: 'use1', serverType: 'gen1', address: '127.0.0.1', port: 30501 },
        { backend: 'be_us', server: 'euw1-gen1-0', dc: 'euw1', serverType: 'gen1', address: '127.0.0.1', port: 30502 },
      ],
    },
  ],
};
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('a session saves the weights before the first change and puts them back at close', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edge-test-run-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const edge = await hostHaproxy(haproxyConfig(spec, { dcs: { use1: 0.5, euw1: 0.5 } }), runtime);
  t.after(() => edge.stop());
  // Someone else's weights, not the generated ones: these are what must come back.
  await edge.client.setWeights([
    { backend: 'be_us', server: 'use1-gen1-0', weight: 40 },
    { backend: 'be_us', server: 'euw1-gen1-0', weight: 60 },
  ]);
  const session = await openEdgeSession({
    client: edge.client,
    servers: edgeServers(spec),
    runDir: dir,
    // Long: this test's own event loop is the heartbeat, and nothing here waits for the watchdog to fire.
    watchdogSeconds: 10,
    maxShareChange: 1,
  });
  const pid = Number(readFileSync(path.join(dir, 'edge-watchdog.pid'), 'utf8'));
  t.after(() => {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  });
  const saved = JSON.parse(readFileSync(path.join(dir, 'edge-weights.json'), 'utf8')) as {
    servers: { weight: number }[];
  };
  assert.deepEqual(
    saved.servers.map((s) => s.weight),
    [40, 60],
  );
  const step = await session.router.setWeights({ dcs: { use1: 1, euw1: 0 } });
  assert.deepEqual(step.reported, { 'be_us/use1-gen1-0': 256, 'be_us/euw1-gen1-0': 0 });
  const back = await session.close();
  assert.deepEqual(
    back.map((s) => s.weight),
    [40, 60],
  );
  assert.deepEqual(
    (await session.close()).map((s) => s.weight),
    [40, 60],
    'twice is safe',
  );
  assert.equal(alive(pid), false, 'the watchdog is stopped');
  assert.equal(existsSync(path.join(dir, watchdogReportFile)), false, 'and did not fire');
});

test('`headroom edge restore <run-id>` puts back the weights saved in reports/<run-id>/', async (t) => {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'edge-test-cwd-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  const runDir = path.join(cwd, 'reports', 'run-1');
  mkdirSync(runDir, { recursive: true });
  const edge = await hostHaproxy(haproxyConfig(spec, { dcs: { use1: 0.25, euw1: 0.75 } }), runtime);
  t.after(() => edge.stop());
  const session = await openEdgeSession({ client: edge.client, servers: edgeServers(spec), runDir, maxShareChange: 1 });
  await session.router.setWeights({ dcs: { use1: 1, euw1: 0 } });
  // The harness dies here (no close); the operator restores from the run folder.
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  assert.equal(await edgeCommand(['restore', 'run-1'], { stdout, stderr, cwd }), 0);
  assert.deepEqual(
    (await edge.client.getWeights(edgeServers(spec))).map((s) => s.weight),
    [85, 256],
  );
  assert.match(
    out,
    /be_us\/use1-gen1-0 weight 85\nbe_us\/euw1-gen1-0 weight 256\nedge weights of .*reports\/run-1 restored \(2 servers\)\n/,
  );
  assert.equal(await edgeCommand(['restart', 'run-1'], { stdout, stderr, cwd }), 2);
});
