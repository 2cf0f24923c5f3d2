// Entry of the reference service: the production-like feed web tier every replica of a local
// cluster runs (HTTP/1.1 + gRPC). Plain CommonJS on purpose: it runs in a FROM-scratch image that
// holds only node, this folder and the packages of deps.json. Knobs and contract: README.md.

const cluster = require('node:cluster');
const { parseConfig } = require('./config');

function fail(message) {
  process.stderr.write(`reference: ${message}\n`);
  process.exit(2);
}

let config;
try {
  config = parseConfig(process.env);
} catch (err) {
  fail(err.message);
}

if (cluster.isPrimary && config.workers > 1) {
  require('./primary').runPrimary(config);
} else {
  runWorker(config).catch((err) => {
    process.stderr.write(`reference ${config.replica}: ${err.message}\n`);
    process.exit(1);
  });
}

async function runWorker(config) {
  const { startWorker, hostPort } = require('./worker');
  const inCluster = cluster.isWorker;
  if (inCluster && process.env.REFERENCE_KNOBS) config = { ...config, knobs: JSON.parse(process.env.REFERENCE_KNOBS) };

  let worker;
  let bus;
  if (inCluster) {
    bus = require('./primary').clusterBus();
  } else {
    bus = {
      async setKnobs(patch) {
        worker.applyKnobs({ ...worker.state.knobs, ...patch });
        return worker.state.knobs;
      },
      async gather() {
        return { snapshots: [worker.metrics.snapshot()] };
      },
    };
  }

  worker = await startWorker(config, bus);
  const http = hostPort(config.host, config.httpPort);
  const grpc = hostPort(config.host, config.grpcPort);

  const shutdown = () => {
    worker.shutdown().then(() => {
      if (!inCluster) process.stdout.write(`reference ${config.replica} stopped\n`);
      process.exit(0);
    });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  if (inCluster) {
    bus.attach({ applyKnobs: (k) => worker.applyKnobs(k), snapshot: () => worker.metrics.snapshot(), shutdown });
    bus.ready(http, grpc);
  } else {
    process.stdout.write(`reference ${config.replica} listening http=${http} grpc=${grpc} workers=1\n`);
  }
}
