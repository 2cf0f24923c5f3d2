// The flags of `headroom load` and what they mean: every value checked (all problems at once, exit 104),
// the URL as the one replica it targets, `--threshold M=E` as k6 thresholds, and the executor plan
// (k6's constant or ramping arrival rate, constant or ramping VUs).
import type { Replica } from '../cluster';
import { ConfigError, ConfigErrors } from '../common';
import { type ExecutionPlan, planExecutor, type Stage } from '../load';
import { type OutSpec, parseOutFlag, type ThresholdInput } from '../metrics';
import { agentsFlag, collector, commandLine, duration, type Parsed, positiveNumber } from './flags';

export const spec = {
  name: 'load',
  args: '<url>',
  summary:
    "Ad-hoc load against one URL, the way autocannon or `vegeta attack` are used, with k6's thresholds,\n" +
    'handleSummary() JSON, outputs and exit codes. Open model: --rate N for --duration D, or a ramp of the arrival\n' +
    'rate with --stage (from --rate, default 0). Closed model: --vus N for --duration D, or ramped with --stage.',
  positionals: [1, 1] as [number, number],
  flags: {
    rate: {
      type: 'string',
      value: 'N',
      help: 'open model: N requests per second on schedule (constant-arrival-rate); with --stage, the rate to start from',
    },
    vus: {
      type: 'string',
      value: 'N',
      help: 'closed model: N virtual users, each sending when its last request ended (constant-vus; with --stage, the start)',
    },
    duration: { type: 'string', value: 'D', help: 'how long, e.g. 30s, 1m30s (not with --stage)' },
    stage: {
      type: 'string',
      multiple: true,
      value: 'D:N',
      help: "ramp linearly to N over D, k6's stages: the arrival rate (ramping-arrival-rate), or VUs with --vus",
    },
    threshold: {
      type: 'string',
      multiple: true,
      value: "'M=E'",
      help: "k6 threshold, e.g. 'http_req_duration=p(99)<250'; exit 99 when one fails",
    },
    json: { type: 'boolean', help: "print the summary as JSON in the shape of k6's handleSummary() data" },
    out: {
      type: 'string',
      multiple: true,
      value: 'json=FILE|prometheus[=ADDR]',
      help: "json=FILE writes every sample as k6's JSON points; prometheus serves OpenMetrics at /metrics (default 127.0.0.1:9464)",
    },
    agents: {
      type: 'string',
      value: 'N|HOST:PORT,...',
      help: 'send from N local generator agent processes, or from agents at these addresses (open model only)',
    },
    warmup: {
      type: 'string',
      value: 'D',
      help: 'load at the starting rate or VUs for D first and leave it out of every figure and output',
    },
    timeout: { type: 'string', value: 'D', help: 'request timeout (default 10s)' },
    'max-in-flight': {
      type: 'string',
      value: 'N',
      help: 'open model: arrivals beyond N requests in flight are dropped (default 10000)',
    },
    method: { type: 'string', value: 'M', help: 'HTTP method (default GET)' },
    header: { type: 'string', multiple: true, value: "'K: V'", help: 'request header' },
    body: { type: 'string', value: 'S', help: 'request body' },
    'allow-target': {
      type: 'string',
      multiple: true,
      value: 'HOST',
      help: 'allow a host outside loopback (127.0.0.0/8, ::1)',
    },
  },
} as const;

export interface LoadArgs {
  url: string;
  /** Open model: the constant rate, or the rate a ramp starts from. */
  rate?: number;
  /** Closed model: the constant VUs, or the VUs a ramp starts from. */
  vus?: number;
  /** Without --stage: how long; with --stage: 0 (the stages say). */
  durationMs: number;
  stages: Stage[];
  warmupMs: number;
  json: boolean;
  thresholds: string[];
  outputs: OutSpec[];
  agents?: { local: number } | { addresses: string[] };
  timeoutMs: number;
  maxInFlight: number;
  method: string;
  headers: Record<string, string>;
  body?: string;
  allowTargets: string[];
}

