// A static server that dies mid-drill is a fault, not a capacity figure. `headroom drill` (the compiled CLI, a
// process of its own) drains 40 req/s toward b1 (two token buckets of 60 req/s) while the test kills servers
// of b1 by pid: the dead server is marked out with the error that showed it, the step it died in is `faulted`
// and repeated with the servers still serving, the drain's verdict comes from the other steps, and the server
// is marked back in once it answers its health check again. When every server of b1 dies the drill ends with
// exit 110 naming them. Servers: child processes on ports 14011-14015 and 14021-14025.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { type BucketServers, startBucketServers } from '../cluster/testing/bucket-servers';
import type { StepRecord, Summary } from '../results';

const fixtures = path.join(__dirname, 'fixtures', 'static');
const headroomJs = path.join(__dirname, '..', 'cli', 'headroom.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-static-faults-'));
const started: BucketServers[] = [];

after(async () => {
  await Promise.all(started.map((s) => s.stop()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function servers(ports: number[]): Promise<BucketServers> {
  const s = await startBucketServers(ports.map((port) => ({ port, rate: 60 })));
  started.push(s);
  return s;
}

const readSteps = (out: string): StepRecord[] => {
  const file = path.join(out, 'steps.ndjson');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as StepRecord);
};

/** `headroom drill` in a process of its own; `during` runs once the first step has ended. */
async function drill(scenario: string, name: string, during: () => Promise<void>) {
  const out = path.join(tmp, name);
  const child = spawn(process.execPath, [headroomJs, 'drill', path.join(fixtures, scenario), '--out', out], {
    cwd: tmp,
    env: { PATH: process.env.PATH, HEADROOM_LIVE: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  let done = false;
  void exited.then(() => (done = true));
  while (!done && readSteps(out).length === 0) await new Promise((r) => setTimeout(r, 100));
  if (!done) await during();
  const code = await exited;
  const summaryFile = path.join(out, 'summary.json');
  const summary = fs.existsSync(summaryFile) ? (JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as Summary) : null;
  return { code, summary, steps: readSteps(out), log };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** What a server's death shows as: its open connections reset or closed, new ones refused. */
const deathError = /connection refused \(ECONNREFUSED\)|connection reset \(ECONNRESET\)|closed without a response/;

describe('a static server dies during a drain', { concurrency: true }, () => {
  test('one server of the target: marked out with the cause, its step faulted and repeated, the drain judged without it', async () => {
    const s = await servers([14011, 14013, 14015]);
    const victim = 'st-drain-kill-a-b1-small-2';
    const { code, summary, steps, log } = await drill('drain-kill.ts', 'one', async () => {
      await sleep(1500); // into the second step's measure window
      process.kill(s.pids[2], 'SIGKILL');
      // Back on its port a few seconds later: its health check answers again.
      await sleep(5000);
      await servers([14015]);
    });
    assert.equal(code, 0, log);
    const faulted = steps.filter((st) => st.verdict === 'faulted');
    assert.ok(faulted.length >= 1, JSON.stringify(steps.map((st) => [st.targetShare, st.verdict, st.annotations])));
    const out = steps.flatMap((st) => st.annotations).find((a) => a.includes(`replica ${victim} marked out`));
    assert.ok(out, log);
    assert.match(out, deathError);
    // The step the server died in says so, and is neither a hold nor a breach.
    assert.ok(
      faulted.some((st) => st.annotations.some((a) => a.startsWith('faulted:') && a.includes(victim))),
      JSON.stringify(faulted.map((st) => st.annotations)),
    );
    // Every faulted share was measured again without a fault.
    for (const st of faulted)
      assert.ok(
        steps.some((x) => x.index > st.index && x.targetShare === st.targetShare && x.verdict !== 'faulted'),
        `share ${st.targetShare} repeated: ${JSON.stringify(steps.map((x) => [x.targetShare, x.verdict]))}`,
      );
    assert.ok(
      steps.some((st) => st.annotations.some((a) => a.startsWith(`replica ${victim} marked in: answering again`))),
      log,
    );
    // One server of b1 carries the whole 40 req/s: the drain holds to 100%, nothing broke.
    assert.ok(summary, log);
    const [drain] = summary.drains;
    assert.equal(drain.brokenBy, 'none', log);
    assert.equal(drain.heldShare, 1);
    assert.doesNotMatch(log, /broken by http_req_failed/);
  });

  test('every server of the target: the drill ends with exit 110 naming them and the error, no drain verdict', async () => {
    const s = await servers([14021, 14023, 14025]);
    const { code, summary, steps, log } = await drill('drain-kill-all.ts', 'all', async () => {
      await sleep(1500);
      process.kill(s.pids[1], 'SIGKILL');
      process.kill(s.pids[2], 'SIGKILL');
    });
    assert.equal(code, 110, log);
    assert.match(log, /drain drain-b1: every server of dc b1 is marked out/);
    assert.match(log, /st-drain-kill-b-b1-small-1: .*(ECONNREFUSED|ECONNRESET|closed without a response)/);
    assert.match(log, /st-drain-kill-b-b1-small-2: .*(ECONNREFUSED|ECONNRESET|closed without a response)/);
    assert.ok(
      steps.some((st) => st.verdict === 'faulted'),
      JSON.stringify(steps.map((st) => st.verdict)),
    );
    assert.deepEqual(summary?.drains ?? [], []);
    assert.doesNotMatch(log, /held 0\.0%|broken by http_req_failed/);
  });
});
