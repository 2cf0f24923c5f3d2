// The runtime API client against the host's HAProxy (unix socket and TCP), with tiny servers behind it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClusterError } from '../common';
import { type EdgeSpec, haproxyConfig } from './config';
import { serverFigures } from './server-figures';
import type { RuntimeAddress } from './runtime-address';
import { countingServers, hostHaproxy, sendRequests } from './testing/backends';

const ports = [30101, 30102, 30103];
const dcs = ['use1', 'euw1', 'aps1'];
const spec = (runtime: RuntimeAddress): EdgeSpec => ({
  file: 'edge-test',
  runtime,
  threads: 1,
  frontends: [
    {
      name: 'us',
      host: '127.0.0.1',
      port: 30100,
      servers: ports.map((port, i) => ({
        backend: 'be_us',
        server: `${dcs[i]}-gen1-0`,
        dc: dcs[i],
        serverType: 'gen1',
        address: '127.0.0.1',
        port,
      })),
    },
  ],
});

test('set, get, snapshot and restore weights over a unix socket', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edge-test-sock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const runtime = { path: path.join(dir, 'admin.sock') };
  const edge = await hostHaproxy(haproxyConfig(spec(runtime), { dcs: { use1: 0.5, euw1: 0.25, aps1: 0.25 } }), runtime);
  t.after(() => edge.stop());
  const c = edge.client;
  const before = await c.snapshotWeights();
  assert.equal(before.runtime, `unix://${runtime.path}`);
  assert.deepEqual(
    before.servers.map((s) => [`${s.backend}/${s.server}`, s.weight, s.initial]),
    [
      ['be_us/use1-gen1-0', 256, 256],
      ['be_us/euw1-gen1-0', 128, 128],
      ['be_us/aps1-gen1-0', 128, 128],
    ],
  );
  await c.setWeights([
    { backend: 'be_us', server: 'use1-gen1-0', weight: 0 },
    { backend: 'be_us', server: 'aps1-gen1-0', weight: 7 },
  ]);
  assert.deepEqual(await c.getWeight('be_us', 'use1-gen1-0'), {
    backend: 'be_us',
    server: 'use1-gen1-0',
    weight: 0,
    initial: 256,
  });
  assert.equal((await c.getWeight('be_us', 'aps1-gen1-0')).weight, 7);
  const restored = await c.restoreWeights(before);
  assert.deepEqual(
    restored.map((s) => s.weight),
    [256, 128, 128],
  );
  await assert.rejects(
    c.setWeight('be_us', 'nope', 3),
    (err: unknown) =>
      err instanceof ClusterError && /HAProxy refused a weight change: No such server\./.test(err.message),
  );
  await assert.rejects(c.getWeight('be_nope', 'x'), /No such backend\./);
  await assert.rejects(c.setWeight('be_us', 'use1-gen1-0', 257), /integer 0-256, got 257/);
});

test('show stat over TCP: per-server requests and 5xx match what the servers answered', async (t) => {
  const servers = await countingServers(ports, { status: (i) => (i === 2 ? 503 : 200) });
  t.after(() => servers.close());
  const runtime = { host: '127.0.0.1', port: 30110 };
  const edge = await hostHaproxy(haproxyConfig(spec(runtime), { dcs: { use1: 0.5, euw1: 0.3, aps1: 0.2 } }), runtime);
  t.after(() => edge.stop());
  const before = await edge.client.showStat();
  const statuses = await sendRequests('http://127.0.0.1:30100/', 300);
  const counts = servers.counts();
  assert.equal(
    counts.reduce((a, b) => a + b, 0),
    300,
  );
  assert.equal(statuses[503], counts[2]);
  const rows = await edge.client.showStat();
  const fe = rows.find((r) => r.kind === 'frontend' && r.proxy === 'fe_us')!;
  assert.equal(fe.reqTot, 300);
  for (const [i, dc] of dcs.entries()) {
    const row = rows.find((r) => r.kind === 'server' && r.name === `${dc}-gen1-0`)!;
    assert.equal(row.stot, counts[i], `${dc} sessions`);
    assert.equal(row.lbtot, counts[i], `${dc} balancer picks`);
    assert.equal(row.hrsp2xx + row.hrsp5xx, counts[i], `${dc} responses`);
    assert.equal(row.hrsp5xx, i === 2 ? counts[i] : 0, `${dc} 5xx`);
    assert.equal(row.qcur, 0);
    assert.equal(row.scur, 0);
  }
  const figures = serverFigures(spec(runtime).frontends[0].servers, before, rows, 1);
  assert.deepEqual(
    dcs.map((dc) => [figures[`be_us/${dc}-gen1-0`].requests, figures[`be_us/${dc}-gen1-0`].errors5xx]),
    counts.map((n, i) => [n, i === 2 ? n : 0]),
  );
  const weights = Object.fromEntries(rows.filter((r) => r.kind === 'server').map((r) => [r.name, r.weight]));
  assert.deepEqual(weights, { 'use1-gen1-0': 256, 'euw1-gen1-0': 154, 'aps1-gen1-0': 102 });
});
