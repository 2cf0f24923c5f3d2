// The summary in exactly the shape of k6's handleSummary() data (k6 js/summary.go, "Custom summary" in
// the k6 docs): root_group, options, state, and metrics with type, contains, values keyed by k6's own
// names and thresholds as { ok } only. `headroom load --json` prints it, so scripts written for k6's
// `JSON.stringify(data)` read it unchanged. No groups or checks exist in headroom: the root group is empty.
import type { K6Summary } from './summary';
import type { MetricType } from './catalog';

/** The trend statistics headroom computes, in k6's order; `options.summaryTrendStats` lists exactly these. */
export const summaryTrendStats = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'] as const;

export interface HandleSummaryMetric {
  type: MetricType;
  contains: 'time' | 'default';
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

export interface HandleSummaryData {
  root_group: { name: string; path: string; id: string; groups: unknown[]; checks: unknown[] };
  options: { summaryTrendStats: string[]; summaryTimeUnit: string; noColor: boolean };
  state: { isStdOutTTY: boolean; isStdErrTTY: boolean; testRunDurationMs: number };
  metrics: Record<string, HandleSummaryMetric>;
}

/** k6 names the root group by the MD5 of its empty path. */
const ROOT_GROUP_ID = 'd41d8cd98f00b204e9800998ecf8427e';

export function handleSummaryData(summary: K6Summary, state: HandleSummaryData['state']): HandleSummaryData {
  const metrics: Record<string, HandleSummaryMetric> = {};
  for (const [name, m] of Object.entries(summary.metrics)) {
    metrics[name] = { type: m.type, contains: m.contains, values: { ...m.values } };
    // headroom keeps the evaluated value beside `ok` for its own messages; k6's data has `ok` only.
    if (m.thresholds)
      metrics[name].thresholds = Object.fromEntries(
        Object.entries(m.thresholds).map(([expr, t]) => [expr, { ok: t.ok }]),
      );
  }
  return {
    root_group: { name: '', path: '', id: ROOT_GROUP_ID, groups: [], checks: [] },
    options: { summaryTrendStats: [...summaryTrendStats], summaryTimeUnit: '', noColor: false },
    state,
    metrics,
  };
}
