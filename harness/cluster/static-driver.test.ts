// The static driver on real servers it does not manage (bucket servers, child processes on ports
// 16470-16479): health per tier, resource samples from each server's own Prometheus metrics where the
// cluster file says where they are, none where it does not, and a source that does not answer refused at up.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { request } from 'undici';
import { ClusterError, ExitCode } from '../common';
import { parseClusterFile } from '../config';
import { staticDriver } from './static-driver';
import { type BucketServers, startBucketServers } from './testing/bucket-servers';

let servers: BucketServers | null = null;
before(async () => {
  servers = await startBucketServers([16471, 16473, 16475].map((port) => ({ port, rate: 1000, burst: 100, cpuMs: 2 })));
});
after(async () => {
  await servers?.stop();
});

const clusterText = (pool: string) => `
name: scrape
driver: static
services:
  web: { ports: [http], health: { http: /healthz } }
serverTypes:
  one: { cpus: 0.5, memoryMb: 256 }
regions:
  - name: lab
    dcs:
      - name: lab1
        demand: 1
        pools:
          one:
${pool}`;

test("CPU share and memory from each server's own metrics; a server without a source has no sample", async () => {
  const spec = parseClusterFile(
    clusterText(`
            - { http: "http://127.0.0.1:16471", grpc: "127.0.0.1:16472", metrics: /metrics }
            - { http: "http://127.0.0.1:16473", grpc: "127.0.0.1:16474", metrics: "http://{{host}}:{{port.http}}/metrics" }
            - { http: "http://127.0.0.1:16475", grpc: "127.0.0.1:16476" }`),
    '/fixtures/scrape.yaml',
  );
  const cluster = await staticDriver(spec).up();
  try {
    const [a, b, c] = cluster.replicas.map((r) => r.name);
    const first = await cluster.sampleResources();
    assert.deepEqual(first.map((s) => s.replica).sort(), [a, b]);
    // 50 answers of 2 ms of CPU each from server a: at least 0.1 s more CPU than b.
    for (let i = 0; i < 50; i++) await (await request('http://127.0.0.1:16471/work')).body.text();
    const second = await cluster.sampleResources();
    assert.deepEqual(second.map((s) => s.replica).sort(), [a, b]);
    const one = (list: typeof first, name: string) => {
      const found = list.find((s) => s.replica === name);
      assert.ok(found, `a sample of ${name}`);
      return found;
    };
    const usedA = one(second, a).cpuSeconds - one(first, a).cpuSeconds;
    const usedB = one(second, b).cpuSeconds - one(first, b).cpuSeconds;
    assert.ok(usedA >= 0.1, `server a used ${usedA} s of CPU for 50 answers of 2 ms`);
    assert.ok(usedA - usedB >= 0.1, `a ${usedA} s, b ${usedB} s`);
    // The share is that CPU over the time between the scrapes and the type's 0.5 cpus.
    const s = one(second, a);
    const seconds = (s.at - one(first, a).at) / 1000;
    assert.ok(Math.abs(s.cpuShare - usedA / (seconds * 0.5)) < 1e-9, `share ${s.cpuShare}`);
    for (const x of second)
      assert.ok(x.memoryMb !== undefined && x.memoryMb > 10 && x.memoryMb < 1024, `memory ${x.memoryMb} MiB`);
    assert.equal(
      second.some((x) => x.replica === c),
      false,
    );
  } finally {
    await cluster.down();
  }
});

test('a metrics source that does not answer Prometheus text with process_cpu_seconds_total stops up (exit 110)', async (t) => {
  const cases: [string, RegExp][] = [
    [
      '/healthz',
      /replica scrape-lab1-one-1: its metrics at http:\/\/127\.0\.0\.1:16471\/healthz cannot be read: line 1: expected a value/,
    ],
    [
      'http://127.0.0.1:16478/metrics',
      /its metrics at http:\/\/127\.0\.0\.1:16478\/metrics cannot be read: no process_cpu_seconds_total in its metrics/,
    ],
    [
      'http://127.0.0.1:16479/metrics',
      /its metrics at http:\/\/127\.0\.0\.1:16479\/metrics cannot be read: .*ECONNREFUSED/,
    ],
  ];
  // Prometheus text, but without the CPU counter.
  const other = createServer((_req, res) => res.end('# TYPE up gauge\nup 1\n'));
  await new Promise<void>((resolve) => other.listen(16478, '127.0.0.1', resolve));
  t.after(() => other.close());
  for (const [source, message] of cases) {
    const spec = parseClusterFile(
      clusterText(`            - { http: "http://127.0.0.1:16471", grpc: "127.0.0.1:16472", metrics: "${source}" }`),
      '/f/scrape.yaml',
    );
    await assert.rejects(staticDriver(spec).up(), (err: unknown) => {
      assert.ok(err instanceof ClusterError, String(err));
      assert.equal(err.exitCode, ExitCode.cluster);
      assert.match(err.message, message);
      return true;
    });
  }
});
