// Two tiers on real Docker (ports 16600-16619): a web tier on half a CPU calling a backend tier on a tenth of one
// that spends 5 to 8.5 ms of CPU per call, so per front request the backend uses over ten times the web tier's
// share of its quota and no neighbour can make the web tier run out first. The web tier's redline and the drain toward
// us-east are both limited by the backend tier (named in summary.json and in the steps), CPU per front request is
// taken per tier, and the plan has rows for both tiers. Every container is removed, even when an assertion fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { containersLeft, drillKit } from './testing/drill-kit';

const kit = drillKit('two-tier');
const cluster = 'two-tier-test';
const scenario = kit.write(
  'drill',
  {
    name: cluster,
    driver: 'docker',
    ports: '16600-16619',
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
      small: { cpus: 0.1, memoryMb: 128, costPerHour: 0.005 },
      large: { cpus: 0.5, memoryMb: 128, costPerHour: 0.025 },
    },
    regions: [
      { name: 'us-east', dcs: [{ name: 'use1', demand: 30, pools: { web: { large: 1 }, backend: { small: 1 } } }] },
      { name: 'eu-west', dcs: [{ name: 'euw1', demand: 70, pools: { web: { large: 1 }, backend: { small: 2 } } }] },
    ],
  },
  {
    name: 'two-tier-test',
    mix: {
      endpoints: [{ name: 'feed', weight: 1, protocol: 'http', path: '/feed?user={{user}}' }],
      params: { user: { kind: 'uniform', min: 1, max: 1000 } },
    },
    baselineRps: 5,
    forecast: './forecast.csv',
    // CPU is judged on every pool of every tier in the target DC, latency and errors at the front. A backend call
    // costs 5 to 8.5 ms (4 ms of work and the HTTP around it, more on a busy machine): the backend replica of use1
    // reaches the CPU guard between 5 and 9 front req/s, when the web replica uses 3% of its quota. Low rates and
    // quotas: a drill that asks little CPU of the machine gets it on a busy one too.
    guards: {
      http_req_duration: ['p(99)<1500'],
      http_req_failed: ['rate<0.05'],
      cpu_share: ['avg<0.45'],
    },
    guardWindow: '2s',
    guardDelay: '1s',
    timeout: '1.5s',
    safety: { maxErrorRate: 0.9, maxTotalRps: 100 },
    settle: '0.5s',
    measure: '2s',
    minRequests: 10,
    drills: [
      // A coarse search: 5 req/s holds, 10 breaks, one probe between the two ends it.
      {
        kind: 'redline',
        name: 'redline-web',
        pool: 'use1/web/large',
        startRps: 5,
        maxRps: 40,
        rampFactor: 2,
        resolution: 0.5,
      },
      // 3.6 req/s toward us-east (its demand share), then all 12: far over what its backend carries.
      { kind: 'drain', name: 'drain-us-east', target: { region: 'us-east' }, totalRps: 12, steps: 2 },
    ],
  },
);
// The forecast beside the scenario: each DC's peak in front req/s and the web servers it runs today.
fs.writeFileSync(
  path.join(path.dirname(scenario), 'forecast.csv'),
  'dc,peak_rps,growth,current_large\nuse1,30,,1\neuw1,70,,1\n',
);

test('two-tier: the backend tier limits the web redline and the drain; the plan has rows for both tiers', async () => {
  const { result, summary, steps, log } = await kit.drill(scenario, 'run');
  assert.notEqual(summary.status, 'error', `${summary.error ?? ''}\n${log}`);
  assert.ok(result.exitCode === 0 || result.exitCode === 99, log);

  // The redline of the web tier: measured on the front, limited by the backend.
  assert.equal(summary.redlines.length, 1);
  const web = summary.redlines[0];
  assert.equal(web.tier, 'web');
  assert.equal(web.pool, 'use1/web/large');
  assert.equal(web.limitedByTier, 'backend', JSON.stringify(web));
  assert.ok(web.rpsPerReplica !== null && web.rpsPerReplica > 0, JSON.stringify(web));
  // The backend spends more CPU per front request than the web tier (5 to 8.5 ms against about 1).
  const cpu = web.cpuMsPerFrontRequestByTier!;
  assert.ok(cpu.web !== null && cpu.backend !== null && cpu.backend! > cpu.web!, JSON.stringify(cpu));
  assert.deepEqual(web.tierRedlines!.map((t) => `${t.tier}:${t.basis}`).sort(), ['backend:limit', 'web:cpu']);

  // The drain toward us-east broke on the backend tier too.
  assert.equal(summary.drains.length, 1);
  const drain = summary.drains[0];
  assert.equal(drain.tier, 'web');
  assert.notEqual(drain.brokenBy, 'none', JSON.stringify(drain));
  assert.equal(drain.limitedByTier, 'backend', JSON.stringify(drain));

  // Steps that broke name the tier; backend pools were watched, never marked out for lack of requests.
  assert.ok(steps.some((s) => s.verdict === 'breached' && s.brokenTier === 'backend'));
  assert.deepEqual(
    steps.filter((s) => s.verdict === 'breached' && s.brokenTier !== 'backend').map((s) => s.index),
    [],
    log,
  );
  assert.ok(
    !steps.some((s) => s.annotations.some((a) => /backend-small-\d+ marked out/.test(a))),
    'a backend replica was marked out',
  );

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
