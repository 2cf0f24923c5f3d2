// What the image needs: deps.json lists the service's files and packages, the dependency closure
// is complete, and the service runs from a copy holding only those, laid out as in the FROM-scratch image,
// from a checkout and from an installed package (its dependencies hoisted beside it).
// Ports 21550-21551 and 14550-14551.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { dependencyClosure, type ReferenceLayout, referenceDeps, referenceDir, referenceLayout } from './index';
import { grpcClients, request } from './test-client';

const repoRoot = path.resolve(referenceDir, '..', '..');

describe('reference service dependencies', { timeout: 180000 }, () => {
  it('deps.json lists every runtime file of the service and its two npm packages', () => {
    const deps = referenceDeps();
    assert.equal(deps.entry, 'server.js');
    assert.deepEqual(deps.packages, ['@grpc/grpc-js', '@grpc/proto-loader']);
    const runtime = readdirSync(referenceDir).filter(
      (f) => (f.endsWith('.js') || f.endsWith('.proto')) && !f.endsWith('.test.js'),
    );
    assert.deepEqual([...deps.files].sort(), runtime.sort());
  });

  it('the closure follows dependencies transitively and skips dev dependencies', () => {
    const closure = dependencyClosure(referenceDir, referenceDeps().packages).map((d) => path.relative(repoRoot, d));
    for (const p of [
      'node_modules/@grpc/grpc-js',
      'node_modules/@grpc/proto-loader',
      'node_modules/protobufjs',
      'node_modules/long',
      'node_modules/@js-sdsl/ordered-map',
      'node_modules/yargs',
    ]) {
      assert.ok(closure.includes(p), `${p} in the closure`);
    }
    assert.ok(!closure.includes('node_modules/typescript'));
    assert.ok(!closure.includes('node_modules/dockerode'));
    assert.deepEqual(closure, [...new Set(closure)].sort());
  });

  it('runs from a copy laid out as in the image, outside the repository', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'headroom-reference-'));
    try {
      const layout = referenceLayout();
      assert.equal(layout.entry, 'clusters/reference/server.js');
      assert.ok(layout.packages.some((p) => p.rel === 'node_modules/@grpc/grpc-js'));
      copyLayout(layout, dir);
      await serveFrom(path.join(dir, layout.entry), 21550);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('installed as a package (its dependencies beside it in node_modules): found there, same relative layout', async () => {
    // An install folder as npm leaves it: node_modules/headroom/clusters/reference/ and the closure hoisted.
    const install = mkdtempSync(path.join(os.tmpdir(), 'headroom-installed-layout-'));
    const copy = mkdtempSync(path.join(os.tmpdir(), 'headroom-reference-'));
    try {
      const serviceDir = path.join(install, 'node_modules', 'headroom', 'clusters', 'reference');
      for (const f of [...referenceDeps().files, 'deps.json'])
        cpSync(path.join(referenceDir, f), path.join(serviceDir, f));
      for (const p of dependencyClosure(referenceDir, referenceDeps().packages))
        cpSync(p, path.join(install, path.relative(repoRoot, p)), { recursive: true });
      const layout = referenceLayout(serviceDir);
      assert.equal(layout.entry, 'node_modules/headroom/clusters/reference/server.js');
      for (const p of layout.packages) assert.ok(p.dir.startsWith(install), `${p.dir} from the install folder`);
      assert.ok(layout.packages.some((p) => p.rel === 'node_modules/@grpc/grpc-js'));
      copyLayout(layout, copy);
      await serveFrom(path.join(copy, layout.entry), 14550);
    } finally {
      rmSync(install, { recursive: true, force: true });
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

/** What the image holds, copied into `dir`. */
function copyLayout(layout: ReferenceLayout, dir: string): void {
  for (const f of layout.files) cpSync(f.source, path.join(dir, f.rel));
  for (const p of layout.packages) cpSync(p.dir, path.join(dir, p.rel), { recursive: true });
}

/** Runs the service's entry with an environment as empty as the container's; checks HTTP and gRPC; stops it. */
async function serveFrom(entry: string, httpPort: number): Promise<void> {
  // An empty environment but the knobs, as in the container: no PATH, no HOME, no NODE_PATH.
  const child = spawn(process.execPath, [entry], {
    cwd: path.dirname(entry),
    env: { HTTP_PORT: String(httpPort), GRPC_PORT: String(httpPort + 1), REPLICA: 'copy-test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', () => out.includes('listening') && resolve());
      void exited.then((code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const base = `http://127.0.0.1:${httpPort}`;
    assert.equal((await request(base, 'GET', '/healthz')).body, 'ok');
    assert.equal((await request(base, 'GET', '/feed?user=3')).json().posts.length, 20);
    const client = grpcClients(`127.0.0.1:${httpPort + 1}`);
    try {
      assert.deepEqual(await client.check('headroom.feed.v1.Feed'), { status: 'SERVING' });
    } finally {
      client.close();
    }
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
