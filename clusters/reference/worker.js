// One worker process of the reference service: the HTTP/1.1 and gRPC servers, their handlers and
// graceful shutdown. Knob changes and metric gathering go through a `bus`, which is local with one
// worker and the cluster primary with several (see primary.js).

const http = require('node:http');
const path = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { checkKnobPatch, isLoopback } = require('./config');
const { buildFeed, recordLike, serveBackendCall, DEFAULT_LIMIT, MAX_LIMIT } = require('./work');
const { backendClient } = require('./backend-client');
const { WorkerMetrics, renderMetrics } = require('./metrics');

const FEED_SERVICE = 'headroom.feed.v1.Feed';
const MAX_BODY_BYTES = 64 * 1024;
const SHUTDOWN_DEADLINE_MS = 4500;
const UINT32_MAX = 4294967295;

const PROTO_OPTIONS = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true };

function loadProtos() {
  const feedDef = protoLoader.loadSync(path.join(__dirname, 'feed.proto'), PROTO_OPTIONS);
  const healthDef = protoLoader.loadSync(path.join(__dirname, 'health.proto'), PROTO_OPTIONS);
  const Feed = grpc.loadPackageDefinition(feedDef).headroom.feed.v1.Feed;
  return {
    feed: Feed.service,
    FeedClient: Feed,
    health: grpc.loadPackageDefinition(healthDef).grpc.health.v1.Health.service,
  };
}

