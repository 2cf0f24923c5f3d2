// Faults of a real drill run against real Docker on the fault tests' cluster (ports
// 16000-16099): a SIGKILLed drill is rebuilt by `headroom report` as "crashed"; a results disk that
// fills mid-run stops the drill as an interrupt does (exit 106, complete lines kept, never "passed").
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createDriver } from '../cluster';
import { loadClusterFile } from '../config';
import type { StepRecord, Summary } from '../results';

const root = path.resolve(__dirname, '..', '..');
const fixtures = path.join(__dirname, 'fixtures');
const clusterName = 'fault-test-2dc';
const cli = path.join(root, 'harness/cli/headroom.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-faults-'));

function containersLeft(): string[] {
  return execFileSync('docker', ['ps', '-aq', '--filter', `label=headroom.cluster=${clusterName}`], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
}

function lines(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

after(async () => {
  const spec = await loadClusterFile(path.join(fixtures, 'fault-test-2dc.yaml'));
  await createDriver(spec).down();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs `headroom drill` on the hold fixture; `onStep(n, child)` is called as the n-th step line appears. */
function drill(
  out: string,
  onStep: (n: number, child: ReturnType<typeof spawn>) => void,
  steps = 30,
): Promise<{ code: number | null; signal: string | null; log: string }> {
  const child = spawn(process.execPath, [cli, 'drill', path.join(fixtures, 'fault-test-hold.ts'), '--out', out], {
    cwd: root,
    env: { ...process.env, HOLD_STEPS: String(steps), HEADROOM_LIVE: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  let seen = 0;
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => {
    log += d;
    for (const _ of String(d).matchAll(/\[hold #(\d+)\]/g)) onStep(++seen, child);
  });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, log })));
}

test('SIGKILL after some steps: `headroom report <run>` rebuilds the summary from steps.ndjson, marked crashed (finding 6)', async () => {
  const out = path.join(tmp, 'killed');
  const r = await drill(out, (n, child) => {
    if (n === 2) child.kill('SIGKILL');
  });
  assert.equal(r.signal, 'SIGKILL', r.log);
  assert.ok(!fs.existsSync(path.join(out, 'summary.json')));
  const kept = lines(path.join(out, 'steps.ndjson')).length;
  assert.ok(kept >= 2, r.log);
  const rep = spawn(process.execPath, [cli, 'report', out], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  rep.stdout.on('data', (d) => (text += d));
  rep.stderr.on('data', (d) => (text += d));
  const code = await new Promise((resolve) => rep.on('exit', resolve));
  assert.equal(code, 0, text);
  assert.match(text, new RegExp(`crashed run \\(no summary.json\\): summary rebuilt from run.json and ${kept} steps`));
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as Summary;
  assert.equal(summary.status, 'crashed');
  assert.equal(summary.cluster.name, clusterName);
  assert.ok(fs.statSync(path.join(out, 'index.html')).size > 1000);
  // The next run cleans the killed run's containers up; here the test's after() does.
});

test('the results disk fills mid-run: the drill stops as on Ctrl-C, keeps complete lines, exit 106, never "passed" (finding 7)', async (t) => {
  const out = path.join(tmp, 'full');
  fs.mkdirSync(out);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'fault-test-full', out]);
  t.after(() => execFileSync('umount', [out]));
  // Once two steps are in, fill what is left of the disk, so the next step's line cannot be written.
  const r = await drill(out, (n) => {
    if (n === 2)
      try {
        fs.writeFileSync(path.join(out, 'ballast'), Buffer.alloc(1024 * 1024));
      } catch {
        /* ENOSPC: full, as wanted */
      }
  });
  assert.equal(r.code, 106, r.log);
  assert.match(
    r.log,
    new RegExp(
      `could not write results: ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[a-z.]+: ENOSPC: no space left on device`,
    ),
  );
  assert.doesNotMatch(r.log, /internal error|\n\s+at /);
  const steps = lines(path.join(out, 'steps.ndjson')).map((l) => JSON.parse(l) as StepRecord);
  assert.ok(steps.length >= 2 && steps.length < 30, r.log);
  assert.deepEqual(
    steps.map((s) => s.index),
    steps.map((_, i) => i),
  );
  const summaryFile = path.join(out, 'summary.json');
  if (fs.existsSync(summaryFile))
    assert.notEqual((JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as Summary).status, 'passed');
  assert.deepEqual(containersLeft(), []);
});
