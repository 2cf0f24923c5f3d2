// A redline search driven through 2 local generator agents (`headroom drill --agents 2`, the compiled CLI in
// a process of its own) on a server of known capacity: a token bucket of 30 req/s (fixtures/agent-redline.yaml,
// harness/cluster/testing/bucket-server.js on port 16901). The redline lands below the bucket's rate (where the
// search went as planned, inside its bracket: harness/drill/testing/bucket-redline.ts), and every
// request the server answered is in the drill's merged counts exactly once.
// How close the agents' redline comes to the in-process engine's is a figure: `make bench` measures it
// (harness/bench/load/agents-redline.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { type BucketServers, startBucketServers } from '../cluster/testing/bucket-servers';
import { assertBucketRedline } from '../drill/testing/bucket-redline';
import type { StepRecord, Summary } from '../results';

const fixtures = path.join(__dirname, 'fixtures');
const headroomJs = path.join(__dirname, '..', 'cli', 'headroom.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-redline-'));
const rate = 30;
const port = 16901;
let servers: BucketServers | null = null;

before(async () => {
  servers = await startBucketServers([{ port, rate }]);
});

after(async () => {
  await servers?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Requests the bucket answered, from its own Prometheus text. */
async function answered(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = /^bucket_requests_total\{[^}]*\} (\d+)$/m.exec(text);
  assert.ok(m, text);
  return Number(m[1]);
}

/**
 * Requests the run's k6 JSON points count, answered and failed (a timeout): each request is an http_reqs point
 * and an http_req_failed point of 0 (answered) or 1.
 */
function merged(file: string): { requests: number; answered: number; failed: number } {
  const n = { requests: 0, answered: 0, failed: 0 };
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const p = JSON.parse(line) as { type: string; metric: string; data?: { value: number } };
    if (p.type !== 'Point') continue;
    if (p.metric === 'http_reqs') n.requests += p.data!.value;
    else if (p.metric === 'http_req_failed') n[p.data!.value === 0 ? 'answered' : 'failed']++;
  }
  return n;
}

test('a redline search through 2 local agents: a redline below the rate of the bucket, merged counts exact', async (t) => {
  const out = path.join(tmp, 'run');
  const points = path.join(tmp, 'points.ndjson');
  const child = spawn(
    process.execPath,
    [
      headroomJs,
      'drill',
      path.join(fixtures, 'agent-redline.ts'),
      '--agents',
      '2',
      '--out',
      out,
      '--out',
      `json=${points}`,
    ],
    { cwd: tmp, env: { PATH: process.env.PATH, HEADROOM_LIVE: '0' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, log);
  assert.match(log, /load from 2 generator agents/);
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as Summary;
  const steps = fs
    .readFileSync(path.join(out, 'steps.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as StepRecord);
  const [r] = summary.redlines;
  t.diagnostic(`redline ${r.rpsPerReplica} req/s for a bucket of ${rate}, ${r.probes} probes in ${r.durationS} s`);
  const note = assertBucketRedline(r, steps, rate, log);
  if (note) t.diagnostic(note);
  // Every step's window was complete: no agent fell behind its reports.
  for (const s of steps)
    assert.ok(!s.annotations.some((n) => n.includes('had reported only up to')), s.annotations.join('\n'));
  // Exact merge: every request the server answered is in the drill's merged counts, none twice.
  const served = await answered();
  const m = merged(points);
  t.diagnostic(
    `answered by the server ${served}; merged ${m.requests} requests, ${m.answered} answered, ${m.failed} failed`,
  );
  assert.ok(served > 0);
  assert.equal(m.answered, served, log);
  assert.equal(m.requests, m.answered + m.failed);
});
