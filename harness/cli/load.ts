// `headroom load <url> (--rate N | --vus N) --duration D`: ad-hoc load against one URL, the way
// autocannon or `vegeta attack` are used, with k6's thresholds, summary export and exit codes.
import type { Replica } from '../cluster';
import { ConfigError, ConfigErrors, ExitCode, Interrupted, parseDuration } from '../common';
import { LoadEngine, checkTargets, planExecutor, runPlan } from '../load';
import { Metrics, ThresholdInput, failedThresholds, k6Summary, parseThresholds } from '../metrics';
import type { CliIo } from './io';

const usage = `usage: headroom load <url> (--rate N | --vus N) --duration D [options]

  --rate N            open model: N requests per second on schedule (constant-arrival-rate)
  --vus N             closed model: N virtual users, each sending when its last request ended (constant-vus)
  --duration D        how long, e.g. 30s, 1m30s
  --threshold 'M=E'   k6 threshold, e.g. 'http_req_duration=p(99)<250' or 'http_req_failed=rate<0.01' (repeatable); exit 99 when one fails
  --json              print the summary as JSON shaped like k6's summary export
  --warmup D          load at the same rate or VUs for D first and leave it out of every figure (JIT, connections)
  --timeout D         request timeout (default 10s)
  --max-in-flight N   open model: arrivals beyond N requests in flight are dropped (dropped_iterations; default 10000)
  --method M          HTTP method (default GET)
  --header 'K: V'     request header (repeatable)
  --body S            request body
  --allow-target HOST allow a host outside loopback (127.0.0.0/8, ::1)
`;

interface LoadArgs {
  url?: string;
  rate?: number;
  vus?: number;
  durationMs?: number;
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

const valueFlags = new Set(['--rate', '--vus', '--duration', '--warmup', '--threshold', '--timeout', '--max-in-flight', '--method', '--header', '--body', '--allow-target']);

/** Parses argv, collecting every problem. */
export function parseLoadArgs(argv: string[]): LoadArgs {
  const problems: ConfigError[] = [];
  const bad = (field: string, problem: string, hint?: string) => problems.push(new ConfigError('argv', field, problem, hint));
  const a: LoadArgs = { warmupMs: 0, json: false, thresholds: [], timeoutMs: 10_000, maxInFlight: 10_000, method: 'GET', headers: {}, allowTargets: [] };
  const positive = (flag: string, v: string, integer: boolean): number | undefined => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
      bad(flag, `expected ${integer ? 'a whole number' : 'a number'} > 0, got '${v}'`);
      return undefined;
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value: string | undefined;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    if (eq > 0 && valueFlags.has(arg.slice(0, eq))) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (valueFlags.has(arg) && value === undefined) {
      value = argv[++i];
      if (value === undefined) {
        bad(arg, 'needs a value');
        break;
      }
    }
    switch (arg) {
      case '--rate': a.rate = positive(arg, value!, false); break;
      case '--vus': a.vus = positive(arg, value!, true); break;
      case '--duration': {
        const d = parseDuration(value!);
        if (d === undefined || d <= 0) bad(arg, `expected a duration like '30s' or '1m', got '${value}'`);
        else a.durationMs = d;
        break;
      }
      case '--warmup': {
        const d = parseDuration(value!);
        if (d === undefined) bad(arg, `expected a duration like '2s', got '${value}'`);
        else a.warmupMs = d;
        break;
      }
      case '--timeout': {
        const d = parseDuration(value!);
        if (d === undefined || d <= 0) bad(arg, `expected a duration like '2s', got '${value}'`);
        else a.timeoutMs = d;
        break;
      }
      case '--max-in-flight': a.maxInFlight = positive(arg, value!, true) ?? a.maxInFlight; break;
      case '--threshold': a.thresholds.push(value!); break;
      case '--method': a.method = value!; break;
      case '--header': {
        const c = value!.indexOf(':');
        if (c <= 0) bad(arg, `expected 'Name: value', got '${value}'`);
        else a.headers[value!.slice(0, c).trim()] = value!.slice(c + 1).trim();
        break;
      }
      case '--body': a.body = value; break;
      case '--allow-target': a.allowTargets.push(value!); break;
      case '--json': a.json = true; break;
      default:
        if (arg.startsWith('-')) bad(arg, 'unknown option', 'see `headroom load --help`');
        else if (a.url === undefined) a.url = arg;
        else bad('url', `a second URL '${arg}'; headroom load takes one`);
    }
  }
  if (a.url === undefined) bad('url', 'missing: headroom load <url> ...');
  if ((a.rate === undefined) === (a.vus === undefined) && !problems.some((p) => p.field === '--rate' || p.field === '--vus')) bad('--rate', 'give exactly one of --rate N (open model) or --vus N (closed model)');
  if (a.durationMs === undefined && !problems.some((p) => p.field === '--duration')) bad('--duration', 'missing, e.g. --duration 30s');
  if (problems.length > 0) throw new ConfigErrors(problems);
  return a;
}

