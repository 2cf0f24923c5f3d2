// Guards and whole-run thresholds from a scenario, on the metrics store: a guard is a k6 threshold
// with a sliding window, evaluated on the target only (the controller adds the target's tag filter).
import { ConfigError, ConfigErrors } from '../common';
import type { Scenario } from '../config/scenario';
import { evaluateThreshold, Metrics, parseThresholds, Threshold, thresholdName } from '../metrics';
import type { Guard } from './ports';

type Spec = Parameters<typeof parseThresholds>[0];

function parse(spec: Spec, file: string, field: string): Threshold[] {
  try {
    return parseThresholds(spec, file);
  } catch (err) {
    if (!(err instanceof ConfigErrors)) throw err;
    throw new ConfigErrors(err.problems.map((p) => new ConfigError(p.file, p.field.replace(/^thresholds/, field), p.problem, p.hint)));
  }
}

export function buildGuards(scenario: Scenario, metrics: Metrics): Guard[] {
  return parse(scenario.guards as Spec, scenario.file, 'guards').map((t) => ({
    name: thresholdName(t),
    metric: t.metric,
    expression: t.expression,
    evaluate: (extraFilter) => evaluateThreshold(t, metrics, { extraFilter }),
  }));
}

/** The scenario's whole-run thresholds, k6 style: `{ 'http_req_failed: rate<0.05': { ok, value } }`. */
export function evaluateRunThresholds(scenario: Scenario, metrics: Metrics): Record<string, { ok: boolean; value: number | null }> {
  const out: Record<string, { ok: boolean; value: number | null }> = {};
  for (const t of parse(scenario.thresholds as Spec, scenario.file, 'thresholds')) {
    const v = evaluateThreshold(t, metrics);
    out[thresholdName(t)] = { ok: v.ok, value: v.value === null ? null : Math.round(v.value * 1000) / 1000 };
  }
  return out;
}
