// How far the agents have reported, as real processes on loopback (ports 26200-16399): defined from the
// moment they run the plan, a window the fleet waited for is complete (nothing more lands in it later),
// and the wait is bounded when an agent stays alive but stops reporting (paused with SIGSTOP).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Metrics } from '../metrics';
import { httpServer, replicaAt, sleep } from '../load/testing/test-servers';
import { Fleet } from './fleet';
import { type LocalAgent, spawnLocalAgents } from './spawn';

const mix = { endpoints: [{ name: 'root', weight: 1, protocol: 'http' as const, path: '/' }] };

// Both mostly wait on their agents: they run at once, each with its own ports and agents.
describe('how far the agents have reported', { concurrency: true }, () => {
  test('reportedUntil is a finite time from connect on, and a window the fleet waited for is complete', async () => {
    const server = await httpServer(26200, (_req, res) => res.end('ok'));
    const metrics = new Metrics();
    let fleet: Fleet | null = null;
    try {
      fleet = await Fleet.connect({
        agents: { local: 2, spawn: { ports: [26201, 26202] } },
        replicas: [replicaAt('r0', 'use1', 26200)],
        mix,
        metrics,
        // No agent lost to a silence on a busy machine: every one reports to the end, so the counts are whole.
        silenceMs: 30_000,
      });
      // Before any report: a finite time (a window ending at -Infinity never ends: a drill waiting on it stalled).
      const first = fleet.reportedUntil();
      assert.ok(Number.isFinite(first) && first <= metrics.now(), `reportedUntil ${first}`);
      fleet.start();
      fleet.setRate(100);
      // From the first requests reported on (agents start late on a busy machine), not after a fixed wait.
      for (const end = Date.now() + 30_000; metrics.totals().count === 0 && Date.now() < end; ) await sleep(50);
      const until = metrics.now();
      assert.deepEqual(await fleet.awaitReported(until, 10_000), []);
      assert.ok(fleet.reportedUntil() >= until);
      const seen = metrics.window({ sinceMs: 0, untilMs: until }).count;
      assert.ok(seen > 0, 'the agents sent load');
      await sleep(1000);
      await fleet.stop();
      // Exact: what the agents report later (they keep sending) never lands before `until`.
      assert.equal(metrics.window({ sinceMs: 0, untilMs: until }).count, seen);
      assert.equal(metrics.totals().count, server.arrivals.length);
    } finally {
      await fleet?.stop();
      await server.stop();
    }
  });

  test('an agent alive but not reporting (SIGSTOP): the wait ends at its bound and names the agent', async () => {
    const server = await httpServer(26205, (_req, res) => res.end('ok'));
    const spawned: LocalAgent[] = await spawnLocalAgents(2, { ports: [26206, 26207] });
    const metrics = new Metrics();
    let fleet: Fleet | null = null;
    const paused = spawned[0];
    try {
      // A long silence bound: the paused agent stays "alive" for the whole wait, so only the wait's own bound ends it.
      fleet = await Fleet.connect({
        agents: { addresses: spawned.map((a) => a.address) },
        replicas: [replicaAt('r0', 'use1', 26205)],
        mix,
        metrics,
        silenceMs: 30_000,
      });
      fleet.start();
      fleet.setRate(50);
      await sleep(1000);
      process.kill(paused.pid, 'SIGSTOP');
      const until = metrics.now() + 1000;
      const short = await fleet.awaitReported(until, 3000);
      assert.deepEqual(
        short.map((s) => s.agent),
        [paused.address],
      );
      assert.ok(short[0].reportedUntilMs < until);
    } finally {
      process.kill(paused.pid, 'SIGCONT');
      await fleet?.stop();
      await Promise.all(spawned.map((a) => a.kill()));
      await server.stop();
    }
  });
});
