// The web side of the backend role: each feed request calls `fanout` replicas of the backend tier
// (round robin over BACKENDS, over HTTP with keep-alive or gRPC) and waits for every answer.
// A failed call fails the feed request, as a missing backend does in production.

const http = require('node:http');
const grpc = require('@grpc/grpc-js');

const CALL_TIMEOUT_MS = 10000;

function httpCall(agent, base, user, part) {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}/backend?user=${user}&part=${part}`, { agent, timeout: CALL_TIMEOUT_MS }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`${base} answered ${res.statusCode}`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (err) {
          reject(err);
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${base} timed out`)));
    req.on('error', reject);
  });
}

/** `backend` is parseConfig's backend; `FeedClient` the gRPC client constructor of feed.proto. */
function backendClient(backend, FeedClient) {
  let next = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const grpcClients =
    backend.protocol === 'grpc'
      ? backend.addresses.map((a) => new FeedClient(a, grpc.credentials.createInsecure()))
      : [];
  const grpcCall = (i, user, part) =>
    new Promise((resolve, reject) => {
      grpcClients[i].Fetch({ user, part }, { deadline: Date.now() + CALL_TIMEOUT_MS }, (err, reply) =>
        err ? reject(err) : resolve(reply),
      );
    });
  return {
    enabled: backend.addresses.length > 0,
    /** Calls `fanout` backends for one feed request; resolves with the names of the replicas that answered. */
    async fetch(user) {
      const calls = [];
      for (let part = 0; part < backend.fanout; part++) {
        const i = next++ % backend.addresses.length;
        calls.push(
          backend.protocol === 'http' ? httpCall(agent, backend.addresses[i], user, part) : grpcCall(i, user, part),
        );
      }
      return (await Promise.all(calls)).map((r) => r.replica);
    },
    close() {
      agent.destroy();
      for (const c of grpcClients) c.close();
    },
  };
}

module.exports = { backendClient };
