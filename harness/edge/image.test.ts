import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { linkedLibraries } from '../cluster';
import { defaultHaproxyBinary } from './check';
import { edgeConfigRecipe, haproxyRecipe } from './image';

test('the HAProxy image: the host binary and every library it links, FROM scratch, as nobody, tagged by content', () => {
  const r = haproxyRecipe();
  assert.match(r.tag, /^headroom-haproxy:[0-9a-f]{12}$/);
  assert.equal(haproxyRecipe().tag, r.tag, 'same inputs, same tag');
  const targets = r.files.map((f) => f.target);
  assert.equal(r.files.find((f) => f.target === '/usr/sbin/haproxy')!.size, statSync(defaultHaproxyBinary).size);
  const libs = linkedLibraries(defaultHaproxyBinary);
  assert.ok(libs.some((l) => /\/libc\.so\.6$/.test(l)) && libs.some((l) => /libssl/.test(l)), libs.join(' '));
  for (const lib of libs) assert.ok(targets.includes(lib), lib);
  assert.equal(
    r.dockerfile,
    'FROM scratch\nCOPY rootfs/ /\nUSER 65534:65534\nSTOPSIGNAL SIGUSR1\nENTRYPOINT ["/usr/sbin/haproxy", "-db", "-f", "/etc/haproxy/haproxy.cfg"]\n',
  );
});

test('a config image sits on the HAProxy image; another config, another tag', () => {
  const a = edgeConfigRecipe('headroom-haproxy:abc', __filename, 'global\n');
  const b = edgeConfigRecipe('headroom-haproxy:abc', __filename, 'global\n  maxconn 10\n');
  assert.match(a.tag, /^headroom-edge:[0-9a-f]{12}$/);
  assert.notEqual(a.tag, b.tag);
  assert.equal(a.dockerfile, 'FROM headroom-haproxy:abc\nCOPY rootfs/ /\n');
  assert.deepEqual(
    a.files.map((f) => [f.target, f.mode]),
    [['/etc/haproxy/haproxy.cfg', 0o644]],
  );
});

test('no HAProxy: a ClusterError whose hint names the install script by a path that exists', () => {
  assert.throws(
    () => haproxyRecipe('/nonexistent/haproxy'),
    (err: Error & { hint?: string }) => {
      assert.match(err.message, /HAProxy is not installed \(\/nonexistent\/haproxy not found\)/);
      const script = /`bash (\S+)`/.exec(err.hint ?? '')?.[1];
      assert.ok(script && path.isAbsolute(script) && existsSync(script), err.hint);
      return true;
    },
  );
});
