// Real local servers for the load engine's tests (node:http and @grpc/grpc-js on 127.0.0.1),
// in the port range of the load tests. Each returns a stop function for `finally`.
import * as http from 'node:http';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Replica } from '../../cluster';

export const feedProto = path.join(__dirname, '..', '..', '..', 'clusters', 'reference', 'feed.proto');

export interface HttpServer {
  port: number;
  /** Arrival time (performance.now()) of each request, in order. */
  arrivals: number[];
  paths: string[];
  stop(): Promise<void>;
}

export async function httpServer(
  port: number,
  handler: (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void,
): Promise<HttpServer> {
  const arrivals: number[] = [];
  const paths: string[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    arrivals.push(performance.now());
    paths.push(req.url ?? '');
    handler(req, res, arrivals.length);
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port,
    arrivals,
    paths,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface GrpcServer {
  port: number;
  users: number[];
  stop(): Promise<void>;
}

/** The Feed service of feed.proto: GetFeed answers `limit` posts, user 0 is INVALID_ARGUMENT. */
export async function grpcFeedServer(port: number): Promise<GrpcServer> {
  const def = protoLoader.loadSync(feedProto, { keepCase: true, longs: Number, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    headroom: { feed: { v1: { Feed: grpc.ServiceClientConstructor } } };
  };
  const users: number[] = [];
  const server = new grpc.Server();
  server.addService(pkg.headroom.feed.v1.Feed.service, {
    GetFeed: (
      call: grpc.ServerUnaryCall<{ user: number; limit: number }, unknown>,
      cb: grpc.sendUnaryData<unknown>,
    ) => {
      users.push(call.request.user);
      if (call.request.user === 0) return cb({ code: grpc.status.INVALID_ARGUMENT, details: 'user 0' });
      cb(null, {
        posts: Array.from({ length: call.request.limit || 2 }, (_, i) => ({
          id: i + 1,
          author: 1,
          text: 'x',
          likes: 0,
        })),
      });
    },
    Like: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { ok: true }),
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  return { port, users, stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) };
}

export function replicaAt(name: string, dc: string, httpPort: number, grpcPort = 0, serverType = 'gen1'): Replica {
  return {
    name,
    region: 'us',
    dc,
    pool: `${dc}/${serverType}`,
    serverType,
    index: 0,
    host: '127.0.0.1',
    httpPort,
    grpcPort,
    http: `http://127.0.0.1:${httpPort}`,
    grpc: `127.0.0.1:${grpcPort}`,
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
