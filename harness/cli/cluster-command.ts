// What `up`, `down` and `status` share: flags, the one place their HEADROOM_* environment is read,
// the driver for a cluster file, and the status table.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ExitCode, HeadroomError, Logger } from '../common';
import { loadClusterFile } from '../config';
import { ClusterDriver, ClusterSpec, createDriver, DriverOptions, ReplicaStatus } from '../cluster';
import type { CliIo } from './io';

export interface ClusterCommand {
  spec: ClusterSpec;
  driver: ClusterDriver;
  values: Record<string, string | boolean | undefined>;
  logger: Logger;
}

function ioLogger(io: CliIo, opts: { quiet?: boolean; verbose?: boolean }): Logger {
  return {
    info: (msg) => { if (!opts.quiet) io.stderr.write(`${msg}\n`); },
    warn: (msg) => io.stderr.write(`warning: ${msg}\n`),
    debug: (msg) => { if (opts.verbose) io.stderr.write(`debug: ${msg}\n`); },
  };
}

/**
 * Parses `<cluster.yaml>` and the flags, loads the file and makes its driver. Environment
 * (read here only): HEADROOM_BASE_IMAGE (scratch | an image such as node:20-slim),
 * HEADROOM_HEALTH_TIMEOUT_S; DOCKER_HOST is honoured by dockerode itself.
 */
export async function clusterCommand(
  argv: string[],
  io: CliIo,
  usage: string,
  extra: Record<string, { type: 'string' | 'boolean' }> = {},
): Promise<ClusterCommand> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { quiet: { type: 'boolean', short: 'q' }, verbose: { type: 'boolean', short: 'v' }, ...extra },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new HeadroomError(`${(err as Error).message}\n${usage}`, ExitCode.usage);
  }
  if (parsed.positionals.length !== 1) throw new HeadroomError(`expected one cluster file, got ${parsed.positionals.length}\n${usage}`, ExitCode.usage);
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const logger = ioLogger(io, { quiet: !!values.quiet, verbose: !!values.verbose });
  const given = parsed.positionals[0];
  const spec = await loadClusterFile(path.resolve(io.cwd, given), given);
  const opts: DriverOptions = { logger };
  if (io.env.HEADROOM_BASE_IMAGE) opts.baseImage = io.env.HEADROOM_BASE_IMAGE;
  const timeout = Number(io.env.HEADROOM_HEALTH_TIMEOUT_S);
  if (io.env.HEADROOM_HEALTH_TIMEOUT_S && timeout > 0) opts.healthTimeoutMs = timeout * 1000;
  return { spec, driver: createDriver(spec, opts), values, logger };
}

/** The JSON of `status --json`: only these fields, in this order. */
export function statusJson(replicas: ReplicaStatus[]) {
  return {
    replicas: replicas.map((r) => ({
      name: r.name, region: r.region, dc: r.dc, pool: r.pool, serverType: r.serverType,
      http: r.http, grpc: r.grpc, state: r.state, cpus: r.cpus, memoryMb: r.memoryMb,
    })),
  };
}

export function formatStatus(spec: ClusterSpec, replicas: ReplicaStatus[]): string {
  const head = ['replica', 'region', 'dc', 'type', 'http', 'grpc', 'state', 'cpus', 'memory'];
  const rows = replicas.map((r) => [r.name, r.region, r.dc, r.serverType, r.http, r.grpc, r.state, String(+r.cpus.toFixed(3)), `${Math.round(r.memoryMb)} MiB`]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const right = [7, 8];
  const line = (cells: string[]) => cells.map((c, i) => (right.includes(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const running = replicas.filter((r) => r.state === 'running' || r.state === 'unmanaged').length;
  return [`cluster ${spec.name} (${spec.driver}, ${spec.file}): ${running} of ${replicas.length} replicas running`, line(head), ...rows.map(line)].join('\n') + '\n';
}
