// The reference service's settings: environment knobs parsed and checked at start, the run-time
// knob patch accepted by POST /admin/knobs, and the loopback test for admin requests. Pure.

const net = require('node:net');

/** Run-time knobs: the env name, default, bounds and what a user must give. */
const KNOBS = {
  feedCpuMs: {
    env: 'FEED_CPU_MS',
    def: 2,
    min: 0,
    max: 10000,
    expected: 'a number of CPU milliseconds from 0 to 10000',
  },
  likeCpuMs: {
    env: 'LIKE_CPU_MS',
    def: 0.3,
    min: 0,
    max: 10000,
    expected: 'a number of CPU milliseconds from 0 to 10000',
  },
  backendWaitMs: {
    env: 'BACKEND_WAIT_MS',
    def: 0,
    min: 0,
    max: 600000,
    expected: 'a number of milliseconds from 0 to 600000',
  },
  errorRate: { env: 'ERROR_RATE', def: 0, min: 0, max: 1, expected: 'a share from 0 to 1' },
};
const KNOB_NAMES = Object.keys(KNOBS);

const MAX_WORKERS = 64;
const MAX_FANOUT = 64;

/**
 * The backend role: BACKENDS lists the backend tier's replicas in this DC (http://host:port URLs
 * for HTTP, host:port for gRPC); each feed request calls BACKEND_FANOUT of them. BACKEND_CPU_MS is
 * what one backend call costs the replica that answers it. Empty BACKENDS: a web replica alone.
 */
function parseBackend(env, problems) {
  const backend = { addresses: [], protocol: 'http', fanout: 1, cpuMs: 1 };
  const list = env.BACKENDS === undefined ? '' : String(env.BACKENDS).trim();
  if (list !== '') {
    const addresses = list
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    const http = addresses.filter((a) => /^http:\/\/(\[[0-9a-fA-F:]+\]|[^:/\s]+):\d+\/?$/.test(a));
    const grpcAddr = addresses.filter((a) => /^(\[[0-9a-fA-F:]+\]|[^:/\s]+):\d+$/.test(a));
    if (http.length === addresses.length) backend.protocol = 'http';
    else if (grpcAddr.length === addresses.length) backend.protocol = 'grpc';
    else
      problems.push(
        `BACKENDS=${JSON.stringify(env.BACKENDS)}: expected comma-separated http://host:port URLs (HTTP) or host:port addresses (gRPC), not mixed`,
      );
    backend.addresses = addresses.map((a) => a.replace(/\/$/, ''));
  }
  if (env.BACKEND_FANOUT !== undefined && env.BACKEND_FANOUT !== '') {
    const n = numberFrom(env.BACKEND_FANOUT);
    if (n === undefined || !Number.isInteger(n) || n < 1 || n > MAX_FANOUT)
      problems.push(
        `BACKEND_FANOUT=${JSON.stringify(env.BACKEND_FANOUT)}: expected a whole number from 1 to ${MAX_FANOUT}`,
      );
    else backend.fanout = n;
  }
  if (env.BACKEND_CPU_MS !== undefined && env.BACKEND_CPU_MS !== '') {
    const n = numberFrom(env.BACKEND_CPU_MS);
    if (n === undefined || n < 0 || n > 10000)
      problems.push(
        `BACKEND_CPU_MS=${JSON.stringify(env.BACKEND_CPU_MS)}: expected a number of CPU milliseconds from 0 to 10000`,
      );
    else backend.cpuMs = n;
  }
  return backend;
}

function defaultKnobs() {
  const knobs = {};
  for (const name of KNOB_NAMES) knobs[name] = KNOBS[name].def;
  return knobs;
}

/** A number from env text; undefined when the text is not a plain finite number. */
function numberFrom(text) {
  const trimmed = String(text).trim();
  if (trimmed === '' || !/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) return undefined;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : undefined;
}

