// Health checks of static servers follow their tier's `health:` (an HTTP path, a TCP connect), at `up` and
// when the drill asks whether a server marked out answers again; none assumes /healthz or gRPC. Real
// servers on loopback, ports 14031-14039.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server } from 'node:net';
import { ClusterError } from '../common';
import { parseClusterFile } from '../config';
import { staticDriver } from './static-driver';

const listen = (server: Server | HttpServer, port: number) =>
  new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
const close = (server: Server | HttpServer) =>
  new Promise<void>((resolve) => {
    if ('closeAllConnections' in server) server.closeAllConnections();
    server.close(() => resolve());
  });

const clusterFile = (services: string, endpoint: string) =>
  parseClusterFile(
    `
name: st-health
driver: static
${services}
serverTypes:
  small: { cpus: 0.25, memoryMb: 256 }
regions:
  - name: lab
    dcs:
      - name: lab1
        demand: 1
        pools:
          small: [${endpoint}]
`,
    'st-health.yaml',
  );

test('health: { http: /ready } asks /ready (this server has no /healthz), at up and after; a stopped server fails it', async () => {
  // 200 on /ready only: a check of /healthz or over gRPC would never pass.
  const server = createHttpServer((req, res) => {
    res.statusCode = req.url === '/ready' ? 200 : 404;
    res.end();
  });
  await listen(server, 14031);
  let open = true;
  try {
    const spec = clusterFile(
      'services:\n  web: { ports: [http], health: { http: /ready } }',
      '{ http: "http://127.0.0.1:14031" }',
    );
    const cluster = await staticDriver(spec, { healthTimeoutMs: 3000 }).up();
    const [r] = cluster.replicas;
    assert.equal(r.grpc, undefined);
    assert.equal(await cluster.healthy?.(r.name), true);
    await close(server);
    open = false;
    assert.equal(await cluster.healthy?.(r.name), false);
    await assert.rejects(staticDriver(spec, { healthTimeoutMs: 1000 }).up(), (err: unknown) => {
      assert.ok(err instanceof ClusterError, String(err));
      assert.match(err.message, /replica st-health-lab1-small-1 \(http:\/\/127\.0\.0\.1:14031\) .* HTTP GET \/ready/);
      return true;
    });
  } finally {
    if (open) await close(server);
  }
});

test('health: tcp connects and asks nothing (a server that speaks no HTTP passes); a closed port fails it', async () => {
  const server = createTcpServer((socket) => socket.destroy());
  await listen(server, 14033);
  let open = true;
  try {
    const spec = clusterFile('services:\n  web: { ports: [http], health: tcp }', '{ http: "http://127.0.0.1:14033" }');
    const cluster = await staticDriver(spec, { healthTimeoutMs: 3000 }).up();
    const name = cluster.replicas[0].name;
    assert.equal(await cluster.healthy?.(name), true);
    await close(server);
    open = false;
    assert.equal(await cluster.healthy?.(name), false);
  } finally {
    if (open) await close(server);
  }
});

test('the one-tier short form on a server without a gRPC address: the reference checks but gRPC health', async () => {
  const server = createHttpServer((req, res) => {
    res.statusCode = req.url === '/healthz' ? 200 : 404;
    res.end();
  });
  await listen(server, 14035);
  try {
    const spec = clusterFile('', '{ http: "http://127.0.0.1:14035" }');
    const cluster = await staticDriver(spec, { healthTimeoutMs: 3000 }).up();
    assert.equal(await cluster.healthy?.(cluster.replicas[0].name), true);
  } finally {
    await close(server);
  }
});
