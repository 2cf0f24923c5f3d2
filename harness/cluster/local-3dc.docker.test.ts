// local-3dc itself, end to end through the CLI: up, every replica answers HTTP and gRPC, the
// containers carry the labels and limits of their server type, status --json, down leaves nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { grpcClients, request } from '../../clusters/reference/test-client';
import { loadClusterFile } from '../config';
import { createDriver } from './index';
import { containersWithLabel, headroom, inspect, projectRoot } from './testing/test-kit';

const file = path.join(projectRoot, 'clusters', 'local-3dc.yaml');
const MiB = 1024 * 1024;

test('local-3dc: headroom up, call every replica over HTTP and gRPC, labels and limits, status --json, headroom down', async (t) => {
  const spec = await loadClusterFile(file);
  const driver = createDriver(spec);
  try {
    const started = Date.now();
    const up = await headroom(['up', 'clusters/local-3dc.yaml']);
    t.diagnostic(`headroom up local-3dc took ${((Date.now() - started) / 1000).toFixed(1)} s (node start included)`);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /cluster local-3dc \(docker, .*local-3dc\.yaml\): 7 of 7 replicas running/);
    for (const r of spec.replicas) assert.match(up.stdout, new RegExp(`${r.name}\\s.*running`));

    // Every replica serves the feed over both protocols, and says who it is.
    const status = await driver.status();
    assert.equal(status.length, 7);
    await Promise.all(
      status.map(async (r) => {
        const res = await request(r.http, 'GET', '/feed?user=7');
        assert.equal(res.status, 200, `${r.name} GET /feed`);
        const body = res.json<{ replica: string; posts: unknown[] }>();
        assert.equal(body.replica, r.name);
        assert.equal(body.posts.length, 20);
        const grpc = grpcClients(r.grpc!);
        try {
          const reply = await grpc.getFeed({ user: 7 });
          assert.equal(reply.posts.length, 20, `${r.name} GetFeed`);
          assert.deepEqual(
            reply.posts.map((p) => p.id),
            (body.posts as { id: number }[]).map((p) => p.id),
            'same feed over both protocols',
          );
        } finally {
          grpc.close();
        }
      }),
    );

    // Labels and limits, as Docker itself reports them.
    const containers = await inspect(await containersWithLabel('headroom.cluster=local-3dc'));
    assert.equal(containers.length, 7);
    const runs = new Set(containers.map((c) => c.Config.Labels['headroom.run']));
    assert.equal(runs.size, 1, 'one run id on every container');
    for (const r of spec.replicas) {
      const c = containers.find((x) => x.Name === `/${r.name}`);
      assert.ok(c, `container ${r.name}`);
      const type = spec.serverTypes[r.serverType];
      const labels = c.Config.Labels;
      assert.deepEqual(
        [
          labels['headroom.cluster'],
          labels['headroom.region'],
          labels['headroom.dc'],
          labels['headroom.pool'],
          labels['headroom.type'],
          labels['headroom.replica'],
        ],
        ['local-3dc', r.region, r.dc, r.pool, r.serverType, r.name],
      );
      assert.equal(c.HostConfig.NetworkMode, 'host');
      assert.equal(c.HostConfig.NanoCpus, type.cpus * 1e9);
      assert.equal(c.HostConfig.Memory, type.memoryMb * MiB);
      assert.equal(c.HostConfig.RestartPolicy.Name, 'no');
      assert.ok(c.State.Running);
      for (const e of [
        `HTTP_PORT=${r.httpPort}`,
        `GRPC_PORT=${r.grpcPort}`,
        'HOST=127.0.0.1',
        `REPLICA=${r.name}`,
        `WORKERS=${type.workers}`,
        'FEED_CPU_MS=2',
      ]) {
        assert.ok(c.Config.Env.includes(e), `${r.name} env ${e}`);
      }
      assert.match(c.Config.Image, /^headroom-reference:[0-9a-f]{12}$/);
    }

    // status --json: exactly the documented shape.
    const st = await headroom(['status', 'clusters/local-3dc.yaml', '--json']);
    assert.equal(st.code, 0, st.stderr);
    // The `up` above holds the cluster under its run id; its process has ended, so the holder is not live.
    const { heldBy, ...shape } = JSON.parse(st.stdout);
    assert.equal(heldBy.length, 1, st.stdout);
    assert.equal(heldBy[0].runId, [...runs][0]);
    assert.equal(heldBy[0].live, false);
    assert.deepEqual(
      heldBy[0].replicas,
      spec.replicas.map((r) => r.name),
    );
    assert.deepEqual(shape, {
      replicas: spec.replicas.map((r) => ({
        name: r.name,
        region: r.region,
        dc: r.dc,
        pool: r.pool,
        serverType: r.serverType,
        http: `http://127.0.0.1:${r.httpPort}`,
        grpc: `127.0.0.1:${r.grpcPort}`,
        state: 'running',
        cpus: spec.serverTypes[r.serverType].cpus,
        memoryMb: spec.serverTypes[r.serverType].memoryMb,
      })),
    });
    assert.deepEqual(Object.keys(JSON.parse(st.stdout).replicas[0]), [
      'name',
      'region',
      'dc',
      'pool',
      'serverType',
      'http',
      'grpc',
      'state',
      'cpus',
      'memoryMb',
    ]);

    // The `up` process that holds the cluster has ended: its containers are leftovers, --force or not.
    const down = await headroom(['down', '--force', 'clusters/local-3dc.yaml']);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(down.stdout, 'cluster local-3dc: removed 7 containers\n');
    assert.deepEqual(await containersWithLabel('headroom.cluster=local-3dc'), []);
    assert.deepEqual(new Set((await driver.status()).map((r) => r.state)), new Set(['missing']));
  } finally {
    await driver.down();
  }
});
