// `headroom down <cluster.yaml>`: removes exactly the cluster's containers (found by label).
import { ExitCode, type EnvOptions } from '../common';
import type { CliIo } from './io';
import { clusterCommand, clusterFlags } from './cluster-command';

export const spec = {
  name: 'down',
  args: '<cluster.yaml>',
  summary: 'Removes a cluster\'s replicas (its containers, found by label). Environment: DOCKER_HOST.',
  positionals: [1, 1] as [number, number],
  flags: { ...clusterFlags },
} as const;

export async function run(argv: string[], io: CliIo, env: EnvOptions): Promise<number> {
  const c = await clusterCommand(argv, io, env, spec);
  if (!c) return ExitCode.ok;
  const removed = await c.driver.down();
  io.stdout.write(`cluster ${c.spec.name}: removed ${removed} container${removed === 1 ? '' : 's'}\n`);
  return ExitCode.ok;
}
