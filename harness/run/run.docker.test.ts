// Guards of a DC-loss drill against real Docker, on three clusters of two DCs (one replica each) run side by side
// (ports 16500-16529): dc1 is made slow, failing or CPU-hungry through the admin knobs, far over its guard; losing
// dc1 puts all traffic on the healthy dc2, which holds (the control); losing dc2 puts it on dc1, which breaks on
// that guard only, and the drill fails (exit 99) naming the survivor and the guard. The faults and signals of a
// hold are in hold.docker.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Guards } from '../drill';
import { docker } from '../cluster/testing/test-kit';
import { drillKit, readSteps, readSummary } from './testing/drill-kit';

const kit = drillKit('guards');

/** Sets the reference service's knobs of a replica through its admin endpoint (its address from its labels). */
async function setKnobs(container: string, knobs: Record<string, number>): Promise<void> {
  const at = (await docker(['inspect', '-f', '{{index .Config.Labels "headroom.http"}}', container])).trim();
  const res = await fetch(`http://${at}/admin/knobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(knobs),
  });
  assert.equal(res.status, 200, await res.text());
}

/**
 * Losing dc2 puts all `rps` on dc1, whose replica (of `cpus`) got `knobs`; losing dc1 (dc2 healthy) is the control.
 * Each request costs about 1 ms of CPU besides the knobs.
 */
async function guardCase(
  name: string,
  ports: string,
  opts: { knobs: Record<string, number>; guards: Guards; timeout: string; rps: number; cpus: number },
  expected: string,
) {
  const cluster = `guards-${name}`;
  const scenario = kit.write(
    name,
    {
      name: cluster,
      driver: 'docker',
      ports,
      service: { env: { FEED_CPU_MS: '0.5' } },
      serverTypes: { medium: { cpus: opts.cpus, memoryMb: 128 } },
      regions: [
        { name: 'east', dcs: [{ name: 'dc1', demand: 50, pools: { medium: 1 } }] },
        { name: 'west', dcs: [{ name: 'dc2', demand: 50, pools: { medium: 1 } }] },
      ],
    },
    {
      name: `guards-${name}`,
      mix: {
        endpoints: [{ name: 'feed', weight: 1, protocol: 'http', path: '/feed?user={{user}}' }],
        params: { user: { kind: 'uniform', min: 1, max: 1000 } },
      },
      baselineRps: opts.rps,
      timeout: opts.timeout,
      guards: opts.guards,
      guardWindow: '2s',
      guardDelay: '1s',
      safety: { maxErrorRate: 0.9, maxTotalRps: 200 },
      settle: '0.5s',
      measure: '2.5s',
      drills: [
        { kind: 'lose-dc', name: 'lose-dc1', dc: 'dc1' },
        { kind: 'lose-dc', name: 'lose-dc2', dc: 'dc2' },
      ],
    },
  );
  // Through the CLI, a process per drill (the three run side by side); dc1's knobs set over HTTP, as an operator
  // would, once its replica is up: the warm-up and the control step come before dc1 carries any traffic alone.
  let knobbed: Promise<string> | undefined;
  const run = await kit.cli(scenario, name, {
    onLog: (text) => {
      if (!knobbed && /replicas up in/.test(text))
        knobbed = setKnobs(`${cluster}-dc1-medium-1`, opts.knobs).then(
          () => 'set',
          (err) => String(err),
        );
    },
  });
  assert.equal(await knobbed, 'set', run.log);
  const { log } = run;
  const summary = readSummary(run.out);
  const steps = readSteps(run.out);
  // A survivor that breaks fails the drill: exit 99, the survivor and its guard named.
  assert.equal(run.code, 99, log);
  assert.equal(summary.status, 'failed');
  assert.ok(
    summary.failures?.some((f) => f.kind === 'survivor' && f.name.includes('dc1') && f.detail.includes(expected)),
    JSON.stringify(summary.failures),
  );
  const [loseDc1, loseDc2] = summary.failovers;
  assert.equal(loseDc1.lostDc, 'dc1');
  assert.deepEqual(
    loseDc1.survivors.map((s) => [s.dc, s.held]),
    [['dc2', true]],
    `control broke: ${log}`,
  );
  assert.equal(loseDc2.lostDc, 'dc2');
  const survivor = loseDc2.survivors[0];
  assert.equal(survivor.dc, 'dc1');
  assert.equal(survivor.held, false, log);
  assert.equal(survivor.brokenBy, expected, log);
  assert.equal(loseDc2.held, false);
  // The breach ended the step early and is in steps.ndjson with the guard's value; no other guard broke.
  const step = steps.find((s) => s.drill === 'lose-dc2' && s.verdict === 'breached')!;
  assert.ok(step, log);
  assert.deepEqual(
    step.guards.filter((g) => !g.ok).map((g) => g.name),
    [expected],
    JSON.stringify(step.guards),
  );
  return step.guards.find((g) => g.name === expected)!.value!;
}

const all = (latency: string): Guards => ({
  http_req_duration: [latency],
  http_req_failed: ['rate<0.05'],
  cpu_share: ['max<0.4'],
});

describe('a survivor breaks on the guard its DC was made to break', { concurrency: 3 }, () => {
  // 40 req/s on half a CPU: 8% of the quota.
  const light = { rps: 40, cpus: 0.5 };

  // Every answer of dc1 waits 0.7 s (twice the guard; the healthy dc2 answers in tens of ms), short of the second
  // of silence after which the replica watch takes a replica for dead.
  test('latency: dc1 waiting 0.7 s per request breaks p(99)<350 only', async () => {
    const p99 = await guardCase(
      'latency',
      '16500-16509',
      { ...light, knobs: { backendWaitMs: 700 }, guards: all('p(99)<350'), timeout: '2s' },
      'http_req_duration: p(99)<350',
    );
    assert.ok(p99 >= 700, `p99 ${p99}`);
  });

  test('errors: dc1 failing half of its requests breaks rate<0.05', async () => {
    const rate = await guardCase(
      'errors',
      '16510-16519',
      { ...light, knobs: { errorRate: 0.5 }, guards: all('p(99)<750'), timeout: '1s' },
      'http_req_failed: rate<0.05',
    );
    assert.ok(rate > 0.2 && rate < 0.8, `error rate ${rate}`);
  });

  // 10 req/s on a tenth of a CPU: the healthy dc2 uses 10-15% of its quota, the hungry dc1 (7 ms more per
  // request) 75-80%, against a guard at 40%; small figures in CPU time, so that a busy machine still gives the
  // hungry replica the 40 ms a second it needs to break the guard. No latency guard here: a CPU-starved replica
  // queues, and p99 would race the CPU guard.
  test('CPU: dc1 made CPU-hungry (7 ms more per request) breaks cpu_share max<0.4', async () => {
    await guardCase(
      'cpu',
      '16520-16529',
      {
        rps: 10,
        cpus: 0.1,
        knobs: { feedCpuMs: 7 },
        guards: { http_req_failed: ['rate<0.05'], cpu_share: ['max<0.4'] },
        timeout: '2s',
      },
      'cpu_share: max<0.4',
    );
  });
});
