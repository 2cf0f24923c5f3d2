// Templates of a tier's command and env, filled in per replica; and the build context's tag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ReplicaSpec } from './model';
import { renderTemplate } from './templates';
import { buildTag } from './build-context';

const replica = (name: string, dc: string, tier: string, port: number): ReplicaSpec => ({
  name,
  region: 'r',
  dc,
  tier,
  pool: `${dc}/${tier}/small`,
  serverType: 'small',
  index: 1,
  host: '127.0.0.1',
  httpPort: port,
  grpcPort: port + 1,
});
const all = [
  replica('c-a-web-small-1', 'a', 'web', 100),
  replica('c-a-backend-small-1', 'a', 'backend', 102),
  replica('c-a-backend-small-2', 'a', 'backend', 104),
  replica('c-b-backend-small-1', 'b', 'backend', 106),
  replica('c-b-web-small-1', 'b', 'web', 108),
];

test("a replica's own ports, host, name and DC", () => {
  assert.equal(
    renderTemplate('httpd -p {{host}}:{{port.http}} --grpc={{ port.grpc }} --id {{replica}}@{{dc}}', all[0], all),
    'httpd -p 127.0.0.1:100 --grpc=101 --id c-a-web-small-1@a',
  );
});

test("another tier's replicas in the same DC only, comma-separated (URLs for http, host:port for grpc)", () => {
  assert.equal(renderTemplate('{{tier.backend.http}}', all[0], all), 'http://127.0.0.1:102,http://127.0.0.1:104');
  assert.equal(renderTemplate('{{tier.backend.grpc}}', all[0], all), '127.0.0.1:103,127.0.0.1:105');
  assert.equal(renderTemplate('{{tier.backend.http}}', all[4], all), 'http://127.0.0.1:106');
  assert.equal(
    renderTemplate('{{tier.cache.http}}', all[4], all),
    '',
    'a tier without replicas in the DC: an empty list',
  );
  assert.equal(renderTemplate('no templates {here}', all[0], all), 'no templates {here}');
});

test('a plain TCP server (memcached, PostgreSQL) on the first port: {{port.tcp}} and {{tier.<name>.tcp}} as host:port', () => {
  assert.equal(renderTemplate('memcached -p {{port.tcp}}', all[1], all), 'memcached -p 102');
  assert.equal(renderTemplate('{{tier.backend.tcp}}', all[0], all), '127.0.0.1:102,127.0.0.1:104');
});

test('the build tag follows the context: same files same tag, any change (content, new file, mode) another', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'svc-test-ctx-'));
  try {
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
    writeFileSync(path.join(dir, 'a.txt'), 'a');
    const first = buildTag('Web', dir);
    assert.match(first, /^headroom-web:[0-9a-f]{12}$/);
    assert.equal(buildTag('Web', dir), first);
    writeFileSync(path.join(dir, 'a.txt'), 'b');
    const changed = buildTag('Web', dir);
    assert.notEqual(changed, first);
    chmodSync(path.join(dir, 'a.txt'), 0o755);
    const moded = buildTag('Web', dir);
    assert.notEqual(moded, changed);
    writeFileSync(path.join(dir, 'b.txt'), '');
    const added = buildTag('Web', dir);
    assert.notEqual(added, moded);
    // Built on an image of packages: another base, another tag.
    assert.notEqual(buildTag('Web', dir, 'headroom-packages:aaaaaaaaaaaa'), added);
    assert.notEqual(
      buildTag('Web', dir, 'headroom-packages:aaaaaaaaaaaa'),
      buildTag('Web', dir, 'headroom-packages:bbbbbbbbbbbb'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
