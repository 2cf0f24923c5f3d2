// gRPC unary calls to replicas with @grpc/grpc-js: one channel per replica and service, the .proto
// loaded once with @grpc/proto-loader. A non-OK status counts as failed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
// Loaded on first use, not at start: grpc-js and proto-loader cost ~0.2 s of CPU that an HTTP-only run never needs.
const grpcJs = () => require('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
const protoLoader = () => require('@grpc/proto-loader') as typeof import('@grpc/proto-loader');
import { ConfigError } from '../common';
import type { Done } from './http';
import { connectionFaultIn } from './unanswered';

type Ctor = new (address: string, creds: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => grpc.Client;

const loaded = new Map<string, grpc.GrpcObject>();

function loadProto(file: string): grpc.GrpcObject {
  let pkg = loaded.get(file);
  if (!pkg) {
    const def = protoLoader().loadSync(file, {
      keepCase: true,
      longs: Number,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    pkg = grpcJs().loadPackageDefinition(def);
    loaded.set(file, pkg);
  }
  return pkg;
}

/** Finds the service constructor and checks the method; problems name the endpoint field. */
export function resolveService(
  protoFile: string,
  service: string,
  method: string,
  file: string,
  field: string,
  problems: ConfigError[],
): Ctor | undefined {
  if (!fs.existsSync(protoFile)) {
    problems.push(new ConfigError(file, `${field}.proto`, `no such file: ${protoFile}`));
    return undefined;
  }
  let pkg: grpc.GrpcObject;
  try {
    pkg = loadProto(protoFile);
  } catch (err) {
    problems.push(new ConfigError(file, `${field}.proto`, `cannot load ${protoFile}: ${(err as Error).message}`));
    return undefined;
  }
  let node: unknown = pkg;
  for (const part of service.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  const ctor = node as (Ctor & { service?: Record<string, unknown> }) | undefined;
  if (typeof ctor !== 'function' || !ctor.service) {
    problems.push(new ConfigError(file, `${field}.service`, `no service '${service}' in ${path.basename(protoFile)}`));
    return undefined;
  }
  if (!(method in ctor.service)) {
    problems.push(
      new ConfigError(
        file,
        `${field}.method`,
        `service '${service}' has no method '${method}'`,
        `methods: ${Object.keys(ctor.service).join(', ')}`,
      ),
    );
    return undefined;
  }
  return ctor;
}

export class GrpcTransport {
  private readonly clients = new Map<string, grpc.Client>();
  private closed = false;

  /** `targets[i]` is replica i's `host:port` for gRPC. */
  constructor(private readonly targets: (string | undefined)[]) {}

  private client(ctor: Ctor, key: string, replica: number): grpc.Client {
    const k = `${key}\u0000${replica}`;
    let c = this.clients.get(k);
    if (!c) {
      const target = this.targets[replica];
      if (!target) throw new Error(`replica ${replica} has no gRPC address`);
      c = new ctor(target, grpcJs().credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
      this.clients.set(k, c);
    }
    return c;
  }

  send(
    replica: number,
    ctor: Ctor,
    key: string,
    method: string,
    message: Record<string, unknown>,
    timeoutMs: number,
    done: Done,
  ): void {
    if (this.closed) {
      done(true, 0);
      return;
    }
    try {
      const c = this.client(ctor, key, replica) as unknown as Record<
        string,
        (m: unknown, o: grpc.CallOptions, cb: (err: grpc.ServiceError | null) => void) => void
      >;
      c[method](message, { deadline: Date.now() + timeoutMs }, (err) => {
        if (!err) return done(false, 0);
        // DEADLINE_EXCEEDED: late; UNAVAILABLE naming a connection error: no server there.
        const unanswered =
          err.code === grpcJs().status.DEADLINE_EXCEEDED
            ? 'timeout'
            : err.code === grpcJs().status.UNAVAILABLE
              ? connectionFaultIn(`${err.details} ${err.message}`)
              : undefined;
        done(true, err.code, undefined, unanswered);
      });
    } catch {
      done(true, 0);
    }
  }

  close(): void {
    this.closed = true;
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
