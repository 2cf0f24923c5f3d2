// Two tiers on real Docker: clusters/local-2tier.yaml's shape (web and backend of the reference
// service in two DCs) on ports 31200-31299 as cluster svc-test-2tier. Backends start first and are
// healthy before any web replica starts; each web replica is wired to its own DC's backends only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { parseClusterFile } from '../config';
import { createDriver } from './index';
import { containersWithLabel, docker, inspect, projectRoot } from './testing/test-kit';

const clusterLabel = 'headroom.cluster=svc-test-2tier';

function spec() {
  const text = readFileSync(path.join(projectRoot, 'clusters', 'local-2tier.yaml'), 'utf8')
    .replace('name: local-2tier', 'name: svc-test-2tier')
    .replace('ports: 20200-20299', 'ports: 31200-31299')
    // A core per replica: the test is about order and wiring, and an unthrottled replica starts sooner.
    .replace('small: { cpus: 0.25,', 'small: { cpus: 1,');
  return parseClusterFile(text, path.join(projectRoot, 'clusters', 'svc-test-2tier.yaml'));
}

test("local-2tier: backends healthy before web starts, each web replica calls its own DC's backends, all removed", async () => {
  const s = spec();
  {
    await using cluster = await createDriver(s).up();
    assert.equal(cluster.replicas.length, 5);
    const found = await inspect(await containersWithLabel(clusterLabel));
    assert.equal(found.length, 5);
    const byName = new Map(found.map((c) => [c.Config.Labels['headroom.replica'], c]));

    // Labels and the templated env: a web replica's BACKENDS are its DC's backend URLs.
    for (const r of cluster.replicas) {
      const c = byName.get(r.name)!;
      assert.equal(c.Config.Labels['headroom.tier'], r.tier);
      if (r.tier !== 'web') continue;
      const mine = cluster.replicas.filter((b) => b.tier === 'backend' && b.dc === r.dc).map((b) => b.http);
      assert.ok(c.Config.Env.includes(`BACKENDS=${mine.join(',')}`), `${r.name}: ${c.Config.Env.join(' ')}`);
    }

    // Start order: every web container started after every backend was healthy (so after it started).
    const started = async (id: string) =>
      Date.parse((await docker(['inspect', '-f', '{{.State.StartedAt}}', id])).trim());
    const backendStarts = await Promise.all(
      cluster.replicas.filter((r) => r.tier === 'backend').map((r) => started(r.containerId!)),
    );
    const webStarts = await Promise.all(
      cluster.replicas.filter((r) => r.tier === 'web').map((r) => started(r.containerId!)),
    );
    assert.ok(Math.min(...webStarts) > Math.max(...backendStarts), `web ${webStarts} after backend ${backendStarts}`);

    // Each web replica's feed requests reach its own DC's backends, BACKEND_FANOUT (2) per request.
    for (const web of cluster.replicas.filter((r) => r.tier === 'web')) {
      const mine = cluster.replicas.filter((b) => b.tier === 'backend' && b.dc === web.dc).map((b) => b.name);
      for (let i = 1; i <= 5; i++) {
        const res = await request(`${web.http}/feed?user=${i}`);
        const body = (await res.body.json()) as { backends: string[]; posts: unknown[] };
        assert.equal(res.statusCode, 200);
        assert.equal(body.posts.length, 20);
        assert.equal(body.backends.length, 2);
        for (const b of body.backends)
          assert.ok(mine.includes(b), `${web.name} (${web.dc}) called ${b}, expected one of ${mine}`);
      }
    }
  }
  assert.deepEqual(await containersWithLabel(clusterLabel), []);
});
