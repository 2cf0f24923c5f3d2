// A scenario's guards, safety stop and run thresholds as k6 thresholds: each guard becomes a
// threshold on the step's sub-metric (`{step:...,dc:...}`) with abortOnFail, evaluated from the end of its settle.
import type { Scenario } from '../config';
import { metricCatalog } from '../metrics';
import type { ExportStep } from './k6-steps';

/** k6 emits the metric itself (a threshold on any other makes k6 refuse the script). */
const k6Emits = (metric: string) => metricCatalog[metric]?.k6 === true;

type K6Threshold = string | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string };

export function guardThresholds(
  scenario: Scenario,
  steps: ExportStep[],
): { thresholds: Record<string, K6Threshold[]>; warnings: string[] } {
  const thresholds: Record<string, K6Threshold[]> = {};
  const warnings: string[] = [];
  const add = (key: string, t: K6Threshold) => {
    thresholds[key] = [...(thresholds[key] ?? []), t];
  };
  const skipped = new Set<string>();
  for (const [metric, list] of Object.entries(scenario.guards)) {
    if (!k6Emits(metric)) {
      skipped.add(metric);
      continue;
    }
    for (const step of steps) {
      for (const filter of step.guardFilters) {
        const tags = [`step:${step.name}`, ...Object.entries(filter).map(([k, v]) => `${k}:${v}`)];
        // k6 has no sliding window: a step's sub-metric covers the whole step, so only abort after its settle.
        for (const g of list)
          add(`${metric}{${tags.join(',')}}`, {
            threshold: g.threshold,
            abortOnFail: true,
            delayAbortEval: `${step.startMs + step.settleMs}ms`,
          });
      }
    }
  }
  for (const m of skipped)
    warnings.push(
      `guard '${m}' left out: k6 does not measure it (no replica CPU in k6); watch it in Prometheus instead`,
    );
  add('http_req_failed', {
    threshold: `rate<${scenario.safety.maxErrorRate}`,
    abortOnFail: true,
    delayAbortEval: `${scenario.safety.windowMs}ms`,
  });
  for (const [key, list] of Object.entries(scenario.thresholds)) {
    const metric = key.split('{')[0];
    if (!k6Emits(metric)) {
      warnings.push(`threshold '${key}' left out: k6 does not emit '${metric}'`);
      continue;
    }
    for (const t of list) {
      if (typeof t === 'string') add(key, t);
      else
        add(key, {
          threshold: t.threshold,
          ...(t.abortOnFail !== undefined ? { abortOnFail: t.abortOnFail } : {}),
          ...(t.delayAbortEval !== undefined ? { delayAbortEval: String(t.delayAbortEval) } : {}),
        });
    }
  }
  return { thresholds, warnings };
}