/** The one replica an ad-hoc run targets, from its URL. */
export function replicaOfUrl(url: string): { replica: Replica; path: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError('argv', 'url', `'${url}' is not a URL`, 'e.g. http://127.0.0.1:8080/feed?user=1');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError('argv', 'url', `'${url}' is not http:// or https://`);
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return {
    replica: { name: u.host, region: 'adhoc', dc: 'adhoc', pool: 'adhoc/url', serverType: 'url', index: 0, host, httpPort: port, grpcPort: 0, http: u.origin, grpc: '' },
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
      problems.push(new ConfigError('argv', '--threshold', `malformed threshold '${t}'`, "expected 'metric=expression', e.g. 'http_req_duration=p(99)<250'"));
      continue;
    }
    (out[t.slice(0, eq).trim()] ??= []).push(t.slice(eq + 1).trim());
  }
  if (problems.length > 0) throw new ConfigErrors(problems);
  return out;
}

const fmt = (v: number | null, digits = 2) => (v === null ? '-' : v.toFixed(digits));

export async function run(argv: string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(usage);
    return ExitCode.ok;
  }
  // Every problem of the command line at once: flags, URL, target and thresholds.
  const problems: ConfigError[] = [];
  const collect = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (err) {
      if (err instanceof ConfigErrors) problems.push(...err.problems);
      else if (err instanceof ConfigError) problems.push(err);
      else throw err;
      return undefined;
    }
  };
  const parsed = collect(() => parseLoadArgs(argv));
  const rawUrl = parsed?.url ?? argv.find((a, i) => !a.startsWith('-') && (i === 0 || !valueFlags.has(argv[i - 1])));
  const target = rawUrl !== undefined ? collect(() => replicaOfUrl(rawUrl)) : undefined;
  if (target) collect(() => checkTargets([target.replica.host], parsed?.allowTargets ?? [], 'argv', 'pass --allow-target HOST to load a host outside loopback'));
  const thresholdArgs = parsed?.thresholds ?? argv.filter((_, i) => argv[i - 1] === '--threshold');
  const thresholds = collect(() => parseThresholds(thresholdsOfArgs(thresholdArgs), 'argv --threshold'));
  if (problems.length > 0 || !parsed || !target || !thresholds) throw new ConfigErrors(problems);
  const args = parsed;
  const { replica, path } = target;
  const plan = args.rate !== undefined
    ? planExecutor({ executor: 'constant-arrival-rate', rate: args.rate, duration: `${args.durationMs}ms`, preAllocatedVUs: args.maxInFlight }, 'argv', 'load')
    : planExecutor({ executor: 'constant-vus', vus: args.vus, duration: `${args.durationMs}ms` }, 'argv', 'load');
  const metrics = new Metrics();
  const engine = new LoadEngine({
    replicas: [replica],
    mix: { endpoints: [{ name: 'url', weight: 1, protocol: 'http', method: args.method, path, headers: args.headers, body: args.body }] },
    metrics: args.warmupMs > 0 ? new Metrics() : metrics, timeoutMs: args.timeoutMs, maxInFlight: plan.maxInFlight ?? args.maxInFlight, allowTargets: args.allowTargets, file: 'argv',
  });
  const tty = io.stderr.isTTY === true;
  const every = tty ? 1000 : args.durationMs! > 120_000 ? 10_000 : 5_000;
  const line = (elapsedMs: number) => {
    const w = metrics.window({ seconds: tty ? 2 : every / 1000 });
    const s = engine.stats();
    return `${(elapsedMs / 1000).toFixed(0).padStart(4)}s  ${w.rps.toFixed(0).padStart(6)} req/s  p50 ${fmt(w.percentile(50))} ms  p99 ${fmt(w.percentile(99))} ms  errors ${(w.errorRate * 100).toFixed(2)}%  in flight ${s.inFlight}  dropped ${s.dropped}`;
  };
  let result: { interrupted: boolean };
  try {
    if (args.warmupMs > 0) {
      io.stderr.write(`warming up for ${args.warmupMs / 1000} s (not measured)\n`);
      const warm = await runPlan(engine, { ...plan, durationMs: args.warmupMs, segments: [{ ...plan.segments[0], durationMs: args.warmupMs }] }, { signal: io.signals });
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
  if (args.json) io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else io.stdout.write(textSummary(metrics, summary));
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
    for (const [expr, r] of Object.entries(m.thresholds ?? {})) lines.push(`threshold  ${r.ok ? '✓' : '✗'} ${key}: ${expr}  (${r.value === null ? 'no data' : +r.value.toFixed(3)})`);
  }
  return `${lines.join('\n')}\n`;
}
