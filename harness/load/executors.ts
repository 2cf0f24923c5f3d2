// k6's executors as pure planning: a validated spec becomes a piecewise-linear plan of the arrival
// rate (open model) or of the number of VUs (closed model) over time; the runner applies it.
import { ConfigError, ConfigErrors, parseDuration } from '../common';

export interface Stage {
  duration: string;
  target: number;
}

export type ExecutorSpec =
  | {
      executor: 'constant-arrival-rate';
      rate: number;
      timeUnit?: string;
      duration: string;
      preAllocatedVUs: number;
      maxVUs?: number;
    }
  | {
      executor: 'ramping-arrival-rate';
      startRate?: number;
      timeUnit?: string;
      stages: Stage[];
      preAllocatedVUs: number;
      maxVUs?: number;
    }
  | { executor: 'constant-vus'; vus?: number; duration: string }
  | { executor: 'ramping-vus'; startVUs?: number; stages: Stage[] };

export const executorNames = ['constant-arrival-rate', 'ramping-arrival-rate', 'constant-vus', 'ramping-vus'] as const;

/** A segment of the plan: the value goes linearly from `from` to `to` over [startMs, startMs + durationMs). */
export interface Segment {
  startMs: number;
  durationMs: number;
  from: number;
  to: number;
}

export interface ExecutionPlan {
  executor: (typeof executorNames)[number];
  /** rate: arrivals per second (open model); vus: concurrent virtual users (closed model). */
  model: 'rate' | 'vus';
  segments: Segment[];
  durationMs: number;
  /** Open model: the in-flight cap (maxVUs, default preAllocatedVUs). */
  maxInFlight?: number;
}

const common = ['executor', 'startTime', 'gracefulStop', 'gracefulRampDown', 'env', 'exec', 'tags'];
const fieldsOf: Record<string, string[]> = {
  'constant-arrival-rate': ['rate', 'timeUnit', 'duration', 'preAllocatedVUs', 'maxVUs'],
  'ramping-arrival-rate': ['startRate', 'timeUnit', 'stages', 'preAllocatedVUs', 'maxVUs'],
  'constant-vus': ['vus', 'duration'],
  'ramping-vus': ['startVUs', 'stages'],
};

