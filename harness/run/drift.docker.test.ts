// A drift planted in the middle of a redline search: the replica's cost per request is raised by about half (its
// FEED_CPU_MS knob 4 → 6.5, through POST /admin/knobs) after its third probe: a move no busy machine's noise
// explains (how small a move is caught is make accuracy's question, not this test's). The drill must say so on a
// step, in summary.json and in the report, widen the interval to cover the redline before and after, end the
// search on it, and warn; the compiled CLI runs the drill.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { StepRecord, Summary } from '../results';
import { containersWithLabel, projectRoot } from '../cluster/testing/test-kit';

const scenario = path.join(__dirname, 'fixtures', 'drift', 'drift.js');
const bin = path.join(projectRoot, 'dist', 'harness', 'cli', 'bin.js');

const steps = (out: string): StepRecord[] =>
  existsSync(path.join(out, 'steps.ndjson'))
    ? readFileSync(path.join(out, 'steps.ndjson'), 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as StepRecord)
    : [];

test('a cost raised mid-search is reported as drift by the step, the summary and the report; the interval widens', {
  timeout: 150_000,
}, async (t) => {
  const out = mkdtempSync(path.join(tmpdir(), 'drift-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const child = spawn(process.execPath, [bin, 'drill', scenario, '--out', out, '--replace'], {
    cwd: projectRoot,
    env: { ...process.env, HEADROOM_LIVE: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let log = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (log += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  // After the third probe, the same load costs FEED_CPU_MS 4 → 6.5 of CPU a request.
  let planted = false;
  while (!planted) {
    if (child.exitCode !== null) break;
    if (steps(out).length >= 3) {
      const res = await fetch('http://127.0.0.1:28400/admin/knobs', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ feedCpuMs: 6.5 }),
      });
      assert.equal(res.status, 200, await res.text());
      planted = true;
    } else await new Promise((r) => setTimeout(r, 200));
  }
  const code = await exited;
  assert.ok(planted, `the drill ended before its third probe:\n${log}`);
  assert.equal(code, 0, log);
  const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as Summary;
  const rl = summary.redlines[0];
  assert.ok(rl.drift?.significant, `no drift in the result: ${JSON.stringify(rl)}\n${log}`);
  t.diagnostic(`drift ${JSON.stringify(rl.drift)}; interval ${rl.interval?.join('-')}; ended by ${rl.endedBy}`);
  assert.ok(rl.drift.change > 0.1, `the cost moved ${rl.drift.change}`);
  assert.equal(rl.endedBy, 'drift');
  // Widened to both redlines, before and after the cost moved.
  const [low, high] = rl.interval!;
  assert.ok(
    low <= Math.min(rl.drift.fromRps!, rl.drift.toRps!) && high >= Math.max(rl.drift.fromRps!, rl.drift.toRps!),
  );
  assert.ok(
    steps(out).some((s) => s.annotations.some((a) => a.startsWith('drift: the cost per request'))),
    'a step says the cost moved',
  );
  assert.match(log, /repeat when the machine is quiet/);
  // The verdict says it too, beside a status that no guard failed.
  assert.equal(summary.cautions?.[0]?.kind, 'drift', JSON.stringify(summary.cautions));
  assert.match(log, /verdict passed, with a caution: redline lab1\/small/);
  assert.match(readFileSync(path.join(out, 'index.html'), 'utf8'), /DRIFT: moved \+\d+%/);
  assert.deepEqual(await containersWithLabel('headroom.cluster=drift-1'), []);
});
