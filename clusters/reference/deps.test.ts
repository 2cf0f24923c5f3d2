// What the image needs: deps.json lists the service's files and packages, the dependency closure
// is complete, and the service runs from a copy holding only those (as in the FROM-scratch image).
// Ports 21550-21551.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { dependencyClosure, referenceDeps, referenceDir } from './index';
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
    const closure = dependencyClosure(repoRoot, referenceDeps().packages);
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

  it('runs from a copy holding only node, its files and the closure, outside the repository', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'headroom-reference-'));
    let child: ReturnType<typeof spawn> | undefined;
    try {
      const deps = referenceDeps();
      for (const f of deps.files) cpSync(path.join(referenceDir, f), path.join(dir, f));
      for (const p of dependencyClosure(repoRoot, deps.packages))
        cpSync(path.join(repoRoot, p), path.join(dir, p), { recursive: true });
      // An empty environment but the knobs, as in the container: no PATH, no HOME, no NODE_PATH.
      child = spawn(process.execPath, [path.join(dir, deps.entry)], {
        cwd: dir,
        env: { HTTP_PORT: '21550', GRPC_PORT: '21551', REPLICA: 'copy-test' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      child.stderr!.on('data', (d) => (out += d));
      const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
      await new Promise<void>((resolve, reject) => {
        child!.stdout!.on('data', () => out.includes('listening') && resolve());
        void exited.then((code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      const h = await request('http://127.0.0.1:21550', 'GET', '/healthz');
      assert.equal(h.body, 'ok');
      assert.equal((await request('http://127.0.0.1:21550', 'GET', '/feed?user=3')).json().posts.length, 20);
      const client = grpcClients('127.0.0.1:21551');
      try {
        assert.deepEqual(await client.check('headroom.feed.v1.Feed'), { status: 'SERVING' });
      } finally {
        client.close();
      }
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
