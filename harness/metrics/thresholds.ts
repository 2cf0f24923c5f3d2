// Thresholds in k6 syntax ('p(99)<250', 'rate<0.01', 'count>=500', sub-metrics 'http_req_duration{dc:use1}'),
// plus `window: '10s'` to evaluate on a sliding window, which drills use as guards.
import { ConfigError, ConfigErrors, parseDuration } from '../common';
import type { Metrics, WindowSummary } from './store';
import { type MetricType, metricTypes } from './catalog';
import { type Tags, isTagName, tagNames } from './tags';

const aggregationsOf: Record<MetricType, string[]> = {
  trend: ['avg', 'min', 'max', 'med', 'p(N)', 'count'],
  counter: ['count', 'rate'],
  rate: ['rate'],
  gauge: ['value', 'avg', 'min', 'max'],
};

export type Aggregation =
  | { kind: 'avg' | 'min' | 'max' | 'med' | 'count' | 'rate' | 'value' }
  | { kind: 'p'; q: number };
export type Operator = '<' | '<=' | '>' | '>=' | '==' | '===' | '!=';

export interface Threshold {
  /** The metric key as written: `http_req_duration{dc:use1}`. */
  key: string;
  metric: string;
  type: MetricType;
  filter: Tags;
  /** The expression as written: `p(99)<250`. */
  expression: string;
  aggregation: Aggregation;
  op: Operator;
  value: number;
  abortOnFail: boolean;
  delayAbortEvalMs: number;
  /** Sliding window in ms; absent = the whole run. */
  windowMs?: number;
}

export type ThresholdInput =
  | string
  | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string; window?: string };

const exprRe =
  /^\s*(avg|min|max|med|count|rate|value|p\(\s*(\d+(?:\.\d+)?)\s*\))\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)\s*$/i;

/** Parses `name{tag:value,...}` into the metric name and its tag filter. */
export function parseMetricKey(
  key: string,
  file: string,
  field: string,
  problems: ConfigError[],
): { metric: string; filter: Tags } | undefined {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\{([^}]*)\})?\s*$/.exec(key);
  if (!m) {
    problems.push(
      new ConfigError(file, field, `'${key}' is not a metric name with optional tags, e.g. http_req_duration{dc:use1}`),
    );
    return undefined;
  }
  const metric = m[1];
  const filter: Tags = {};
  let ok = true;
  if (!(metric in metricTypes)) {
    problems.push(
      new ConfigError(
        file,
        field,
        `unknown metric '${metric}'`,
        `known metrics: ${Object.keys(metricTypes).join(', ')}`,
      ),
    );
    ok = false;
  }
  if (m[2] !== undefined) {
    for (const part of m[2].split(',')) {
      const tm = /^\s*([A-Za-z_]+)\s*:\s*(.+?)\s*$/.exec(part);
      if (!tm) {
        problems.push(new ConfigError(file, field, `'${part.trim()}' in '${key}' is not a tag filter 'name:value'`));
        ok = false;
      } else if (!isTagName(tm[1])) {
        problems.push(
          new ConfigError(file, field, `unknown tag '${tm[1]}' in '${key}'`, `tags: ${tagNames.join(', ')}`),
        );
        ok = false;
      } else filter[tm[1]] = tm[2];
    }
  }
  return ok ? { metric, filter } : undefined;
}

/**
 * A threshold's expression, `p(99)<250`: its aggregation, operator and limit (`written`: the aggregation as
 * written, for errors); undefined when it is not one. The only reader of the syntax: a guard's limit is read here.
 */
export function parseExpression(
  expression: string,
): { aggregation: Aggregation; op: Operator; value: number; written: string } | undefined {
  const m = exprRe.exec(expression);
  if (!m) return undefined;
  const name = m[1].toLowerCase();
  const aggregation: Aggregation = name.startsWith('p(')
    ? { kind: 'p', q: Number(m[2]) }
    : { kind: name as Exclude<Aggregation['kind'], 'p'> };
  return { aggregation, op: m[3] as Operator, value: Number(m[4]), written: m[1] };
}

