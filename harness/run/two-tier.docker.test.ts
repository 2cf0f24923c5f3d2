// Two tiers on real Docker: a web tier on half a CPU calling a backend tier on a quarter of one that spends 4 to
// 8.5 ms of CPU per call, so per front request the backend uses over five times the web tier's share of its quota
// and no neighbour can make the web tier run out first. Two drills side by side on clusters of their own (ports
// 16600-16639): the web tier's redline is limited by the backend tier, CPU per front request is taken per tier and
// the plan has rows for both tiers; the drain toward us-east breaks on the backend tier. The tier is named in
// summary.json and in the steps. Every container is removed, even when an assertion fails.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DrillSpec } from '../drill';
import type { StepRecord } from '../results';
import { containersLeft, drillKit } from './testing/drill-kit';

const kit = drillKit('two-tier');

/** Writes the two-tier cluster `name` on `ports` and a scenario of `drills` on it, with a forecast beside it. */
function twoTier(name: string, ports: string, drills: DrillSpec[]): string {
  const scenario = kit.write(
    name,
    {
      name,
      driver: 'docker',
      ports,
      services: {
        web: {
          front: true,
          reference: { env: { FEED_CPU_MS: '0.5' } },
          env: { BACKENDS: '{{tier.backend.http}}', BACKEND_FANOUT: '1' },
          dependsOn: ['backend'],
        },
        backend: { reference: { env: { BACKEND_CPU_MS: '4' } } },
      },
      serverTypes: {
        small: { cpus: 0.25, memoryMb: 128, costPerHour: 0.01 },
        large: { cpus: 0.5, memoryMb: 128, costPerHour: 0.025 },
      },
      regions: [
        { name: 'us-east', dcs: [{ name: 'use1', demand: 30, pools: { web: { large: 1 }, backend: { small: 1 } } }] },
        { name: 'eu-west', dcs: [{ name: 'euw1', demand: 70, pools: { web: { large: 1 }, backend: { small: 2 } } }] },
      ],
    },
    {
      name,
      mix: {
        endpoints: [{ name: 'feed', weight: 1, protocol: 'http', path: '/feed?user={{user}}' }],
        params: { user: { kind: 'uniform', min: 1, max: 1000 } },
      },
      baselineRps: 5,
      forecast: './forecast.csv',
      // CPU is judged on every pool of every tier in the target DC, latency and errors at the front. A backend
      // call costs 4 to 8.5 ms (4 ms of work and the HTTP around it, as docker stats sees them on a busy machine):
      // the backend replica of use1 reaches the CPU guard between 7 and 15 front req/s, when the web replica uses
      // at most 7% of its quota. Low rates: a drill that asks little CPU of the machine gets it on a busy one.
      guards: {
        http_req_duration: ['p(99)<1500'],
        http_req_failed: ['rate<0.05'],
        cpu_share: ['avg<0.25'],
      },
      guardWindow: '2s',
      guardDelay: '1s',
      timeout: '1.5s',
      safety: { maxErrorRate: 0.9, maxTotalRps: 100 },
      settle: '0.5s',
      measure: '2s',
      minRequests: 10,
      drills,
    },
  );
  // Each DC's peak in front req/s and the web servers it runs today.
  fs.writeFileSync(
    path.join(path.dirname(scenario), 'forecast.csv'),
    'dc,peak_rps,growth,current_large\nuse1,30,,1\neuw1,70,,1\n',
  );
  return scenario;
}

/**
 * A step that broke names the backend tier (one whose front latency broke while a starved machine left every tier
 * idle names the front: the facts it had); no backend replica was marked out for lack of requests.
 */
function brokenOnBackend(steps: StepRecord[], log: string) {
  assert.ok(
    steps.some((s) => s.verdict === 'breached' && s.brokenTier === 'backend'),
    log,
  );
  assert.ok(
    !steps.some((s) => s.annotations.some((a) => /backend-small-\d+ marked out/.test(a))),
    'a backend replica was marked out',
  );
}

describe('two tiers', { concurrency: 2 }, () => {
  test('the backend tier limits the web redline; the plan has rows for both tiers', async () => {
    const cluster = 'two-tier-redline';
    const scenario = twoTier(cluster, '16600-16619', [
      // A coarse search: 5 req/s holds, 10 or 20 breaks, a probe between them ends it.
      {
        kind: 'redline',
        // One search: the test checks what it finds, not how precisely (no time for more).
        budget: '0s',
        name: 'redline-web',
        pool: 'use1/web/large',
        startRps: 5,
        maxRps: 40,
        rampFactor: 2,
        resolution: 0.5,
      },
    ]);
    const { result, summary, steps, log } = await kit.drill(scenario, 'redline');
    assert.equal(result.exitCode, 0, log);
    // The redline of the web tier: measured on the front, limited by the backend.
    assert.equal(summary.redlines.length, 1, log);
    const web = summary.redlines[0];
    assert.equal(web.tier, 'web');
    assert.equal(web.pool, 'use1/web/large');
    assert.equal(web.limitedByTier, 'backend', log);
    assert.ok(web.rpsPerReplica !== null && web.rpsPerReplica > 0, JSON.stringify(web));
    // The backend spends more CPU per front request than the web tier (4 to 8.5 ms against 1 to 2.5).
    const cpu = web.cpuMsPerFrontRequestByTier!;
    assert.ok(cpu.web !== null && cpu.backend !== null && cpu.backend! > cpu.web!, JSON.stringify(cpu));
    assert.deepEqual(web.tierRedlines!.map((t) => `${t.tier}:${t.basis}`).sort(), ['backend:limit', 'web:cpu']);
    brokenOnBackend(steps, log);
    // The plan: rows for both tiers in both DCs, and the backend named as the bottleneck.
    const plan = summary.plan!;
    assert.ok(plan, 'no plan in summary.json');
    assert.deepEqual([...new Set(plan.plan.map((r) => `${r.tier}/${r.dc}`))].sort(), [
      'backend/euw1',
      'backend/use1',
      'web/euw1',
      'web/use1',
    ]);
    assert.equal(plan.bottleneckTier, 'backend');
    assert.deepEqual(containersLeft(cluster), []);
  });

  test('the drain toward us-east breaks on the backend tier', async () => {
    const cluster = 'two-tier-drain';
    const scenario = twoTier(cluster, '16620-16639', [
      // 6 req/s toward us-east (its demand share), then all 20: twice what its backend carries.
      { kind: 'drain', name: 'drain-us-east', target: { region: 'us-east' }, totalRps: 20, steps: 2 },
    ]);
    const { result, summary, steps, log } = await kit.drill(scenario, 'drain');
    assert.equal(result.exitCode, 0, log);
    assert.equal(summary.drains.length, 1, log);
    const drain = summary.drains[0];
    assert.equal(drain.tier, 'web');
    assert.notEqual(drain.brokenBy, 'none', JSON.stringify(drain));
    assert.equal(drain.limitedByTier, 'backend', log);
    brokenOnBackend(steps, log);
    assert.deepEqual(containersLeft(cluster), []);
  });
});