/** Validates an executor spec (every problem collected) and plans it; throws ConfigErrors (exit 104). */
export function planExecutor(spec: unknown, file = 'options', at = 'scenario'): ExecutionPlan {
  const problems: ConfigError[] = [];
  const bad = (field: string, problem: string, hint?: string) =>
    problems.push(new ConfigError(file, `${at}.${field}`, problem, hint));
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec))
    throw new ConfigErrors([new ConfigError(file, at, 'expected an object with an executor')]);
  const s = spec as Record<string, unknown>;
  const name = s.executor;
  if (typeof name !== 'string' || !(name in fieldsOf)) {
    throw new ConfigErrors([
      new ConfigError(
        file,
        `${at}.executor`,
        `unknown executor ${JSON.stringify(name)}`,
        `executors: ${executorNames.join(', ')}`,
      ),
    ]);
  }
  const executor = name as ExecutionPlan['executor'];
  for (const k of Object.keys(s))
    if (!common.includes(k) && !fieldsOf[name].includes(k))
      bad(k, `unknown field for ${name}`, `fields: ${fieldsOf[name].join(', ')}`);

  const num = (
    field: string,
    opts: { required?: boolean; integer?: boolean; min?: number; positive?: boolean; def?: number },
  ): number | undefined => {
    const v = s[field];
    if (v === undefined) {
      if (opts.required) bad(field, 'is required');
      return opts.def;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) bad(field, `expected a number, got ${JSON.stringify(v)}`);
    else if (opts.integer && !Number.isInteger(v)) bad(field, `expected an integer, got ${v}`);
    else if (opts.positive && v <= 0) bad(field, `expected a number > 0, got ${v}`);
    else if (v < (opts.min ?? 0)) bad(field, `expected a number >= ${opts.min ?? 0}, got ${v}`);
    else return v;
    return undefined;
  };
  const dur = (field: string, required: boolean, positive = true): number | undefined => {
    const v = s[field];
    if (v === undefined) {
      if (required) bad(field, 'is required');
      return undefined;
    }
    const ms = typeof v === 'string' ? parseDuration(v) : undefined;
    if (ms === undefined) bad(field, `expected a duration like '30s' or '1m30s', got ${JSON.stringify(v)}`);
    else if (positive && ms <= 0) bad(field, `expected a duration > 0, got ${JSON.stringify(v)}`);
    return ms;
  };
  const stages = (integer: boolean): { durationMs: number; target: number }[] => {
    const v = s.stages;
    if (v === undefined) {
      bad('stages', 'is required', "e.g. [{ duration: '30s', target: 100 }]");
      return [];
    }
    if (!Array.isArray(v) || v.length === 0) {
      bad('stages', `expected a non-empty list of { duration, target }, got ${JSON.stringify(v)}`);
      return [];
    }
    const out: { durationMs: number; target: number }[] = [];
    v.forEach((st, i) => {
      const f = `stages[${i}]`;
      if (st === null || typeof st !== 'object') {
        bad(f, `expected { duration, target }, got ${JSON.stringify(st)}`);
        return;
      }
      const { duration, target } = st as { duration?: unknown; target?: unknown };
      const ms = typeof duration === 'string' ? parseDuration(duration) : undefined;
      if (ms === undefined) bad(`${f}.duration`, `expected a duration like '30s', got ${JSON.stringify(duration)}`);
      if (typeof target !== 'number' || !Number.isFinite(target) || target < 0)
        bad(`${f}.target`, `expected a number >= 0, got ${JSON.stringify(target)}`);
      else if (integer && !Number.isInteger(target))
        bad(`${f}.target`, `expected an integer number of VUs, got ${target}`);
      if (ms !== undefined && typeof target === 'number') out.push({ durationMs: ms, target });
    });
    return out;
  };
  const ramp = (start: number, st: { durationMs: number; target: number }[]): Segment[] => {
    const segs: Segment[] = [];
    let t = 0;
    let from = start;
    for (const x of st) {
      segs.push({ startMs: t, durationMs: x.durationMs, from, to: x.target });
      t += x.durationMs;
      from = x.target;
    }
    return segs;
  };

  let plan: ExecutionPlan | undefined;
  if (executor === 'constant-arrival-rate' || executor === 'ramping-arrival-rate') {
    const unit = dur('timeUnit', false) ?? 1000;
    const pre = num('preAllocatedVUs', { required: true, integer: true, min: 1 });
    const max = num('maxVUs', { integer: true, min: 1 });
    if (pre !== undefined && max !== undefined && max < pre)
      bad('maxVUs', `maxVUs ${max} is below preAllocatedVUs ${pre}`);
    const perSecond = 1000 / unit;
    if (executor === 'constant-arrival-rate') {
      const rate = num('rate', { required: true, positive: true });
      const d = dur('duration', true);
      if (rate !== undefined && d !== undefined)
        plan = {
          executor,
          model: 'rate',
          segments: [{ startMs: 0, durationMs: d, from: rate * perSecond, to: rate * perSecond }],
          durationMs: d,
        };
    } else {
      const start = num('startRate', { def: 0 });
      const st = stages(false);
      if (start !== undefined && st.length > 0) {
        const segs = ramp(
          start * perSecond,
          st.map((x) => ({ ...x, target: x.target * perSecond })),
        );
        plan = { executor, model: 'rate', segments: segs, durationMs: segs.reduce((a, x) => a + x.durationMs, 0) };
      }
    }
    if (plan) plan.maxInFlight = max ?? pre;
  } else if (executor === 'constant-vus') {
    const vus = num('vus', { integer: true, min: 1, def: 1 });
    const d = dur('duration', true);
    if (vus !== undefined && d !== undefined)
      plan = { executor, model: 'vus', segments: [{ startMs: 0, durationMs: d, from: vus, to: vus }], durationMs: d };
  } else {
    const start = num('startVUs', { integer: true, def: 1 });
    const st = stages(true);
    if (start !== undefined && st.length > 0) {
      const segs = ramp(start, st);
      plan = { executor, model: 'vus', segments: segs, durationMs: segs.reduce((a, x) => a + x.durationMs, 0) };
    }
  }
  if (plan && plan.durationMs <= 0) bad('stages', 'the stages add up to no time');
  if (problems.length > 0 || !plan) throw new ConfigErrors(problems);
  return plan;
}

/** The planned rate or VU count at `tMs` from the start; 0 after the end. */
export function valueAt(plan: ExecutionPlan, tMs: number): number {
  for (const s of plan.segments) {
    if (tMs < s.startMs + s.durationMs) {
      const f = s.durationMs > 0 ? Math.max(0, tMs - s.startMs) / s.durationMs : 1;
      const v = s.from + (s.to - s.from) * f;
      return plan.model === 'vus' ? Math.round(v) : v;
    }
  }
  return 0;
}
