// The edge as a container of the offline image: host networking, headroom's labels, serves through
// HAProxy and answers its runtime API; a refused config starts nothing. Everything is removed after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dockerEngine } from '../cluster';
import { ConfigError } from '../common';
import { type EdgeSpec, edgeServers, haproxyConfig } from './config';
import { edgeLabel, startEdgeContainer } from './container';
import { EdgeRouter } from './edge-router';
import { countingServers, sendRequests } from './testing/backends';

const docker = (args: string[]) =>
  new Promise<string>((resolve, reject) =>
    execFile('docker', args, (err, stdout, stderr) =>
      err ? reject(new Error(`docker ${args.join(' ')}: ${stderr}`)) : resolve(stdout),
    ),
  );

const runtime = { host: '127.0.0.1', port: 30410 };
const spec = (extra?: EdgeSpec['extra']): EdgeSpec => ({
  file: 'clusters/edge-test.yaml',
  runtime,
  threads: 1,
  frontends: [
    {
      name: 'us',
      host: '127.0.0.1',
      port: 30400,
      servers: [
        { backend: 'be_us', server: 'use1-gen1-0', dc: 'use1', serverType: 'gen1', address: '127.0.0.1', port: 30401 },
        { backend: 'be_us', server: 'euw1-gen1-0', dc: 'euw1', serverType: 'gen1', address: '127.0.0.1', port: 30402 },
      ],
    },
  ],
  ...(extra ? { extra } : {}),
});

test('the edge container runs HAProxy from the FROM-scratch image with host networking and serves', async (t) => {
  const servers = await countingServers([30401, 30402]);
  t.after(() => servers.close());
  const engine = dockerEngine();
  const edge = await startEdgeContainer({
    engine,
    name: 'edge-test-us',
    cluster: 'edge-test',
    runId: 'edge-test-run',
    cfgText: haproxyConfig(spec(), { dcs: { use1: 0.5, euw1: 0.5 } }),
    runtime,
    origin: 'clusters/edge-test.yaml',
  });
  t.after(async () => {
    await edge.stop();
    await docker(['rmi', edge.image]).catch(() => undefined);
  });
  const [info] = JSON.parse(await docker(['inspect', edge.containerId])) as {
    HostConfig: { NetworkMode: string };
    Config: { Labels: Record<string, string>; User: string };
    State: { Running: boolean };
  }[];
  assert.equal(info.HostConfig.NetworkMode, 'host');
  assert.equal(info.Config.Labels[edgeLabel], 'edge-test-us');
  assert.equal(info.Config.Labels['headroom.cluster'], 'edge-test');
  assert.equal(info.State.Running, true);
  assert.match(await edge.client.command('show info'), /^Name: HAProxy\nVersion: 2\./);

  await sendRequests('http://127.0.0.1:30400/', 400);
  assert.deepEqual(servers.counts(), [200, 200]);
  servers.reset();
  const step = await new EdgeRouter(edge.client, edgeServers(spec()), { maxShareChange: 1 }).setWeights({
    dcs: { use1: 0.75, euw1: 0.25 },
  });
  assert.deepEqual(step.reported, { 'be_us/use1-gen1-0': 256, 'be_us/euw1-gen1-0': 85 });
  await sendRequests('http://127.0.0.1:30400/', 400);
  // Roundrobin in one thread is deterministic: each server within 2 requests of its weight's share (256 of 341).
  const [a, b] = servers.counts();
  assert.ok(Math.abs(a - (400 * 256) / 341) <= 2 && a + b === 400, JSON.stringify(servers.counts()));

  await edge.stop();
  await edge.stop();
  assert.equal(
    (await docker(['ps', '-aq', '--filter', `label=${edgeLabel}=edge-test-us`])).trim(),
    '',
    'the container is gone',
  );
});

test('a config HAProxy refuses starts no container', async () => {
  const engine = dockerEngine();
  const cfgText = haproxyConfig(spec({ global: ['nbthread many'] }), { dcs: { use1: 1, euw1: 1 } });
  await assert.rejects(
    startEdgeContainer({
      engine,
      name: 'edge-test-bad',
      cluster: 'edge-test',
      runId: 'edge-test-run',
      cfgText,
      runtime,
      origin: 'clusters/edge-test.yaml',
    }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(
        err.message,
        /HAProxy refused the generated configuration:\n.*\[ALERT\].*'nbthread' passed a missing or unparsable integer value in 'many'/,
      );
      return true;
    },
  );
  assert.equal((await docker(['ps', '-aq', '--filter', `label=${edgeLabel}=edge-test-bad`])).trim(), '');
});
