// `headroom down <cluster.yaml>`: removes exactly the cluster's containers (found by label), unless a
// live run holds the cluster (exit 110 naming it); --force removes them anyway.
import { ExitCode, type EnvOptions } from '../common';
import type { CliIo } from './io';
import { clusterCommand, clusterFlags } from './cluster-command';

export const spec = {
  name: 'down',
  args: '<cluster.yaml>',
  summary:
    "Removes a cluster's replicas (its containers, found by label); refuses while a live run holds them, unless --force.\n" +
    'Environment: DOCKER_HOST.',
  positionals: [1, 1] as [number, number],
  flags: {
    force: { type: 'boolean', help: 'also remove the containers of a run that still holds the cluster' },
    ...clusterFlags,
  },
} as const;

export async function run(argv: string[], io: CliIo, env: EnvOptions): Promise<number> {
  const c = await clusterCommand(argv, io, env, spec);
  if (!c) return ExitCode.ok;
  const removed = await c.driver.down({ force: c.values.force === true });
  io.stdout.write(`cluster ${c.spec.name}: removed ${removed} container${removed === 1 ? '' : 's'}\n`);
  return ExitCode.ok;
}
