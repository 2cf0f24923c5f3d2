// `headroom down <cluster.yaml>`: removes exactly the cluster's containers (found by label).
import { ExitCode } from '../common';
import type { CliIo } from './io';
import { clusterCommand } from './cluster-command';

const usage = 'usage: headroom down <cluster.yaml> [--quiet]';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { spec, driver } = await clusterCommand(argv, io, usage);
  const removed = await driver.down();
  io.stdout.write(`cluster ${spec.name}: removed ${removed} container${removed === 1 ? '' : 's'}\n`);
  return ExitCode.ok;
}
