// Every metric headroom produces, once: its k6 type, where its samples come from, and what that means for
// a guard on it. The store, thresholds, outputs, the scenario checks, the drill and the estimator all read
// this table; a metric added here is known to each of them at once.

export type MetricType = 'trend' | 'counter' | 'rate' | 'gauge';

/**
 * Where a metric's samples come from. `requests`: the load engine's requests, judged where the requests
 * arrive (the front tier). `resources`: per-replica CPU and memory samples (the container's cgroup, or a
 * static server's own Prometheus metrics), judged on every pool of every tier. `engine`: the load engine
 * itself.
 */
export type MetricSource = 'requests' | 'resources' | 'engine';

export interface MetricFacts {
  /** Its k6 type: which aggregations a threshold may take, its `Metric` line in `--out json`. */
  type: MetricType;
  source: MetricSource;
  /** A request metric that counts one protocol only; the others count both. */
  protocol?: 'http' | 'grpc';
  /** A resource metric: the Prometheus series a static server must expose for headroom to sample it. */
  prometheus?: string;
  /** Grows smoothly (about linearly) with the load on one replica: a line through the probes is meaningful. */
  smooth?: boolean;
  /** k6 itself emits it in an HTTP or gRPC test, so an exported script may keep a threshold on it. */
  k6?: boolean;
}

export const metricCatalog: Readonly<Record<string, MetricFacts>> = {
  http_reqs: { type: 'counter', source: 'requests', protocol: 'http', k6: true },
  http_req_duration: { type: 'trend', source: 'requests', protocol: 'http', k6: true },
  http_req_failed: { type: 'rate', source: 'requests', protocol: 'http', k6: true },
  grpc_reqs: { type: 'counter', source: 'requests', protocol: 'grpc' },
  grpc_req_duration: { type: 'trend', source: 'requests', protocol: 'grpc', k6: true },
  grpc_req_failed: { type: 'rate', source: 'requests', protocol: 'grpc' },
  iterations: { type: 'counter', source: 'requests', k6: true },
  iteration_duration: { type: 'trend', source: 'requests', k6: true },
  dropped_iterations: { type: 'counter', source: 'requests', k6: true },
  vus: { type: 'gauge', source: 'engine', k6: true },
  /** CPU used over the server type's quota, 0..1 (a share of `cpus`). */
  cpu_share: { type: 'gauge', source: 'resources', prometheus: 'process_cpu_seconds_total', smooth: true },
  /** Resident memory, MiB. */
  memory_mb: { type: 'gauge', source: 'resources', prometheus: 'process_resident_memory_bytes', smooth: true },
  /** Memory in use as a share of the server type's memory limit, 0..1. */
  memory_share: { type: 'gauge', source: 'resources', prometheus: 'process_resident_memory_bytes', smooth: true },
};

/** The k6 type of each metric (a threshold on any other name is refused: a typo would never fail). */
export const metricTypes: Readonly<Record<string, MetricType>> = Object.fromEntries(
  Object.entries(metricCatalog).map(([name, m]) => [name, m.type]),
);

/** Request metrics that count one protocol only. */
export const metricProtocol: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(metricCatalog).flatMap(([name, m]) => (m.protocol ? [[name, m.protocol]] : [])),
);

/** Metrics the request series answer; any other name is a gauge. */
export const requestMetrics: ReadonlySet<string> = new Set(
  Object.entries(metricCatalog)
    .filter(([, m]) => m.source === 'requests')
    .map(([name]) => name),
);

/**
 * A resource metric (CPU, memory): sampled per replica, so a guard on it runs on every pool it names, in
 * every tier; a guard on any other metric judges requests, where they arrive.
 */
export function isResourceMetric(metric: string): boolean {
  return metricCatalog[metric]?.source === 'resources';
}

/** Guard metrics whose value grows smoothly with load on one replica (a fit through the probes is meaningful). */
export function isSmoothMetric(metric: string): boolean {
  return metricCatalog[metric]?.smooth === true;
}
