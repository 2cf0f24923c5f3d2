// `headroom load <url> (--rate N | --vus N) --duration D`: ad-hoc load against one URL, the way
// autocannon or `vegeta attack` are used, with k6's thresholds, handleSummary() JSON and exit codes.
import type { Replica } from '../cluster';
import { ConfigError, ConfigErrors, ExitCode, Interrupted } from '../common';
import { LoadEngine, checkTargets, planExecutor, runPlan } from '../load';
import {
  Metrics,
  type ThresholdInput,
  failedThresholds,
  handleSummaryData,
  k6Summary,
  parseThresholds,
} from '../metrics';
import type { CliIo } from './io';
import { collector, commandLine, duration, helpText, type Parsed, parseFlags, positiveNumber } from './flags';

export const spec = {
  name: 'load',
  args: '<url>',
  summary:
    "Ad-hoc load against one URL, the way autocannon or `vegeta attack` are used, with k6's thresholds,\n" +
    'handleSummary() JSON and exit codes. Give exactly one of --rate (open model) or --vus (closed model), and --duration.',
  positionals: [1, 1] as [number, number],
  flags: {
    rate: { type: 'string', value: 'N', help: 'open model: N requests per second on schedule (constant-arrival-rate)' },
    vus: {
      type: 'string',
      value: 'N',
      help: 'closed model: N virtual users, each sending when its last request ended (constant-vus)',
    },
    duration: { type: 'string', value: 'D', help: 'how long, e.g. 30s, 1m30s' },
    threshold: {
      type: 'string',
      multiple: true,
      value: "'M=E'",
      help: "k6 threshold, e.g. 'http_req_duration=p(99)<250'; exit 99 when one fails",
    },
    json: { type: 'boolean', help: "print the summary as JSON in the shape of k6's handleSummary() data" },
    warmup: {
      type: 'string',
      value: 'D',
      help: 'load at the same rate or VUs for D first and leave it out of every figure',
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
  rate?: number;
  vus?: number;
  durationMs: number;
  warmupMs: number;
  json: boolean;
  thresholds: string[];
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
    warmupMs: 0,
    json: values.json === true,
    thresholds: values.threshold ?? [],
    timeoutMs: 10_000,
    maxInFlight: 10_000,
    method: values.method ?? 'GET',
    headers: {},
    body: values.body,
    allowTargets: values['allow-target'] ?? [],
  };
  if (values.rate !== undefined) a.rate = c.check(() => positiveNumber('--rate', values.rate!));
  if (values.vus !== undefined) a.vus = c.check(() => positiveNumber('--vus', values.vus!, true));
  if ((values.rate === undefined) === (values.vus === undefined)) {
    c.problems.push(
      new ConfigError(commandLine, '--rate', 'give exactly one of --rate N (open model) or --vus N (closed model)'),
    );
  }
  if (values.duration === undefined)
    c.problems.push(new ConfigError(commandLine, '--duration', 'missing, e.g. --duration 30s'));
  else a.durationMs = c.check(() => duration('--duration', values.duration!)) ?? 0;
  if (values.warmup !== undefined) a.warmupMs = c.check(() => duration('--warmup', values.warmup!, false)) ?? 0;
  if (values.timeout !== undefined) a.timeoutMs = c.check(() => duration('--timeout', values.timeout!)) ?? a.timeoutMs;
  if (values['max-in-flight'] !== undefined)
    a.maxInFlight = c.check(() => positiveNumber('--max-in-flight', values['max-in-flight']!, true)) ?? a.maxInFlight;
  for (const h of values.header ?? []) {
    const colon = h.indexOf(':');
    if (colon <= 0) c.problems.push(new ConfigError(commandLine, '--header', `value '${h}': expected 'Name: value'`));
    else a.headers[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
  }
  c.throwIfAny();
  return a;
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

const fmt = (v: number | null, digits = 2) => (v === null ? '-' : v.toFixed(digits));

export async function run(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(spec, argv);
  if (flags.help) {
    io.stdout.write(helpText(spec));
    return ExitCode.ok;
  }
  // Every problem of the command line at once: flag values, URL, target and thresholds.
  const c = collector();
  const rawUrl = flags.positionals[0];
  const parsed = c.check(() => loadArgs(flags.values, rawUrl));
  const target = c.check(() => replicaOfUrl(rawUrl));
  if (target)
    c.check(() =>
      checkTargets(
        [target.replica.host],
        parsed?.allowTargets ?? flags.values['allow-target'] ?? [],
        commandLine,
        'pass --allow-target HOST to load a host outside loopback',
      ),
    );
  const thresholds = c.check(() =>
    parseThresholds(thresholdsOfArgs(flags.values.threshold ?? []), 'command line --threshold'),
  );
  c.throwIfAny();
  if (!parsed || !target || !thresholds) throw new ConfigErrors(c.problems);
  const args = parsed;
  const { replica, path } = target;
  const plan =
    args.rate !== undefined
      ? planExecutor(
          {
            executor: 'constant-arrival-rate',
            rate: args.rate,
            duration: `${args.durationMs}ms`,
            preAllocatedVUs: args.maxInFlight,
          },
          'argv',
          'load',
        )
      : planExecutor({ executor: 'constant-vus', vus: args.vus, duration: `${args.durationMs}ms` }, 'argv', 'load');
  const metrics = new Metrics();
  const engine = new LoadEngine({
    replicas: [replica],
    mix: {
      endpoints: [
        { name: 'url', weight: 1, protocol: 'http', method: args.method, path, headers: args.headers, body: args.body },
      ],
    },
    metrics: args.warmupMs > 0 ? new Metrics() : metrics,
    timeoutMs: args.timeoutMs,
    maxInFlight: plan.maxInFlight ?? args.maxInFlight,
    allowTargets: args.allowTargets,
    file: 'argv',
  });
  const tty = io.stderr.isTTY === true;
  const every = tty ? 1000 : args.durationMs! > 120_000 ? 10_000 : 5_000;
  const line = (elapsedMs: number) => {
    const w = metrics.window({ seconds: tty ? 2 : every / 1000 });
    const s = engine.stats();
    return `${(elapsedMs / 1000).toFixed(0).padStart(4)}s  ${w.rps.toFixed(0).padStart(6)} req/s  p50 ${fmt(w.percentile(50))} ms  p99 ${fmt(w.percentile(99))} ms  errors ${(w.errorRate * 100).toFixed(2)}%  in flight ${s.inFlight}  dropped ${s.dropped}`;
  };
  let result: { interrupted: boolean };
  const startedAt = performance.now();
  try {
    if (args.warmupMs > 0) {
      io.stderr.write(`warming up for ${args.warmupMs / 1000} s (not measured)\n`);
      const warm = await runPlan(
        engine,
        { ...plan, durationMs: args.warmupMs, segments: [{ ...plan.segments[0], durationMs: args.warmupMs }] },
        { signal: io.signals },
      );
      engine.setMetrics(metrics);
      if (warm.interrupted) {
        throw new Interrupted(typeof io.signals?.reason === 'string' ? io.signals.reason : 'a signal');
      }
    }
    result = await runPlan(engine, plan, {
      signal: io.signals,
      progressMs: every,
      onProgress: (t) => io.stderr.write(tty ? `\r\x1b[K${line(t)}` : `${line(t)}\n`),
    });
  } finally {
    await engine.stop();
  }
  if (tty) io.stderr.write('\r\x1b[K');
  const summary = k6Summary(metrics, thresholds);
  if (args.json) {
    const state = {
      isStdOutTTY: io.stdout.isTTY === true,
      isStdErrTTY: tty,
      testRunDurationMs: performance.now() - startedAt,
    };
    io.stdout.write(`${JSON.stringify(handleSummaryData(summary, state), null, 2)}\n`);
  } else io.stdout.write(textSummary(metrics, summary));
  const failed = failedThresholds(summary);
  if (result.interrupted) {
    const sig = io.signals?.reason;
    throw new Interrupted(typeof sig === 'string' ? sig : 'a signal');
  }
  if (failed.length > 0) {
    io.stderr.write(`headroom: thresholds failed:\n${failed.map((f) => `  ✗ ${f}`).join('\n')}\n`);
    return ExitCode.thresholdsFailed;
  }
  return ExitCode.ok;
}

function textSummary(metrics: Metrics, summary: ReturnType<typeof k6Summary>): string {
  const t = metrics.totals({}, 'http_req_duration');
  const lines = [
    `requests   ${t.count} in ${t.seconds.toFixed(1)} s (${t.rps.toFixed(1)} req/s), failed ${t.failed} (${(t.errorRate * 100).toFixed(2)}%), dropped ${metrics.totals().droppedIterations}`,
    `latency    avg ${fmt(t.avg)} ms  min ${fmt(t.min)}  p50 ${fmt(t.percentile(50))}  p90 ${fmt(t.percentile(90))}  p99 ${fmt(t.percentile(99))}  max ${fmt(t.max)} ms (from the intended send time)`,
  ];
  for (const [key, m] of Object.entries(summary.metrics)) {
    for (const [expr, r] of Object.entries(m.thresholds ?? {}))
      lines.push(
        `threshold  ${r.ok ? '✓' : '✗'} ${key}: ${expr}  (${r.value === null ? 'no data' : +r.value.toFixed(3)})`,
      );
  }
  return `${lines.join('\n')}\n`;
}
