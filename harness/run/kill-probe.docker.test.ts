// `docker kill` of a replica during a redline probe, against real Docker, on a pool whose capacity is a cliff
// (two replicas answering 30 req/s each, 503 beyond: testing/cliff-server.js): the replica is marked out, the
// faulted probe neither holds nor breaks, and once the replica is started again it is marked back in and the
// probe repeated. The search then ends as it would without the fault: held at 24 req/s per replica (under the
// cliff), broken twice at 36 (over it). Ports 16530-16539.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { docker } from '../cluster/testing/test-kit';
import { assertSearchPastFault, cliffService } from './testing/cliff-service';
import { containersLeft, drillKit } from './testing/drill-kit';

const kit = drillKit('kill-probe');
const cluster = 'kill-probe-cliff';
const victim = `${cluster}-dc1-small-2`;
const scenario = kit.write(
  'cliff',
  {
    name: cluster,
    driver: 'docker',
    ports: '16530-16539',
    services: { web: cliffService(30) },
    serverTypes: { small: { cpus: 0.25, memoryMb: 64 } },
    regions: [{ name: 'east', dcs: [{ name: 'dc1', demand: 1, pools: { small: 2 } }] }],
  },
  {
    name: 'kill-probe',
    mix: { endpoints: [{ name: 'feed', weight: 1, protocol: 'http', path: '/feed' }] },
    baselineRps: 20,
    timeout: '1s',
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

test('a replica killed mid-probe (docker kill), started again: marked out, back in, the probe repeated, never the bound', async () => {
  let killed = '';
  const timers: NodeJS.Timeout[] = [];
  const { result, summary, steps, log } = await kit.drill(scenario, 'killed', {
    // Killed as the 3 s warm-up ends, from outside headroom as an SRE would, so that its fault falls in the first
    // probe (1 s of settle, 1 s of measure), and started again 3 s later (the watch takes 2 s of failed requests).
    onClusterUp: () => {
      timers.push(
        setTimeout(() => {
          void docker(['kill', victim]).then(() => {
            killed = new Date().toISOString();
            timers.push(setTimeout(() => void docker(['start', victim]), 3000));
          });
        }, 2800),
      );
    },
  });
  for (const t of timers) clearTimeout(t);
  assert.ok(killed, log);
  assert.equal(result.exitCode, 0, log);
  const notes = steps.flatMap((s) => s.annotations);
  assert.ok(
    notes.some((n) => n.startsWith(`replica ${victim} marked out`)),
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
  assert.deepEqual(containersLeft(cluster), []);
});
