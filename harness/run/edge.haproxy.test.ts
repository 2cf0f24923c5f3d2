// The drill's edge against an HAProxy headroom did not start (host binary): a static cluster file names
// it, weights move there through the EdgeLoadPort, requests follow them, and close() restores the weights
// found at start, and releases the run's claim. Also: the `edge:` section's validation errors (file, field, value,
// expected).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseClusterFile } from '../config';
import { type EdgeSpec, haproxyConfig, readClaim } from '../edge';
import { countingServers, hostHaproxy, sendRequests } from '../edge/testing/backends';
import { silentLogger } from '../common';
import { openDrillEdge } from './edge';
import type { LoadSource } from './load-source';

const runtime = { host: '127.0.0.1', port: 17210 };
const edgeSpec: EdgeSpec = {
  file: 'edge-wire-existing',
  runtime,
  threads: 1,
  frontends: [
    {
      name: 'us',
      host: '127.0.0.1',
      port: 17200,
      servers: [
        { backend: 'be_us', server: 'a', dc: 'use1', serverType: 'small', address: '127.0.0.1', port: 17201 },
        { backend: 'be_us', server: 'b', dc: 'euw1', serverType: 'small', address: '127.0.0.1', port: 17202 },
      ],
    },
  ],
};
const clusterText = `
name: edge-wire-existing
driver: static
serverTypes: { small: { cpus: 1, memoryMb: 256 } }
regions:
  - name: us
    dcs:
      - { name: use1, demand: 1, pools: { small: [{ http: "http://127.0.0.1:17201", grpc: "127.0.0.1:17211" }] } }
      - { name: euw1, demand: 1, pools: { small: [{ http: "http://127.0.0.1:17202", grpc: "127.0.0.1:17212" }] } }
edge:
  runtime: tcp://127.0.0.1:17210
  maxShareChange: 1
  servers:
    - { backend: be_us, server: a, dc: use1, serverType: small }
    - { backend: be_us, server: b, dc: euw1, serverType: small }
`;

function fakeSource(): LoadSource {
  // The generator's rate on top is off (baselineRps 0): only HAProxy's weights matter here.
  const noop = () => undefined;
  return {
    load: {
      setRate: noop,
      setWeights: noop,
      markOut: noop,
      markIn: noop,
      setTags: noop,
      stats: () => ({ inFlight: 0, sent: 0, dropped: 0 }),
    },
    switchMetrics: async () => undefined,
    reportedUntil: () => Number.POSITIVE_INFINITY,
    metricsPort: (p) => p,
    start: noop,
    stop: async () => undefined,
    events: [],
  };
}

test('an existing HAProxy: the drill shifts its weights, requests follow, close() restores them', async (t) => {
  const servers = await countingServers([17201, 17202]);
  t.after(() => servers.close());
  const hap = await hostHaproxy(haproxyConfig(edgeSpec, { dcs: { use1: 1, euw1: 3 } }), runtime);
  t.after(() => hap.stop());
  const runDir = mkdtempSync(path.join(os.tmpdir(), 'edge-wire-run-'));
  t.after(() => rmSync(runDir, { recursive: true, force: true }));
  const spec = parseClusterFile(clusterText, 'edge-wire-existing.yaml');
  const before = await hap.client.getWeights([
    { backend: 'be_us', server: 'a' },
    { backend: 'be_us', server: 'b' },
  ]);
  const notes: string[] = [];
  const edge = await openDrillEdge({
    spec,
    replicas: [],
    runId: 'r',
    runDir,
    logger: silentLogger,
    recordGauge: () => undefined,
    annotate: (n) => notes.push(n),
  });
  assert.ok(edge);
  try {
    const source = edge.wrap(fakeSource());
    source.load.setWeights({ dcs: { use1: 1, euw1: 0 } }); // a DC lost by weight: at once
    await (source.load as unknown as { settled(): Promise<void> }).settled();
    const during = await hap.client.getWeights([
      { backend: 'be_us', server: 'a' },
      { backend: 'be_us', server: 'b' },
    ]);
    assert.ok(during[0].weight > 0);
    assert.equal(during[1].weight, 0);
    servers.reset();
    await sendRequests('http://127.0.0.1:17200/', 200);
    assert.deepEqual(servers.counts(), [200, 0]);
    assert.match(notes.join('\n'), /edge weights reported: be_us use1=1\.000 euw1=0\.000/);
    const saved = JSON.parse(readFileSync(path.join(runDir, 'edge-weights.json'), 'utf8'));
    assert.deepEqual(
      saved.servers.map((s: { weight: number }) => s.weight),
      before.map((b) => b.weight),
    );
  } finally {
    await edge.close();
  }
  const after = await hap.client.getWeights([
    { backend: 'be_us', server: 'a' },
    { backend: 'be_us', server: 'b' },
  ]);
  assert.deepEqual(
    after.map((a) => a.weight),
    before.map((b) => b.weight),
  );
  const claim = await readClaim(hap.client);
  assert.equal(claim.state, 'released');
  assert.equal(claim.owner?.runId, 'r');
});

test('edge: section errors name the file, the field, the value and what was expected', () => {
  const bad = (edge: string) => {
    try {
      parseClusterFile(clusterText.replace(/\nedge:[\s\S]*$/, `\nedge: ${edge}\n`), 'c.yaml');
    } catch (err) {
      return String((err as Error).message);
    }
    return 'accepted';
  };
  assert.match(bad('{ runtime: 17210, port: 17200 }'), /c\.yaml.*edge.*docker/s);
  assert.match(
    bad('{ runtime: "nowhere", servers: [{ backend: b, server: s, dc: use1, serverType: small }] }'),
    /edge\.runtime.*nowhere.*tcp:\/\/host:port/s,
  );
  assert.match(
    bad('{ runtime: "tcp://127.0.0.1:1", servers: [{ backend: b, server: s, dc: mars, serverType: small }] }'),
    /edge\.servers\[0\]\.dc.*mars.*use1, euw1/s,
  );
  assert.match(bad('{ runtime: 17210 }'), /edge\.port/);
  assert.match(
    bad('{ runtime: 17210, port: 17200, claimSeconds: 5 }'),
    /edge\.claimSeconds.*only an existing HAProxy/s,
  );
  assert.match(
    bad(
      '{ runtime: "tcp://127.0.0.1:1", claimSeconds: 0, servers: [{ backend: b, server: s, dc: use1, serverType: small }] }',
    ),
    /edge\.claimSeconds/,
  );
  assert.equal(
    bad(
      '{ runtime: "tcp://127.0.0.1:1", claimSeconds: 5, servers: [{ backend: b, server: s, dc: use1, serverType: small }] }',
    ),
    'accepted',
  );
});
