// Faults and signals in a hold on real Docker, three drills side by side on clusters of their own (ports
// 16560-16589; the two that need no hook into the run go through the CLI, each in a process of its own): a replica
// killed mid-step is marked out and the drill goes on, until a SIGINT keeps every finished step and leaves no
// container (exit 105); one that stops answering (paused) is marked out for its silence; kill-mode DC loss brings
// the DC back. Light traffic and loose guards: what is checked is what each step says.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunningCluster } from '../cluster';
import { docker } from '../cluster/testing/test-kit';
import type { StepRecord } from '../results';
import { feedProtoPath } from '../../clusters/reference';
import { containersLeft, drillKit, pauseReplica, readSteps, readSummary, type ScenarioBody } from './testing/drill-kit';

const kit = drillKit('hold');
const measureS = 1.5;

/** A cluster of reference replicas: `pools` per DC, east/dc1 then west/dc2. */
const clusterOf = (name: string, ports: string, pools: Record<string, number>[]) => ({
  name,
  driver: 'docker',
  ports,
  service: { env: { FEED_CPU_MS: '0.5', LIKE_CPU_MS: '0.5' } },
  serverTypes: {
    small: { cpus: 0.25, memoryMb: 128, costPerHour: 0.01 },
    large: { cpus: 0.5, memoryMb: 128, costPerHour: 0.02 },
  },
  regions: pools.map((p, i) => ({
    name: ['east', 'west'][i],
    dcs: [{ name: `dc${i + 1}`, demand: 1, pools: p }],
  })),
});

/** 40 req/s of feeds (a tenth over gRPC) under guards a busy machine does not break. */
const scenarioOf = (name: string, drills: ScenarioBody['drills']): ScenarioBody => ({
  name,
  mix: {
    endpoints: [
      { name: 'feed', weight: 9, protocol: 'http', path: '/feed?user={{user}}' },
      {
        name: 'feed-grpc',
        weight: 1,
        protocol: 'grpc',
        proto: feedProtoPath,
        service: 'headroom.feed.v1.Feed',
        method: 'GetFeed',
        message: { user: '{{user}}', limit: 20 },
      },
    ],
    params: { user: { kind: 'uniform', min: 1, max: 1000 } },
  },
  baselineRps: 40,
  // No CPU guard: a replica brought back burns CPU for a second while it starts, which says nothing of the load.
  guards: { http_req_duration: ['p(99)<1500'], http_req_failed: ['rate<0.05'] },
  guardWindow: '2s',
  guardDelay: '1s',
  safety: { maxErrorRate: 0.5, maxTotalRps: 200 },
  settle: '0.5s',
  measure: `${measureS}s`,
  drills,
});

/**
 * A step that went on as planned: no guard broke, and its verdict is held, or unstable where a busy machine made
 * the generator late or starved the replicas (the step says why): the machine's doing, not a fault or a breach.
 */
function measuredClean(s: StepRecord) {
  const what = JSON.stringify({ index: s.index, verdict: s.verdict, guards: s.guards, annotations: s.annotations });
  assert.ok(
    s.guards.every((g) => g.ok),
    what,
  );
  assert.ok(s.verdict === 'held' || s.verdict === 'unstable', what);
}

