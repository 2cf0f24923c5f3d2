// Counters of one worker process and the Prometheus text of a whole replica. With WORKERS > 1 the
// worker answering GET /metrics gathers every worker's snapshot through the primary and renders the
// sum (counters, CPU, memory) or the max (event-loop lag): one scrape describes the replica.

const LAG_INTERVAL_MS = 100;
const LAG_WINDOW = 10;

class WorkerMetrics {
  constructor(worker = '1') {
    this.worker = worker;
    this.answered = 0;
    this.requests = new Map(); // `${endpoint}\n${code}` -> count
    this.errors = new Map(); // endpoint -> count
    this.inflight = 0;
    this.lagSamples = [];
    this.lagTimer = undefined;
  }

  /** Samples event-loop lag as the lateness of a 100 ms timer; the gauge is the mean of the last second. */
  startLagSampler() {
    let expected = Date.now() + LAG_INTERVAL_MS;
    const tick = () => {
      const now = Date.now();
      this.lagSamples.push(Math.max(0, now - expected) / 1000);
      if (this.lagSamples.length > LAG_WINDOW) this.lagSamples.shift();
      expected = now + LAG_INTERVAL_MS;
      this.lagTimer = setTimeout(tick, LAG_INTERVAL_MS);
      this.lagTimer.unref();
    };
    this.lagTimer = setTimeout(tick, LAG_INTERVAL_MS);
    this.lagTimer.unref();
  }

  stop() {
    if (this.lagTimer) clearTimeout(this.lagTimer);
  }

  /** Counts one answered request; `failed` marks server-side failures (5xx, UNAVAILABLE, INTERNAL). */
  count(endpoint, code, failed) {
    const key = `${endpoint}\n${code}`;
    this.requests.set(key, (this.requests.get(key) || 0) + 1);
    this.answered++;
    if (failed) this.errors.set(endpoint, (this.errors.get(endpoint) || 0) + 1);
  }

  /** Plain data, safe to send over the cluster IPC channel. */
  snapshot() {
    const lag = this.lagSamples.length ? this.lagSamples.reduce((a, b) => a + b, 0) / this.lagSamples.length : 0;
    const cpu = process.cpuUsage();
    return {
      pid: process.pid,
      worker: this.worker,
      answered: this.answered,
      requests: [...this.requests].map(([key, n]) => {
        const [endpoint, code] = key.split('\n');
        return { endpoint, code, n };
      }),
      errors: [...this.errors].map(([endpoint, n]) => ({ endpoint, n })),
      inflight: this.inflight,
      cpuMicros: cpu.user + cpu.system,
      rssBytes: process.memoryUsage.rss(),
      lagSeconds: lag,
    };
  }
}

function label(value) {
  return String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * Prometheus text for a replica from its workers' snapshots; `primary` ({ cpuMicros, rssBytes })
 * adds the cluster primary's own usage when there is one. `knobs` are the current knobs.
 */
function renderMetrics({ replica, snapshots, primary, knobs }) {
  const requests = new Map();
  const errors = new Map();
  let inflight = 0;
  let cpuMicros = primary ? primary.cpuMicros : 0;
  let rss = primary ? primary.rssBytes : 0;
  let lag = 0;
  for (const s of snapshots) {
    for (const r of s.requests) {
      const key = `${r.endpoint}\n${r.code}`;
      requests.set(key, (requests.get(key) || 0) + r.n);
    }
    for (const e of s.errors) errors.set(e.endpoint, (errors.get(e.endpoint) || 0) + e.n);
    inflight += s.inflight;
    cpuMicros += s.cpuMicros;
    rss += s.rssBytes;
    lag = Math.max(lag, s.lagSeconds);
  }
  const r = label(replica);
  const lines = [];
  lines.push('# HELP headroom_replica_info The replica these metrics describe.');
  lines.push('# TYPE headroom_replica_info gauge');
  lines.push(`headroom_replica_info{replica="${r}"} 1`);
  lines.push(
    '# HELP headroom_requests_total Requests answered, by endpoint and status code (HTTP status, or gRPC status name for grpc_* endpoints).',
  );
  lines.push('# TYPE headroom_requests_total counter');
  for (const key of [...requests.keys()].sort()) {
    const [endpoint, code] = key.split('\n');
    lines.push(`headroom_requests_total{endpoint="${label(endpoint)}",code="${label(code)}"} ${requests.get(key)}`);
  }
  lines.push(
    '# HELP headroom_request_errors_total Requests that failed on the server side (HTTP 5xx, gRPC UNAVAILABLE or INTERNAL), by endpoint.',
  );
  lines.push('# TYPE headroom_request_errors_total counter');
  for (const endpoint of [...errors.keys()].sort()) {
    lines.push(`headroom_request_errors_total{endpoint="${label(endpoint)}"} ${errors.get(endpoint)}`);
  }
  lines.push('# HELP headroom_inflight_requests Requests being served now, summed over workers.');
  lines.push('# TYPE headroom_inflight_requests gauge');
  lines.push(`headroom_inflight_requests ${inflight}`);
  lines.push('# HELP headroom_workers Worker processes serving requests.');
  lines.push('# TYPE headroom_workers gauge');
  lines.push(`headroom_workers ${snapshots.length}`);
  lines.push(
    '# HELP headroom_worker_requests_total Requests answered by each worker (all endpoints and protocols): shows how connections spread over workers.',
  );
  lines.push('# TYPE headroom_worker_requests_total counter');
  for (const s of [...snapshots].sort((a, b) => Number(a.worker) - Number(b.worker))) {
    lines.push(`headroom_worker_requests_total{worker="${label(s.worker)}"} ${s.answered}`);
  }
  if (knobs) {
    lines.push('# HELP headroom_knob Current value of a run-time knob (see GET /admin/knobs).');
    lines.push('# TYPE headroom_knob gauge');
    for (const name of Object.keys(knobs).sort()) lines.push(`headroom_knob{knob="${label(name)}"} ${knobs[name]}`);
  }
  lines.push('# HELP process_cpu_seconds_total User and system CPU seconds of the replica (all its processes).');
  lines.push('# TYPE process_cpu_seconds_total counter');
  lines.push(`process_cpu_seconds_total ${(cpuMicros / 1e6).toFixed(6)}`);
  lines.push('# HELP process_resident_memory_bytes Resident memory of the replica (all its processes).');
  lines.push('# TYPE process_resident_memory_bytes gauge');
  lines.push(`process_resident_memory_bytes ${rss}`);
  lines.push('# HELP nodejs_eventloop_lag_seconds Event-loop lag, mean of the last second, the highest over workers.');
  lines.push('# TYPE nodejs_eventloop_lag_seconds gauge');
  lines.push(`nodejs_eventloop_lag_seconds ${lag.toFixed(6)}`);
  return `${lines.join('\n')}\n`;
}

module.exports = { WorkerMetrics, renderMetrics };
