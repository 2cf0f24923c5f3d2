// `headroom status <cluster.yaml> [--json]`: every replica of the file and its state.
import { ExitCode, type EnvOptions } from '../common';
import type { CliIo } from './io';
import { clusterCommand, clusterFlags, formatStatus, statusJson } from './cluster-command';

export const spec = {
  name: 'status',
  args: '<cluster.yaml>',
  summary: 'Shows every replica of a cluster file and its state. Environment: DOCKER_HOST.',
  positionals: [1, 1] as [number, number],
  flags: { json: { type: 'boolean', help: 'print JSON: { replicas: [...] }' }, ...clusterFlags },
} as const;

export async function run(argv: string[], io: CliIo, env: EnvOptions): Promise<number> {
  const c = await clusterCommand(argv, io, env, spec);
  if (!c) return ExitCode.ok;
  const replicas = await c.driver.status();
  io.stdout.write(c.values.json ? `${JSON.stringify(statusJson(replicas))}\n` : formatStatus(c.spec, replicas));
  return ExitCode.ok;
}
