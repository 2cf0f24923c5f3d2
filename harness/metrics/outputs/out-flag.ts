// The values of `--out` (repeatable, k6 style): `json=FILE` and `prometheus[=ADDR]`.
import { ConfigError } from '../../common';
import { defaultPrometheusAddress, parseAddress } from './prometheus';

export type OutSpec = { kind: 'json'; file: string } | { kind: 'prometheus'; address: string };

export function parseOutFlag(value: string): OutSpec {
  const eq = value.indexOf('=');
  const kind = eq < 0 ? value : value.slice(0, eq);
  const arg = eq < 0 ? undefined : value.slice(eq + 1);
  if (kind === 'json') {
    if (!arg) throw new ConfigError('argv', '--out', `got '${value}'; expected json=FILE`);
    return { kind, file: arg };
  }
  if (kind === 'prometheus') {
    const address = arg || defaultPrometheusAddress;
    parseAddress(address);
    return { kind, address };
  }
  throw new ConfigError('argv', '--out', `got '${value}'; expected json=FILE or prometheus[=ADDR]`);
}

/**
 * `headroom drill --out` already names the run folder; k6's `--out json=FILE` and `--out prometheus[=ADDR]`
 * share the flag: values that start with `json=` or are `prometheus[=...]` are outputs, one other value is the folder.
 */
export function splitOutFlags(values: string[]): { outputs: OutSpec[]; outDir?: string } {
  const outputs: OutSpec[] = [];
  const dirs: string[] = [];
  for (const v of values) {
    if (v.startsWith('json=') || v === 'prometheus' || v.startsWith('prometheus=')) outputs.push(parseOutFlag(v));
    else dirs.push(v);
  }
  if (dirs.length > 1)
    throw new ConfigError(
      'argv',
      '--out',
      `got folders ${dirs.map((d) => `'${d}'`).join(' and ')}; expected at most one run folder besides json=FILE and prometheus[=ADDR]`,
    );
  return { outputs, ...(dirs.length ? { outDir: dirs[0] } : {}) };
}
