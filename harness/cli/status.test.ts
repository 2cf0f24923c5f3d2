// up/down/status through main() with a captured io: argument errors, config errors, and status
// of a static cluster (no Docker needed). The docker path is covered by harness/cluster/*.docker.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Writable } from 'node:stream';
import { toReplica } from '../cluster';
import { loadClusterFile } from '../config';
import { formatStatus, statusJson } from './cluster-command';
import { main } from './main';
import type { CliIo } from './io';

const root = path.join(__dirname, '..', '..');

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        add(String(chunk));
        cb();
      },
    });
  const io: CliIo = { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)), env: {}, cwd: root };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

test('status --json of a static cluster: the documented shape, state unmanaged', async () => {
  const r = await cli(['status', 'harness/config/fixtures/static-2dc.yaml', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    replicas: [
      {
        name: 'static-2dc-lab1-gen1-1',
        region: 'lab',
        dc: 'lab1',
        pool: 'lab1/gen1',
        serverType: 'gen1',
        http: 'http://127.0.0.1:21480',
        grpc: '127.0.0.1:21481',
        state: 'unmanaged',
        cpus: 2,
        memoryMb: 4096,
      },
      {
        name: 'static-2dc-lab1-gen1-2',
        region: 'lab',
        dc: 'lab1',
        pool: 'lab1/gen1',
        serverType: 'gen1',
        http: 'http://10.0.0.5:8080',
        grpc: '[::1]:21483',
        state: 'unmanaged',
        cpus: 2,
        memoryMb: 4096,
      },
      {
        name: 'static-2dc-lab2-gen1-1',
        region: 'lab',
        dc: 'lab2',
        pool: 'lab2/gen1',
        serverType: 'gen1',
        http: 'http://localhost:21484',
        grpc: 'localhost:21485',
        state: 'unmanaged',
        cpus: 2,
        memoryMb: 4096,
      },
    ],
  });
});

test('status without --json: a table with a header line and one row per replica', async () => {
  const r = await cli(['status', 'harness/config/fixtures/static-2dc.yaml']);
  assert.equal(r.code, 0);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(
    lines[0],
    'cluster static-2dc (static, harness/config/fixtures/static-2dc.yaml): 3 of 3 replicas running',
  );
  assert.match(lines[1], /^replica\s+region\s+dc\s+type\s+http\s+grpc\s+state\s+cpus\s+memory$/);
  assert.match(
    lines[3],
    /^static-2dc-lab1-gen1-2\s+lab\s+lab1\s+gen1\s+http:\/\/10\.0\.0\.5:8080\s+\[::1\]:21483\s+unmanaged\s+2\s+4096 MiB$/,
  );
  assert.equal(lines.length, 5);
});

test('command-line errors exit 104; a bad or missing cluster file exits 104 naming it as typed', async () => {
  for (const argv of [['up'], ['down', 'a.yaml', 'b.yaml'], ['status', 'x.yaml', '--colour']]) {
    const r = await cli(argv);
    assert.equal(r.code, 104, argv.join(' '));
    assert.match(r.stderr, new RegExp(`headroom: command line: |usage: headroom ${argv[0]} <cluster.yaml>`));
  }
  const bad = await cli(['up', 'harness/config/fixtures/bad-many.yaml']);
  assert.equal(bad.code, 104);
  assert.match(bad.stderr, /^headroom: harness\/config\/fixtures\/bad-many\.yaml: /);
  assert.match(bad.stderr, /\nharness\/config\/fixtures\/bad-many\.yaml: colour: unknown key 'colour'/);
  const missing = await cli(['down', 'clusters/nope.yaml']);
  assert.equal(missing.code, 104);
  assert.equal(
    missing.stderr,
    'headroom: clusters/nope.yaml: no such file; expected a cluster file (YAML), e.g. clusters/local-3dc.yaml\n',
  );
});

test('status names the runs that hold the cluster: run id, host, pid, since, and whether the run is alive', async () => {
  const spec = await loadClusterFile(path.join(root, 'harness/config/fixtures/static-2dc.yaml'));
  const owner = (runId: string, pid: number, live: boolean) => ({
    runId,
    host: 'ci-7',
    pid,
    since: '2026-11-30T18:00:00.000Z',
    live,
  });
  const [a, b, c] = spec.replicas.map((r) => ({ ...toReplica(r), state: 'running' as const, cpus: 2, memoryMb: 4096 }));
  const replicas = [
    { ...a, owner: owner('run-1', 4242, true) },
    { ...b, owner: owner('run-1', 4242, true) },
    { ...c, owner: owner('run-0', 17, false) },
  ];
  const text = formatStatus(spec, replicas);
  assert.deepEqual(text.split('\n').slice(1, 3), [
    'held by run run-1 (host ci-7, pid 4242, since 2026-11-30T18:00:00.000Z): 2 replicas, alive',
    `held by run run-0 (host ci-7, pid 17, since 2026-11-30T18:00:00.000Z): 1 replica, not alive (leftovers: \`headroom down ${spec.file}\` removes them)`,
  ]);
  assert.deepEqual(statusJson(replicas).heldBy, [
    { ...owner('run-1', 4242, true), replicas: [a.name, b.name] },
    { ...owner('run-0', 17, false), replicas: [c.name] },
  ]);
  // Without owners (a static cluster, no containers) neither the lines nor the field appear.
  assert.doesNotMatch(formatStatus(spec, [a, b, c]), /held by/);
  assert.equal('heldBy' in statusJson([a, b, c]), false);
});