function portFrom(env, name, problems) {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    problems.push(`${name} is required: expected a TCP port from 1 to 65535`);
    return 0;
  }
  const n = numberFrom(raw);
  if (n === undefined || !Number.isInteger(n) || n < 1 || n > 65535) {
    problems.push(`${name}=${JSON.stringify(raw)}: expected a TCP port from 1 to 65535`);
    return 0;
  }
  return n;
}

/**
 * Parses the environment into the service config. Collects every problem; throws one Error whose
 * `problems` lists them (the entry file prints them and exits non-zero).
 */
function parseConfig(env) {
  const problems = [];
  const httpPort = portFrom(env, 'HTTP_PORT', problems);
  const grpcPort = portFrom(env, 'GRPC_PORT', problems);
  if (httpPort && grpcPort && httpPort === grpcPort)
    problems.push(`HTTP_PORT and GRPC_PORT are both ${httpPort}: expected two different ports`);

  const host = env.HOST === undefined || env.HOST === '' ? '127.0.0.1' : env.HOST;
  // No DNS in the container: only an IP literal can be bound.
  if (!net.isIP(host))
    problems.push(`HOST=${JSON.stringify(host)}: expected an IP address such as 127.0.0.1 or ::1 (no host names)`);

  const replica = env.REPLICA === undefined || env.REPLICA === '' ? 'reference' : env.REPLICA;
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(replica))
    problems.push(`REPLICA=${JSON.stringify(replica)}: expected 1 to 128 letters, digits, '.', '_' or '-'`);

  let workers = 1;
  if (env.WORKERS !== undefined && env.WORKERS !== '') {
    const n = numberFrom(env.WORKERS);
    if (n === undefined || !Number.isInteger(n) || n < 1 || n > MAX_WORKERS)
      problems.push(`WORKERS=${JSON.stringify(env.WORKERS)}: expected a whole number from 1 to ${MAX_WORKERS}`);
    else workers = n;
  }

  const knobs = defaultKnobs();
  for (const name of KNOB_NAMES) {
    const spec = KNOBS[name];
    const raw = env[spec.env];
    if (raw === undefined || raw === '') continue;
    const n = numberFrom(raw);
    if (n === undefined || n < spec.min || n > spec.max)
      problems.push(`${spec.env}=${JSON.stringify(raw)}: expected ${spec.expected}`);
    else knobs[name] = n;
  }

  const backend = parseBackend(env, problems);

  if (problems.length) {
    const err = new Error(`invalid environment:\n  ${problems.join('\n  ')}`);
    err.problems = problems;
    throw err;
  }
  return { httpPort, grpcPort, host, replica, workers, knobs, backend };
}

/**
 * Checks a JSON body for POST /admin/knobs: an object holding a subset of the knobs.
 * Returns { ok: true, patch } or { ok: false, field, value, expected }.
 */
function checkKnobPatch(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, field: '', value: body, expected: `a JSON object with some of ${KNOB_NAMES.join(', ')}` };
  }
  const patch = {};
  for (const [field, value] of Object.entries(body)) {
    const spec = KNOBS[field];
    if (!spec) return { ok: false, field, value, expected: `one of the knobs ${KNOB_NAMES.join(', ')}` };
    if (typeof value !== 'number' || !Number.isFinite(value) || value < spec.min || value > spec.max) {
      return { ok: false, field, value, expected: spec.expected };
    }
    patch[field] = value;
  }
  return { ok: true, patch };
}

/** True for 127.0.0.0/8 and ::1, also in their IPv4-mapped IPv6 form. */
function isLoopback(address) {
  if (typeof address !== 'string') return false;
  let a = address;
  if (a.startsWith('::ffff:')) a = a.slice(7);
  if (net.isIPv4(a)) return a.split('.')[0] === '127';
  if (!net.isIPv6(a)) return false;
  return a === '::1' || /^0{0,4}(:0{0,4}){0,6}:0{0,3}1$/.test(a);
}

module.exports = { KNOBS, KNOB_NAMES, defaultKnobs, parseConfig, checkKnobPatch, isLoopback };
