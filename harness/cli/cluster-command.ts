// What `up`, `down` and `status` share: flags, the driver for a cluster file made with the
// environment's options, and the status table.
import path from 'node:path';
import type { EnvOptions, Logger } from '../common';
import { loadClusterFile } from '../config';
import {
  type ClusterDriver,
  type ClusterSpec,
  createDriver,
  describeOwner,
  type DriverOptions,
  type Owner,
  type ReplicaStatus,
} from '../cluster';
import type { CliIo } from './io';
import { type CommandSpec, type FlagSpec, helpText, parseFlags } from './flags';

export interface ClusterCommand<F extends Record<string, FlagSpec>> {
  spec: ClusterSpec;
  driver: ClusterDriver;
  values: { [K in keyof F]?: F[K]['type'] extends 'boolean' ? boolean : string };
  logger: Logger;
}

/** The flags `up`, `down` and `status` share. */
export const clusterFlags = {
  quiet: { type: 'boolean', short: 'q', help: 'only errors and warnings on stderr' },
  verbose: { type: 'boolean', short: 'v', help: 'debug lines on stderr' },
} as const satisfies Record<string, FlagSpec>;

export function ioLogger(io: CliIo, opts: { quiet?: boolean; verbose?: boolean }): Logger {
  return {
    info: (msg) => {
      if (!opts.quiet) io.stderr.write(`${msg}\n`);
    },
    warn: (msg) => io.stderr.write(`warning: ${msg}\n`),
    debug: (msg) => {
      if (opts.verbose) io.stderr.write(`debug: ${msg}\n`);
    },
  };
}

/** Driver options from the environment's layer (HEADROOM_BASE_IMAGE, HEADROOM_HEALTH_TIMEOUT_S, DOCKER_HOST). */
export function driverOptions(env: EnvOptions, logger: Logger): DriverOptions {
  const opts: DriverOptions = { logger };
  if (env.baseImage !== undefined) opts.baseImage = env.baseImage;
  if (env.healthTimeoutMs !== undefined) opts.healthTimeoutMs = env.healthTimeoutMs;
  if (env.dockerHost !== undefined) opts.dockerHost = env.dockerHost;
  if (env.dockerCertPath !== undefined) opts.dockerCertPath = env.dockerCertPath;
  if (env.sshAgent !== undefined) opts.sshAgent = env.sshAgent;
  return opts;
}

/**
 * Parses `<cluster.yaml>` and the flags, loads the file and makes its driver with the environment's
 * options. Undefined when --help was asked (the help is printed).
 */
export async function clusterCommand<F extends Record<string, FlagSpec>>(
  argv: string[],
  io: CliIo,
  env: EnvOptions,
  command: CommandSpec<F>,
): Promise<ClusterCommand<F> | undefined> {
  const parsed = parseFlags(command, argv);
  if (parsed.help) {
    io.stdout.write(helpText(command));
    return undefined;
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const logger = ioLogger(io, { quiet: !!values.quiet, verbose: !!values.verbose || env.verbose === true });
  const given = parsed.positionals[0];
  const spec = await loadClusterFile(path.resolve(io.cwd, given), given);
  return {
    spec,
    driver: createDriver(spec, driverOptions(env, logger)),
    values: values as ClusterCommand<F>['values'],
    logger,
  };
}

/** The JSON of `status --json`: only these fields, in this order. */
/** The runs that hold a cluster's containers, each with its replicas, in the order first seen. */
export function holdersOf(replicas: ReplicaStatus[]): (Owner & { live: boolean; replicas: string[] })[] {
  const byKey = new Map<string, Owner & { live: boolean; replicas: string[] }>();
  for (const r of replicas) {
    if (!r.owner) continue;
    const key = `${r.owner.runId}\u0000${r.owner.host}\u0000${r.owner.pid}`;
    const h = byKey.get(key) ?? { ...r.owner, replicas: [] };
    h.replicas.push(r.name);
    byKey.set(key, h);
  }
  return [...byKey.values()];
}

export function statusJson(replicas: ReplicaStatus[]) {
  const holders = holdersOf(replicas);
  return {
    ...(holders.length ? { heldBy: holders } : {}),
    replicas: replicas.map((r) => ({
      name: r.name,
      region: r.region,
      dc: r.dc,
      pool: r.pool,
      serverType: r.serverType,
      http: r.http,
      // null: a static server listed without a gRPC address.
      grpc: r.grpc ?? null,
      state: r.state,
      cpus: r.cpus,
      memoryMb: r.memoryMb,
    })),
  };
}

export function formatStatus(spec: ClusterSpec, replicas: ReplicaStatus[]): string {
  const head = ['replica', 'region', 'dc', 'type', 'http', 'grpc', 'state', 'cpus', 'memory'];
  const rows = replicas.map((r) => [
    r.name,
    r.region,
    r.dc,
    r.serverType,
    r.http,
    r.grpc ?? '-',
    r.state,
    String(+r.cpus.toFixed(3)),
    `${Math.round(r.memoryMb)} MiB`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const right = [7, 8];
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.includes(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const running = replicas.filter((r) => r.state === 'running' || r.state === 'unmanaged').length;
  // Who holds the containers: a live run's are in use, a dead run's are leftovers that down (or the next up) removes.
  const held = holdersOf(replicas).map(
    (h) =>
      `held by ${describeOwner(h)}: ${h.replicas.length} replica${h.replicas.length === 1 ? '' : 's'}, ` +
      (h.live ? 'alive' : `not alive (leftovers: \`headroom down ${spec.file}\` removes them)`),
  );
  return `${[`cluster ${spec.name} (${spec.driver}, ${spec.file}): ${running} of ${replicas.length} replicas running`, ...held, line(head), ...rows.map(line)].join('\n')}\n`;
}
