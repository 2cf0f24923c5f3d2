// The backend role of the reference service, as real child processes on ports 31500-31509: a web
// replica calls BACKEND_FANOUT backend replicas per feed request, over HTTP or gRPC, and each
// backend call costs BACKEND_CPU_MS on the backend that answers it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type RunningReference, startReference } from './index';
import { grpcClients, metric, request } from './test-client';
import { parseConfig } from './config';

describe('reference service: the backend role', { timeout: 180000 }, () => {
  const started: RunningReference[] = [];
  let b1: RunningReference;
  let b2: RunningReference;
  let webHttp: RunningReference;
  let webGrpc: RunningReference;
  let webDead: RunningReference;
  const start = async (opts: Parameters<typeof startReference>[0]) => {
    const r = await startReference(opts);
    started.push(r);
    return r;
  };
  const backendCalls = async (r: RunningReference, endpoint: string) =>
    metric(
      (await request(r.http, 'GET', '/metrics')).body,
      `headroom_requests_total{endpoint="${endpoint}",code="${endpoint === 'backend' ? '200' : 'OK'}"}`,
    ) ?? 0;
  const cpuSeconds = async (r: RunningReference) =>
    metric((await request(r.http, 'GET', '/metrics')).body, 'process_cpu_seconds_total')!;

  before(async () => {
    b1 = await start({ httpPort: 31500, grpcPort: 31501, replica: 'be-1', env: { BACKEND_CPU_MS: '5' } });
    b2 = await start({ httpPort: 31502, grpcPort: 31503, replica: 'be-2', env: { BACKEND_CPU_MS: '5' } });
    webHttp = await start({
      httpPort: 31504,
      grpcPort: 31505,
      replica: 'web-http',
      feedCpuMs: 0.5,
      env: { BACKENDS: 'http://127.0.0.1:31500,http://127.0.0.1:31502', BACKEND_FANOUT: '4' },
    });
    webGrpc = await start({
      httpPort: 31506,
      grpcPort: 31507,
      replica: 'web-grpc',
      feedCpuMs: 0.5,
      env: { BACKENDS: '127.0.0.1:31501,127.0.0.1:31503', BACKEND_FANOUT: '2' },
    });
    webDead = await start({
      httpPort: 31508,
      grpcPort: 31509,
      replica: 'web-dead',
      env: { BACKENDS: 'http://127.0.0.1:31510' },
    });
  });
  after(async () => {
    for (const r of started) assert.equal(await r.stop(), 0);
  });

  it('over HTTP: each feed request makes BACKEND_FANOUT calls, spread over the backends, named in the answer', async () => {
    const before1 = await backendCalls(b1, 'backend');
    const before2 = await backendCalls(b2, 'backend');
    for (let i = 1; i <= 10; i++) {
      const r = await request(webHttp.http, 'GET', `/feed?user=${i}`);
      assert.equal(r.status, 200, r.body);
      const feed = r.json();
      assert.equal(feed.posts.length, 20);
      assert.deepEqual([...feed.backends].sort(), ['be-1', 'be-1', 'be-2', 'be-2']);
    }
    assert.equal((await backendCalls(b1, 'backend')) - before1, 20);
    assert.equal((await backendCalls(b2, 'backend')) - before2, 20);
  });

  it('a backend call costs BACKEND_CPU_MS of CPU on the backend that answers it', async () => {
    const cpu0 = (await cpuSeconds(b1)) + (await cpuSeconds(b2));
    for (let i = 1; i <= 10; i++) assert.equal((await request(webHttp.http, 'GET', `/feed?user=${i}`)).status, 200);
    const cpu1 = (await cpuSeconds(b1)) + (await cpuSeconds(b2));
    // 10 requests x 4 calls x 5 ms: at least 0.2 s of CPU on the backends together.
    assert.ok(cpu1 - cpu0 >= 0.2, `backends spent ${(cpu1 - cpu0).toFixed(3)} s of CPU`);
  });

  it('over gRPC (host:port addresses): the web replica calls Fetch on the backends, for HTTP and gRPC feed requests', async () => {
    const before1 = await backendCalls(b1, 'grpc_backend');
    const feed = (await request(webGrpc.http, 'GET', '/feed?user=5')).json();
    assert.deepEqual([...feed.backends].sort(), ['be-1', 'be-2']);
    const client = grpcClients(webGrpc.grpc);
    try {
      assert.equal((await client.getFeed({ user: 5 })).posts.length, 20);
    } finally {
      client.close();
    }
    assert.equal((await backendCalls(b1, 'grpc_backend')) - before1, 2);
  });

  it('a backend that does not answer fails the feed request with 502 naming it; health stays up', async () => {
    const r = await request(webDead.http, 'GET', '/feed?user=1');
    assert.equal(r.status, 502);
    assert.match(r.json().error, /^backend call failed: .*ECONNREFUSED 127\.0\.0\.1:31510/);
    assert.equal((await request(webDead.http, 'GET', '/healthz')).status, 200);
  });

  it('GET /backend answers the replica and a digest, and refuses a bad user with 400', async () => {
    const r = await request(b1.http, 'GET', '/backend?user=3&part=1');
    assert.equal(r.status, 200);
    assert.equal(r.json().replica, 'be-1');
    assert.match(r.json().digest, /^[0-9a-f]{16}$/);
    assert.equal((await request(b1.http, 'GET', '/backend?user=0')).status, 400);
  });

  it('bad BACKENDS, BACKEND_FANOUT and BACKEND_CPU_MS are refused at start with every problem', () => {
    assert.throws(
      () =>
        parseConfig({
          HTTP_PORT: '1',
          GRPC_PORT: '2',
          BACKENDS: 'http://127.0.0.1:1,127.0.0.1:2',
          BACKEND_FANOUT: '0',
          BACKEND_CPU_MS: '-1',
        }),
      (err: Error & { problems: string[] }) => {
        assert.deepEqual(err.problems, [
          'BACKENDS="http://127.0.0.1:1,127.0.0.1:2": expected comma-separated http://host:port URLs (HTTP) or host:port addresses (gRPC), not mixed',
          'BACKEND_FANOUT="0": expected a whole number from 1 to 64',
          'BACKEND_CPU_MS="-1": expected a number of CPU milliseconds from 0 to 10000',
        ]);
        return true;
      },
    );
    assert.deepEqual(
      parseConfig({ HTTP_PORT: '1', GRPC_PORT: '2', BACKENDS: '127.0.0.1:7, [::1]:8', BACKEND_FANOUT: '3' }).backend,
      {
        addresses: ['127.0.0.1:7', '[::1]:8'],
        protocol: 'grpc',
        fanout: 3,
        cpuMs: 1,
      },
    );
  });
});
