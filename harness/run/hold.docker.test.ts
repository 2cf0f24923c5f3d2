// Faults and signals in a hold on a real Docker cluster (harness/drill/fixtures/hold-2dc.yaml: two DCs,
// one replica per pool, ports 23200-23299): a replica killed mid-step is marked out and the drill goes on;
// one that stops answering is marked out for its silence; SIGINT mid-drill keeps every finished step and
// leaves no container (exit 105); kill-mode DC loss brings the DC back. These check behaviour under loose
// guards, so they run beside the measuring files (harness/testing/lanes.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Summary } from '../results';
import { drills2dc, fixtures, readSteps, root } from './testing/drill-2dc';

const { tmp, containersLeft, drillWith } = drills2dc('hold-2dc.yaml', 'hold-2dc');
const dc1 = ['hold-2dc-dc1-small-1', 'hold-2dc-dc1-large-1'];

/** `headroom drill hold-2dc.ts` of `steps` steps in a process of its own (plain log lines on stderr). */
const holdDrill = (out: string, steps: number) =>
  spawn(
    process.execPath,
    [path.join(root, 'harness/cli/headroom.js'), 'drill', path.join(fixtures, 'hold-2dc.ts'), '--out', out],
    {
      cwd: root,
      env: { ...process.env, HOLD_STEPS: String(steps), HEADROOM_LIVE: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );

test('a replica killed mid-step is marked out, the step annotated, and the drill goes on', async () => {
  const victim = 'hold-2dc-dc1-small-1';
  let killedAt = 0;
  const out = path.join(tmp, 'killed');
  const child = holdDrill(out, 4);
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => {
    log += d;
    // Kill once the first step has ended, a moment into the second one.
    if (!killedAt && /\[hold #0\]/.test(log)) {
      killedAt = -1;
      setTimeout(() => {
        execFileSync('docker', ['kill', victim]);
        killedAt = Date.now();
      }, 1000);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, log);
  const steps = readSteps(out);
  assert.equal(steps.length, 4, log);
  const noted = steps.findIndex((s) => s.annotations.some((a) => a.startsWith(`replica ${victim} marked out`)));
  assert.ok(noted >= 1, log);
  for (const s of steps.slice(noted + 1)) {
    const r = s.replicas.find((x) => x.replica === victim)!;
    assert.equal(r.serving, false);
    // A request sent before the mark may still end (as a failure) inside the next window: at most one.
    assert.ok(r.rps * 3 <= 1.01, JSON.stringify(r)); // measure is 3 s
    const pool = s.pools.find((p) => p.pool === 'dc1/small')!;
    assert.equal(pool.replicasServing, 0);
    // dc1's share now goes to its large replica: about half of 40 req/s.
    const large = s.pools.find((p) => p.pool === 'dc1/large')!;
    assert.ok(large.rps > 15, JSON.stringify(large));
    assert.equal(s.verdict, 'held', JSON.stringify(s.guards));
  }
  const markedAt = /marked out at (\S+?Z)/.exec(steps[noted].annotations.find((a) => a.includes(victim))!)?.[1];
  if (markedAt && killedAt > 0)
    process.stderr.write(
      `# ${victim} marked out ${((Date.parse(markedAt) - killedAt) / 1000).toFixed(2)} s after docker kill returned\n`,
    );
  assert.deepEqual(containersLeft(), []);
});

test('a replica that stops answering (paused) is marked out for its silence, before its requests time out', async () => {
  const victim = 'hold-2dc-dc2-large-1';
  const before = process.env.HOLD_STEPS;
  process.env.HOLD_STEPS = '3';
  let pausedAt = 0;
  try {
    const { result, steps, log } = await drillWith('hold-2dc.ts', 'paused', async (c) => {
      // The warm-up takes 3 s, the first step 1 s + 3 s: pause in the middle of the second step.
      setTimeout(() => void c.pause(victim).then(() => (pausedAt = Date.now())), 9000).unref();
    });
    assert.equal(result.exitCode, 0, log);
    const i = steps.findIndex((s) => s.annotations.some((a) => a.startsWith(`replica ${victim} marked out`)));
    assert.ok(i >= 0, JSON.stringify(steps.map((s) => s.annotations)));
    const note = steps[i].annotations.find((a) => a.includes(victim))!;
    assert.match(note, /not answering: \d+ requests outstanding, none answered in 1 s/);
    const markedAt = Date.parse(/marked out at (\S+?Z)/.exec(note)![1]);
    process.stderr.write(
      `# ${victim} marked out ${((markedAt - pausedAt) / 1000).toFixed(2)} s after the pause returned\n`,
    );
    // The reason is silence, not failures: it was marked out before its requests timed out (2 s).
    for (const s of steps.slice(i + 1)) assert.equal(s.replicas.find((r) => r.replica === victim)!.serving, false);
  } finally {
    if (before === undefined) delete process.env.HOLD_STEPS;
    else process.env.HOLD_STEPS = before;
  }
});

test('SIGINT in the middle of a drill: every finished step is in steps.ndjson, no container is left, exit 105', async () => {
  const out = path.join(tmp, 'sigint');
  const child = holdDrill(out, 30);
  let log = '';
  let sent = false;
  const finished: string[] = [];
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => {
    log += d;
    for (const m of String(d).matchAll(/\[hold #(\d+)\]/g)) finished.push(m[1]);
    if (!sent && finished.length >= 2) {
      sent = true;
      setTimeout(() => child.kill('SIGINT'), 1500);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 105, log);
  const steps = readSteps(out);
  const done = steps.filter((s) => s.verdict !== 'aborted');
  assert.ok(done.length >= 2, log);
  // Every step the live lines reported as finished before the signal is on disk, in order.
  assert.deepEqual(
    steps.map((s) => s.index),
    steps.map((_, i) => i),
  );
  for (const i of finished) assert.ok(steps.some((s) => String(s.index) === i));
  assert.ok(steps.length < 30);
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as Summary;
  assert.equal(summary.status, 'interrupted');
  assert.ok(fs.existsSync(path.join(out, 'index.html')));
  assert.deepEqual(containersLeft(), []);
});

test("lose-dc in kill mode: the DC's replicas are killed, the survivor carries the load, then the DC comes back", async () => {
  const { result, summary, steps, log } = await drillWith('kill-dc-2dc.ts', 'kill-dc');
  assert.equal(result.exitCode, 0, log);
  const f = summary.failovers[0];
  assert.equal(f.mode, 'kill');
  assert.equal(f.survivors[0].dc, 'dc2');
  assert.ok(f.survivors[0].loadRps > 30, JSON.stringify(f));
  const killStep = steps.find((s) => s.drill === 'kill-dc1')!;
  assert.deepEqual(
    killStep.replicas
      .filter((r) => !r.serving)
      .map((r) => r.replica)
      .sort(),
    [...dc1].sort(),
  );
  const afterStep = steps.find((s) => s.drill === 'after')!;
  assert.ok(
    afterStep.replicas.every((r) => r.serving && r.rps > 5),
    JSON.stringify(afterStep.replicas),
  );
  assert.equal(afterStep.verdict, 'held');
});
