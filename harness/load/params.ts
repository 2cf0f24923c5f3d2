// Templated request parameters: a user id drawn uniformly, from a Zipf distribution, or in sequence,
// and the '{{name}}' templates of paths, bodies and gRPC messages that use them.
import { ConfigError } from '../common';

export type ParamSpec =
  | { kind: 'uniform'; min: number; max: number }
  | { kind: 'zipf'; min: number; max: number; s?: number }
  | { kind: 'sequence'; min: number; max: number };

/**
 * Zipf over ranks 1..n with exponent s, by rejection-inversion (Hörmann & Derflinger 1996, as in
 * Apache Commons): O(1) per draw and no table, so n can be in the millions.
 */
export function zipfSampler(n: number, s: number, rand: () => number): () => number {
  const helper1 = (x: number) => (Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x * (0.5 - x * (1 / 3 - 0.25 * x)));
  const helper2 = (x: number) =>
    Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x * 0.5 * (1 + x * (1 / 3) * (1 + 0.25 * x));
  const h = (x: number) => Math.exp(-s * Math.log(x));
  const hIntegral = (x: number) => {
    const logX = Math.log(x);
    return helper2((1 - s) * logX) * logX;
  };
  const hIntegralInverse = (x: number) => {
    let t = x * (1 - s);
    if (t < -1) t = -1;
    return Math.exp(helper1(t) * x);
  };
  const hIntegralX1 = hIntegral(1.5) - 1;
  const hIntegralN = hIntegral(n + 0.5);
  const sd = 2 - hIntegralInverse(hIntegral(2.5) - h(2));
  return () => {
    for (;;) {
      const u = hIntegralN + rand() * (hIntegralX1 - hIntegralN);
      const x = hIntegralInverse(u);
      let k = Math.floor(x + 0.5);
      if (k < 1) k = 1;
      else if (k > n) k = n;
      if (k - x <= sd || u >= hIntegral(k + 0.5) - h(k)) return k;
    }
  };
}

/** Checks a parameter spec; returns the problems (the caller names the file). */
export function paramProblems(name: string, spec: ParamSpec, file: string): ConfigError[] {
  const field = `params.${name}`;
  const out: ConfigError[] = [];
  if (!spec || !['uniform', 'zipf', 'sequence'].includes((spec as { kind: string }).kind)) {
    return [
      new ConfigError(
        file,
        `${field}.kind`,
        `expected 'uniform', 'zipf' or 'sequence', got ${JSON.stringify((spec as { kind?: unknown })?.kind)}`,
      ),
    ];
  }
  if (!Number.isInteger(spec.min))
    out.push(new ConfigError(file, `${field}.min`, `expected an integer, got ${JSON.stringify(spec.min)}`));
  if (!Number.isInteger(spec.max))
    out.push(new ConfigError(file, `${field}.max`, `expected an integer, got ${JSON.stringify(spec.max)}`));
  if (out.length === 0 && spec.max < spec.min)
    out.push(new ConfigError(file, `${field}.max`, `max ${spec.max} is below min ${spec.min}`));
  if (spec.kind === 'zipf' && spec.s !== undefined && !(typeof spec.s === 'number' && spec.s > 0)) {
    out.push(new ConfigError(file, `${field}.s`, `expected a positive exponent, got ${JSON.stringify(spec.s)}`));
  }
  return out;
}

/** A draw function for one parameter. */
export function paramSource(spec: ParamSpec, rand: () => number): () => number {
  const n = spec.max - spec.min + 1;
  switch (spec.kind) {
    case 'uniform':
      return () => spec.min + Math.floor(rand() * n);
    case 'sequence': {
      let i = 0;
      return () => {
        const v = spec.min + i;
        i = i + 1 === n ? 0 : i + 1;
        return v;
      };
    }
    case 'zipf': {
      const draw = zipfSampler(n, spec.s ?? 1.1, rand);
      return () => spec.min + draw() - 1;
    }
  }
}

/** A compiled '{{name}}' template: constant when it has no placeholders. */
export type Template = { constant: string } | { parts: string[]; params: (() => number)[] };

export function compileTemplate(
  text: string,
  sources: Record<string, () => number>,
  file: string,
  field: string,
  problems: ConfigError[],
): Template {
  const parts: string[] = [];
  const params: (() => number)[] = [];
  let last = 0;
  for (const m of text.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)) {
    const src = sources[m[1]];
    if (!src)
      problems.push(
        new ConfigError(
          file,
          field,
          `template '${text}' uses {{${m[1]}}} but params has no '${m[1]}'`,
          `params: ${Object.keys(sources).join(', ') || '(none)'}`,
        ),
      );
    parts.push(text.slice(last, m.index));
    params.push(src ?? (() => 0));
    last = m.index! + m[0].length;
  }
  if (params.length === 0) return { constant: text };
  parts.push(text.slice(last));
  return { parts, params };
}

export function render(t: Template): string {
  if ('constant' in t) return t.constant;
  let out = t.parts[0];
  for (let i = 0; i < t.params.length; i++) out += t.params[i]() + t.parts[i + 1];
  return out;
}

/** A gRPC message whose string values may be templates; a value that is exactly '{{x}}' becomes a number. */
export function compileMessage(
  msg: Record<string, unknown>,
  sources: Record<string, () => number>,
  file: string,
  field: string,
  problems: ConfigError[],
): () => Record<string, unknown> {
  const fixed: Record<string, unknown> = {};
  const dynamic: [string, () => unknown][] = [];
  for (const [k, v] of Object.entries(msg)) {
    if (typeof v === 'string' && v.includes('{{')) {
      const whole = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/.exec(v);
      const t = compileTemplate(v, sources, file, `${field}.${k}`, problems);
      dynamic.push([k, whole && 'params' in t ? t.params[0] : () => render(t)]);
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const sub = compileMessage(v as Record<string, unknown>, sources, file, `${field}.${k}`, problems);
      dynamic.push([k, sub]);
    } else fixed[k] = v;
  }
  if (dynamic.length === 0) return () => fixed;
  return () => {
    const out: Record<string, unknown> = { ...fixed };
    for (const [k, f] of dynamic) out[k] = f();
    return out;
  };
}
