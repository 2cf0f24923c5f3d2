// `headroom export k6 <scenario.ts> [--drill NAME] [--parallelism N] --out DIR`: writes script.ts, testrun.yaml,
// the .proto files of gRPC endpoints and kubectl.sh (ConfigMap, then TestRun) for k6-operator.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { ConfigError, ExitCode } from '../common';
import { checkScenarioAgainstCluster, loadClusterFile, loadScenario } from '../config';
import { exportK6 } from '../export';
import { collector, commandLine, helpText, parseFlags, positiveNumber } from './flags';
import type { CliIo } from './io';

export const spec = {
  name: 'export',
  args: 'k6 <scenario.ts>',
  summary:
    'Writes a scenario as a k6 script (script.ts) and a k6-operator TestRun (testrun.yaml) for open-loop\n' +
    'replays at scale. Redline searches cannot be exported: they need the live closed loop.',
  positionals: [2, 2] as [number, number],
  flags: {
    drill: { type: 'string', value: 'NAME', help: 'export only this drill' },
    parallelism: { type: 'string', value: 'N', help: 'k6 runner pods of the TestRun (default 1)' },
    out: { type: 'string', value: 'DIR', help: 'the folder to write to (required)' },
  },
} as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseFlags(spec, argv);
  if (parsed.help) {
    io.stdout.write(helpText(spec));
    return ExitCode.ok;
  }
  const { values, positionals } = parsed;
  const [format, scenarioFile] = positionals;
  const c = collector();
  if (format !== 'k6') c.problems.push(new ConfigError(commandLine, 'format', `got '${format}'; expected 'k6'`));
  if (!values.out)
    c.problems.push(
      new ConfigError(commandLine, '--out', 'missing; expected the folder to write script.ts and testrun.yaml to'),
    );
  const parallelism =
    values.parallelism === undefined
      ? 1
      : c.check(() => positiveNumber('--parallelism', values.parallelism as string, true));
  c.throwIfAny();
  const outDir = values.out as string;

  const scenario = await loadScenario(path.resolve(io.cwd, scenarioFile));
  const cluster = await loadClusterFile(scenario.clusterFile);
  checkScenarioAgainstCluster(scenario, cluster);
  const out = exportK6(scenario, { cluster, drill: values.drill, parallelism });
  const dir = path.resolve(io.cwd, outDir);
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