/** The long form's options: abortOnFail, delayAbortEval and the sliding window, each checked. */
function longFormOptions(
  item: object,
  file: string,
  f: string,
  problems: ConfigError[],
): { abortOnFail: boolean; delayAbortEvalMs: number; windowMs?: number } {
  let windowMs: number | undefined;
  let delayAbortEvalMs = 0;
  let abortOnFail = false;
  const o = item as { abortOnFail?: unknown; delayAbortEval?: unknown; window?: unknown };
  if (o.abortOnFail !== undefined && typeof o.abortOnFail !== 'boolean')
    problems.push(
      new ConfigError(file, `${f}.abortOnFail`, `expected true or false, got ${JSON.stringify(o.abortOnFail)}`),
    );
  else abortOnFail = o.abortOnFail === true;
  if (o.delayAbortEval !== undefined) {
    const d = typeof o.delayAbortEval === 'string' ? parseDuration(o.delayAbortEval) : undefined;
    if (d === undefined)
      problems.push(
        new ConfigError(
          file,
          `${f}.delayAbortEval`,
          `expected a duration like '10s', got ${JSON.stringify(o.delayAbortEval)}`,
        ),
      );
    else delayAbortEvalMs = d;
  }
  if (o.window !== undefined) {
    const d = typeof o.window === 'string' ? parseDuration(o.window) : undefined;
    if (d === undefined || d < 1000)
      problems.push(
        new ConfigError(
          file,
          `${f}.window`,
          `expected a duration of at least 1s like '10s', got ${JSON.stringify(o.window)}`,
        ),
      );
    else windowMs = d;
  }
  return { abortOnFail, delayAbortEvalMs, windowMs };
}

/** One entry of a metric's list (`'p(99)<250'` or `{ threshold, ... }`); undefined, with its problems, when it is wrong. */
function parseEntry(
  key: string,
  parsedKey: { metric: string; filter: Tags } | undefined,
  item: ThresholdInput,
  at: { file: string; field: string },
  problems: ConfigError[],
): Threshold | undefined {
  const { file, field: f } = at;
  const long = typeof item === 'object' && item !== null;
  const expression = long ? (item as { threshold?: unknown }).threshold : item;
  if (typeof expression !== 'string') {
    problems.push(
      new ConfigError(
        file,
        f,
        `expected a string like 'p(99)<250' or { threshold: 'p(99)<250' }, got ${JSON.stringify(item)}`,
      ),
    );
    return undefined;
  }
  const e = parseExpression(expression);
  if (!e) {
    problems.push(
      new ConfigError(
        file,
        f,
        `malformed threshold '${expression}'`,
        "expected <aggregation><op><number>, e.g. 'p(99)<250', 'avg<100', 'rate<0.01', 'count>=500'",
      ),
    );
    return undefined;
  }
  const options = long ? longFormOptions(item, file, f, problems) : { abortOnFail: false, delayAbortEvalMs: 0 };
  if (!parsedKey) return undefined;
  const type = metricTypes[parsedKey.metric];
  const { aggregation } = e;
  const aggName = aggregation.kind === 'p' ? 'p(N)' : aggregation.kind;
  if (!aggregationsOf[type].includes(aggName)) {
    problems.push(
      new ConfigError(
        file,
        f,
        `'${e.written}' does not apply to ${parsedKey.metric} (a ${type})`,
        `a ${type} takes ${aggregationsOf[type].join(', ')}`,
      ),
    );
    return undefined;
  }
  if (aggregation.kind === 'p' && (aggregation.q <= 0 || aggregation.q > 100)) {
    problems.push(new ConfigError(file, f, `percentile ${aggregation.q} in '${expression}' is outside (0, 100]`));
    return undefined;
  }
  return {
    key,
    metric: parsedKey.metric,
    type,
    filter: parsedKey.filter,
    expression: expression.trim(),
    aggregation,
    op: e.op,
    value: e.value,
    abortOnFail: options.abortOnFail,
    delayAbortEvalMs: options.delayAbortEvalMs,
    windowMs: options.windowMs,
  };
}

