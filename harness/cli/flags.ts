// The one flag parser of every command: node:util parseArgs underneath, `--help` on every command,
// and every unknown flag, missing value or bad value a ConfigError (exit 104) naming flag, value and expectation.
import { parseArgs } from 'node:util';
import { ConfigError, ConfigErrors, parseDuration } from '../common';

/** Where flag problems say they come from (the `file` of their ConfigError). */
export const commandLine = 'command line';

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Repeatable: the values come back as an array. */
  multiple?: boolean;
  /** The value's placeholder in the help text, e.g. 'N' or 'DIR'. */
  value?: string;
  help: string;
}

export interface CommandSpec<F extends Record<string, FlagSpec>> {
  name: string;
  /** What follows the command name, e.g. '<cluster.yaml>'. */
  args: string;
  summary: string;
  /** How many positional arguments: [min, max]. */
  positionals: [number, number];
  flags: F;
}

type Values<F extends Record<string, FlagSpec>> = {
  [K in keyof F]?: F[K]['type'] extends 'boolean' ? boolean : F[K]['multiple'] extends true ? string[] : string;
};

export type Parsed<F extends Record<string, FlagSpec>> =
  | { help: true }
  | { help: false; values: Values<F>; positionals: string[] };

const helpFlag: FlagSpec = { type: 'boolean', short: 'h', help: 'print this help and exit' };

export function usageLine(spec: CommandSpec<Record<string, FlagSpec>>): string {
  return `usage: headroom ${spec.name}${spec.args ? ` ${spec.args}` : ''} [options]`;
}

export function helpText(spec: CommandSpec<Record<string, FlagSpec>>): string {
  const flags = Object.entries({ ...spec.flags, help: helpFlag }).map(([name, f]) => {
    const left = `${f.short ? `-${f.short}, ` : '    '}--${name}${f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : ''}`;
    return [left, `${f.help}${f.multiple ? ' (repeatable)' : ''}`];
  });
  const width = Math.max(...flags.map(([l]) => l.length));
  return `${usageLine(spec)}\n\n${spec.summary}\n\noptions:\n${flags.map(([l, h]) => `  ${l.padEnd(width)}  ${h}`).join('\n')}\n`;
}

/**
 * Parses argv against the command's flags. Collects every problem of the command line and throws
 * them together (ConfigErrors, exit 104); `--help` anywhere wins over problems.
 */
export function parseFlags<F extends Record<string, FlagSpec>>(spec: CommandSpec<F>, argv: string[]): Parsed<F> {
  const all: Record<string, FlagSpec> = { ...spec.flags, help: helpFlag };
  const options = Object.fromEntries(
    Object.entries(all).map(([name, f]) => [
      name,
      { type: f.type, multiple: f.multiple === true, ...(f.short ? { short: f.short } : {}) },
    ]),
  );
  // strict: false so that every problem is seen, not only the first; the tokens say what was wrong.
  const { values, positionals, tokens } = parseArgs({
    args: argv,
    options,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  if (values.help === true) return { help: true };
  const problems: ConfigError[] = [];
  const hint = `see \`headroom ${spec.name} --help\``;
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const flag = t.rawName;
    const f = all[t.name];
    if (!f) {
      problems.push(
        new ConfigError(
          commandLine,
          flag,
          `unknown flag${t.value !== undefined ? ` (value '${t.value}')` : ''}; expected one of ${Object.keys(all)
            .map((n) => `--${n}`)
            .join(', ')}`,
          hint,
        ),
      );
    } else if (f.type === 'string' && t.value === undefined) {
      problems.push(
        new ConfigError(commandLine, flag, `missing value; expected --${t.name} ${f.value ?? 'VALUE'}`, hint),
      );
    } else if (f.type === 'boolean' && t.value !== undefined) {
      problems.push(new ConfigError(commandLine, flag, `value '${t.value}': expected no value (a switch)`, hint));
    }
  }
  const [min, max] = spec.positionals;
  if (positionals.length < min || positionals.length > max) {
    const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    problems.push(
      new ConfigError(
        commandLine,
        'arguments',
        `got ${positionals.length} (${positionals.map((p) => `'${p}'`).join(' ') || 'none'}); expected ${expected}: ${usageLine(spec)}`,
        hint,
      ),
    );
  }
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) throw new ConfigErrors(problems);
  return { help: false, values: values as Values<F>, positionals };
}

const bad = (flag: string, text: string, expected: string) =>
  new ConfigError(commandLine, flag, `value '${text}': expected ${expected}`);

/** A number > 0 (a whole one when `integer`). */
export function positiveNumber(flag: string, text: string, integer = false): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw bad(flag, text, `${integer ? 'a whole number' : 'a number'} > 0`);
  return n;
}

/** A whole number >= 0. */
export function count(flag: string, text: string): number {
  if (!/^\s*\d+\s*$/.test(text)) throw bad(flag, text, 'a whole number >= 0');
  return Number(text);
}

/** A duration such as 30s, 1m30s or 250ms, in ms; `positive` refuses 0. */
export function duration(flag: string, text: string, positive = true): number {
  const d = parseDuration(text);
  if (d === undefined || (positive && d <= 0))
    throw bad(flag, text, `a duration like '30s' or '1m'${positive ? ' above 0' : ''}`);
  return d;
}

/** A share: `5%` or `0.05`. */
export function share(flag: string, text: string, opts: { min?: number; max?: number } = {}): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  const value = m ? (m[2] ? Number(m[1]) / 100 : Number(m[1])) : NaN;
  const { min = 0, max = Infinity } = opts;
  if (!Number.isFinite(value) || value < min || value > max || (!m![2] && value > 1 && max <= 1)) {
    throw bad(flag, text, `a share such as 0.05 or 5%${max < Infinity ? ` between ${min} and ${max}` : ''}`);
  }
  return value;
}

/** `--agents 2` (local agent processes) or `--agents 10.0.0.5:7000,10.0.0.6:7000` (agents started elsewhere). */
export function agentsFlag(text: string): { local: number } | { addresses: string[] } {
  if (/^\s*\d+\s*$/.test(text)) return { local: positiveNumber('--agents', text, true) };
  const addresses = text
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (!addresses.length || addresses.some((a) => !/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/.test(a)))
    throw bad('--agents', text, 'a number of local agents (e.g. 2) or HOST:PORT,... of agents started elsewhere');
  return { addresses };
}

/** Runs each check, collecting ConfigErrors so that one run reports every bad value. */
export function collector(): { check<T>(f: () => T): T | undefined; problems: ConfigError[]; throwIfAny(): void } {
  const problems: ConfigError[] = [];
  return {
    problems,
    check<T>(f: () => T): T | undefined {
      try {
        return f();
      } catch (err) {
        if (err instanceof ConfigErrors) problems.push(...err.problems);
        else if (err instanceof ConfigError) problems.push(err);
        else throw err;
        return undefined;
      }
    },
    throwIfAny() {
      if (problems.length === 1) throw problems[0];
      if (problems.length > 1) throw new ConfigErrors(problems);
    },
  };
}
