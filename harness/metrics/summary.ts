// The end-of-run summary shaped like k6's machine-readable export (`--summary-export`):
// {"metrics": {name: {type, contains, values: {...}, thresholds: {expr: {ok, value}}}}}.
import type { Metrics, WindowSummary } from './store';
import type { Tags } from './tags';
import { type MetricType, metricTypes } from './catalog';
import { type Threshold, evaluateThreshold } from './thresholds';

export interface K6MetricSummary {
  type: MetricType;
  contains: 'time' | 'default';
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean; value: number | null }>;
}

export interface K6Summary {
  metrics: Record<string, K6MetricSummary>;
}

const round = (v: number | null) => (v === null ? 0 : Math.round(v * 1000) / 1000);

function valuesOf(metric: string, type: MetricType, w: WindowSummary): Record<string, number> {
  switch (type) {
    case 'trend':
      return {
        avg: round(w.avg),
        min: round(w.min),
        med: round(w.percentile(50)),
        max: round(w.max),
        'p(90)': round(w.percentile(90)),
        'p(95)': round(w.percentile(95)),
        'p(99)': round(w.percentile(99)),
      };
    case 'counter': {
      const n = metric === 'dropped_iterations' ? w.droppedIterations : w.count;
      return { count: n, rate: round(w.seconds > 0 ? n / w.seconds : 0) };
    }
    case 'rate':
      return { rate: round(w.count > 0 ? w.errorRate : 0), passes: w.failed, fails: w.count - w.failed };
    case 'gauge':
      return { value: round(w.gaugeLast ?? null), min: round(w.gaugeMin ?? null), max: round(w.gaugeMax ?? null) };
  }
}

/** Builds the summary of the whole run; thresholds are evaluated here (over their windows when they have one). */
export function k6Summary(metrics: Metrics, thresholds: Threshold[] = []): K6Summary {
  const out: Record<string, K6MetricSummary> = {};
  const protocols = new Set(metrics.tagSets().map((t) => t.protocol));
  const names: string[] = ['iterations', 'dropped_iterations'];
  if (protocols.has('http')) names.unshift('http_reqs', 'http_req_duration', 'http_req_failed');
  if (protocols.has('grpc')) names.unshift('grpc_reqs', 'grpc_req_duration', 'grpc_req_failed');
  names.push('iteration_duration');
  for (const g of metrics.gaugeNames()) names.push(g);
  const add = (key: string, metric: string, filter: Tags) => {
    if (out[key]) return out[key];
    const type = metricTypes[metric] ?? 'gauge';
    const w = metrics.totals(filter, metric);
    out[key] = { type, contains: type === 'trend' ? 'time' : 'default', values: valuesOf(metric, type, w) };
    return out[key];
  };
  for (const n of names) add(n, n, {});
  for (const t of thresholds) {
    const entry = add(t.key.replace(/\s+/g, ''), t.metric, t.filter);
    entry.thresholds ??= {};
    entry.thresholds[t.expression] = evaluateThreshold(t, metrics);
  }
  return { metrics: out };
}

/** Threshold expressions that failed, as `key: expression`. */
export function failedThresholds(summary: K6Summary): string[] {
  const failed: string[] = [];
  for (const [key, m] of Object.entries(summary.metrics)) {
    for (const [expr, r] of Object.entries(m.thresholds ?? {}))
      if (!r.ok) failed.push(`${key}: ${expr}${r.value === null ? '' : ` (was ${r.value})`}`);
  }
  return failed;
}
