// `headroom up <cluster.yaml>`: removes leftovers of the cluster, starts every replica, waits until
// each answers HTTP and gRPC health, prints the status table. The replicas keep running.
import { ExitCode, type EnvOptions } from '../common';
import type { CliIo } from './io';
import { clusterCommand, clusterFlags, formatStatus } from './cluster-command';

export const spec = {
  name: 'up',
  args: '<cluster.yaml>',
  summary:
    "Starts a cluster file's replicas and waits until each is healthy; they keep running until `headroom down`.\n" +
    'Environment: HEADROOM_BASE_IMAGE, HEADROOM_HEALTH_TIMEOUT_S, DOCKER_HOST.',
  positionals: [1, 1] as [number, number],
  flags: { 'run-id': { type: 'string', value: 'ID', help: 'label the containers with this run id' }, ...clusterFlags },
} as const;

export async function run(argv: string[], io: CliIo, env: EnvOptions): Promise<number> {
  const c = await clusterCommand(argv, io, env, spec);
  if (!c) return ExitCode.ok;
  const { spec: cluster, driver, values, logger } = c;
  const started = Date.now();
  logger.info(`starting ${cluster.replicas.length} replicas of ${cluster.name}`);
  const running = await driver.up({ runId: values['run-id'], signal: io.signals });
  logger.info(
    `cluster ${cluster.name} is up (run ${running.runId}) in ${((Date.now() - started) / 1000).toFixed(1)} s; headroom down ${cluster.file} removes it`,
  );
  io.stdout.write(formatStatus(cluster, await driver.status()));
  return ExitCode.ok;
}