/** Checks the parsed flags' values, collecting every problem. */
export function loadArgs(values: Extract<Parsed<typeof spec.flags>, { help: false }>['values'], url: string): LoadArgs {
  const c = collector();
  const a: LoadArgs = {
    url,
    durationMs: 0,
    stages: [],
    warmupMs: 0,
    json: values.json === true,
    thresholds: values.threshold ?? [],
    outputs: [],
    timeoutMs: 10_000,
    maxInFlight: 10_000,
    method: values.method ?? 'GET',
    headers: {},
    body: values.body,
    allowTargets: values['allow-target'] ?? [],
  };
  const staged = values.stage !== undefined;
  if (values.rate !== undefined) a.rate = c.check(() => positiveNumber('--rate', values.rate!));
  if (values.vus !== undefined) a.vus = c.check(() => positiveNumber('--vus', values.vus!, true));
  if (values.rate !== undefined && values.vus !== undefined)
    c.problems.push(
      new ConfigError(commandLine, '--rate', 'give exactly one of --rate N (open model) or --vus N (closed model)'),
    );
  else if (values.rate === undefined && values.vus === undefined && !staged)
    c.problems.push(
      new ConfigError(
        commandLine,
        '--rate',
        'give exactly one of --rate N (open model) or --vus N (closed model), or a ramp with --stage D:N',
      ),
    );
  for (const s of values.stage ?? []) {
    const stage = c.check(() => stageFlag(s));
    if (stage && values.vus !== undefined && !Number.isInteger(stage.target))
      c.problems.push(
        new ConfigError(commandLine, '--stage', `value '${s}': with --vus, expected a whole number of VUs`),
      );
    else if (stage) a.stages.push(stage);
  }
  if (staged && values.duration !== undefined)
    c.problems.push(
      new ConfigError(
        commandLine,
        '--duration',
        `value '${values.duration}': not with --stage (the stages add up to the run's length)`,
      ),
    );
  else if (!staged && values.duration === undefined)
    c.problems.push(new ConfigError(commandLine, '--duration', 'missing, e.g. --duration 30s'));
  else if (values.duration !== undefined) a.durationMs = c.check(() => duration('--duration', values.duration!)) ?? 0;
  if (values.warmup !== undefined) a.warmupMs = c.check(() => duration('--warmup', values.warmup!, false)) ?? 0;
  if (values.timeout !== undefined) a.timeoutMs = c.check(() => duration('--timeout', values.timeout!)) ?? a.timeoutMs;
  if (values['max-in-flight'] !== undefined)
    a.maxInFlight = c.check(() => positiveNumber('--max-in-flight', values['max-in-flight']!, true)) ?? a.maxInFlight;
  for (const o of values.out ?? []) {
    const out = c.check(() => parseOutFlag(o));
    if (out) a.outputs.push(out);
  }
  if (values.agents !== undefined) {
    a.agents = c.check(() => agentsFlag(values.agents!));
    if (values.vus !== undefined)
      c.problems.push(
        new ConfigError(
          commandLine,
          '--agents',
          `value '${values.agents}': agents send arrival rates (--rate, --stage); --vus runs in this process only`,
        ),
      );
  }
  for (const h of values.header ?? []) {
    const colon = h.indexOf(':');
    if (colon <= 0) c.problems.push(new ConfigError(commandLine, '--header', `value '${h}': expected 'Name: value'`));
    else a.headers[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
  }
  c.throwIfAny();
  return a;
}

/** `--stage 30s:200`: ramp to 200 (req/s, or VUs) over 30 s. */
export function stageFlag(text: string): Stage {
  const colon = text.lastIndexOf(':');
  const target = Number(text.slice(colon + 1));
  const expected = "expected DURATION:TARGET, e.g. '30s:200' (ramp to 200 over 30 s)";
  if (colon <= 0 || text.slice(colon + 1).trim() === '' || !Number.isFinite(target) || target < 0)
    throw new ConfigError(commandLine, '--stage', `value '${text}': ${expected}`);
  const d = text.slice(0, colon);
  duration('--stage', d); // throws the flag's error for a bad duration
  return { duration: d, target };
}

/** The executor of the arguments: k6's constant or ramping arrival rate (open model), or VUs (closed). */
export function planOfArgs(a: LoadArgs): ExecutionPlan {
  const ms = `${a.durationMs}ms`;
  if (a.vus !== undefined)
    return a.stages.length
      ? planExecutor({ executor: 'ramping-vus', startVUs: a.vus, stages: a.stages }, commandLine, 'load')
      : planExecutor({ executor: 'constant-vus', vus: a.vus, duration: ms }, commandLine, 'load');
  const open = { preAllocatedVUs: a.maxInFlight };
  return a.stages.length
    ? planExecutor(
        { executor: 'ramping-arrival-rate', startRate: a.rate ?? 0, stages: a.stages, ...open },
        commandLine,
        'load',
      )
    : planExecutor({ executor: 'constant-arrival-rate', rate: a.rate, duration: ms, ...open }, commandLine, 'load');
}

/** The warm-up's plan: the run's starting rate or VUs held for `warmupMs` (a ramp from 0: its first target). */
export function warmupPlan(plan: ExecutionPlan, warmupMs: number): ExecutionPlan {
  const first = plan.segments[0];
  const v = first.from > 0 ? first.from : first.to;
  return { ...plan, durationMs: warmupMs, segments: [{ startMs: 0, durationMs: warmupMs, from: v, to: v }] };
}

/** The one replica an ad-hoc run targets, from its URL. */
export function replicaOfUrl(url: string): { replica: Replica; path: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(commandLine, 'url', `'${url}' is not a URL`, 'e.g. http://127.0.0.1:8080/feed?user=1');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new ConfigError(commandLine, 'url', `'${url}' is not http:// or https://`);
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return {
    replica: {
      name: u.host,
      region: 'adhoc',
      dc: 'adhoc',
      pool: 'adhoc/url',
      serverType: 'url',
      index: 0,
      host,
      httpPort: port,
      grpcPort: 0,
      http: u.origin,
      grpc: '',
    },
    path: `${u.pathname}${u.search}`,
  };
}

/** 'http_req_duration=p(99)<250' → { http_req_duration: ['p(99)<250'] } (the metric key has no '='). */
export function thresholdsOfArgs(list: string[]): Record<string, ThresholdInput[]> {
  const out: Record<string, ThresholdInput[]> = {};
  const problems: ConfigError[] = [];
  for (const t of list) {
    const eq = t.indexOf('=');
    if (eq <= 0) {
      problems.push(
        new ConfigError(
          commandLine,
          '--threshold',
          `malformed threshold '${t}'`,
          "expected 'metric=expression', e.g. 'http_req_duration=p(99)<250'",
        ),
      );
      continue;
    }
    (out[t.slice(0, eq).trim()] ??= []).push(t.slice(eq + 1).trim());
  }
  if (problems.length > 0) throw new ConfigErrors(problems);
  return out;
}
