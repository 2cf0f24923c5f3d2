// Faulted probes and saturation against real Docker. A replica paused mid-search (through the driver's own fault)
// on a pool whose capacity is a cliff (two replicas answering 30 req/s each, 503 beyond: testing/cliff-server.js,
// ports 16540-16549) is marked out for its silence, back in once unpaused, and its probe repeated: the search
// ends as without the fault. A pool of reference replicas offered fifteen times what their CPU quota serves (ports
// 16550-16559) is saturated, not dead: no replica is marked out. The two drills run side by side.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSearchPastFault, cliffService } from './testing/cliff-service';
import { drillKit, pauseReplica, readSteps } from './testing/drill-kit';

const kit = drillKit('pool-faults');
const feed = { endpoints: [{ name: 'feed', weight: 1, protocol: 'http' as const, path: '/feed?user={{user}}' }] };
const users = { user: { kind: 'uniform' as const, min: 1, max: 1000 } };

describe('faults and saturation of a pool', { concurrency: 2 }, () => {
  test('a replica paused mid-probe: marked out for its silence, back in, the probe repeated; the search as without the fault', async () => {
    const cluster = 'pool-faults-cliff';
    const victim = `${cluster}-dc1-small-2`;
    const scenario = kit.write(
      'paused',
      {
        name: cluster,
        driver: 'docker',
        ports: '16540-16549',
        services: { web: cliffService(30) },
        serverTypes: { small: { cpus: 0.25, memoryMb: 64 } },
        regions: [{ name: 'east', dcs: [{ name: 'dc1', demand: 1, pools: { small: 2 } }] }],
      },
      {
        name: 'pool-faults-paused',
        mix: { ...feed, params: users },
        baselineRps: 20,
        timeout: '2s',
        // Only the cliff can break a probe: 36 req/s per replica has a sixth of its requests answered 503; at 24 a
        // generator a busy machine made late sends a bunch at once, which still fits in the second's 30 and the 10%.
        guards: { http_req_failed: ['rate<0.1'] },
        guardWindow: '1s',
        guardDelay: '1s',
        safety: { maxErrorRate: 1, maxTotalRps: 200 },
        // Short attempts, and up to five more of one a late generator left unstable: a busy machine gets its chances.
        settle: '1s',
        measure: '1s',
        // 24 and 36 are a bracket within the resolution: the search needs no bisection.
        drills: [
          {
            kind: 'redline',
            // One search: the test checks what it finds, not how precisely (no time for more).
            budget: '0s',
            name: 'redline',
            pool: 'dc1/small',
            startRps: 24,
            maxRps: 36,
            rampFactor: 1.5,
            resolution: 0.5,
            repeatUnstable: 5,
          },
        ],
      },
    );
    const timers: NodeJS.Timeout[] = [];
    let paused: string | true = 'never';
    const { result, summary, steps, log } = await kit.drill(scenario, 'paused', {
      // Paused as the 3 s warm-up ends, so that its silence falls in the first probe (1 s of settle, 1 s of measure,
      // repeated while the missing answers make it unstable), for 2.5 s.
      onClusterUp: (c) => {
        timers.push(
          setTimeout(() => {
            pauseReplica(c, victim).then(
              () => {
                paused = true;
                timers.push(setTimeout(() => void c.unpause(victim), 2500));
              },
              (err) => (paused = String(err)),
            );
          }, 2800),
        );
      },
    });
    for (const t of timers) clearTimeout(t);
    assert.equal(paused, true, log);
    assert.equal(result.exitCode, 0, log);
    const notes = steps.flatMap((s) => s.annotations);
    // Silence, not failures: its requests were still waiting (2 s timeout) when it was marked out.
    assert.ok(
      notes.some((n) => n.startsWith(`replica ${victim} marked out`) && /not answering/.test(n)),
      notes.join('\n'),
    );
    assert.ok(
      notes.some((n) => n.startsWith(`replica ${victim} marked in`)),
      notes.join('\n'),
    );
    // The first probe (24 req/s per replica) was the one the fault cut short: the search repeated it.
    assert.ok(
      notes.includes(
        'probe at 24 req/s per replica of dc1/small faulted (a replica marked out or in): repeated once the pool is whole',
      ),
      notes.join('\n'),
    );
    // Then the search as without the fault: 24 held with the pool whole, 36 broken twice on the cliff's 503s.
    assertSearchPastFault(steps, 24, 36, log);
    const r = summary.redlines[0];
    assert.equal(r.status, 'redline', JSON.stringify(r));
    assert.equal(r.rpsPerReplica, 24, JSON.stringify(r));
    assert.equal(r.limitedBy, 'http_req_failed: rate<0.1', JSON.stringify(r));
  });

  test('offered fifteen times what the pool can serve: saturated, not dead, no replica marked out', async () => {
    const scenario = kit.write(
      'saturated',
      {
        name: 'pool-faults-saturated',
        driver: 'docker',
        ports: '16550-16559',
        // 50 ms of CPU per request on a tenth of a CPU: about 2 req/s per replica, offered 30. A small quota, so
        // that a busy machine still gives a replica most of it: saturated, it works at its quota.
        service: { env: { FEED_CPU_MS: '50' } },
        serverTypes: { small: { cpus: 0.1, memoryMb: 128 } },
        regions: [{ name: 'east', dcs: [{ name: 'dc1', demand: 1, pools: { small: 2 } }] }],
      },
      {
        name: 'pool-faults-saturated',
        mix: { ...feed, params: users },
        baselineRps: 60,
        timeout: '2s',
        guards: { http_req_duration: ['p(99)<1500'] },
        guardDelay: '1s',
        safety: { maxErrorRate: 1, maxTotalRps: 200 },
        settle: '0.5s',
        measure: '2s',
        drills: [{ kind: 'hold', name: 'saturate', steps: 2 }],
      },
    );
    // Through the CLI, in a process of its own: its generator's event loop is not the paused drill's.
    const run = await kit.cli(scenario, 'saturated');
    const { log } = run;
    assert.equal(run.code, 0, log);
    const steps = readSteps(run.out);
    assert.equal(steps.length, 2, log);
    assert.deepEqual(
      steps.flatMap((s) => s.annotations).filter((n) => /marked out/.test(n)),
      [],
    );
    assert.ok(steps.every((s) => s.replicas.every((x) => x.serving)));
    // Saturated indeed: the pool answered far less than it was offered (its quota serves about 4 of the 60 req/s;
    // on a busy machine every answer may come after its request's timeout), while its replicas worked: CPU well
    // above the share under which the replica watch takes a replica whose requests fail for idle (10%).
    assert.ok(
      steps.some((s) => {
        const p = s.pools[0];
        return p.rps * (1 - p.errorRate) < 30 && (p.cpuShare ?? 0) > 0.2;
      }),
      JSON.stringify(steps.map((s) => s.pools[0])),
    );
  });
});
