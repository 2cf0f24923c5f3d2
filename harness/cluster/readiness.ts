// Readiness strategies: a reference replica is ready when HTTP GET /healthz answers 200 and the
// standard gRPC health service answers SERVING; a tier of its own picks HTTP GET <path>, gRPC
// health or a TCP connect. Each is one attempt (`probe`), polled until its timeout by `wait`;
// `alive` stops the wait once the container exited.
import { connect } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { request } from 'undici';
import { healthProtoPath } from '../../clusters/reference';
import type { Replica, ServedPort, TierSpec } from './model';

export interface ReadinessCheck {
  name: string;
  /** True when the check asks the replica's gRPC address (a replica without one cannot pass it). */
  usesGrpc?: boolean;
  /** One attempt: undefined when the replica passes, else what was wrong; no attempt lasts longer than timeoutMs. */
  probe(replica: Replica, timeoutMs: number): Promise<string | undefined>;
  /** Resolves once ready; rejects with the last failure when the time is up, `alive` says no, or `signal` aborts. */
  wait(
    replica: Replica,
    opts: { timeoutMs: number; signal?: AbortSignal; alive?: () => Promise<boolean> },
  ): Promise<void>;
}

/** How long one attempt of a wait may take. */
const attemptMs = 2000;

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

/** A check from its one attempt: waiting is attempts every 250 ms until one passes. */
function check(
  name: string,
  probe: ReadinessCheck['probe'],
  extra: Pick<ReadinessCheck, 'usesGrpc'> = {},
): ReadinessCheck {
  return { name, ...extra, probe, wait: (replica, opts) => poll(name, opts, () => probe(replica, attemptMs)) };
}

/** Ready when GET <path> answers 200. */
export function httpHealthAt(path: string): ReadinessCheck {
  return check(`HTTP GET ${path}`, async (replica, timeoutMs) => {
    const res = await request(`${replica.http}${path}`, {
      method: 'GET',
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
      reset: true,
    });
    await res.body.text();
    return res.statusCode === 200 ? undefined : `status ${res.statusCode}`;
  });
}

export const httpHealth: ReadinessCheck = httpHealthAt('/healthz');

/** Ready when a TCP connection to the replica's first port (`http` or `tcp`; `grpc`: its gRPC port) is accepted. */
export function tcpReady(port: ServedPort = 'http'): ReadinessCheck {
  return check(
    `TCP connect (${port} port)`,
    (replica, timeoutMs) =>
      new Promise<string | undefined>((resolve) => {
        const target =
          port !== 'grpc'
            ? { host: replica.host, port: replica.httpPort }
            : { host: replica.grpcHost ?? replica.host, port: replica.grpcPort };
        if (target.port === undefined) return resolve('no gRPC address');
        const socket = connect({ host: target.host, port: target.port });
        const done = (problem: string | undefined) => {
          socket.destroy();
          resolve(problem);
        };
        socket.setTimeout(timeoutMs, () => done('connect timed out'));
        socket.once('connect', () => done(undefined));
        socket.once('error', (err) => done(err.message));
      }),
    { usesGrpc: port === 'grpc' },
  );
}

/** The standard health service's client: Check({ service }) answers SERVING when the server is ready. */
type HealthClient = grpc.Client & {
  Check(
    request: { service: string },
    options: grpc.CallOptions,
    callback: (err: grpc.ServiceError | null, reply?: { status: string }) => void,
  ): void;
};

let healthClientCtor: grpc.ServiceClientConstructor | undefined;
function healthClient(target: string): HealthClient {
  if (!healthClientCtor) {
    const def = protoLoader.loadSync(healthProtoPath, { keepCase: true, enums: String, defaults: true });
    healthClientCtor = (grpc.loadPackageDefinition(def) as any).grpc.health.v1.Health as grpc.ServiceClientConstructor;
  }
  return new healthClientCtor(target, grpc.credentials.createInsecure()) as unknown as HealthClient;
}

function grpcCheckOnce(client: HealthClient, timeoutMs: number): Promise<string | undefined> {
  return new Promise<string | undefined>((resolve) => {
    client.Check({ service: '' }, { deadline: Date.now() + timeoutMs }, (err, reply) => {
      if (err) resolve(err.details || err.message);
      else resolve(reply?.status === 'SERVING' ? undefined : `status ${reply?.status}`);
    });
  });
}

export const grpcHealth: ReadinessCheck = {
  name: 'gRPC grpc.health.v1.Health/Check',
  usesGrpc: true,
  async probe(replica, timeoutMs) {
    if (!replica.grpc) return 'no gRPC address';
    const client = healthClient(replica.grpc);
    try {
      return await grpcCheckOnce(client, timeoutMs);
    } finally {
      client.close();
    }
  },
  async wait(replica, opts) {
    if (!replica.grpc) throw new NotReady('gRPC health', 'the replica has no gRPC address');
    // One channel for the whole wait: it reconnects by itself between attempts.
    const client = healthClient(replica.grpc);
    try {
      await poll('gRPC health', opts, () => grpcCheckOnce(client, attemptMs));
    } finally {
      client.close();
    }
  },
};

export const defaultReadiness: ReadinessCheck[] = [httpHealth, grpcHealth];

/**
 * The checks of a tier's health setting; `reference` takes `referenceChecks` (the driver's option, default
 * both), without those that ask gRPC for a replica that has no gRPC address (a static server serving HTTP only).
 */
export function readinessFor(
  tier: TierSpec,
  referenceChecks: ReadinessCheck[] = defaultReadiness,
  replica?: Pick<Replica, 'grpc'>,
): ReadinessCheck[] {
  switch (tier.health.kind) {
    case 'reference':
      return replica && !replica.grpc ? referenceChecks.filter((c) => !c.usesGrpc) : referenceChecks;
    case 'http':
      return [httpHealthAt(tier.health.path)];
    case 'grpc':
      return [grpcHealth];
    case 'tcp':
      // A plain TCP server listens on the first port, as an HTTP one does.
      return [tcpReady(tier.serves.find((p) => p !== 'grpc') ?? 'grpc')];
  }
}

/** Whether a replica passes every check now: one attempt each, within timeoutMs (a recovered server answers again). */
export async function passesNow(checks: ReadinessCheck[], replica: Replica, timeoutMs: number): Promise<boolean> {
  for (const c of checks)
    if ((await c.probe(replica, timeoutMs).catch((err: Error) => err.message)) !== undefined) return false;
  return true;
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
