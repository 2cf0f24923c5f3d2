import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { extract } from 'tar-stream';
import { buildContext, linkedLibraries, referenceRecipe } from './image';

const refDir = path.join(__dirname, '..', '..', 'clusters', 'reference');

test('ldd: node links libc and is loaded by the dynamic loader', () => {
  const libs = linkedLibraries(process.execPath);
  assert.ok(
    libs.some((l) => /\/libc\.so\.6$/.test(l)),
    libs.join(' '),
  );
  assert.ok(
    libs.some((l) => /\/ld-linux[^/]*\.so\.\d$/.test(l)),
    libs.join(' '),
  );
  assert.ok(libs.every((l) => l.startsWith('/')));
});

test('the recipe: node, its libraries, the service files and its npm closure; the tag covers them', () => {
  const r = referenceRecipe();
  assert.match(r.tag, /^headroom-reference:[0-9a-f]{12}$/);
  assert.equal(referenceRecipe().tag, r.tag, 'same inputs, same tag');
  assert.notEqual(referenceRecipe('node:20-slim').tag, r.tag, 'another base, another tag');
  const targets = r.files.map((f) => f.target);
  assert.equal(new Set(targets).size, targets.length, 'no file twice');
  const node = r.files.find((f) => f.target === '/usr/local/bin/node')!;
  assert.equal(node.size, statSync(process.execPath).size);
  for (const lib of linkedLibraries(process.execPath)) assert.ok(targets.includes(lib), lib);
  // From a checkout the service keeps its place beside node_modules/, as require() needs it.
  for (const f of ['server.js', 'worker.js', 'feed.proto', 'health.proto'])
    assert.ok(targets.includes(`/app/clusters/reference/${f}`), f);
  for (const p of ['@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs'])
    assert.ok(targets.includes(`/app/node_modules/${p}/package.json`), p);
  assert.ok(!targets.some((t) => t.includes('/node_modules/dockerode/')), 'only the closure of deps.json');
  assert.match(r.dockerfile, /^FROM scratch\nCOPY rootfs\/ \/\n/);
  assert.match(r.dockerfile, /ENTRYPOINT \["\/usr\/local\/bin\/node", "\/app\/clusters\/reference\/server\.js"\]/);
  // node:20-slim brings its own node: the recipe holds only the app.
  const slim = referenceRecipe('node:20-slim');
  assert.ok(!slim.files.some((f) => !f.target.startsWith('/app/')));
  assert.match(slim.dockerfile, /^FROM node:20-slim\n/);
});

test('the build context is a tar of the Dockerfile and rootfs/ with every file byte for byte', async () => {
  const r = referenceRecipe('node:20-slim'); // the app only: small and quick; the layout is the same
  const entries = new Map<string, Buffer>();
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      entries.set(header.name, Buffer.concat(chunks));
      next();
    });
  });
  const done = new Promise<void>((resolve, reject) => {
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  buildContext(r).pipe(ex);
  await done;
  assert.equal(entries.get('Dockerfile')!.toString(), r.dockerfile);
  assert.ok(entries.has('rootfs/app/'), 'directories have entries');
  assert.deepEqual(
    entries.get('rootfs/app/clusters/reference/server.js'),
    readFileSync(path.join(refDir, 'server.js')),
  );
  for (const f of r.files) assert.equal(entries.get(`rootfs${f.target}`)?.length, f.size, f.target);
});