/** Parses a k6 `thresholds` object; every problem is collected, then thrown as ConfigErrors (exit 104). */
export function parseThresholds(spec: Record<string, ThresholdInput[]>, file = 'thresholds'): Threshold[] {
  const problems: ConfigError[] = [];
  const out: Threshold[] = [];
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new ConfigErrors([
      new ConfigError(file, 'thresholds', 'expected an object of metric name to a list of expressions'),
    ]);
  }
  for (const [key, list] of Object.entries(spec)) {
    const field = `thresholds.${key}`;
    const parsedKey = parseMetricKey(key, file, field, problems);
    if (!Array.isArray(list)) {
      problems.push(new ConfigError(file, field, 'expected a list of expressions, e.g. ["p(99)<250"]'));
      continue;
    }
    list.forEach((item, i) => {
      const t = parseEntry(key, parsedKey, item, { file, field: `${field}[${i}]` }, problems);
      if (t) out.push(t);
    });
  }
  if (problems.length > 0) throw new ConfigErrors(problems);
  return out;
}

/** The value a threshold's aggregation takes on a summary; null when there is nothing to judge. */
export function aggregate(t: Pick<Threshold, 'metric' | 'type' | 'aggregation'>, w: WindowSummary): number | null {
  const a = t.aggregation;
  switch (t.type) {
    case 'trend':
      if (a.kind === 'count') return w.count;
      if (w.count === 0 && w.avg === null) return null;
      if (a.kind === 'p') return w.percentile(a.q);
      if (a.kind === 'med') return w.percentile(50);
      return a.kind === 'avg' ? w.avg : a.kind === 'min' ? w.min : a.kind === 'max' ? w.max : null;
    case 'counter': {
      const n = t.metric === 'dropped_iterations' ? w.droppedIterations : w.count;
      return a.kind === 'rate' ? (w.seconds > 0 ? n / w.seconds : null) : n;
    }
    case 'rate':
      return w.count > 0 ? w.errorRate : null;
    case 'gauge':
      if (a.kind === 'value') return w.gaugeLast ?? null;
      return a.kind === 'min' ? (w.gaugeMin ?? null) : a.kind === 'max' ? (w.gaugeMax ?? null) : (w.gaugeAvg ?? null);
  }
}

export function compare(v: number, op: Operator, limit: number): boolean {
  switch (op) {
    case '<':
      return v < limit;
    case '<=':
      return v <= limit;
    case '>':
      return v > limit;
    case '>=':
      return v >= limit;
    case '==':
    case '===':
      return v === limit;
    case '!=':
      return v !== limit;
  }
}

/**
 * Evaluates a threshold on its window (or the whole run). A metric with no samples has no value and
 * passes, as in k6; counts are judged even when zero.
 */
export function evaluateThreshold(
  t: Threshold,
  metrics: Metrics,
  opts: { extraFilter?: Tags; nowMs?: number } = {},
): { ok: boolean; value: number | null } {
  const filter = opts.extraFilter ? { ...t.filter, ...opts.extraFilter } : t.filter;
  const w =
    t.windowMs !== undefined
      ? metrics.window({
          sinceMs: (opts.nowMs ?? metrics.now()) - t.windowMs,
          untilMs: opts.nowMs,
          filter,
          metric: t.metric,
        })
      : metrics.totals(filter, t.metric);
  const value = aggregate(t, w);
  return { ok: value === null ? true : compare(value, t.op, t.value), value };
}

/** `http_req_duration{dc:use1}: p(99)<250` */
export function thresholdName(t: Threshold): string {
  return `${t.key}: ${t.expression}`;
}
