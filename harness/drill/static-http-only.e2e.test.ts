// Existing servers that serve HTTP only (a static pool without gRPC addresses): every command that reads the
// cluster file accepts it (up, status, down, load, export k6, drill), its health check follows the tier's
// `health:` (a TCP connect here), a redline on a token bucket of 40 req/s lands below the bucket's rate, and
// a mix with a gRPC endpoint is refused before anything starts (exit 104, naming the field). The server is a
// child process on port 14001 (harness/cluster/testing/bucket-server.js), `load`'s on 14003.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { type BucketServers, startBucketServers } from '../cluster/testing/bucket-servers';
import type { StepRecord, Summary } from '../results';
import { assertBucketRedline } from './testing/bucket-redline';

const fixtures = path.join(__dirname, 'fixtures', 'static');
const headroomJs = path.join(__dirname, '..', 'cli', 'headroom.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'headroom-http-only-'));
const bucketRate = 40;
const clusterFile = path.join(fixtures, 'http-only.yaml');
let servers: BucketServers | null = null;

before(async () => {
  // 14001 is the cluster's server; `load` sends to one of its own on 14003, so the redline's bucket sees only the drill.
  servers = await startBucketServers([
    { port: 14001, rate: bucketRate, cpuMs: 1 },
    { port: 14003, rate: 100 },
  ]);
});

after(async () => {
  await servers?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The compiled CLI in a process of its own. */
async function headroom(...args: string[]) {
  const child = spawn(process.execPath, [headroomJs, ...args], {
    cwd: tmp,
    env: { PATH: process.env.PATH, HEADROOM_LIVE: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout, stderr };
}

// Each test reads what it started itself: they run side by side.
describe('an HTTP-only static cluster', { concurrency: true }, () => {
  test('an HTTP-only static cluster: up, status, down, load and export k6 accept it; no gRPC address is shown', async () => {
    // up, status and down in turn; load and export beside them (none changes what another reads).
    const lifecycle = async () => {
      const up = await headroom('up', clusterFile);
      assert.equal(up.code, 0, up.stderr);
      assert.match(up.stdout, /st-http-only-lab1-small-1 .*http:\/\/127\.0\.0\.1:14001 +- +unmanaged/);

      const status = await headroom('status', clusterFile, '--json');
      assert.equal(status.code, 0, status.stderr);
      const [replica] = (JSON.parse(status.stdout) as { replicas: Record<string, unknown>[] }).replicas;
      assert.equal(replica.http, 'http://127.0.0.1:14001');
      assert.equal(replica.grpc, null);

      const down = await headroom('down', clusterFile);
      assert.equal(down.code, 0, down.stderr);
    };
    const load = async () => {
      const r = await headroom('load', 'http://127.0.0.1:14003/work', '--rate', '10', '--duration', '1s', '--json');
      assert.equal(r.code, 0, r.stderr);
      const reqs = (JSON.parse(r.stdout) as { metrics: { http_reqs: { values: { count: number } } } }).metrics;
      assert.ok(reqs.http_reqs.values.count >= 5, r.stdout);
    };
    const exportK6 = async () => {
      const out = path.join(tmp, 'k6');
      const exported = await headroom('export', 'k6', path.join(fixtures, 'http-only-hold.ts'), '--out', out);
      assert.equal(exported.code, 0, exported.stderr);
      const script = fs.readFileSync(path.join(out, 'script.ts'), 'utf8');
      assert.match(script, /"http":"http:\/\/127\.0\.0\.1:14001"/);
      assert.doesNotMatch(script, /k6\/net\/grpc|"grpc":/);
    };
    await Promise.all([lifecycle(), load(), exportK6()]);
  });

  test('a gRPC endpoint in the mix against servers without gRPC addresses is refused at load time (exit 104)', async () => {
    const out = path.join(tmp, 'grpc');
    const { code, stderr } = await headroom('drill', path.join(fixtures, 'http-only-grpc-mix.ts'), '--out', out);
    assert.equal(code, 104, stderr);
    assert.match(
      stderr,
      /http-only-grpc-mix\.ts: mix\.endpoints\[1\]\.protocol: got "grpc" \(endpoint 'feed-grpc'\).*pool lab1\/small of static cluster st-http-only \(http-only\.yaml\) lists no grpc address/,
    );
    assert.equal(fs.existsSync(path.join(out, 'steps.ndjson')), false, 'nothing started');
  });

  test('a redline of an HTTP-only server of 40 req/s lands below its rate, the tier health check a TCP connect', async (t) => {
    const out = path.join(tmp, 'redline');
    const { code, stderr } = await headroom('drill', path.join(fixtures, 'http-only-redline.ts'), '--out', out);
    assert.equal(code, 0, stderr);
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as Summary;
    const [r] = summary.redlines;
    t.diagnostic(
      `redline ${r.rpsPerReplica} req/s for a bucket of ${bucketRate}, ${r.probes} probes in ${r.durationS} s`,
    );
    const steps = fs
      .readFileSync(path.join(out, 'steps.ndjson'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as StepRecord);
    const note = assertBucketRedline(r, steps, bucketRate, stderr);
    if (note) t.diagnostic(note);
    assert.doesNotMatch(stderr, /marked out/);
  });
});
