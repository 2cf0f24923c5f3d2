// `headroom up <cluster.yaml>`: removes leftovers of the cluster, starts every replica, waits until
// each answers HTTP and gRPC health, prints the status table. The replicas keep running.
import { ExitCode } from '../common';
import type { CliIo } from './io';
import { clusterCommand, formatStatus } from './cluster-command';

const usage = 'usage: headroom up <cluster.yaml> [--run-id ID] [--quiet] [--verbose]';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { spec, driver, values, logger } = await clusterCommand(argv, io, usage, { 'run-id': { type: 'string' } });
  const started = Date.now();
  logger.info(`starting ${spec.replicas.length} replicas of ${spec.name}`);
  const cluster = await driver.up({ runId: values['run-id'] as string | undefined, signal: io.signals });
  logger.info(`cluster ${spec.name} is up (run ${cluster.runId}) in ${((Date.now() - started) / 1000).toFixed(1)} s; headroom down ${spec.file} removes it`);
  io.stdout.write(formatStatus(spec, await driver.status()));
  return ExitCode.ok;
}
