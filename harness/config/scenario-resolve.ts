// Validates a scenario object against the schema and resolves it: durations in ms, paths absolute,
// defaults filled. Every schema problem becomes a ConfigError naming the field and the value (exit 104).
import * as path from 'node:path';
import { ConfigError, ConfigErrors, parseDuration } from '../common';
import type { Threshold, ThresholdInput } from '../metrics';
import { scenarioSchema } from './scenario-schema';
import { parseScenarioThresholds } from './scenario-thresholds';
import type { DrainTarget, GuardThreshold, ScenarioMix } from './scenario-types';

interface Timing {
  settleMs: number;
  measureMs: number;
}
export type ResolvedDrill =
  | (Timing & {
      kind: 'redline';
      name: string;
      serverTypes: 'all' | string[];
      pool?: string;
      tier?: string;
      startRps: number;
      maxRps: number;
      rampFactor: number;
      resolution: number;
      repeatUnstable: number;
      repeats: number;
      precision: number;
      budgetMs: number;
    })
  | (Timing & {
      kind: 'sweep';
      name: string;
      serverTypes: 'all' | string[];
      pool?: string;
      tier?: string;
      from?: number;
      to?: number;
      aroundRedline?: [number, number];
      spacing: number;
      stopAtBreach: boolean;
      repeatUnstable: number;
    })
  | (Timing & { kind: 'drain'; name: string; target: DrainTarget; totalRps: number; steps: number })
  | (Timing & { kind: 'lose-dc'; name: string; dc: string; mode: 'weight' | 'kill'; totalRps: number })
  | (Timing & { kind: 'hold'; name: string; totalRps: number; steps: number });

export interface Scenario {
  name: string;
  description?: string;
  /** Absolute path of the scenario script. */
  file: string;
  /** Absolute path of the cluster file. */
  clusterFile: string;
  mix: ScenarioMix;
  baselineRps: number;
  timeoutMs: number;
  maxInFlight: number;
  /** Guards with every entry in object form and a window. */
  guards: Record<string, { threshold: string; window: string; abortOnFail?: boolean; delayAbortEval?: string }[]>;
  guardWindowMs: number;
  guardDelayMs: number;
  /** Requests a step's target completes before it is judged; the measure and guard windows stretch to hold them. */
  minRequests: number;
  maxMeasureMs: number;
  safety: { maxErrorRate: number; maxTotalRps: number; windowMs: number };
  thresholds: Record<string, GuardThreshold[]>;
  /** The guards and the whole-run thresholds, parsed once here: what the drill evaluates and the checks read. */
  parsed: { guards: Threshold[]; thresholds: Threshold[] };
  forecastFile?: string;
  drills: ResolvedDrill[];
}

/** A value as an error message shows it: JSON, cut at 80 characters. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}

function fieldPath(p: PropertyKey[]): string {
  return p.reduce<string>(
    (acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)),
    '',
  );
}

function valueAt(root: unknown, p: PropertyKey[]): unknown {
  let v: unknown = root;
  for (const k of p) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** Validates a scenario object; throws ConfigErrors with every problem. Returns it resolved. */
export function validateScenario(input: unknown, file: string): Scenario {
  const { scenario, problems } = resolveScenario(input, file);
  if (problems.length) throw new ConfigErrors(problems);
  return scenario;
}

/**
 * The scenario resolved, and the problems of its guards' and thresholds' expressions, which the loader
 * reports together with its own (missing files); a schema problem throws at once, as nothing can be resolved.
 */
