// Readiness strategies: a reference replica is ready when HTTP GET /healthz answers 200 and the
// standard gRPC health service answers SERVING; a tier of its own picks HTTP GET <path>, gRPC
// health or a TCP connect. Each polls until its timeout; `alive` stops the wait once the container exited.
import { connect } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { request } from 'undici';
import { healthProtoPath } from '../../clusters/reference';
import type { Replica, ServedPort, TierSpec } from './model';

export interface ReadinessCheck {
  name: string;
  /** Resolves once ready; rejects with the last failure when the time is up, `alive` says no, or `signal` aborts. */
  wait(
    replica: Replica,
    opts: { timeoutMs: number; signal?: AbortSignal; alive?: () => Promise<boolean> },
  ): Promise<void>;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

export class NotReady extends Error {
  constructor(
    readonly check: string,
    readonly reason: string,
    readonly exited = false,
  ) {
    super(`${check}: ${reason}`);
  }
}

async function poll(
  name: string,
  opts: { timeoutMs: number; signal?: AbortSignal; alive?: () => Promise<boolean> },
  probe: () => Promise<string | undefined>,
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let last = 'no answer yet';
  let round = 0;
  for (;;) {
    if (opts.signal?.aborted) throw new NotReady(name, 'aborted');
    const problem = await probe().catch((err: Error) => err.message);
    if (problem === undefined) return;
    last = problem;
    // Checking the container every few rounds stops the wait as soon as it has exited.
    if (opts.alive && ++round % 4 === 0 && !(await opts.alive()))
      throw new NotReady(name, `the container exited (last answer: ${last})`, true);
    if (Date.now() >= deadline)
      throw new NotReady(name, `not ready after ${Math.round(opts.timeoutMs / 1000)} s (last answer: ${last})`);
    await sleep(250, opts.signal);
  }
}

/** Ready when GET <path> answers 200. */
export function httpHealthAt(path: string): ReadinessCheck {
  const name = `HTTP GET ${path}`;
  return {
    name,
    wait: (replica, opts) =>
      poll(name, opts, async () => {
        const res = await request(`${replica.http}${path}`, {
          method: 'GET',
          headersTimeout: 2000,
          bodyTimeout: 2000,
          reset: true,
        });
        await res.body.text();
        return res.statusCode === 200 ? undefined : `status ${res.statusCode}`;
      }),
  };
}

export const httpHealth: ReadinessCheck = httpHealthAt('/healthz');

/** Ready when a TCP connection to the replica's first port (`http` or `tcp`; `grpc`: its gRPC port) is accepted. */
export function tcpReady(port: ServedPort = 'http'): ReadinessCheck {
  const name = `TCP connect (${port} port)`;
  return {
    name,
    wait: (replica, opts) =>
      poll(
        name,
        opts,
        () =>
          new Promise<string | undefined>((resolve) => {
            const host = port !== 'grpc' ? replica.host : (replica.grpcHost ?? replica.host);
            const socket = connect({ host, port: port !== 'grpc' ? replica.httpPort : replica.grpcPort });
            const done = (problem: string | undefined) => {
              socket.destroy();
              resolve(problem);
            };
            socket.setTimeout(2000, () => done('connect timed out'));
            socket.once('connect', () => done(undefined));
            socket.once('error', (err) => done(err.message));
          }),
      ),
  };
}

let healthClientCtor: grpc.ServiceClientConstructor | undefined;
function healthClient(target: string): grpc.Client & { Check: Function } {
  if (!healthClientCtor) {
    const def = protoLoader.loadSync(healthProtoPath, { keepCase: true, enums: String, defaults: true });
    healthClientCtor = (grpc.loadPackageDefinition(def) as any).grpc.health.v1.Health as grpc.ServiceClientConstructor;
  }
  return new healthClientCtor(target, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    Check: Function;
  };
}

export const grpcHealth: ReadinessCheck = {
  name: 'gRPC grpc.health.v1.Health/Check',
  async wait(replica, opts) {
    const client = healthClient(replica.grpc);
    try {
      await poll(
        'gRPC health',
        opts,
        () =>
          new Promise<string | undefined>((resolve) => {
            client.Check(
              { service: '' },
              { deadline: Date.now() + 2000 },
              (err: grpc.ServiceError | null, reply?: { status: string }) => {
                if (err) resolve(err.details || err.message);
                else resolve(reply?.status === 'SERVING' ? undefined : `status ${reply?.status}`);
              },
            );
          }),
      );
    } finally {
      client.close();
    }
  },
};

export const defaultReadiness: ReadinessCheck[] = [httpHealth, grpcHealth];

/** The checks of a tier's health setting; `reference` takes `referenceChecks` (the driver's option, default both). */
export function readinessFor(tier: TierSpec, referenceChecks: ReadinessCheck[] = defaultReadiness): ReadinessCheck[] {
  switch (tier.health.kind) {
    case 'reference':
      return referenceChecks;
    case 'http':
      return [httpHealthAt(tier.health.path)];
    case 'grpc':
      return [grpcHealth];
    case 'tcp':
      // A plain TCP server listens on the first port, as an HTTP one does.
      return [tcpReady(tier.serves.find((p) => p !== 'grpc') ?? 'grpc')];
  }
}

/** POST /admin/knobs; resolves with the knobs in force, rejects with the service's explanation. */
export async function postKnobs(replica: Replica, knobs: object): Promise<Record<string, number>> {
  const res = await request(`${replica.http}/admin/knobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(knobs),
    headersTimeout: 5000,
    bodyTimeout: 5000,
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`POST /admin/knobs answered ${res.statusCode}: ${text.trim()}`);
  return JSON.parse(text) as Record<string, number>;
}
