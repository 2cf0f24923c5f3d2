// Real HTTP and gRPC clients of the reference service, shared by its tests.
import http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { feedProtoPath, healthProtoPath } from './index';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json<T = any>(): T;
}

/** One HTTP request; `fresh` opens a new connection (so node:cluster may pick another worker). */
export function request(
  base: string,
  method: string,
  path: string,
  opts: { body?: string; agent?: http.Agent; fresh?: boolean; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const req = http.request(
      url,
      {
        method,
        agent: opts.fresh ? false : opts.agent,
        headers:
          opts.body !== undefined
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(opts.body) }
            : {},
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    // A guard against hanging tests, not a latency assertion.
    req.setTimeout(opts.timeoutMs ?? 30000, () =>
      req.destroy(new Error(`no answer to ${method} ${path} within ${opts.timeoutMs ?? 30000} ms`)),
    );
    req.end(opts.body);
  });
}

/** The value of an unlabelled or exactly-labelled sample in Prometheus text; undefined if absent. */
export function metric(text: string, nameWithLabels: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${nameWithLabels} `)) return Number(line.slice(nameWithLabels.length + 1));
  }
  return undefined;
}

const options = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true };

export interface FeedPost {
  id: number;
  author: number;
  text: string;
  likes: number;
}

export interface GrpcClients {
  getFeed(req: { user: number; limit?: number }): Promise<{ posts: FeedPost[] }>;
  like(req: { user: number; post: number }): Promise<{ ok: boolean }>;
  check(service: string): Promise<{ status: string }>;
  /** First message of Health/Watch. */
  watchFirst(service: string): Promise<{ status: string }>;
  close(): void;
}

export function grpcClients(target: string): GrpcClients {
  const feedPkg = grpc.loadPackageDefinition(protoLoader.loadSync(feedProtoPath, options)) as any;
  const healthPkg = grpc.loadPackageDefinition(protoLoader.loadSync(healthProtoPath, options)) as any;
  const feed = new feedPkg.headroom.feed.v1.Feed(target, grpc.credentials.createInsecure());
  const health = new healthPkg.grpc.health.v1.Health(target, grpc.credentials.createInsecure());
  const unary = (client: any, method: string, req: unknown): Promise<any> =>
    new Promise((resolve, reject) =>
      client[method](req, (err: grpc.ServiceError | null, reply: unknown) => (err ? reject(err) : resolve(reply))),
    );
  return {
    getFeed: (req) => unary(feed, 'GetFeed', req),
    like: (req) => unary(feed, 'Like', req),
    check: (service) => unary(health, 'Check', { service }),
    watchFirst: (service) =>
      new Promise((resolve, reject) => {
        const call = health.Watch({ service });
        call.once('data', (m: { status: string }) => {
          resolve(m);
          call.cancel();
        });
        call.on('error', (err: grpc.ServiceError) => {
          if (err.code !== grpc.status.CANCELLED) reject(err);
        });
      }),
    close: () => {
      feed.close();
      health.close();
    },
  };
}

export { grpc };
