// `headroom export k6`: a scenario (one drill or all) as a k6 script and a k6-operator TestRun, for open-loop
// replays at a scale one machine cannot reach. Pure: returns texts; the CLI writes them.
import * as path from 'node:path';
import type { ClusterSpec } from '../cluster';
import { ConfigError } from '../common';
import type { Scenario } from '../config';
import { renderK6Script } from './k6-script';
import { exportSteps } from './k6-steps';
import type { ExportStep } from './k6-steps';
import { configMapCommand, kubernetesName, renderTestRun } from './k6-testrun';

export interface ExportK6Options {
  cluster: ClusterSpec;
  /** Export only this drill (default: every drill that can be exported). */
  drill?: string;
  /** k6 runner pods (k6-operator splits the arrival rate between them by execution segments). */
  parallelism?: number;
}

export interface K6Export {
  /** script.ts: TypeScript, which k6 runs natively. */
  script: string;
  scriptFile: string;
  /** testrun.yaml */
  testRun: string;
  /** kubectl commands: the ConfigMap from the script (and protos), then the TestRun. */
  configMapCommand: string;
  /** .proto files to copy beside the script (absolute paths; the script loads them by base name). */
  protos: string[];
  steps: ExportStep[];
  warnings: string[];
}

export function exportK6(scenario: Scenario, options: ExportK6Options): K6Export {
  const parallelism = options.parallelism ?? 1;
  if (!Number.isInteger(parallelism) || parallelism < 1)
    throw new ConfigError('argv', '--parallelism', `got ${parallelism}; expected an integer >= 1`);
  const plan = exportSteps(scenario, options.cluster, options.drill);
  const parts = renderK6Script(scenario, plan.steps);
  const names = parts.protos.map((p) => path.basename(p));
  const clash = names.find((n, i) => names.indexOf(n) !== i);
  if (clash)
    throw new ConfigError(
      scenario.file,
      'mix.endpoints',
      `two .proto files are both named '${clash}'; expected distinct base names (the ConfigMap is flat)`,
    );
  const loopback = plan.steps.flatMap((s) => s.targets).find((t) => /\/\/(127\.|\[::1\]|localhost)/.test(t.http));
  const warnings = [...plan.warnings, ...parts.warnings];
  if (loopback)
    warnings.push(
      `replica ${loopback.replica} is at ${loopback.http}: k6 pods cannot reach loopback addresses; export from a cluster file with reachable addresses`,
    );
  const testRunOptions = {
    name: kubernetesName(`headroom-${scenario.name}${options.drill ? `-${options.drill}` : ''}`),
    parallelism,
    scriptFile: 'script.ts',
    extraFiles: names,
    tags: { headroom_scenario: scenario.name, ...(options.drill ? { headroom_drill: options.drill } : {}) },
  };
  return {
    script: parts.script,
    scriptFile: 'script.ts',
    testRun: renderTestRun(testRunOptions),
    configMapCommand: configMapCommand(testRunOptions),
    protos: parts.protos,
    steps: plan.steps,
    warnings,
  };
}
