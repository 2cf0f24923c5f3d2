// Drills on existing servers (driver: static): bucket servers of known capacity (child processes on ports
// 40100-40199, harness/cluster/testing/bucket-server.js) are redlined through `headroom drill`; the
// redline lands near each server's capacity.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../cli/main';
import { type BucketServers, startBucketServers } from '../cluster/testing/bucket-servers';
import type { StepRecord, Summary } from './records';

const fixtures = path.join(__dirname, 'fixtures', 'static');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-static-'));
const capacity = { small: 30, large: 60 };
let servers: BucketServers | null = null;

before(async () => {
  servers = await startBucketServers([
    { port: 40101, rate: capacity.small, cpuMs: 1 },
    { port: 40103, rate: capacity.large, cpuMs: 1 },
  ]);
});

after(async () => {
  await servers?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function drill(scenario: string, name: string) {
  const out = path.join(tmp, name);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let log = '';
  stderr.on('data', (d) => (log += d));
  stdout.resume();
  const code = await main(['drill', path.join(fixtures, scenario), '--out', out], { stdout, stderr, env: {}, cwd: tmp });
  const summaryFile = path.join(out, 'summary.json');
  const summary = fs.existsSync(summaryFile) ? (JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as Summary) : null;
  const stepsFile = path.join(out, 'steps.ndjson');
  const steps = fs.existsSync(stepsFile)
    ? fs.readFileSync(stepsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as StepRecord)
    : [];
  return { code, summary, steps, log };
}

test('a redline on existing servers of known capacity lands within 10% of it', async () => {
  const { code, summary, steps, log } = await drill('redline.ts', 'redline');
  assert.equal(code, 0, log);
  assert.ok(summary, log);
  for (const [type, rate] of Object.entries(capacity)) {
    const r = summary.redlines.find((x) => x.serverType === type);
    assert.ok(r, `a redline of ${type}: ${JSON.stringify(summary.redlines)}`);
    assert.ok(r.rpsPerReplica !== null, `${type}: ${r.limitedBy}\n${log}`);
    const off = r.rpsPerReplica / rate - 1;
    assert.ok(Math.abs(off) <= 0.1, `${type}: redline ${r.rpsPerReplica} req/s vs capacity ${rate} (${(off * 100).toFixed(1)}%)`);
    assert.match(r.limitedBy, /http_req_duration/);
  }
  // No replica was marked out: nothing failed, and a server headroom does not manage has no container to sample.
  const marked = steps.flatMap((s) => s.annotations.filter((a) => a.includes('marked out')));
  assert.deepEqual(marked, []);
});
