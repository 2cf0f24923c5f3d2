// Why a request got no answer reaches the engine's listeners, against real servers on loopback (ports
// 14041-14049), over both HTTP clients and gRPC: a closed port is refused, a server that closes or resets the
// connection before answering is a fault, a server that never answers times out, and an answer (even a 503
// or a gRPC error status) is no such event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { Metrics } from '../metrics';
// Loaded up front: the undici transport loads it on its first request, which holds the event loop (for seconds
// on a busy machine) while the run's timer expires, so a run could end before sending to every server.
import 'undici';
import { LoadEngine } from './engine';
import { feedProto, grpcFeedServer, httpServer, replicaAt, sleep } from './testing/test-servers';
import type { Unanswered } from './unanswered';

const mix = { endpoints: [{ name: 'root', weight: 1, protocol: 'http' as const, path: '/' }] };

/** A TCP server that does `onSocket` to each connection once the request's first bytes arrive. */
async function rawServer(port: number, onSocket: (s: import('node:net').Socket) => void): Promise<Server> {
  const server = createServer((socket) => socket.once('data', () => onSocket(socket)));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

/** Sends `rate` req/s for `ms` to each replica; what the listener heard per replica, and what the metrics counted. */
async function run(ports: number[], httpClient: 'net' | 'undici', timeoutMs: number, ms = 1200) {
  const metrics = new Metrics();
  const replicas = ports.map((p, i) => replicaAt(`r${i}`, 'dc1', p));
  const engine = new LoadEngine({ replicas, mix, metrics, timeoutMs, httpClient });
  const heard = new Map<string, Unanswered[]>();
  const stop = engine.onUnanswered((replica, why, atMs) => {
    // Epoch milliseconds (a monotonic clock would be ~1.7e12 off): a minute's bound leaves room for a busy machine.
    assert.ok(Math.abs(atMs - Date.now()) < 60_000, `atMs ${atMs} is on the samples' clock`);
    heard.set(replica, [...(heard.get(replica) ?? []), why]);
  });
  try {
    engine.setRate(20 * ports.length);
    engine.start();
    await sleep(ms);
  } finally {
    await engine.stop();
    stop();
  }
  return { heard, failed: metrics.totals({}, 'http_req_duration').failed };
}

for (const client of ['net', 'undici'] as const) {
  test(`${client}: refused, closed and reset before an answer are faults, a silent server times out, a 503 is an answer`, async () => {
    const base = client === 'net' ? 14041 : 14045;
    const closing = await rawServer(base + 1, (s) => s.destroy());
    const resetting = await rawServer(base + 2, (s) => s.resetAndDestroy());
    const silent = await rawServer(base + 3, () => {});
    const busy = await httpServer(base + 4, (_req, res) => {
      res.statusCode = 503;
      res.end('busy');
    });
    try {
      // base: nothing listens there. The servers that answer or fault at once get a timeout no busy machine
      // reaches (a stalled process would read their faults after a short one fired); the silent one, a short one.
      const [{ heard, failed }, silence] = await Promise.all([
        run([base, base + 1, base + 2, base + 4], client, 10_000),
        run([base + 3], client, 300),
      ]);
      const kinds = (r: string) => [...new Set(heard.get(r) ?? [])];
      assert.deepEqual(kinds('r0'), ['ECONNREFUSED']);
      assert.deepEqual(kinds('r1'), ['closed']);
      assert.deepEqual(kinds('r2'), ['ECONNRESET']);
      assert.deepEqual(kinds('r3'), []);
      assert.deepEqual([...new Set(silence.heard.get('r0') ?? [])], ['timeout']);
      assert.ok((heard.get('r0')?.length ?? 0) >= 10, `refused: ${heard.get('r0')?.length}`);
      // Every one of them failed, the 503s too: the listener only says why.
      const unanswered = [...heard.values()].reduce((n, l) => n + l.length, 0);
      assert.ok(failed > unanswered, `${failed} failed, ${unanswered} unanswered`);
    } finally {
      for (const s of [closing, resetting, silent]) s.close();
      await busy.stop();
    }
  });
}

test('gRPC: a closed port is refused; a server that answers with an error status answered', async () => {
  const feed = await grpcFeedServer(14049);
  const grpcMix = {
    endpoints: [
      {
        name: 'feed-grpc',
        weight: 1,
        protocol: 'grpc' as const,
        proto: feedProto,
        service: 'headroom.feed.v1.Feed',
        method: 'GetFeed',
        // user 0 is refused by the feed service with INVALID_ARGUMENT: an answer.
        message: { user: 0 },
      },
    ],
  };
  const metrics = new Metrics();
  const replicas = [replicaAt('r0', 'dc1', 14048, 14048), replicaAt('r1', 'dc1', 14049, 14049)];
  // A timeout no busy machine reaches: a stalled process would read the refusals after a short one fired.
  const engine = new LoadEngine({ replicas, mix: grpcMix, metrics, timeoutMs: 10_000 });
  const heard = new Map<string, Unanswered[]>();
  engine.onUnanswered((replica, why) => heard.set(replica, [...(heard.get(replica) ?? []), why]));
  try {
    engine.setRate(40);
    engine.start();
    await sleep(1200);
  } finally {
    await engine.stop();
    await feed.stop();
  }
  assert.deepEqual([...new Set(heard.get('r0') ?? [])], ['ECONNREFUSED']);
  assert.deepEqual(heard.get('r1') ?? [], []);
  assert.ok(metrics.totals({ replica: 'r1' }, 'grpc_req_duration').failed > 5, 'every answer of r1 was an error');
});
