// The cluster primary when WORKERS > 1: forks the workers (they share the HTTP and gRPC ports
// through node:cluster), relays knob changes to every worker, gathers their metric snapshots for
// one replica-wide /metrics, restarts a worker that dies, and shuts all down on SIGTERM/SIGINT.
// Also the worker side of that IPC protocol (clusterBus).

const cluster = require('node:cluster');

const RELAY_TIMEOUT_MS = 2000;
const SHUTDOWN_DEADLINE_MS = 5000;
const RESTART_DELAY_MS = 500;

function log(line) {
  process.stdout.write(`${line}\n`);
}

function runPrimary(config) {
  let knobs = { ...config.knobs };
  let listening = false;
  let shuttingDown = false;
  let failed = false;
  let nextId = 1;
  const ready = new Set();
  // id -> { waiting: Set<worker id>, results: [], resolve }
  const pending = new Map();

  function fork(index) {
    const worker = cluster.fork({ REFERENCE_WORKER: String(index), REFERENCE_KNOBS: JSON.stringify(knobs) });
    worker.index = index;
    worker.on('message', (msg) => onMessage(worker, msg));
    return worker;
  }

  function liveWorkers() {
    return Object.values(cluster.workers).filter((w) => w && ready.has(w.id) && w.isConnected());
  }

  /** Sends `msg` (with a fresh id) to every live worker and resolves with their answers. */
  function broadcast(msg) {
    const id = nextId++;
    const targets = liveWorkers();
    return new Promise((resolve) => {
      const entry = { waiting: new Set(targets.map((w) => w.id)), results: [], resolve };
      const finish = () => {
        if (!pending.has(id)) return;
        pending.delete(id);
        clearTimeout(entry.timer);
        resolve(entry.results);
      };
      entry.finish = finish;
      entry.timer = setTimeout(finish, RELAY_TIMEOUT_MS);
      pending.set(id, entry);
      for (const w of targets) w.send({ ...msg, id });
      if (entry.waiting.size === 0) finish();
    });
  }

  function answered(worker, id, result) {
    const entry = pending.get(id);
    if (!entry?.waiting.delete(worker.id)) return;
    if (result !== undefined) entry.results.push(result);
    if (entry.waiting.size === 0) entry.finish();
  }

  function onMessage(worker, msg) {
    if (!msg || typeof msg !== 'object') return;
    switch (msg.type) {
      case 'ready':
        ready.add(worker.id);
        if (!listening && ready.size === config.workers) {
          listening = true;
          log(`reference ${config.replica} listening http=${msg.http} grpc=${msg.grpc} workers=${config.workers}`);
        }
        break;
      case 'knobs-set':
        knobs = { ...knobs, ...msg.patch };
        broadcast({ type: 'knobs-apply', knobs }).then(
          () => worker.isConnected() && worker.send({ type: 'knobs-done', id: msg.id, knobs }),
        );
        break;
      case 'gather':
        broadcast({ type: 'snapshot-get' }).then((snapshots) => {
          const cpu = process.cpuUsage();
          const primary = { cpuMicros: cpu.user + cpu.system, rssBytes: process.memoryUsage.rss() };
          if (worker.isConnected()) worker.send({ type: 'gathered', id: msg.id, snapshots, primary });
        });
        break;
      case 'knobs-ack':
        answered(worker, msg.id, undefined);
        break;
      case 'snapshot':
        answered(worker, msg.id, msg.snapshot);
        break;
      default:
        break;
    }
  }

  cluster.on('exit', (worker, code, signal) => {
    const wasReady = ready.delete(worker.id);
    for (const [id, entry] of pending) {
      if (entry.waiting.delete(worker.id) && entry.waiting.size === 0) {
        pending.get(id).finish();
      }
    }
    if (shuttingDown) {
      if (Object.keys(cluster.workers).length === 0) {
        if (failed) process.exit(1);
        log(`reference ${config.replica} stopped`);
        process.exit(0);
      }
      return;
    }
    if (!listening && !wasReady) {
      process.stderr.write(
        `reference ${config.replica}: worker ${worker.index} failed to start (code ${code}${signal ? `, ${signal}` : ''}); stopping\n`,
      );
      shuttingDown = true;
      failed = true;
      const others = Object.values(cluster.workers).filter(Boolean);
      if (others.length === 0) process.exit(1);
      for (const w of others) w.process.kill('SIGKILL');
      return;
    }
    process.stderr.write(
      `reference ${config.replica}: worker ${worker.index} exited (code ${code}${signal ? `, ${signal}` : ''}); restarting it\n`,
    );
    setTimeout(() => {
      if (!shuttingDown) fork(worker.index);
    }, RESTART_DELAY_MS);
  });

  function shutdown() {
    if (shuttingDown) return;
    shuttingDown = true;
    const workers = Object.values(cluster.workers).filter(Boolean);
    if (workers.length === 0) process.exit(0);
    for (const w of workers) if (w.isConnected()) w.send({ type: 'shutdown' });
    setTimeout(() => {
      process.stderr.write(
        `reference ${config.replica}: workers still running after ${SHUTDOWN_DEADLINE_MS} ms; killing them\n`,
      );
      for (const w of Object.values(cluster.workers)) w?.process.kill('SIGKILL');
      process.exit(0);
    }, SHUTDOWN_DEADLINE_MS).unref();
  }
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  for (let i = 1; i <= config.workers; i++) fork(i);
}

/** The bus of a cluster worker: asks the primary, which relays to every worker. */
function clusterBus() {
  let nextId = 1;
  const waiting = new Map();
  let handlers = {
    applyKnobs() {},
    snapshot() {
      return undefined;
    },
    shutdown: () => process.exit(0),
  };
  process.on('message', (msg) => {
    if (!msg || typeof msg !== 'object') return;
    switch (msg.type) {
      case 'knobs-apply':
        handlers.applyKnobs(msg.knobs);
        process.send({ type: 'knobs-ack', id: msg.id });
        break;
      case 'snapshot-get':
        process.send({ type: 'snapshot', id: msg.id, snapshot: handlers.snapshot() });
        break;
      case 'knobs-done':
      case 'gathered': {
        const resolve = waiting.get(msg.id);
        waiting.delete(msg.id);
        if (resolve) resolve(msg);
        break;
      }
      case 'shutdown':
        handlers.shutdown();
        break;
      default:
        break;
    }
  });
  function ask(msg) {
    const id = nextId++;
    return new Promise((resolve) => {
      waiting.set(id, resolve);
      process.send({ ...msg, id });
    });
  }
  return {
    attach(h) {
      handlers = h;
    },
    ready(http, grpc) {
      process.send({ type: 'ready', http, grpc });
    },
    async setKnobs(patch) {
      return (await ask({ type: 'knobs-set', patch })).knobs;
    },
    async gather() {
      const m = await ask({ type: 'gather' });
      return { snapshots: m.snapshots, primary: m.primary };
    },
  };
}

module.exports = { runPrimary, clusterBus };