export function resolveScenario(input: unknown, file: string): { scenario: Scenario; problems: ConfigError[] } {
  const parsed = scenarioSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((iss) => {
      const p = iss.path as PropertyKey[];
      const field = fieldPath(p);
      const got =
        iss.code === 'unrecognized_keys'
          ? `unknown key${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => `'${k}'`).join(', ')}`
          : `got ${describe(valueAt(input, p))}`;
      const hint =
        iss.code === 'unrecognized_keys'
          ? 'check the spelling against ScenarioInput in harness/config/scenario-types.ts'
          : undefined;
      const expected =
        iss.code === 'unrecognized_keys'
          ? 'expected only the fields a scenario defines'
          : iss.message.replace(/^Invalid (input|discriminator value)[.:] /, '').replace(/^Expected/, 'expected');
      return new ConfigError(file, field || '(scenario)', `${got}; ${expected}`, hint);
    });
    throw new ConfigErrors(problems);
  }
  const s = parsed.data;
  const dir = path.dirname(file);
  const ms = (v: string | number | undefined, dflt: number) => (v === undefined ? dflt : parseDuration(v)!);
  const settleDefault = ms(s.settle, 3000);
  const measureDefault = ms(s.measure, 6000);
  const guardWindowMs = ms(s.guardWindow, 5000);
  const windowText = `${guardWindowMs}ms`;
  const guards: Scenario['guards'] = {};
  for (const [metric, list] of Object.entries(s.guards)) {
    guards[metric] = list.map((g) =>
      typeof g === 'string'
        ? { threshold: g, window: windowText }
        : ({
            ...g,
            window: g.window === undefined ? windowText : String(g.window),
          } as Scenario['guards'][string][number]),
    );
  }
  const drills: ResolvedDrill[] = s.drills.map((d) => {
    const t = { settleMs: ms(d.settle, settleDefault), measureMs: ms(d.measure, measureDefault) };
    switch (d.kind) {
      case 'redline':
        return {
          ...t,
          kind: d.kind,
          name: d.name,
          serverTypes: d.serverTypes ?? 'all',
          pool: d.pool,
          ...(d.tier ? { tier: d.tier } : {}),
          startRps: d.startRps,
          maxRps: d.maxRps,
          rampFactor: d.rampFactor ?? 2,
          resolution: d.resolution ?? 0.03,
          repeatUnstable: d.repeatUnstable ?? 2,
          repeats: d.repeats ?? 1,
          precision: d.precision ?? 0.03,
          budgetMs: ms(d.budget, 120_000),
        };
      case 'sweep':
        return {
          ...t,
          kind: d.kind,
          name: d.name,
          serverTypes: d.serverTypes ?? 'all',
          pool: d.pool,
          ...(d.tier ? { tier: d.tier } : {}),
          from: d.from,
          to: d.to,
          aroundRedline: d.aroundRedline as [number, number] | undefined,
          spacing: d.spacing ?? 0.02,
          stopAtBreach: d.stopAtBreach ?? true,
          repeatUnstable: 1,
        };
      case 'drain':
        return {
          ...t,
          kind: d.kind,
          name: d.name,
          target: d.target as DrainTarget,
          totalRps: d.totalRps ?? s.baselineRps,
          steps: d.steps ?? 5,
        };
      case 'lose-dc':
        return {
          ...t,
          kind: d.kind,
          name: d.name,
          dc: d.dc,
          mode: d.mode ?? 'weight',
          totalRps: d.totalRps ?? s.baselineRps,
        };
      case 'hold':
        return { ...t, kind: d.kind, name: d.name, totalRps: d.totalRps ?? s.baselineRps, steps: d.steps ?? 1 };
    }
  });
  const mix = s.mix as ScenarioMix;
  const thresholds = (s.thresholds ?? {}) as Record<string, GuardThreshold[]>;
  const parsedGuards = parseScenarioThresholds(guards as Record<string, ThresholdInput[]>, file, 'guards');
  const parsedThresholds = parseScenarioThresholds(thresholds as Record<string, ThresholdInput[]>, file, 'thresholds');
  const scenario: Scenario = {
    name: s.name,
    description: s.description,
    file,
    clusterFile: path.resolve(dir, s.cluster),
    mix: {
      ...mix,
      endpoints: mix.endpoints.map((e) => (e.protocol === 'grpc' ? { ...e, proto: path.resolve(dir, e.proto) } : e)),
    },
    baselineRps: s.baselineRps,
    timeoutMs: ms(s.timeout, 2000),
    maxInFlight: s.maxInFlight ?? 2000,
    guards,
    guardWindowMs,
    guardDelayMs: ms(s.guardDelay, 2000),
    minRequests: s.minRequests ?? 20,
    maxMeasureMs: ms(s.maxMeasure, 120_000),
    safety: {
      maxErrorRate: s.safety.maxErrorRate,
      maxTotalRps: s.safety.maxTotalRps,
      windowMs: ms(s.safety.window, 5000),
    },
    thresholds,
    parsed: { guards: parsedGuards.parsed, thresholds: parsedThresholds.parsed },
    forecastFile: s.forecast === undefined ? undefined : path.resolve(dir, s.forecast),
    drills,
  };
  return { scenario, problems: [...parsedGuards.problems, ...parsedThresholds.problems] };
}
