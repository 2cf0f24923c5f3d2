// Checks the pipeline tests hold docs/ci/ to: each command a script runs exists (a make target, a headroom
// command and its flags, a docs/ci script), bash accepts its syntax, a cron expression is valid.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.join(__dirname, '..', '..', '..');
const ci = path.join(root, 'docs', 'ci');
/** A file of docs/ci/. */
export const read = (f: string) => readFileSync(path.join(ci, f), 'utf8');
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, checked field by field
export type Y = Record<string, any>;

const makeTargets = new Set(
  [...readFileSync(path.join(root, 'Makefile'), 'utf8').matchAll(/^([a-z][\w-]*):/gm)].map((m) => m[1]),
);

/**
 * The command check, held to the CLI's registered commands: tests pass cli/main's `commandNames` (a helper
 * below cli/ may not import it).
 */
export function pipelineChecks(commandNames: readonly string[]): {
  commandProblems: (script: string, where: string) => string[];
} {
  const registered = new Set(commandNames);
  /** Problems with the commands of one script: unknown make targets, headroom commands or flags, missing scripts. */
  function commandProblems(script: string, where: string): string[] {
    const problems: string[] = [];
    for (const m of script.matchAll(/\bmake((?: [a-z][\w-]*)+)/g)) {
      for (const target of m[1].trim().split(' '))
        if (!makeTargets.has(target)) problems.push(`${where}: make ${target}: no such target in the Makefile`);
    }
    for (const m of script.matchAll(/node harness\/cli\/headroom\.js (\w+)([^\n|;&]*)/g)) {
      const [, cmd, rest] = m;
      const file = path.join(root, 'harness', 'cli', `${cmd}.ts`);
      if (!registered.has(cmd)) {
        problems.push(`${where}: headroom ${cmd}: not a command of harness/cli/main.ts`);
        continue;
      }
      const usage = readFileSync(file, 'utf8');
      for (const flag of rest.match(/--[a-z][\w-]*/g) ?? []) {
        if (!usage.includes(`${flag} `) && !usage.includes(`${flag}]`)) {
          problems.push(`${where}: headroom ${cmd} ${flag}: not in its usage`);
        }
      }
    }
    for (const m of script.matchAll(/\bbash (docs\/ci\/[\w.-]+\.sh)/g))
      if (!existsSync(path.join(root, m[1]))) problems.push(`${where}: ${m[1]}: missing`);
    return problems;
  }
  return { commandProblems };
}

export /** bash -n on a script: its syntax error, or null. */
function bashSyntax(script: string): string | null {
  const r = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
  return r.status === 0 ? null : r.stderr.trim();
}

const CRON = /^(\S+\s+){4}\S+$/;
export function cronOk(expr: string): boolean {
  if (!CRON.test(expr.trim())) return false;
  const ranges = [
    [0, 59],
    [0, 23],
    [1, 31],
    [1, 12],
    [0, 7],
  ];
  return expr
    .trim()
    .split(/\s+/)
    .every((field, i) =>
      field.split(',').every((part) => {
        const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
        if (!m) return false;
        const nums = [m[2], m[3]].filter((x) => x !== undefined).map(Number);
        return nums.every((n) => n >= ranges[i][0] && n <= ranges[i][1]);
      }),
    );
}
