// A server of known capacity, for drills on existing servers: it answers at most RATE requests a second
// (a token bucket of BURST tokens); beyond that requests queue up in order, so latency grows and a p95
// guard breaks near RATE. Each answer burns CPU_MS of CPU time; GET /metrics is Prometheus text with
// process_cpu_seconds_total and process_resident_memory_bytes. /healthz and /metrics skip the bucket.
// BURST 0 makes a server that passes its health check and never answers a request.
// Usage: node bucket-server.js PORT RATE [BURST] [CPU_MS]
const http = require('node:http');

const [port, rate, burst = Math.max(1, rate / 20), cpuMs = 0] = process.argv.slice(2).map(Number);
if (!(port > 0) || !(rate > 0)) {
  process.stderr.write('usage: node bucket-server.js PORT RATE [BURST] [CPU_MS]\n');
  process.exit(2);
}

let tokens = burst;
let filledAt = performance.now();
let served = 0;
let timer = null;
const queue = [];

function refill() {
  const now = performance.now();
  tokens = Math.min(burst, tokens + ((now - filledAt) / 1000) * rate);
  filledAt = now;
}

/** Burns CPU time (not wall time), so the cost per request holds on a busy machine too. */
function burn(ms) {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if (used.user + used.system >= ms * 1000) return;
  }
}

function answer(res) {
  if (cpuMs > 0) burn(cpuMs);
  served++;
  res.end('ok');
}

/** Serves the queue's head while tokens last; a request whose client gave up is dropped without a token. */
function drain() {
  timer = null;
  refill();
  while (queue.length) {
    const res = queue[0];
    if (res.destroyed || res.writableEnded) {
      queue.shift();
      continue;
    }
    if (tokens < 1) break;
    tokens -= 1;
    queue.shift();
    answer(res);
  }
  if (queue.length && !timer) timer = setTimeout(drain, Math.max(1, ((1 - tokens) / rate) * 1000));
}

function metrics() {
  const cpu = process.cpuUsage();
  return [
    '# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.',
    '# TYPE process_cpu_seconds_total counter',
    `process_cpu_seconds_total ${((cpu.user + cpu.system) / 1e6).toFixed(6)}`,
    '# HELP process_resident_memory_bytes Resident memory size in bytes.',
    '# TYPE process_resident_memory_bytes gauge',
    `process_resident_memory_bytes ${process.memoryUsage.rss()}`,
    '# TYPE bucket_requests_total counter',
    `bucket_requests_total{rate="${rate}"} ${served}`,
    '',
  ].join('\n');
}

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') return res.end('ok');
  if (req.url === '/metrics') {
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    return res.end(metrics());
  }
  req.resume();
  queue.push(res);
  drain();
});
server.keepAliveTimeout = 30_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
