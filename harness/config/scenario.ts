// Loads a scenario script (TypeScript through ts-node, or plain JS), validates it and resolves it:
// durations in ms, paths absolute, defaults filled. Every problem is collected into ConfigErrors (exit 104).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allowTypeScript, ConfigError, ConfigErrors } from '../common';
import { describe, resolveScenario, type Scenario } from './scenario-resolve';
import type { ScenarioInput } from './scenario-types';

export * from './scenario-types';
export { validateScenario } from './scenario-resolve';
export type { ResolvedDrill, Scenario } from './scenario-resolve';
export { checkScenarioAgainstCluster } from './scenario-check';

/** The typed identity that scenario scripts default-export. */
export function defineScenario<const S extends ScenarioInput>(scenario: S): S {
  return scenario;
}

/** Requires a scenario script and validates its default export. */
export async function loadScenario(file: string): Promise<Scenario> {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs))
    throw new ConfigError(abs, '', 'file not found', 'give the path of a scenario script, e.g. scenarios/smoke.ts');
  let mod: unknown;
  try {
    allowTypeScript(abs);
    delete require.cache[require.resolve(abs)];
    mod = require(abs);
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    throw new ConfigError(
      abs,
      '',
      `cannot load the script: ${text.split('\n').slice(0, 6).join('\n')}`,
      'the script must compile and run without side effects',
    );
  }
  const exported =
    mod && typeof mod === 'object' && 'default' in mod ? (mod as { default: unknown }).default : undefined;
  if (exported === undefined || exported === null || typeof exported !== 'object') {
    throw new ConfigError(
      abs,
      'default',
      `got ${describe(exported)}; expected a default export: export default defineScenario({...})`,
    );
  }
  const { scenario, problems: expressionProblems } = resolveScenario(exported, abs);
  const problems: ConfigError[] = [];
  if (!fs.existsSync(scenario.clusterFile))
    problems.push(
      new ConfigError(
        abs,
        'cluster',
        `got ${describe((exported as { cluster?: unknown }).cluster)}; no such file (${scenario.clusterFile})`,
      ),
    );
  if (scenario.forecastFile && !fs.existsSync(scenario.forecastFile))
    problems.push(
      new ConfigError(
        abs,
        'forecast',
        `got ${describe((exported as { forecast?: unknown }).forecast)}; no such file (${scenario.forecastFile})`,
      ),
    );
  scenario.mix.endpoints.forEach((e, i) => {
    if (e.protocol === 'grpc' && !fs.existsSync(e.proto))
      problems.push(new ConfigError(abs, `mix.endpoints[${i}].proto`, `got ${describe(e.proto)}; no such file`));
  });
  problems.push(...expressionProblems);
  if (problems.length) throw new ConfigErrors(problems);
  return scenario;
}