/** A positive uint32 from query text (digits only), else undefined. */
function idFromText(text) {
  if (typeof text !== 'string' || !/^\d{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= UINT32_MAX ? n : undefined;
}

function isId(n) {
  return Number.isInteger(n) && n >= 1 && n <= UINT32_MAX;
}

function hostPort(host, port) {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A request's body as text; a body over MAX_BODY_BYTES is refused (413) and the request dropped. */
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error('body too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text) {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Both servers listening on the replica's ports; an HTTP server already up is closed when gRPC cannot listen. */
async function listen(httpServer, grpcServer, config) {
  await new Promise((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen({ host: config.host, port: config.httpPort }, () => {
      httpServer.off('error', reject);
      resolve();
    });
  }).catch((err) => {
    throw new Error(`cannot listen for HTTP on ${hostPort(config.host, config.httpPort)}: ${err.message}`);
  });
  await new Promise((resolve, reject) => {
    grpcServer.bindAsync(hostPort(config.host, config.grpcPort), grpc.ServerCredentials.createInsecure(), (err) => {
      if (err) reject(new Error(`cannot listen for gRPC on ${hostPort(config.host, config.grpcPort)}: ${err.message}`));
      else resolve();
    });
  }).catch((err) => {
    httpServer.close();
    throw err;
  });
}

/**
 * Starts the servers of one worker. `config` is parseConfig's result, `bus` is
 * { setKnobs(patch): Promise<knobs>, gather(): Promise<{ snapshots, primary? }> }.
 * Resolves once both servers listen, with { shutdown(): Promise<void>, applyKnobs(knobs), metrics, state }.
 */
async function startWorker(config, bus) {
  const state = { knobs: { ...config.knobs }, ready: false, closing: false };
  // Which worker answers (1..WORKERS), in every answer, so a user can see how requests spread.
  const workerIndex = process.env.REFERENCE_WORKER || '1';
  const metrics = new WorkerMetrics(workerIndex);
  metrics.startLagSampler();
  const likes = new Map();
  const protos = loadProtos();
  const backends = backendClient(config.backend, protos.FeedClient);

  // ---- shared handlers: both protocols call these; they return { status, body } in HTTP terms.
  async function feedHandler(user, limit) {
    const knobs = state.knobs;
    if (knobs.backendWaitMs > 0) await sleep(knobs.backendWaitMs);
    // An injected failure is a failing backend: it answers after the wait, without the CPU work.
    if (state.knobs.errorRate > 0 && Math.random() < state.knobs.errorRate) return { status: 500 };
    let served;
    if (backends.enabled) {
      try {
        served = await backends.fetch(user);
      } catch (err) {
        return { status: 502, body: { error: `backend call failed: ${err.message}` } };
      }
    }
    const feed = buildFeed(user, limit, state.knobs.feedCpuMs, likes);
    return {
      status: 200,
      body: { user, replica: config.replica, posts: feed.posts, ...(served ? { backends: served } : {}) },
    };
  }

  /** The backend role's answer to one call of a web replica. */
  function backendHandler(user, part) {
    return { replica: config.replica, digest: serveBackendCall(user, part, config.backend.cpuMs) };
  }

  async function likeHandler(user, post) {
    if (state.knobs.backendWaitMs > 0) await sleep(state.knobs.backendWaitMs);
    if (state.knobs.errorRate > 0 && Math.random() < state.knobs.errorRate) return { status: 500 };
    recordLike(user, post, state.knobs.likeCpuMs, likes);
    return { status: 200, body: { ok: true } };
  }

  // ---- HTTP
  function send(res, endpoint, status, body, contentType = 'application/json') {
    metrics.count(endpoint, String(status), status >= 500);
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const headers = { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'x-worker': workerIndex };
    if (state.closing) headers.connection = 'close';
    res.writeHead(status, headers);
    res.end(text);
  }

  async function feedRoute(req, res, params) {
    if (req.method !== 'GET') return methodNotAllowed(res, 'feed', 'GET');
    const user = idFromText(params.get('user'));
    if (user === undefined)
      return send(res, 'feed', 400, {
        error: 'user: expected a whole number from 1 to 4294967295',
        value: params.get('user'),
      });
    let limit = DEFAULT_LIMIT;
    if (params.has('limit')) {
      const l = idFromText(params.get('limit'));
      if (l === undefined || l > MAX_LIMIT)
        return send(res, 'feed', 400, {
          error: `limit: expected a whole number from 1 to ${MAX_LIMIT}`,
          value: params.get('limit'),
        });
      limit = l;
    }
    const r = await feedHandler(user, limit);
    return send(res, 'feed', r.status, r.body ?? { error: 'backend unavailable (injected by errorRate)' });
  }

  function backendRoute(req, res, params) {
    if (req.method !== 'GET') return methodNotAllowed(res, 'backend', 'GET');
    const user = idFromText(params.get('user'));
    const part = params.has('part') ? Number(params.get('part')) : 0;
    if (user === undefined || !Number.isInteger(part) || part < 0)
      return send(res, 'backend', 400, { error: 'expected ?user=N&part=M with N from 1 to 4294967295 and M ≥ 0' });
    return send(res, 'backend', 200, backendHandler(user, part));
  }

  async function likeRoute(req, res) {
    if (req.method !== 'POST') return methodNotAllowed(res, 'like', 'POST');
    const parsed = parseJson(await readBody(req));
    const b = parsed.ok ? parsed.value : undefined;
    if (!b || typeof b !== 'object' || !isId(b.user) || !isId(b.post)) {
      return send(res, 'like', 400, {
        error: 'expected a JSON body {"user":N,"post":M} with whole numbers from 1 to 4294967295',
      });
    }
    const r = await likeHandler(b.user, b.post);
    return send(res, 'like', r.status, r.body ?? { error: 'backend unavailable (injected by errorRate)' });
  }

  function healthRoute(req, res) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'healthz', 'GET');
    return state.closing
      ? send(res, 'healthz', 503, 'shutting down\n', 'text/plain')
      : send(res, 'healthz', 200, 'ok', 'text/plain');
  }

  async function metricsRoute(req, res) {
    if (req.method !== 'GET') return methodNotAllowed(res, 'metrics', 'GET');
    const { snapshots, primary } = await bus.gather();
    // This scrape itself is counted after rendering, so it shows in the next one.
    const text = renderMetrics({ replica: config.replica, snapshots, primary, knobs: state.knobs });
    return send(res, 'metrics', 200, text, 'text/plain; version=0.0.4; charset=utf-8');
  }

  async function knobsRoute(req, res) {
    if (!isLoopback(req.socket.remoteAddress))
      return send(res, 'admin', 403, { error: 'admin endpoints answer loopback clients only' });
    if (req.method === 'GET') return send(res, 'admin', 200, state.knobs);
    if (req.method !== 'POST') return methodNotAllowed(res, 'admin', 'GET, POST');
    const parsed = parseJson(await readBody(req));
    if (!parsed.ok)
      return send(res, 'admin', 400, { error: 'body: expected JSON', field: '', expected: 'a JSON object' });
    const check = checkKnobPatch(parsed.value);
    if (!check.ok) {
      const where = check.field ? `${check.field}: ` : '';
      return send(res, 'admin', 400, {
        error: `${where}expected ${check.expected}`,
        field: check.field,
        value: check.value ?? null,
        expected: check.expected,
      });
    }
    const knobs = await bus.setKnobs(check.patch);
    return send(res, 'admin', 200, knobs);
  }

  async function route(req, res) {
    const q = req.url.indexOf('?');
    const pathname = q === -1 ? req.url : req.url.slice(0, q);
    const params = new URLSearchParams(q === -1 ? '' : req.url.slice(q + 1));
    switch (pathname) {
      case '/feed':
        return feedRoute(req, res, params);
      case '/backend':
        return backendRoute(req, res, params);
      case '/like':
        return likeRoute(req, res);
      case '/healthz':
        return healthRoute(req, res);
      case '/metrics':
        return metricsRoute(req, res);
      case '/admin/knobs':
        return knobsRoute(req, res);
      default:
        return send(res, 'other', 404, { error: `no route for ${req.method} ${pathname}` });
    }
  }

  function methodNotAllowed(res, endpoint, allow) {
    res.setHeader('allow', allow);
    return send(res, endpoint, 405, { error: `method not allowed: expected ${allow}` });
  }

  const httpServer = http.createServer({ keepAliveTimeout: 30000 }, (req, res) => {
    metrics.inflight++;
    res.on('close', () => metrics.inflight--);
    route(req, res).catch((err) => {
      if (res.headersSent) return res.destroy();
      send(res, 'other', err.status || 500, { error: err.status ? err.message : `internal error: ${err.message}` });
    });
  });
  // Keep-alive is Node's default; a long idle timeout suits load generators that reuse connections.
  httpServer.headersTimeout = 35000;

  // ---- gRPC
  function grpcFail(callback, endpoint, code, message) {
    metrics.count(endpoint, grpc.status[code], code === grpc.status.UNAVAILABLE || code === grpc.status.INTERNAL);
    callback({ code, details: message });
  }

  function grpcUnary(endpoint, handler) {
    return (call, callback) => {
      metrics.inflight++;
      const md = new grpc.Metadata();
      md.set('x-worker', workerIndex);
      call.sendMetadata(md);
      handler(call.request)
        .then((r) => {
          if (r.invalid) return grpcFail(callback, endpoint, grpc.status.INVALID_ARGUMENT, r.invalid);
          if (r.status !== 200)
            return grpcFail(
              callback,
              endpoint,
              grpc.status.UNAVAILABLE,
              r.body?.error ?? 'backend unavailable (injected by errorRate)',
            );
          metrics.count(endpoint, 'OK', false);
          callback(null, r.reply);
        })
        .catch((err) => grpcFail(callback, endpoint, grpc.status.INTERNAL, `internal error: ${err.message}`))
        .finally(() => metrics.inflight--);
    };
  }

  const grpcServer = new grpc.Server();
  grpcServer.addService(protos.feed, {
    GetFeed: grpcUnary('grpc_feed', async (req) => {
      if (!isId(req.user)) return { invalid: 'user: expected a whole number from 1 to 4294967295' };
      const limit = req.limit === 0 ? DEFAULT_LIMIT : req.limit;
      if (limit > MAX_LIMIT) return { invalid: `limit: expected 0 (default ${DEFAULT_LIMIT}) to ${MAX_LIMIT}` };
      const r = await feedHandler(req.user, limit);
      return r.status === 200 ? { status: 200, reply: { posts: r.body.posts } } : r;
    }),
    Fetch: grpcUnary('grpc_backend', async (req) => {
      if (!isId(req.user)) return { invalid: 'user: expected a whole number from 1 to 4294967295' };
      return { status: 200, reply: backendHandler(req.user, req.part) };
    }),
    Like: grpcUnary('grpc_like', async (req) => {
      if (!isId(req.user) || !isId(req.post))
        return { invalid: 'user and post: expected whole numbers from 1 to 4294967295' };
      const r = await likeHandler(req.user, req.post);
      return r.status === 200 ? { status: 200, reply: { ok: true } } : r;
    }),
  });

  const watchers = new Set();
  function healthOf(service) {
    if (service !== '' && service !== FEED_SERVICE) return undefined;
    return state.ready && !state.closing ? 'SERVING' : 'NOT_SERVING';
  }
  function announceHealth() {
    for (const w of watchers) w.write({ status: healthOf(w.request.service) });
  }
  grpcServer.addService(protos.health, {
    Check(call, callback) {
      const status = healthOf(call.request.service);
      if (!status)
        return grpcFail(
          callback,
          'grpc_health',
          grpc.status.NOT_FOUND,
          `unknown service ${JSON.stringify(call.request.service)}`,
        );
      metrics.count('grpc_health', 'OK', false);
      callback(null, { status });
    },
    Watch(call) {
      const status = healthOf(call.request.service);
      call.write({ status: status || 'SERVICE_UNKNOWN' });
      if (!status) return;
      watchers.add(call);
      call.on('cancelled', () => watchers.delete(call));
      call.on('close', () => watchers.delete(call));
    },
  });

  await listen(httpServer, grpcServer, config);
  state.ready = true;
  announceHealth();

  let shutdownPromise;
  /** Stops accepting, lets in-flight requests finish, closes; forces the rest after ~4.5 s. */
  function shutdown() {
    if (shutdownPromise) return shutdownPromise;
    state.closing = true;
    announceHealth();
    for (const w of watchers) w.end();
    watchers.clear();
    shutdownPromise = new Promise((resolve) => {
      let pending = 2;
      const done = () => {
        if (--pending === 0) finish();
      };
      const idle = setInterval(() => httpServer.closeIdleConnections(), 100);
      const force = setTimeout(() => {
        httpServer.closeAllConnections();
        grpcServer.forceShutdown();
        finish();
      }, SHUTDOWN_DEADLINE_MS);
      let finished = false;
      function finish() {
        if (finished) return;
        finished = true;
        clearInterval(idle);
        clearTimeout(force);
        metrics.stop();
        backends.close();
        resolve();
      }
      httpServer.close(done);
      httpServer.closeIdleConnections();
      grpcServer.tryShutdown(done);
    });
    return shutdownPromise;
  }

  return {
    state,
    metrics,
    shutdown,
    applyKnobs(knobs) {
      state.knobs = { ...knobs };
    },
  };
}

module.exports = { startWorker, hostPort };
