// The dead-man watchdog against the host's HAProxy: the harness side is SIGKILLed after draining a DC,
// the watchdog sees the heartbeat stop and puts the saved weights back; a stopped watchdog restores nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type EdgeSpec, haproxyConfig } from './config';
import { formatRuntimeAddress } from './runtime-address';
import { hostHaproxy } from './testing/backends';
import { heartbeatFileName, startHeartbeat, startWatchdog, watchdogReportFile } from './watchdog';
import { restoreFromFile, saveWeights } from './weights-file';

const runtime = { host: '127.0.0.1', port: 30310 };
const spec: EdgeSpec = {
  file: 'edge-test',
  runtime,
  threads: 1,
  frontends: [
    {
      name: 'us',
      host: '127.0.0.1',
      port: 30300,
      servers: [
        { backend: 'be_us', server: 'use1-gen1-0', dc: 'use1', serverType: 'gen1', address: '127.0.0.1', port: 30301 },
        { backend: 'be_us', server: 'euw1-gen1-0', dc: 'euw1', serverType: 'gen1', address: '127.0.0.1', port: 30302 },
      ],
    },
  ],
};
const demand = { dcs: { use1: 0.75, euw1: 0.25 } };
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Heartbeats every 200 ms: a busy machine would have to stall a process for 3 s to make the watchdog fire early.
const watchdogSeconds = 3;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
    const v = await probe();
    if (v !== undefined) return v;
  }
  throw new Error(`gave up waiting: ${what}`);
}

test('SIGKILL of the harness side: the watchdog restores the saved weights, and `restore` from the file agrees', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edge-test-run-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const edge = await hostHaproxy(haproxyConfig(spec, demand), runtime);
  t.after(() => edge.stop());
  const servers = [
    { backend: 'be_us', server: 'use1-gen1-0' },
    { backend: 'be_us', server: 'euw1-gen1-0' },
  ];
  const weights = async () => (await edge.client.getWeights(servers)).map((w) => w.weight);
  assert.deepEqual(await weights(), [256, 85]);

  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      path.join(__dirname, 'testing', 'harness-side.ts'),
      dir,
      formatRuntimeAddress(runtime),
      String(watchdogSeconds),
    ],
    {
      cwd: path.join(__dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let watchdogPid = 0;
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (watchdogPid && alive(watchdogPid)) process.kill(watchdogPid, 'SIGKILL');
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  watchdogPid = await waitFor('the harness side to drain', () => {
    const m = /ready (\d+)\n/.exec(out);
    return m ? Number(m[1]) : undefined;
  });
  assert.deepEqual(await weights(), [0, 256], 'drained by the harness side');
  assert.ok(alive(watchdogPid));
  // While the heartbeat goes on, the watchdog leaves the weights alone (longer than its timeout).
  await sleep(watchdogSeconds * 1000 + 500);
  assert.deepEqual(await weights(), [0, 256]);
  assert.equal(existsSync(path.join(dir, watchdogReportFile)), false);

  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  await waitFor('the watchdog to restore and report', () =>
    existsSync(path.join(dir, watchdogReportFile)) ? true : undefined,
  );
  assert.deepEqual(await weights(), [256, 85]);
  const report = JSON.parse(readFileSync(path.join(dir, watchdogReportFile), 'utf8')) as {
    reported: { weight: number }[];
    silentSeconds: number;
  };
  assert.deepEqual(
    report.reported.map((r) => r.weight),
    [256, 85],
  );
  assert.ok(report.silentSeconds > watchdogSeconds);
  await waitFor('the watchdog to exit', () => (alive(watchdogPid) ? undefined : true));

  // `headroom edge restore <run>` after a SIGKILL without a watchdog: the same file, the same weights.
  await edge.client.setWeights([{ backend: 'be_us', server: 'use1-gen1-0', weight: 3 }]);
  assert.deepEqual(
    (await restoreFromFile(dir)).map((w) => w.weight),
    [256, 85],
  );
});

test('a watchdog stopped by the harness at a normal end restores nothing', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edge-test-run-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const edge = await hostHaproxy(haproxyConfig(spec, demand), runtime);
  t.after(() => edge.stop());
  saveWeights(dir, await edge.client.snapshotWeights());
  const beat = startHeartbeat(path.join(dir, heartbeatFileName), 200);
  const dog = startWatchdog(dir, { timeoutSeconds: watchdogSeconds });
  t.after(() => {
    beat.stop();
    if (alive(dog.pid)) process.kill(dog.pid, 'SIGKILL');
  });
  await edge.client.setWeight('be_us', 'use1-gen1-0', 9);
  await dog.stop();
  // Gone, so nothing is left to fire once the heartbeat stops too; and stopping it restored nothing.
  assert.equal(alive(dog.pid), false);
  beat.stop();
  assert.equal(
    (await edge.client.getWeight('be_us', 'use1-gen1-0')).weight,
    9,
    'the weight the harness left, untouched',
  );
  assert.equal(existsSync(path.join(dir, watchdogReportFile)), false);
});
