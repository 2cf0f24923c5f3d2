// `headroom status <cluster.yaml> [--json]`: every replica of the file and its state.
import { ExitCode } from '../common';
import type { CliIo } from './io';
import { clusterCommand, formatStatus, statusJson } from './cluster-command';

const usage = 'usage: headroom status <cluster.yaml> [--json]';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { spec, driver, values } = await clusterCommand(argv, io, usage, { json: { type: 'boolean' } });
  const replicas = await driver.status();
  io.stdout.write(values.json ? `${JSON.stringify(statusJson(replicas))}\n` : formatStatus(spec, replicas));
  return ExitCode.ok;
}
