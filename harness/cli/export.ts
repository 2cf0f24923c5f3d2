// `headroom export k6 <scenario.ts> [--drill NAME] [--parallelism N] --out DIR`: writes script.ts, testrun.yaml,
// the .proto files of gRPC endpoints and kubectl.sh (ConfigMap, then TestRun) for k6-operator.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, ExitCode } from '../common';
import { checkScenarioAgainstCluster, loadClusterFile, loadScenario } from '../config';
import { exportK6 } from '../export';
import type { CliIo } from './io';

const usage = 'usage: headroom export k6 <scenario.ts> [--drill NAME] [--parallelism N] --out DIR';

function parseFlags(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        drill: { type: 'string' },
        parallelism: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new ConfigError('headroom export', 'argv', err instanceof Error ? err.message : String(err), usage);
  }
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(argv);
  if (values.help) {
    io.stdout.write(`${usage}\n`);
    return ExitCode.ok;
  }
  const [format, scenarioFile, ...extra] = positionals;
  if (format !== 'k6')
    throw new ConfigError(
      'headroom export',
      'argv',
      `got format ${JSON.stringify(format ?? '')}; expected 'k6'`,
      usage,
    );
  if (!scenarioFile || extra.length)
    throw new ConfigError(
      'headroom export',
      'argv',
      `expected one scenario script, got ${positionals.length - 1}`,
      usage,
    );
  if (!values.out)
    throw new ConfigError(
      'headroom export',
      '--out',
      'missing; expected the folder to write script.ts and testrun.yaml to',
      usage,
    );
  const parallelism = values.parallelism === undefined ? 1 : Number(values.parallelism);
  if (!Number.isInteger(parallelism) || parallelism < 1)
    throw new ConfigError(
      'headroom export',
      '--parallelism',
      `got ${JSON.stringify(values.parallelism)}; expected an integer >= 1`,
      usage,
    );

  const scenario = await loadScenario(path.resolve(io.cwd, scenarioFile));
  const cluster = await loadClusterFile(scenario.clusterFile);
  checkScenarioAgainstCluster(scenario, cluster);
  const out = exportK6(scenario, { cluster, drill: values.drill, parallelism });
  const dir = path.resolve(io.cwd, values.out);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, out.scriptFile), out.script);
  await writeFile(path.join(dir, 'testrun.yaml'), out.testRun);
  await writeFile(
    path.join(dir, 'kubectl.sh'),
    `#!/bin/sh\n# Load the script into a ConfigMap, then start the k6-operator TestRun.\nset -e\ncd "$(dirname "$0")"\n${out.configMapCommand}`,
    { mode: 0o755 },
  );
  for (const proto of out.protos) await copyFile(proto, path.join(dir, path.basename(proto)));
  for (const w of out.warnings) io.stderr.write(`headroom: warning: ${w}\n`);
  const seconds = out.steps.reduce((s, x) => Math.max(s, x.startMs + x.durationMs), 0) / 1000;
  io.stdout.write(`${dir}: ${out.steps.length} steps, ${seconds} s; then:\n${out.configMapCommand}`);
  return ExitCode.ok;
}
