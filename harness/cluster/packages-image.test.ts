// The image of Debian packages: what apt's simulation says it installs, and the tag over the resolved versions;
// the closure of a real package list as this machine's apt resolves it (no download, no Docker).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packagesTag, parseSimulation, resolvePackages } from './packages-image';

const simulation = `NOTE: This is only a simulation!
Reading package lists...
Inst gcc-12-base (12.2.0-14+deb12u1 Debian:12.11/stable [amd64])
Inst libc6 (2.36-9+deb12u10 Debian:12.11/stable, Debian-Security:12/stable-security [amd64])
Conf libc6 (2.36-9+deb12u10 Debian:12.11/stable [amd64])
Inst memcached [1.6.17-1] (1.6.18-1+deb12u1 Debian:12.11/stable [amd64])
Inst tzdata (2025b-0+deb12u1 Debian:12.11/stable [all])
`;

test('the packages apt would install: names, versions and architectures of the Inst lines, sorted', () => {
  assert.deepEqual(parseSimulation(simulation), [
    { name: 'gcc-12-base', version: '12.2.0-14+deb12u1', arch: 'amd64' },
    { name: 'libc6', version: '2.36-9+deb12u10', arch: 'amd64' },
    { name: 'memcached', version: '1.6.18-1+deb12u1', arch: 'amd64' },
    { name: 'tzdata', version: '2025b-0+deb12u1', arch: 'all' },
  ]);
});

test('the tag follows the resolved versions: same packages same tag, a new version another', () => {
  const pkgs = parseSimulation(simulation);
  const tag = packagesTag(pkgs);
  assert.match(tag, /^headroom-packages:[0-9a-f]{12}$/);
  assert.equal(packagesTag(parseSimulation(simulation)), tag);
  const newer = pkgs.map((p) => (p.name === 'libc6' ? { ...p, version: '2.36-9+deb12u11' } : p));
  assert.notEqual(packagesTag(newer), tag);
});

test("apt resolves memcached's closure for an empty system (libc6 in it); an unknown package is a cluster error", async (t) => {
  let recipe: Awaited<ReturnType<typeof resolvePackages>>;
  try {
    recipe = await resolvePackages('cache', ['memcached']);
  } catch (err) {
    if (/not found on this machine/.test((err as Error).message)) return t.skip('no apt-get on this machine');
    throw err;
  }
  const names = recipe.packages.map((p) => p.name);
  assert.ok(names.includes('memcached') && names.includes('libc6'), names.join(' '));
  assert.deepEqual(recipe.requested, ['memcached']);
  assert.equal(recipe.tag, packagesTag(recipe.packages));
  await assert.rejects(resolvePackages('cache', ['headroom-no-such-package']), (err: Error & { exitCode?: number }) => {
    assert.match(
      err.message,
      /^tier cache: cannot resolve the Debian packages headroom-no-such-package: apt-get: E: Unable to locate package headroom-no-such-package/,
    );
    assert.equal(err.exitCode, 110);
    return true;
  });
});
