// Start-up and shutdown of the reference service: invalid knobs exit non-zero with a clear
// message, a taken port fails the start, SIGTERM/SIGINT finish in-flight requests and exit 0.
// Ports 21540-21549.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { referenceEntry, startReference } from './index';
import { ClusterError } from '../../harness/common';
import { grpcClients, request } from './test-client';

function runWithEnv(env: Record<string, string>) {
  return spawnSync(process.execPath, [referenceEntry], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 20000,
  });
}

describe('reference service start-up and shutdown', { timeout: 180000 }, () => {
  it('refuses invalid knobs at start: exit 2, every bad variable named on stderr', () => {
    const r = runWithEnv({
      HTTP_PORT: 'eighty',
      GRPC_PORT: '70000',
      HOST: 'localhost',
      WORKERS: '0',
      FEED_CPU_MS: '-1',
      LIKE_CPU_MS: 'x',
      BACKEND_WAIT_MS: '1e9',
      ERROR_RATE: '1.5',
      REPLICA: 'a b',
    });
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      [
        'reference: invalid environment:',
        '  HTTP_PORT="eighty": expected a TCP port from 1 to 65535',
        '  GRPC_PORT="70000": expected a TCP port from 1 to 65535',
        '  HOST="localhost": expected an IP address such as 127.0.0.1 or ::1 (no host names)',
        "  REPLICA=\"a b\": expected 1 to 128 letters, digits, '.', '_' or '-'",
        '  WORKERS="0": expected a whole number from 1 to 64',
        '  FEED_CPU_MS="-1": expected a number of CPU milliseconds from 0 to 10000',
        '  LIKE_CPU_MS="x": expected a number of CPU milliseconds from 0 to 10000',
        '  BACKEND_WAIT_MS="1e9": expected a number of milliseconds from 0 to 600000',
        '  ERROR_RATE="1.5": expected a share from 0 to 1',
        '',
      ].join('\n'),
    );
  });

  it('requires HTTP_PORT and GRPC_PORT', () => {
    const r = runWithEnv({});
    assert.equal(r.status, 2);
    assert.match(r.stderr, /HTTP_PORT is required/);
    assert.match(r.stderr, /GRPC_PORT is required/);
  });

  for (const workers of [1, 2]) {
    it(`fails to start with exit 1 and says why when its port is taken (WORKERS=${workers})`, async () => {
      const blocker = net.createServer();
      await new Promise<void>((resolve) => blocker.listen(21540 + workers, '127.0.0.1', resolve));
      try {
        await assert.rejects(
          startReference({ httpPort: 21540 + workers, grpcPort: 21543 + workers, replica: 'busy', workers }),
          (err: ClusterError) => {
            assert.ok(err instanceof ClusterError);
            assert.match(err.message, /exited with code 1 before it was ready/);
            assert.match(err.message, /cannot listen for HTTP on 127\.0\.0\.1:2154[12]: .*EADDRINUSE/);
            return true;
          },
        );
      } finally {
        await new Promise((resolve) => blocker.close(resolve));
      }
    });
  }

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} lets in-flight HTTP and gRPC requests finish, refuses new connections, exits 0`, async () => {
      const ref = await startReference({ httpPort: 21546, grpcPort: 21547, replica: 'stop-test', backendWaitMs: 400 });
      const client = grpcClients(ref.grpc);
      try {
        // Connect the gRPC channel first, so the in-flight call is on an open connection.
        assert.deepEqual(await client.check(''), { status: 'SERVING' });
        const inflightHttp = request(ref.http, 'GET', '/feed?user=1', { fresh: true });
        const inflightGrpc = client.getFeed({ user: 2 });
        await new Promise((r) => setTimeout(r, 100));
        const exited = new Promise<number | null>((resolve) => ref.child.once('exit', (code) => resolve(code)));
        ref.child.kill(signal);
        const [h, g] = await Promise.all([inflightHttp, inflightGrpc]);
        assert.equal(h.status, 200);
        assert.equal(h.headers.connection, 'close');
        assert.equal(g.posts.length, 20);
        assert.equal(await exited, 0);
        assert.match(ref.output().stdout, /reference stop-test stopped\n$/);
        await assert.rejects(request(ref.http, 'GET', '/healthz', { fresh: true }), /ECONNREFUSED/);
      } finally {
        client.close();
        await ref.stop();
      }
    });
  }
});