describe('faults and signals in a hold', { concurrency: 3 }, () => {
  test('a replica killed mid-step is marked out, its step annotated, the drill goes on; SIGINT then keeps every finished step, exit 105, nothing left', async () => {
    const cluster = 'hold-kill';
    const victim = `${cluster}-dc1-small-1`;
    const scenario = kit.write(
      'kill',
      clusterOf(cluster, '16560-16569', [{ small: 1, large: 1 }]),
      scenarioOf('hold-kill', [{ kind: 'hold', name: 'hold', steps: 30 }]),
    );
    let killedAt = 0;
    let markedIn = -1;
    let signalled = false;
    const finished: string[] = [];
    const run = await kit.cli(scenario, 'kill', {
      onLog: (log, child) => {
        finished.splice(0, finished.length, ...[...log.matchAll(/\[hold #(\d+)\]/g)].map((m) => m[1]));
        // Killed a moment into the second step.
        if (!killedAt && finished.length >= 1) {
          killedAt = -1;
          setTimeout(() => void docker(['kill', victim]).then(() => (killedAt = Date.now())), 300);
        }
        // Two steps measured whole after the one that marked it out; SIGINT in the middle of the next.
        if (markedIn < 0 && log.includes(`replica ${victim} marked out`)) markedIn = finished.length;
        if (!signalled && markedIn >= 0 && finished.length >= markedIn + 3) {
          signalled = true;
          setTimeout(() => child.kill('SIGINT'), 700);
        }
      },
    });
    assert.equal(run.signal, null, run.log);
    assert.equal(run.code, 105, run.log);
    const steps = readSteps(run.out);
    // Every step the live lines reported as finished before the signal is on disk, in order.
    assert.deepEqual(
      steps.map((s) => s.index),
      steps.map((_, i) => i),
    );
    for (const i of finished)
      assert.ok(
        steps.some((s) => String(s.index) === i),
        `step ${i} missing`,
      );
    assert.ok(steps.length < 30, run.log);
    const summary = readSummary(run.out);
    assert.equal(summary.status, 'interrupted');
    assert.ok(fs.statSync(path.join(run.out, 'index.html')).size > 0);
    assert.deepEqual(containersLeft(cluster), []);

    // The kill: the step it happened in says so; the steps after it ran on the large replica alone.
    const noted = steps.findIndex((s) => s.annotations.some((a) => a.startsWith(`replica ${victim} marked out`)));
    assert.ok(noted >= 1, run.log);
    const after = steps.slice(noted + 1).filter((s) => s.verdict !== 'aborted');
    assert.ok(after.length >= 2, run.log);
    const largeBefore = steps[0].pools.find((p) => p.pool === 'dc1/large')!.rps;
    for (const s of after) {
      const r = s.replicas.find((x) => x.replica === victim)!;
      assert.equal(r.serving, false);
      // A request sent before the mark may still end (as a failure) inside the next window: at most one.
      assert.ok(r.rps * measureS <= 1.01, JSON.stringify(r));
      assert.equal(s.pools.find((p) => p.pool === 'dc1/small')!.replicasServing, 0);
      // The small replica's half of the traffic went to the large one.
      const large = s.pools.find((p) => p.pool === 'dc1/large')!;
      assert.ok(large.rps > 1.5 * largeBefore, `${large.rps} req/s against ${largeBefore} before the kill`);
      measuredClean(s);
    }
    const markedAt = /marked out at (\S+?Z)/.exec(steps[noted].annotations.find((a) => a.includes(victim))!)?.[1];
    if (markedAt && killedAt > 0)
      process.stderr.write(
        `# ${victim} marked out ${((Date.parse(markedAt) - killedAt) / 1000).toFixed(2)} s after docker kill returned\n`,
      );
  });

  test('a replica that stops answering (paused) is marked out for its silence, before its requests time out', async () => {
    const cluster = 'hold-pause';
    const victim = `${cluster}-dc1-small-2`;
    const scenario = kit.write(
      'pause',
      clusterOf(cluster, '16570-16579', [{ small: 2 }]),
      scenarioOf('hold-pause', [{ kind: 'hold', name: 'hold', steps: 5 }]),
    );
    let up: RunningCluster | undefined;
    let pausedAt = 0;
    let pauseFailed = '';
    const { result, steps, log } = await kit.drill(scenario, 'pause', {
      onClusterUp: (c) => {
        up = c;
      },
      // Paused as the first step ends.
      onLog: (text) => {
        if (!pausedAt && up && /\[hold #0\]/.test(text)) {
          pausedAt = -1;
          pauseReplica(up, victim).then(
            () => (pausedAt = Date.now()),
            (err) => (pauseFailed = String(err)),
          );
        }
      },
    });
    assert.equal(pauseFailed, '');
    assert.equal(result.exitCode, 0, log);
    const i = steps.findIndex((s) => s.annotations.some((a) => a.startsWith(`replica ${victim} marked out`)));
    assert.ok(i >= 1, JSON.stringify(steps.map((s) => s.annotations)));
    const note = steps[i].annotations.find((a) => a.includes(victim))!;
    // The reason is silence, not failures: it was marked out before its requests timed out (2 s).
    assert.match(note, /not answering: \d+ requests outstanding, none answered in 1 s/);
    const markedAt = Date.parse(/marked out at (\S+?Z)/.exec(note)![1]);
    if (pausedAt > 0)
      process.stderr.write(
        `# ${victim} marked out ${((markedAt - pausedAt) / 1000).toFixed(2)} s after the pause returned\n`,
      );
    // Marked out within two steps of the pause (a step of 1.5 s may end before its second of silence is up), and
    // out for the steps after.
    assert.ok(steps.length === 5 && i <= 3, JSON.stringify(steps.map((s) => s.annotations)));
    for (const s of steps.slice(i + 1)) {
      assert.equal(s.replicas.find((r) => r.replica === victim)!.serving, false);
      measuredClean(s);
    }
  });

  test("lose-dc in kill mode: the DC's replica is killed, the survivor carries the load, then the DC comes back", async () => {
    const cluster = 'hold-kill-dc';
    const scenario = kit.write(
      'kill-dc',
      clusterOf(cluster, '16580-16589', [{ small: 1 }, { small: 1 }]),
      scenarioOf('hold-kill-dc', [
        { kind: 'lose-dc', name: 'kill-dc1', dc: 'dc1', mode: 'kill' },
        { kind: 'hold', name: 'after', steps: 1 },
      ]),
    );
    const run = await kit.cli(scenario, 'kill-dc');
    const { log } = run;
    assert.equal(run.code, 0, log);
    const summary = readSummary(run.out);
    const steps = readSteps(run.out);
    const f = summary.failovers[0];
    assert.equal(f.mode, 'kill');
    assert.deepEqual(
      f.survivors.map((s) => [s.dc, s.held]),
      [['dc2', true]],
      log,
    );
    // dc2 alone took all 40 req/s (20 in normal operation).
    assert.ok(f.survivors[0].loadRps > 30, JSON.stringify(f));
    const killStep = steps.find((s) => s.drill === 'kill-dc1')!;
    assert.deepEqual(
      killStep.replicas.filter((r) => !r.serving).map((r) => r.replica),
      [`${cluster}-dc1-small-1`],
    );
    const afterStep = steps.find((s) => s.drill === 'after')!;
    assert.ok(
      afterStep.replicas.every((r) => r.serving && r.rps > 5),
      JSON.stringify(afterStep.replicas),
    );
    measuredClean(afterStep);
  });
});
